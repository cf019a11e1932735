package campaign

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/voxdial/voxdial/store"
)

// StoreRetry bounds how a store write of the call path (an attempt's result, a contact
// rescheduled, finished or given back, a call event) is retried while the store is
// unavailable (store.ErrUnavailable: down, restarting, out of connections). Past Budget
// the write is parked in the runner's spool and replayed once the store is back.
type StoreRetry struct {
	First  time.Duration // first back-off (default 100ms), doubled each try
	Max    time.Duration // longest back-off (default 2s)
	Budget time.Duration // how long a worker retries before parking the write (default 15s)
}

func (s *StoreRetry) defaults() {
	if s.First <= 0 {
		s.First = 100 * time.Millisecond
	}
	if s.Max <= 0 {
		s.Max = 2 * time.Second
	}
	if s.Budget <= 0 {
		s.Budget = 15 * time.Second
	}
}

// errParked: the write could not be made now and waits in the spool.
var errParked = errors.New("store unavailable: write parked in the spool")

// write makes one call-path store write: at once, retried with back-off while the store is
// unavailable, then parked in the spool (errParked). Errors the store gives for good
// (store.ErrLeaseLost, store.ErrAttemptClosed, …) are returned as they are. ctx is the
// record context: it outlives a drain, the budget bounds it.
func (r *Runner) write(ctx context.Context, w spoolWrite, log *zap.Logger) error {
	rt := r.opts.StoreRetry
	deadline := time.Now().Add(rt.Budget)
	wait := rt.First
	for try := 1; ; try++ {
		err := w.apply(ctx, r.opts.Store)
		if err == nil {
			if try > 1 {
				log.Info("store write made after retries", zap.String("op", w.op()), zap.Int("tries", try))
			}
			return nil
		}
		if !errors.Is(err, store.ErrUnavailable) {
			return err
		}
		r.storeDown(err)
		if time.Now().Add(wait).After(deadline) || ctx.Err() != nil {
			if perr := r.spool.Load().park(w); perr != nil {
				log.Error("store write lost: the store is unavailable and the spool failed", zap.String("op", w.op()),
					zap.NamedError("store_error", err), zap.Error(perr))
				return fmt.Errorf("%s: %w (spool: %v)", w.op(), err, perr)
			}
			log.Warn("store unavailable: write parked in the spool until it is back", zap.String("op", w.op()),
				zap.Int("tries", try), zap.Error(err))
			r.kick()
			return errParked
		}
		if try == 1 {
			log.Warn("store unavailable: retrying", zap.String("op", w.op()), zap.Error(err))
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
		wait = min(2*wait, rt.Max)
	}
}

// replaySpool writes what the spool holds, when it holds anything and its retry is due.
// It runs from the loop before any lease is extended, rescued or taken, so that the
// records of calls that ended during an outage land before anything else touches them.
func (r *Runner) replaySpool(ctx context.Context, now time.Time) {
	if r.spool.Load().pending() == 0 || now.Before(r.replayAt) {
		return
	}
	applied, left, err := r.spool.Load().replay(ctx, r.opts.Store)
	if applied > 0 {
		r.log.Info("parked store writes replayed", zap.Int("writes", applied), zap.Int("left", left))
	}
	if err != nil && left > 0 {
		r.replayWait = min(max(2*r.replayWait, r.opts.StoreRetry.First), r.opts.StoreRetry.Max)
		r.replayAt = now.Add(r.replayWait)
		if ctx.Err() == nil {
			r.log.Debug("parked store writes wait for the store", zap.Int("writes", left), zap.Error(err))
		}
		return
	}
	r.replayWait, r.replayAt = 0, time.Time{}
}

// kick wakes the loop.
func (r *Runner) kick() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// extendIDs are the contacts whose leases the runner keeps: those it works now and those
// with a write parked in the spool. A contact it dropped without a record is not among
// them: its lease runs out and a rescue returns it.
func (r *Runner) extendIDs() []int64 {
	ids := map[int64]struct{}{}
	r.mu.Lock()
	for id := range r.live {
		ids[id] = struct{}{}
	}
	r.mu.Unlock()
	r.spool.Load().contacts(ids)
	out := make([]int64, 0, len(ids))
	for id := range ids {
		out = append(out, id)
	}
	return out
}
