package main

import (
	"context"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/voxdial/voxdial/internal/bench"
)

type benchGateFlags struct {
	dncNumbers, contacts, attempts int
	duration                       time.Duration
	seed                           uint64
	jsonOut                        bool
	// --store: the store-backed gate instead of the in-memory one.
	storeURL                                  string
	storeContacts, storeDNC, storeConcurrency int
}

// newBenchGateCmd measures compliance.Gate.Check on the in-memory sources, or with
// --store the store-backed gate (internal/bench).
func newBenchGateCmd() *cobra.Command {
	f := &benchGateFlags{}
	cmd := &cobra.Command{
		Use:   "gate",
		Short: "Measure compliance-gate decisions per second per core with a large DNC index",
		Long: `Builds a synthetic world — a national DNC index of --dnc-numbers US numbers (roaring
bitmaps), --contacts callees each with a consent record, history for a fifth of them —
then runs Gate.Check on GOMAXPROCS goroutines for --duration over prepared attempts
(telemarketing and collections, business hours and outside). Reports
decisions_per_second_per_core (decisions per process CPU second), dnc_numbers,
dnc_bytes_per_number and allocs_per_decision, with the keys every bench carries.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.storeURL != "" {
				return runBenchGateStore(cmd.Context(), f, cmd.OutOrStdout(), cmd.ErrOrStderr())
			}
			rep, err := bench.Gate(cmd.Context(), bench.GateOptions{DNCNumbers: f.dncNumbers, Contacts: f.contacts,
				Attempts: f.attempts, Duration: f.duration, Seed: f.seed}, cmd.ErrOrStderr())
			if err != nil {
				return benchErr(err)
			}
			return printJSON(cmd.OutOrStdout(), rep)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&f.dncNumbers, "dnc-numbers", 5_000_000, "national DNC entries (the target run uses 50,000,000)")
	fl.IntVar(&f.contacts, "contacts", 1_000_000, "callees, each with a consent record")
	fl.IntVar(&f.attempts, "attempts", 1<<16, "distinct prepared attempts, cycled")
	fl.DurationVar(&f.duration, "duration", 5*time.Second, "measurement time")
	fl.Uint64Var(&f.seed, "seed", 1, "random seed of the synthetic world")
	fl.BoolVar(&f.jsonOut, "json", true, "print one JSON object")
	fl.StringVar(&f.storeURL, "store", "", "measure the store-backed gate on this database instead (a scratch database: the bench adds a seller, a campaign, consents and a national DNC copy); three phases: no audit, one audit transaction per decision, group commit")
	fl.IntVar(&f.storeContacts, "store-contacts", 10_000, "with --store: callees with a consent record")
	fl.IntVar(&f.storeDNC, "store-dnc", 1_000_000, "with --store: national DNC numbers")
	fl.IntVar(&f.storeConcurrency, "store-concurrency", 32, "with --store: concurrent callers (the runner's dial workers)")
	return cmd
}

// runBenchGateStore opens the scratch database and measures the store-backed gate on it.
func runBenchGateStore(ctx context.Context, f *benchGateFlags, stdout, stderr io.Writer) error {
	o := bench.GateStoreOptions{Contacts: f.storeContacts, DNCNumbers: f.storeDNC, Concurrency: f.storeConcurrency, Duration: f.duration}
	if err := o.Check(); err != nil {
		return benchErr(err)
	}
	db, err := openStore(ctx, f.storeURL, true)
	if err != nil {
		return err
	}
	defer db.Close()
	o.DB = db
	rep, err := bench.GateStore(ctx, o, stderr)
	if err != nil {
		return benchErr(err)
	}
	return printJSON(stdout, rep)
}
