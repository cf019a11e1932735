package bench

import (
	"context"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/voxdial/voxdial/compliance"
	"github.com/voxdial/voxdial/compliance/compliancebench"
)

// GateOptions are `voxdial bench gate`'s flags (the in-memory gate).
type GateOptions struct {
	DNCNumbers int // national DNC entries
	Contacts   int // callees, each with a consent record
	Attempts   int // distinct prepared attempts, cycled
	Duration   time.Duration
	Seed       uint64
}

// GateReport is `voxdial bench gate --json`.
type GateReport struct {
	Common
	Decisions                 int64   `json:"decisions"`
	DecisionsPerSecond        float64 `json:"decisions_per_second"`
	DecisionsPerSecondPerCore float64 `json:"decisions_per_second_per_core"` // per process CPU second
	AllocsPerDecision         float64 `json:"allocs_per_decision"`
	DNCNumbers                uint64  `json:"dnc_numbers"`
	DNCBytesPerNumber         float64 `json:"dnc_bytes_per_number"`
	DNCBuildNumbersPerSecond  float64 `json:"dnc_build_numbers_per_second"`
	Consents                  int     `json:"consents"`
	AttemptsDistinct          int     `json:"attempts_distinct"`
	Verdicts                  struct {
		Allow int64 `json:"allow"`
		Block int64 `json:"block"`
		Hold  int64 `json:"hold"`
	} `json:"verdicts"`
	HeapInuseBytes uint64 `json:"heap_inuse_bytes"`
}

// Gate builds a synthetic world (compliancebench) and runs Gate.Check on GOMAXPROCS
// goroutines for o.Duration over its prepared attempts.
func Gate(ctx context.Context, o GateOptions, progress io.Writer) (*GateReport, error) {
	if o.DNCNumbers <= 0 || o.Contacts <= 0 || o.Attempts <= 0 || o.Duration <= 0 {
		return nil, usage("bench gate: --dnc-numbers, --contacts, --attempts and --duration must be positive")
	}
	say := progressTo(progress)
	say("bench gate: building %d DNC numbers, %d contacts\n", o.DNCNumbers, o.Contacts)
	w, err := compliancebench.New(compliancebench.Options{DNCNumbers: o.DNCNumbers, Contacts: o.Contacts, Attempts: o.Attempts, Seed: o.Seed})
	if err != nil {
		return nil, err
	}
	say("bench gate: DNC index built in %v; warming the number cache\n", w.DNCBuildTime.Round(time.Millisecond))
	w.Warm(ctx)
	runtime.GC()

	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	var decisions atomic.Int64
	var verdicts [3]atomic.Int64
	procs := runtime.GOMAXPROCS(0)
	deadline := time.Now().Add(o.Duration)
	m := startMeter()
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
	rep := &GateReport{Common: m.common()}
	runtime.ReadMemStats(&ms1)
	n := float64(decisions.Load())
	rep.Decisions = int64(n)
	rep.DecisionsPerSecond = n / rep.DurationS
	rep.DecisionsPerSecondPerCore = n / rep.cpuSeconds()
	rep.AllocsPerDecision = float64(ms1.Mallocs-ms0.Mallocs) / n
	rep.DNCNumbers = w.DNCNumbers
	rep.DNCBytesPerNumber = float64(w.DNCBytes) / float64(w.DNCNumbers)
	rep.DNCBuildNumbersPerSecond = float64(w.DNCNumbers) / w.DNCBuildTime.Seconds()
	rep.Consents = w.ConsentsCount
	rep.AttemptsDistinct = len(w.Attempts)
	rep.Verdicts.Allow = verdicts[compliance.Allow].Load()
	rep.Verdicts.Block = verdicts[compliance.Block].Load()
	rep.Verdicts.Hold = verdicts[compliance.Hold].Load()
	rep.HeapInuseBytes = ms1.HeapInuse
	return rep, nil
}
