package compliance_test

import (
	"context"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/voxdial/voxdial/compliance"
	"github.com/voxdial/voxdial/compliance/compliancebench"
)

// processCPU is the process's CPU time: on a shared machine, CPU per operation is steadier
// than wall time per operation.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// The in-memory hot path does not allocate, for allowed and refused attempts alike.
func TestCheckAllocationFree(t *testing.T) {
	w, err := compliancebench.New(compliancebench.Options{DNCNumbers: 200_000, Contacts: 20_000, Attempts: 2_000, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	w.Warm(ctx)
	var d compliance.Decision
	verdicts := map[compliance.Verdict]int{}
	for i := range w.Attempts {
		w.Gate.CheckTo(ctx, &w.Attempts[i], &d)
		verdicts[d.Verdict]++
	}
	if verdicts[compliance.Allow] == 0 || verdicts[compliance.Block] == 0 {
		t.Fatalf("workload should mix verdicts: %v", verdicts)
	}
	i := 0
	allocs := testing.AllocsPerRun(5000, func() {
		w.Gate.CheckTo(ctx, &w.Attempts[i%len(w.Attempts)], &d)
		i++
	})
	if allocs != 0 {
		t.Errorf("%.2f allocations per decision, want 0", allocs)
	}
	n, _ := compliance.ParseNumber(w.Attempts[0].Number)
	q := compliance.DNCQuery{Number: n, Seller: "S1", At: w.Attempts[0].At}
	if a := testing.AllocsPerRun(1000, func() { _, _ = w.DNC.LookupDNC(ctx, q) }); a != 0 {
		t.Errorf("DNC lookup: %.2f allocations, want 0", a)
	}
}

func BenchmarkGateCheck(b *testing.B) {
	benchGateCheck(b, compliancebench.Options{DNCNumbers: 1_000_000, Contacts: 100_000, Attempts: 1 << 14, Seed: 1})
}

// BenchmarkGateCheckLarge is the `voxdial bench gate` world (1,000,000 callees, 5,000,000
// DNC numbers) on one goroutine: the per-decision cache misses of a large world show here.
func BenchmarkGateCheckLarge(b *testing.B) { benchGateCheck(b, compliancebench.Options{Seed: 1}) }

// benchGateCheck runs Gate.CheckTo on one goroutine over a world made with o (Attempts a
// power of two), reporting process CPU per decision.
func benchGateCheck(b *testing.B, o compliancebench.Options) {
	w, err := compliancebench.New(o)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	w.Warm(ctx)
	runtime.GC() // the world's garbage: not this benchmark's
	b.ReportAllocs()
	b.ResetTimer()
	var d compliance.Decision
	cpu0, n := processCPU(), 0
	for i := 0; b.Loop(); i++ {
		w.Gate.CheckTo(ctx, &w.Attempts[i&(len(w.Attempts)-1)], &d)
		n++
	}
	b.ReportMetric(float64(processCPU()-cpu0)/float64(n), "cpu-ns/op")
}

func BenchmarkGateCheckParallel(b *testing.B) {
	w, err := compliancebench.New(compliancebench.Options{DNCNumbers: 1_000_000, Contacts: 100_000, Attempts: 1 << 14, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	w.Warm(ctx)
	runtime.GC() // the world's garbage: not this benchmark's
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	defer func() { b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op") }()
	b.RunParallel(func(pb *testing.PB) {
		var d compliance.Decision
		i := 0
		for pb.Next() {
			w.Gate.CheckTo(ctx, &w.Attempts[i&(len(w.Attempts)-1)], &d)
			i++
		}
	})
}

func BenchmarkDNCLookup(b *testing.B) {
	w, err := compliancebench.New(compliancebench.Options{DNCNumbers: 5_000_000, Contacts: 1000, Attempts: 1024, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	qs := make([]compliance.DNCQuery, len(w.Attempts))
	for i, a := range w.Attempts {
		n, _ := compliance.ParseNumber(a.Number)
		qs[i] = compliance.DNCQuery{Number: n, Seller: "S1", At: a.At}
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0, n := processCPU(), 0
	for i := 0; b.Loop(); i++ {
		_, _ = w.DNC.LookupDNC(ctx, qs[i&1023])
		n++
	}
	b.ReportMetric(float64(processCPU()-cpu0)/float64(n), "cpu-ns/op")
	b.ReportMetric(float64(w.DNCBytes)/float64(w.DNCNumbers), "bytes/number")
}
