package main

import (
	"runtime"
	"sort"
	"syscall"
	"time"

	"github.com/spf13/cobra"
)

// newBenchCmd is the parent of the whole-system benchmarks. Each prints one
// JSON object so that runs on the same machine can be compared.
func newBenchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Whole-system benchmarks (one JSON object per run)",
	}
	cmd.AddCommand(newBenchCallsCmd(), newBenchGateCmd(), newBenchImportCmd(), newBenchMediaCmd(), newBenchASRCmd(), newBenchTTSCmd(), newBenchBotCmd())
	return cmd
}

// benchMeter measures wall time and process CPU time over a run.
type benchMeter struct {
	start    time.Time
	cpuStart time.Duration
}

func startMeter() *benchMeter {
	return &benchMeter{start: time.Now(), cpuStart: processCPU()}
}

// common returns the keys every bench object carries (DESIGN.md §4).
func (m *benchMeter) common() map[string]any {
	wall := time.Since(m.start)
	cpu := processCPU() - m.cpuStart
	return map[string]any{
		"go_version": runtime.Version(),
		"gomaxprocs": runtime.GOMAXPROCS(0),
		"duration_s": wall.Seconds(),
		"cpu_cores":  cpu.Seconds() / wall.Seconds(),
	}
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// percentiles of durations in milliseconds.
func percentilesMS(ds []time.Duration, ps ...float64) map[string]float64 {
	out := map[string]float64{}
	if len(ds) == 0 {
		return out
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	for _, p := range ps {
		i := int(p / 100 * float64(len(s)-1))
		out[percentileKey(p)] = float64(s[i].Microseconds()) / 1000
	}
	out["max"] = float64(s[len(s)-1].Microseconds()) / 1000
	return out
}

func percentileKey(p float64) string {
	switch p {
	case 50:
		return "p50"
	case 95:
		return "p95"
	case 99:
		return "p99"
	}
	return "p"
}
