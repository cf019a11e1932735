package main

import (
	"github.com/spf13/cobra"

	"github.com/voxdial/voxdial/internal/bench"
)

// newBenchCmd is the parent of the whole-system benchmarks (internal/bench). Each prints
// one JSON object so that runs on the same machine can be compared; the files
// bench_*.go only parse flags, call internal/bench and print the report.
func newBenchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Whole-system benchmarks (one JSON object per run)",
	}
	cmd.AddCommand(newBenchCallsCmd(), newBenchGateCmd(), newBenchImportCmd(), newBenchMediaCmd(), newBenchASRCmd(), newBenchTTSCmd(), newBenchBotCmd(), newBenchPacingCmd(), newBenchCampaignCmd())
	return cmd
}

// benchErr gives a bench's error its exit code: bad options exit 2, a failed run 1.
func benchErr(err error) error {
	switch {
	case err == nil:
		return nil
	case bench.IsUsage(err):
		return &exitError{code: exitUsage, err: err}
	default:
		return failureErr(err)
	}
}
