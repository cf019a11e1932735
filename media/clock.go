package media

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Clock drives legs: every registered Ticker is ticked once per 20 ms frame.
type Clock interface {
	// Register adds t; the returned function removes it. After unregister returns, t
	// is not ticked again. Neither may be called from inside a Tick.
	Register(t Ticker) (unregister func())
}

// Ticker is one leg's per-frame work. Tick runs on the clock goroutine and must not
// block: a slow Tick delays every leg sharing its slot. now is the scheduled deadline
// (exactly 20 ms apart for a given ticker), not the wall clock at the call. behind is
// the worst lateness of the clock's deadlines over the last period: after a stall (CPU
// starvation, a GC pause) the clock fires the missed deadlines back to back or skips
// them, and the receive side may not yet have read the packets that arrived meanwhile.
type Ticker interface {
	Tick(now time.Time, behind time.Duration)
}

// ClockOptions configures NewClock. Zero values take defaults.
type ClockOptions struct {
	// Slots spreads tickers over phase slots inside each 20 ms period so packets leave
	// in small waves instead of one burst per period (default 10, i.e. one slot every 2 ms).
	Slots int
	// AfterSlot, when set, runs on the clock goroutine after each slot's tickers: the
	// media plane flushes its send batch there (one sendmmsg per slot and socket).
	AfterSlot func()
	// Poll, when set, runs on the clock goroutine after each slot, outside the slot's
	// lock: the media plane reads its polled sockets there.
	Poll func()
}

// Lateness is a snapshot of how late slot deadlines fired.
type Lateness struct {
	Ticks    uint64 // slot firings measured
	Skipped  uint64 // slot firings dropped after a stall longer than maxCatchUp
	P50, P99 time.Duration
	Max      time.Duration
}

const (
	// latBucket is the histogram resolution; latBuckets covers 0-50 ms, later goes in the last.
	latBucket  = 100 * time.Microsecond
	latBuckets = 501
	// maxCatchUp: after a stall longer than this (GC, a paused VM) the clock skips the
	// missed frames rather than bursting them out, which would only flood jitter buffers.
	maxCatchUp = 100 * time.Millisecond
)

// SharedClock is a Clock with one goroutine for all its tickers, parked while it has
// none. Measured on our 2-vCPU VM, 5,000 time.Ticker goroutines cost 0.31-0.38 cores
// in timers alone with p99 lateness up to 20 ms; one shared clock cost 0.04-0.06 cores
// with p99 1.6-3.9 ms (see docs/measured-facts.md).
type SharedClock struct {
	period  time.Duration
	slotDur time.Duration
	slots   []clockSlot
	after   func()
	poll    func()

	runMu   sync.Mutex
	cancel  context.CancelFunc
	done    chan struct{}
	stopped bool
	// wake holds a token after a Register: the clock goroutine parks while no ticker
	// is registered (an idle dialer's clocks would otherwise wake 500 times a second
	// each, for nothing) and waits on it.
	wake chan struct{}

	ticks, skipped atomic.Uint64
	maxLate        atomic.Int64
	hist           [latBuckets]atomic.Uint64
}

type clockSlot struct {
	mu      sync.Mutex
	entries []*clockEntry
	size    atomic.Int32 // len(entries), readable without mu for slot choice
}

type clockEntry struct {
	t       Ticker
	slot    int
	idx     int
	removed bool
}

// NewClock returns a stopped clock; Start it.
func NewClock(opts ClockOptions) *SharedClock {
	if opts.Slots <= 0 {
		opts.Slots = 10
	}
	c := &SharedClock{period: FrameDuration, slots: make([]clockSlot, opts.Slots), after: opts.AfterSlot, poll: opts.Poll,
		wake: make(chan struct{}, 1)}
	c.slotDur = c.period / time.Duration(opts.Slots)
	return c
}

// Register puts t in the least loaded slot. Safe for concurrent use.
func (c *SharedClock) Register(t Ticker) (unregister func()) {
	best := 0
	for i := range c.slots {
		if c.slots[i].size.Load() < c.slots[best].size.Load() {
			best = i
		}
	}
	s := &c.slots[best]
	e := &clockEntry{t: t, slot: best}
	s.mu.Lock()
	e.idx = len(s.entries)
	s.entries = append(s.entries, e)
	s.size.Store(int32(len(s.entries)))
	s.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default: // a token is already waiting
	}
	return func() { c.unregister(e) }
}

func (c *SharedClock) unregister(e *clockEntry) {
	s := &c.slots[e.slot]
	s.mu.Lock() // waits for an in-flight pass over this slot: no Tick after return
	defer s.mu.Unlock()
	if e.removed {
		return
	}
	e.removed = true
	last := len(s.entries) - 1
	s.entries[e.idx] = s.entries[last]
	s.entries[e.idx].idx = e.idx
	s.entries[last] = nil
	s.entries = s.entries[:last]
	s.size.Store(int32(last))
}

// Start runs the clock until ctx ends or Stop is called. Calling it again while
// running, or after Stop, does nothing.
func (c *SharedClock) Start(ctx context.Context) {
	c.runMu.Lock()
	defer c.runMu.Unlock()
	if c.done != nil || c.stopped {
		return
	}
	ctx, c.cancel = context.WithCancel(ctx)
	c.done = make(chan struct{})
	go c.run(ctx, c.done)
}

