package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/voxdial/voxdial/compliance"
	"github.com/voxdial/voxdial/compliance/compliancebench"
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

// newBenchGateCmd measures compliance.Gate.Check on the in-memory sources.
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
				if f.storeContacts <= 0 || f.storeDNC <= 0 || f.storeConcurrency <= 0 || f.duration <= 0 {
					return usageErr("bench gate: --store-contacts, --store-dnc, --store-concurrency and --duration must be positive")
				}
				return runBenchGateStore(cmd.Context(), f, cmd.OutOrStdout(), cmd.ErrOrStderr())
			}
			return runBenchGate(cmd.Context(), f, cmd.OutOrStdout(), cmd.ErrOrStderr())
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

func runBenchGate(ctx context.Context, f *benchGateFlags, stdout, stderr io.Writer) error {
	if f.dncNumbers <= 0 || f.contacts <= 0 || f.attempts <= 0 || f.duration <= 0 {
		return usageErr("bench gate: --dnc-numbers, --contacts, --attempts and --duration must be positive")
	}
	progress := func(format string, args ...any) {
		if stderr != nil {
			fmt.Fprintf(stderr, format, args...)
		}
	}
	progress("bench gate: building %d DNC numbers, %d contacts\n", f.dncNumbers, f.contacts)
	w, err := compliancebench.New(compliancebench.Options{DNCNumbers: f.dncNumbers, Contacts: f.contacts, Attempts: f.attempts, Seed: f.seed})
	if err != nil {
		return failureErr(err)
	}
	progress("bench gate: DNC index built in %v; warming the number cache\n", w.DNCBuildTime.Round(time.Millisecond))
	w.Warm(ctx)
	runtime.GC()

	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	var decisions atomic.Int64
	var verdicts [3]atomic.Int64
	procs := runtime.GOMAXPROCS(0)
	deadline := time.Now().Add(f.duration)
	meter := startMeter()
	var wg sync.WaitGroup
	for p := 0; p < procs; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			var d compliance.Decision
			n := int64(0)
			var local [3]int64
			i := p * len(w.Attempts) / procs
			for {
				for k := 0; k < 1024; k++ {
					w.Gate.CheckTo(ctx, &w.Attempts[i], &d)
					local[d.Verdict]++
					i++
					if i == len(w.Attempts) {
						i = 0
					}
				}
				n += 1024
				if time.Now().After(deadline) || ctx.Err() != nil {
					break
				}
			}
			decisions.Add(n)
			for v := range local {
				verdicts[v].Add(local[v])
			}
		}(p)
	}
	wg.Wait()
	res := meter.common()
	runtime.ReadMemStats(&ms1)
	n := float64(decisions.Load())
	cpuSeconds := res["cpu_cores"].(float64) * res["duration_s"].(float64)
	res["decisions"] = int64(n)
	res["decisions_per_second"] = n / res["duration_s"].(float64)
	res["decisions_per_second_per_core"] = n / cpuSeconds
	res["allocs_per_decision"] = float64(ms1.Mallocs-ms0.Mallocs) / n
	res["dnc_numbers"] = w.DNCNumbers
	res["dnc_bytes_per_number"] = float64(w.DNCBytes) / float64(w.DNCNumbers)
	res["dnc_build_numbers_per_second"] = float64(w.DNCNumbers) / w.DNCBuildTime.Seconds()
	res["consents"] = w.ConsentsCount
	res["attempts_distinct"] = len(w.Attempts)
	res["verdicts"] = map[string]int64{
		"allow": verdicts[compliance.Allow].Load(),
		"block": verdicts[compliance.Block].Load(),
		"hold":  verdicts[compliance.Hold].Load(),
	}
	res["heap_inuse_bytes"] = ms1.HeapInuse
	return printJSON(stdout, res)
}
