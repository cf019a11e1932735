package campaign

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestPacer is the pacer conformance test, run on both implementations.
func TestPacer(t *testing.T) {
	impls := map[string]func(t *testing.T) Pacer{
		"local": func(t *testing.T) Pacer { return NewLocalPacer(nil) },
		"redis": func(t *testing.T) Pacer {
			rdb, prefix := testRedis(t)
			return NewRedisPacer(rdb, RedisPacerOptions{Prefix: prefix})
		},
	}
	for name, newPacer := range impls {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			t.Run("CPS", func(t *testing.T) { t.Parallel(); testPacerCPS(t, newPacer(t)) })
			t.Run("Channels", func(t *testing.T) { t.Parallel(); testPacerChannels(t, newPacer(t)) })
			t.Run("Campaign", func(t *testing.T) { t.Parallel(); testPacerCampaign(t, newPacer(t)) })
			t.Run("Concurrent", func(t *testing.T) { t.Parallel(); testPacerConcurrent(t, newPacer(t)) })
		})
	}
}

func testPacerCPS(t *testing.T, p Pacer) {
	ctx := context.Background()
	const cps, n = 20.0, 15
	// A token is granted between before[i] and times[i]: on a loaded machine the
	// goroutine may run late after the grant, so two late readings can sit closer
	// together than the grants did. A pair breaks the rate only if even the widest
	// spacing the readings allow (times[j] - before[i]) is too narrow.
	var times, before []time.Time
	for i := 0; i < n; i++ {
		before = append(before, time.Now())
		pm, err := p.Acquire(ctx, PaceRequest{Trunk: "t", CPS: cps, Campaign: "c"})
		if err != nil {
			t.Fatal(err)
		}
		if err := pm.Token(ctx); err != nil {
			t.Fatal(err)
		}
		times = append(times, time.Now())
		pm.Release()
	}
	// Burst 1: at most 1 + cps*w calls in any window w.
	for i := range times {
		for j := i + 1; j < len(times); j++ {
			w := times[j].Sub(before[i]).Seconds()
			if float64(j-i+1) > 1+cps*w+0.5 {
				t.Fatalf("%d calls in %.3fs exceed %g CPS", j-i+1, w, cps)
			}
		}
	}
	if el := times[n-1].Sub(times[0]); el > 3*time.Second {
		t.Fatalf("%d calls at %g CPS took %s: too slow", n, cps, el)
	}
	// Another trunk has its own bucket.
	start := time.Now()
	pm, err := p.Acquire(ctx, PaceRequest{Trunk: "other", CPS: cps, Campaign: "c"})
	if err == nil {
		err = pm.Token(ctx)
	}
	if err != nil || time.Since(start) > 200*time.Millisecond {
		t.Fatalf("other trunk waited %s (%v)", time.Since(start), err)
	}
}

func testPacerChannels(t *testing.T, p Pacer) {
	ctx := context.Background()
	req := PaceRequest{Trunk: "t", TrunkChannels: 3, Campaign: "c"}
	var held []*Permit
	for i := 0; i < 3; i++ {
		pm, err := p.Acquire(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, pm)
	}
	short, cancel := context.WithTimeout(ctx, 150*time.Millisecond)
	defer cancel()
	if _, err := p.Acquire(short, req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("fourth permit on 3 channels: %v, want a timeout", err)
	}
	held[0].Release()
	held[0].Release() // idempotent: frees one channel, not two
	pm, err := p.Acquire(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	short2, cancel2 := context.WithTimeout(ctx, 150*time.Millisecond)
	defer cancel2()
	if _, err := p.Acquire(short2, req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("double release freed two channels: %v", err)
	}
	pm.Release()
	held[1].Release()
	held[2].Release()
}

func testPacerCampaign(t *testing.T, p Pacer) {
	ctx := context.Background()
	a := PaceRequest{Trunk: "t", TrunkChannels: 10, Campaign: "a", CampaignMax: 2}
	for i := 0; i < 2; i++ {
		if _, err := p.Acquire(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	short, cancel := context.WithTimeout(ctx, 150*time.Millisecond)
	defer cancel()
	if _, err := p.Acquire(short, a); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("third call of a campaign limited to 2: %v", err)
	}
	b := PaceRequest{Trunk: "t", TrunkChannels: 10, Campaign: "b", CampaignMax: 2}
	if _, err := p.Acquire(ctx, b); err != nil {
		t.Fatalf("another campaign on the same trunk: %v", err)
	}
}

func testPacerConcurrent(t *testing.T, p Pacer) {
	ctx := context.Background()
	req := PaceRequest{Trunk: "t", TrunkChannels: 4, Campaign: "c", CampaignMax: 3, CPS: 200, Burst: 5}
	var inFlight, peak, done atomic.Int32
	var wg sync.WaitGroup
	for g := 0; g < 12; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 4; i++ {
				pm, err := p.Acquire(ctx, req)
				if err == nil {
					err = pm.Token(ctx)
				}
				if err != nil {
					t.Error(err)
					return
				}
				n := inFlight.Add(1)
				for {
					old := peak.Load()
					if n <= old || peak.CompareAndSwap(old, n) {
						break
					}
				}
				time.Sleep(5 * time.Millisecond)
				inFlight.Add(-1)
				pm.Release()
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	if peak.Load() > 3 || done.Load() != 48 {
		t.Fatalf("peak %d concurrent (campaign max 3), %d done of 48", peak.Load(), done.Load())
	}
}
