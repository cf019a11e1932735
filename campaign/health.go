package campaign

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.uber.org/zap"
)

// Pinger is a shared dependency the runner can probe (a numbers.Guard, a *store.DB).
type Pinger interface {
	Ping(ctx context.Context) error
}

// outage is the runner's view of its shared dependencies (the store, the number guard and
// pacer in Redis, the gate's data). When one fails mid-contact the contact is tried again
// soon, and the runner stops leasing until a probe says they answer again: one failure
// does not turn into a failed gate check, an audit record and a hold for every due contact.
type outage struct {
	mu      sync.Mutex
	down    bool
	what    string
	since   time.Time
	probeAt time.Time
}

// sharedDown records that a shared dependency failed: leasing pauses until a probe passes.
func (r *Runner) sharedDown(what string, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	now := r.opts.Now()
	o := &r.outage
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.down {
		return
	}
	o.down, o.what, o.since, o.probeAt = true, what, now, now.Add(r.opts.ProbeEvery)
	r.log.Error("shared state unavailable: leasing paused until it answers", zap.String("what", what), zap.Error(err))
}

func (r *Runner) storeDown(err error) { r.sharedDown("store", err) }

// leasingPaused says whether leasing is paused now; when a probe is due it probes, and
// resumes once the dependencies answer.
func (r *Runner) leasingPaused(ctx context.Context, now time.Time) bool {
	o := &r.outage
	o.mu.Lock()
	if !o.down {
		o.mu.Unlock()
		return false
	}
	if now.Before(o.probeAt) {
		o.mu.Unlock()
		return true
	}
	o.probeAt = now.Add(r.opts.ProbeEvery)
	o.mu.Unlock()
	if err := r.probe(ctx); err != nil {
		if ctx.Err() == nil {
			r.log.Debug("shared state still unavailable", zap.Error(err))
		}
		return true
	}
	o.mu.Lock()
	what, since := o.what, o.since
	o.down = false
	o.mu.Unlock()
	r.log.Warn("shared state answers again: leasing resumed", zap.String("what", what), zap.Duration("paused", now.Sub(since)))
	return false
}

// Paused reports whether the runner has stopped leasing because a shared dependency failed.
func (r *Runner) Paused() bool {
	r.outage.mu.Lock()
	defer r.outage.mu.Unlock()
	return r.outage.down
}

// probe asks every shared dependency; the first error wins.
func (r *Runner) probe(ctx context.Context) error {
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	for _, p := range r.opts.Probes {
		if err := p.Ping(pctx); err != nil {
			return err
		}
	}
	return nil
}
