package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/voxdial/voxdial/campaign"
	"github.com/voxdial/voxdial/store"
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
	if rows <= 0 {
		return usageErr("--rows %d: must be positive", rows)
	}
	db, err := openStore(ctx, dbURL, true)
	if err != nil {
		return err
	}
	defer db.Close()
	name := "bench-import-" + time.Now().UTC().Format("20060102T150405.000")
	c, err := campaign.Create(ctx, db, campaign.CreateParams{Name: name, Requires: []string{"first_name", "amount", "due_date"}})
	if err != nil {
		return failureErr(err)
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(campaign.GenerateCSV(pw, rows, 1, 0)) }()
	fmt.Fprintf(stderr, "voxdial bench import: %d rows into %s (%s)\n", rows, db.Backend(), name)
	cpu0 := processCPU()
	start := time.Now()
	rep, err := campaign.Import(ctx, db, pr, campaign.ImportOptions{Campaign: c, File: "generated.csv"})
	wall := time.Since(start)
	cpu := processCPU() - cpu0
	if err != nil {
		return failureErr(err)
	}
	// Read before the clean-up below, which may run on the same backend.
	var dbCPU time.Duration
	var dbCPUok bool
	if rep.Store != nil && rep.Store.ServerPID != 0 {
		dbCPU, dbCPUok = pidCPU(rep.Store.ServerPID)
	}
	if !keep {
		if err := db.CampaignDelete(context.WithoutCancel(ctx), &store.CampaignGetParams{ID: c.ID}); err != nil {
			fmt.Fprintf(stderr, "delete benchmark campaign: %v\n", err)
		}
	}
	out := map[string]any{
		"go_version": runtime.Version(), "gomaxprocs": runtime.GOMAXPROCS(0),
		"duration_s": round3(wall.Seconds()), "cpu_cores": round3(cpu.Seconds() / wall.Seconds()),
		"rows": rep.Rows, "imported": rep.Imported, "rejected": rep.Rejected, "duplicates": rep.Duplicates,
		"rows_per_second": int(float64(rep.Rows) / wall.Seconds()), "backend": db.Backend(), "campaign": name,
	}
	if st := rep.Store; st != nil && st.ServerPID != 0 {
		out["stage_s"], out["merge_s"] = round3(st.Stage.Seconds()), round3(st.Merge.Seconds())
		// A local server's backend: its CPU time is the figure that does not
		// depend on what else the machine is doing.
		if dbCPUok {
			out["db_backend_cpu_s"] = round3(dbCPU.Seconds())
			out["rows_per_db_cpu_second"] = int(float64(rep.Rows) / dbCPU.Seconds())
		}
	}
	if jsonOut {
		return json.NewEncoder(stdout).Encode(out)
	}
	fmt.Fprintf(stdout, "%d rows in %.2fs: %.0f rows/s into %s (process CPU %.2f cores; %d imported, %d rejected)\n",
		rep.Rows, wall.Seconds(), float64(rep.Rows)/wall.Seconds(), db.Backend(), cpu.Seconds()/wall.Seconds(), rep.Imported, rep.Rejected)
	return nil
}

func round3(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }

// pidCPU reads a local process's user+system CPU time from /proc; false
// when the process is not on this machine (or not readable).
func pidCPU(pid uint32) (time.Duration, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, false
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	const clkTck = 100 // USER_HZ on Linux
	return time.Duration(ut+st) * time.Second / clkTck, true
}
