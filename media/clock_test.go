package media

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type countTicker struct {
	n    atomic.Int64
	mu   sync.Mutex
	last time.Time
	gaps []time.Duration
}

func (c *countTicker) Tick(now time.Time, _ time.Duration) {
	c.n.Add(1)
	c.mu.Lock()
	if !c.last.IsZero() {
		c.gaps = append(c.gaps, now.Sub(c.last))
	}
	c.last = now
	c.mu.Unlock()
}

func TestClockTicksEveryFrame(t *testing.T) {
	t.Parallel()
	c := NewClock(ClockOptions{Slots: 4})
	tickers := make([]*countTicker, 8)
	unregs := make([]func(), len(tickers))
	for i := range tickers {
		tickers[i] = &countTicker{}
		unregs[i] = c.Register(tickers[i])
	}
	if c.Len() != 8 {
		t.Fatalf("Len = %d", c.Len())
	}
	for i := range c.slots {
		if n := c.slots[i].size.Load(); n != 2 {
			t.Errorf("slot %d holds %d tickers, want 2 (spread evenly)", i, n)
		}
	}
	c.Start(context.Background())
	time.Sleep(300 * time.Millisecond)
	unregs[0]()
	unregs[0]() // idempotent
	after := tickers[0].n.Load()
	time.Sleep(100 * time.Millisecond)
	c.Stop()
	c.Stop()
	if tickers[0].n.Load() != after {
		t.Errorf("ticked after unregister")
	}
	for i, tk := range tickers[1:] {
		// 400 ms is 20 frames; allow for scheduling on a loaded CI box.
		if n := tk.n.Load(); n < 15 || n > 21 {
			t.Errorf("ticker %d ticked %d times in 400 ms", i+1, n)
		}
		for _, g := range tk.gaps {
			if g%FrameDuration != 0 {
				t.Errorf("ticker %d: deadline gap %v is not whole frames", i+1, g)
			}
		}
	}
	l := c.Lateness()
	if l.Ticks == 0 || l.P50 > l.P99 || l.P99 > l.Max+latBucket {
		t.Errorf("lateness %+v", l)
	}
}

// TestClockParksWithoutTickers: a clock with nothing to tick does not fire (an idle
// dialer's clocks cost no wake-ups), starts again on the next Register with whole
// frames between a ticker's deadlines, and parks again when the last one leaves.
func TestClockParksWithoutTickers(t *testing.T) {
	t.Parallel()
	c := NewClock(ClockOptions{Slots: 4})
	c.Start(context.Background())
	defer c.Stop()
	time.Sleep(100 * time.Millisecond)
	if n := c.Lateness().Ticks; n != 0 {
		t.Fatalf("%d slot firings with no ticker registered", n)
	}
	for round := range 2 {
		tk := &countTicker{}
		unreg := c.Register(tk)
		deadline := time.Now().Add(5 * time.Second)
		for tk.n.Load() < 5 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		unreg()
		if tk.n.Load() < 5 {
			t.Fatalf("round %d: a registered ticker ticked %d times in 5 s", round, tk.n.Load())
		}
		tk.mu.Lock()
		for _, g := range tk.gaps {
			if g != FrameDuration && g%FrameDuration != 0 {
				t.Errorf("round %d: deadline gap %v is not whole frames", round, g)
			}
		}
		tk.mu.Unlock()
		// The clock finishes the slot it is in and parks: its firings stop.
		time.Sleep(50 * time.Millisecond)
		before := c.Lateness().Ticks
		time.Sleep(100 * time.Millisecond)
		if after := c.Lateness().Ticks; after != before {
			t.Errorf("round %d: %d slot firings after the last ticker left", round, after-before)
		}
	}
}

func TestClockStopBeforeStart(t *testing.T) {
	t.Parallel()
	c := NewClock(ClockOptions{})
	c.Stop()
	c.Start(context.Background()) // no-op after Stop: must not leak a goroutine
	if len(c.slots) != 10 {
		t.Errorf("default slots = %d", len(c.slots))
	}
}

func TestClockConcurrentRegister(t *testing.T) {
	t.Parallel()
	c := NewClock(ClockOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	c.Start(ctx)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				c.Register(&countTicker{})()
			}
		})
	}
	wg.Wait()
	cancel()
	c.Stop()
	if c.Len() != 0 {
		t.Errorf("Len = %d after all unregistered", c.Len())
	}
}

// Deadlines are computed from the start, never accumulated: after 10,000 periods (and
// every slot in between) the schedule is exactly start + n·20 ms + slot offset.
func TestClockDeadlinesDoNotDrift(t *testing.T) {
	for _, slots := range []int{1, 3, 7, 10} {
		c := NewClock(ClockOptions{Slots: slots})
		start := time.Unix(1_700_000_000, 123456789)
		prev := start.Add(-time.Nanosecond)
		for n := int64(0); n < 10_000*int64(slots); n++ {
			dl := c.deadline(start, n)
			if !dl.After(prev) {
				t.Fatalf("slots %d: deadline %d not after the previous", slots, n)
			}
			prev = dl
		}
		last := c.deadline(start, 10_000*int64(slots))
		if want := start.Add(10_000 * FrameDuration); !last.Equal(want) {
			t.Errorf("slots %d: deadline after 10,000 periods %v, want %v (drift %v)", slots, last, want, last.Sub(want))
		}
	}
}

// stallTicker blocks the clock goroutine once (a stalled process) and records what
// the clock says about being behind on the ticks that follow.
type stallTicker struct {
	mu     sync.Mutex
	n      int
	behind []time.Duration
}

func (s *stallTicker) Tick(_ time.Time, behind time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	s.behind = append(s.behind, behind)
	if s.n == 5 {
		time.Sleep(250 * time.Millisecond)
	}
}

// After a stall the clock fires the missed deadlines (or skips them) and says how far
// behind it is until it sleeps again: the sessions' silence fill waits on that.
func TestClockSaysWhenBehind(t *testing.T) {
	t.Parallel()
	c := NewClock(ClockOptions{Slots: 2})
	st := &stallTicker{}
	unregister := c.Register(st)
	defer unregister()
	c.Start(context.Background())
	defer c.Stop()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		st.mu.Lock()
		b := append([]time.Duration(nil), st.behind...)
		st.mu.Unlock()
		if len(b) > 6 {
			if b[5] < 200*time.Millisecond {
				t.Fatalf("the tick after a 250 ms stall says behind %v; all: %v", b[5], b)
			}
			// Back on time later (the machine may be loaded: any tick will do).
			for _, x := range b[6:] {
				if x < stallBehind {
					return
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the clock never said it was on time again")
}
