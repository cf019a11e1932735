package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/voxdial/voxdial/campaign"
	"github.com/voxdial/voxdial/store"
)

// ImportOptions are `voxdial bench import`'s flags.
type ImportOptions struct {
	DB   *store.DB
	Rows int  // contacts to generate
	Keep bool // keep the campaign and its contacts
}

// Check reports options that cannot run (before the caller opens a database for them).
func (o *ImportOptions) Check() error {
	if o.Rows <= 0 {
		return usage("--rows %d: must be positive", o.Rows)
	}
	return nil
}

// ImportReport is `voxdial bench import --json`. DurationS and CPUCores cover the import
// alone, rounded to thousandths.
type ImportReport struct {
	Common
	Rows          int           `json:"rows"`
	Imported      int           `json:"imported"`
	Rejected      int           `json:"rejected"`
	Duplicates    int           `json:"duplicates"`
	RowsPerSecond int           `json:"rows_per_second"`
	Backend       store.Backend `json:"backend"`
	Campaign      string        `json:"campaign"`
	// On PostgreSQL: the COPY and merge phases.
	StageS *float64 `json:"stage_s,omitempty"`
	MergeS *float64 `json:"merge_s,omitempty"`
	// A local server's backend: its CPU time is the figure that does not depend on what
	// else the machine is doing.
	DBBackendCPUS      *float64 `json:"db_backend_cpu_s,omitempty"`
	RowsPerDBCPUSecond *int     `json:"rows_per_db_cpu_second,omitempty"`
}

// Import generates a CSV file of o.Rows distinct contacts (US numbers, three variables)
// and streams it into a new campaign, bench-import-<time>, through the real import path
// (validation, E.164, COPY on PostgreSQL). The campaign is deleted afterwards unless
// o.Keep.
func Import(ctx context.Context, o ImportOptions, progress io.Writer) (*ImportReport, error) {
	if err := o.Check(); err != nil {
		return nil, err
	}
	say := progressTo(progress)
	db := o.DB
	name := "bench-import-" + time.Now().UTC().Format("20060102T150405.000")
	c, err := campaign.Create(ctx, db, campaign.CreateParams{Name: name, Requires: []string{"first_name", "amount", "due_date"}})
	if err != nil {
		return nil, err
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(campaign.GenerateCSV(pw, o.Rows, 1, 0)) }()
	say("voxdial bench import: %d rows into %s (%s)\n", o.Rows, db.Backend(), name)
	cpu0 := ProcessCPU()
	start := time.Now()
	rep, err := campaign.Import(ctx, db, pr, campaign.ImportOptions{Campaign: c, File: "generated.csv"})
	wall := time.Since(start)
	cpu := ProcessCPU() - cpu0
	if err != nil {
		return nil, err
	}
	// Read before the clean-up below, which may run on the same backend.
	var dbCPU time.Duration
	var dbCPUok bool
	if rep.Store != nil && rep.Store.ServerPID != 0 {
		dbCPU, dbCPUok = pidCPU(rep.Store.ServerPID)
	}
	if !o.Keep {
		if err := db.CampaignDelete(context.WithoutCancel(ctx), &store.CampaignGetParams{ID: c.ID}); err != nil {
			say("delete benchmark campaign: %v\n", err)
		}
	}
	out := &ImportReport{
		Common: Common{GoVersion: runtime.Version(), GOMAXPROCS: runtime.GOMAXPROCS(0),
			DurationS: round3(wall.Seconds()), CPUCores: round3(cpu.Seconds() / wall.Seconds())},
		Rows: rep.Rows, Imported: rep.Imported, Rejected: rep.Rejected, Duplicates: rep.Duplicates,
		RowsPerSecond: int(float64(rep.Rows) / wall.Seconds()), Backend: db.Backend(), Campaign: name,
	}
	if st := rep.Store; st != nil && st.ServerPID != 0 {
		stage, merge := round3(st.Stage.Seconds()), round3(st.Merge.Seconds())
		out.StageS, out.MergeS = &stage, &merge
		if dbCPUok {
			s, r := round3(dbCPU.Seconds()), int(float64(rep.Rows)/dbCPU.Seconds())
			out.DBBackendCPUS, out.RowsPerDBCPUSecond = &s, &r
		}
	}
	return out, nil
}

// pidCPU reads a local process's user+system CPU time from /proc; false when the process
// is not on this machine (or not readable).
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
