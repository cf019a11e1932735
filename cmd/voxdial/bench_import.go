package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/voxdial/voxdial/internal/bench"
)

// newBenchImportCmd is `voxdial bench import`: generate a contact file,
// stream it into a fresh campaign and print the rate.
func newBenchImportCmd() *cobra.Command {
	var dbURL string
	var rows int
	var jsonOut, keep bool
	cmd := &cobra.Command{
		Use:   "import [--rows N] [--database-url URL]",
		Short: "Import a generated contact file and measure rows per second",
		Long: `Generate a CSV file of N distinct contacts (US numbers, three variables),
stream it into a new campaign through the real import path (validation,
E.164, COPY on PostgreSQL) and print the figures. The campaign is named
bench-import-<time>; it is deleted afterwards unless --keep.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBenchImport(cmd.Context(), dbURL, rows, keep, jsonOut, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVar(&dbURL, "database-url", "", "database (default $VOXDIAL_DATABASE_URL, else "+defaultDatabaseURL+")")
	cmd.Flags().IntVar(&rows, "rows", 1000000, "rows to generate")
	cmd.Flags().BoolVar(&keep, "keep", false, "keep the benchmark campaign and its contacts")
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print the figures as one JSON document")
	return cmd
}

func runBenchImport(ctx context.Context, dbURL string, rows int, keep, jsonOut bool, stdout, stderr io.Writer) error {
	o := bench.ImportOptions{Rows: rows, Keep: keep}
	if err := o.Check(); err != nil {
		return benchErr(err)
	}
	db, err := openStore(ctx, dbURL, true)
	if err != nil {
		return err
	}
	defer db.Close()
	o.DB = db
	rep, err := bench.Import(ctx, o, stderr)
	if err != nil {
		return benchErr(err)
	}
	if jsonOut {
		return json.NewEncoder(stdout).Encode(rep)
	}
	fmt.Fprintf(stdout, "%d rows in %.2fs: %.0f rows/s into %s (process CPU %.2f cores; %d imported, %d rejected)\n",
		rep.Rows, rep.DurationS, float64(rep.Rows)/rep.DurationS, rep.Backend, rep.CPUCores, rep.Imported, rep.Rejected)
	return nil
}
