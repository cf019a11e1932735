package bench

import (
	"context"
	"sync/atomic"
	"time"
)

// callSchedule hands call numbers 1..total to concurrent workers, call i no sooner than
// start + (i-1)/cps (cps 0: as fast as workers take them). Deadlines, not a ticker: a
// ticker drops ticks when a worker is late to take one (a loaded machine), which would
// lower the rate asked for.
type callSchedule struct {
	total int64
	cps   float64
	start time.Time
	next  atomic.Int64
}

func newCallSchedule(total int, cps float64) *callSchedule {
	return &callSchedule{total: int64(total), cps: cps, start: time.Now()}
}

// take waits for the next call's turn; false when every call is taken or ctx ended.
func (s *callSchedule) take(ctx context.Context) (int64, bool) {
	i := s.next.Add(1)
	if i > s.total || ctx.Err() != nil {
		return 0, false
	}
	if s.cps > 0 {
		due := s.start.Add(time.Duration(float64(i-1) * float64(time.Second) / s.cps))
		if d := time.Until(due); d > 0 {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-t.C:
			case <-ctx.Done():
				return 0, false
			}
		}
	}
	return i, true
}