// Stop ends the clock goroutine and waits for it. Idempotent.
func (c *SharedClock) Stop() {
	c.runMu.Lock()
	c.stopped = true
	cancel, done := c.cancel, c.done
	c.runMu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// deadline of slot firing n: whole periods plus a slot offset, so no rounding error
// accumulates whatever the slot count.
func (c *SharedClock) deadline(start time.Time, n int64) time.Time {
	k := int64(len(c.slots))
	return start.Add(time.Duration(n/k)*c.period + time.Duration(n%k)*c.slotDur)
}

func (c *SharedClock) run(ctx context.Context, done chan struct{}) {
	defer close(done)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	start := time.Now()
	k := int64(len(c.slots))
	// behind is the worst lateness of the deadlines in the last period: after a stall
	// every slot hears of it once, whether its own deadlines fired late or were skipped.
	var behind time.Duration
	var behindUntil time.Time
	for n := int64(0); ; n++ {
		if c.Len() == 0 {
			// Nothing to tick: park until a Register, then start a fresh schedule
			// (no ticker is left to keep its phase). A polled socket is not read
			// meanwhile either: without a leg, what arrives there has nowhere to go.
			if !c.park(ctx) {
				return
			}
			start, n, behind, behindUntil = time.Now(), 0, 0, time.Time{}
		}
		dl := c.deadline(start, n)
		if d := time.Until(dl); d > 0 {
			timer.Reset(d)
			select {
			case <-ctx.Done():
				return
			case <-timer.C:
			}
		} else {
			if ctx.Err() != nil {
				return
			}
			// Behind schedule: catch up, but let the receive goroutines that share our P
			// drain their sockets between slots, or their buffers overflow (seen with
			// GOMAXPROCS=1 on a loaded machine: the clock never slept).
			runtime.Gosched()
		}
		late := time.Since(dl)
		stall := late
		if late > maxCatchUp {
			// Skip whole periods so each ticker keeps its phase.
			skip := int64(late/c.period) * k
			n += skip
			c.skipped.Add(uint64(skip))
			dl = c.deadline(start, n)
			late = time.Since(dl)
		}
		if !dl.Before(behindUntil) {
			behind = 0
		}
		if stall > behind {
			behind, behindUntil = stall, dl.Add(c.period)
		}
		c.record(late)
		s := &c.slots[n%k]
		s.mu.Lock()
		for _, e := range s.entries {
			e.t.Tick(dl, behind)
		}
		if c.after != nil {
			c.after()
		}
		s.mu.Unlock()
		if c.poll != nil {
			c.poll()
		}
	}
}

// park waits until a ticker is registered (true) or ctx ends (false).
func (c *SharedClock) park(ctx context.Context) bool {
	for {
		select {
		case <-ctx.Done():
			return false
		case <-c.wake:
		}
		if c.Len() > 0 {
			return true
		}
		// A token of a ticker that left again: park on.
	}
}

func (c *SharedClock) record(late time.Duration) {
	late = max(0, late)
	c.ticks.Add(1)
	c.hist[min(int(late/latBucket), latBuckets-1)].Add(1)
	for {
		m := c.maxLate.Load()
		if int64(late) <= m || c.maxLate.CompareAndSwap(m, int64(late)) {
			return
		}
	}
}

// Lateness returns how late slot deadlines fired so far; quantiles are bucket upper
// bounds (100 µs resolution up to 50 ms).
func (c *SharedClock) Lateness() Lateness {
	var h latHist
	c.addTo(&h)
	return h.lateness()
}

// ResetLateness zeroes the lateness histogram (e.g. after set-up, before measuring).
func (c *SharedClock) ResetLateness() {
	c.ticks.Store(0)
	c.skipped.Store(0)
	c.maxLate.Store(0)
	for i := range c.hist {
		c.hist[i].Store(0)
	}
}

// latHist sums the lateness of several clocks (a Plane runs one per P).
type latHist struct {
	counts         [latBuckets]uint64
	ticks, skipped uint64
	max            time.Duration
}

func (c *SharedClock) addTo(h *latHist) {
	h.ticks += c.ticks.Load()
	h.skipped += c.skipped.Load()
	h.max = max(h.max, time.Duration(c.maxLate.Load()))
	for i := range c.hist {
		h.counts[i] += c.hist[i].Load()
	}
}

func (h *latHist) lateness() Lateness {
	l := Lateness{Ticks: h.ticks, Skipped: h.skipped, Max: h.max}
	counts := &h.counts
	var total uint64
	for _, n := range counts {
		total += n
	}
	quantile := func(q float64) time.Duration {
		if total == 0 {
			return 0
		}
		want := uint64(q*float64(total-1)) + 1
		var acc uint64
		for i, n := range counts {
			acc += n
			if acc >= want {
				return min(time.Duration(i+1)*latBucket, l.Max)
			}
		}
		return l.Max
	}
	l.P50, l.P99 = quantile(0.50), quantile(0.99)
	return l
}

// Len is the number of registered tickers.
func (c *SharedClock) Len() int {
	n := 0
	for i := range c.slots {
		n += int(c.slots[i].size.Load())
	}
	return n
}
