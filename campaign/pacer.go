package campaign

import (
	"context"
	"math"
	"sync"
	"time"
)

// Pacer hands out permission to start calls under the limits of a trunk
// (calls per second, as a token bucket, and max channels) and of a campaign
// (max concurrent calls). Acquire reserves a trunk channel and a campaign
// slot, held until the permit is released; Permit.Token then waits for the
// trunk's CPS token, taken as late as possible — right before the INVITE —
// so that the rate the carrier sees is the rate configured.
//
// Two implementations behave the same (one conformance test): LocalPacer
// in process, RedisPacer shared by every node of a cluster.
type Pacer interface {
	// Acquire blocks until a channel and a campaign slot are free, or ctx ends.
	Acquire(ctx context.Context, req PaceRequest) (*Permit, error)
}

// PaceRequest names the budgets a call draws on. Zero limits are unlimited.
type PaceRequest struct {
	Trunk         string
	CPS           float64 // trunk calls per second
	Burst         int     // token bucket capacity (default 1: calls evenly spaced)
	TrunkChannels int     // trunk max concurrent calls
	Campaign      string
	CampaignMax   int // campaign max concurrent calls
}

// Permit is the right to one call; Release it when the call has ended.
type Permit struct {
	once    sync.Once
	release func()
	token   func(ctx context.Context) error
}

// Token blocks until the trunk's calls-per-second budget allows a call now
// (or ctx ends); call it right before dialling, once per permit.
func (p *Permit) Token(ctx context.Context) error {
	if p.token == nil {
		return nil
	}
	return p.token(ctx)
}

// Release frees the permit's channel and slot; it is idempotent.
func (p *Permit) Release() {
	if p != nil {
		p.once.Do(p.release)
	}
}

// pollAcquire retries try until it succeeds or ctx ends, sleeping for the
// wait try suggests (bounded, so releases elsewhere are noticed).
func pollAcquire(ctx context.Context, try func() (bool, time.Duration, error)) error {
	for {
		ok, wait, err := try()
		if err != nil || ok {
			return err
		}
		wait = min(max(wait, time.Millisecond), 50*time.Millisecond)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// LocalPacer is the in-process Pacer of a single node.
type LocalPacer struct {
	now func() time.Time

	mu       sync.Mutex
	buckets  map[string]*bucket
	trunks   map[string]int
	campaign map[string]int
	wake     chan struct{} // closed and replaced on every release
}

type bucket struct {
	tokens float64
	at     time.Time
}

// NewLocalPacer returns an in-process pacer; now defaults to time.Now.
func NewLocalPacer(now func() time.Time) *LocalPacer {
	if now == nil {
		now = time.Now
	}
	return &LocalPacer{now: now, buckets: map[string]*bucket{}, trunks: map[string]int{},
		campaign: map[string]int{}, wake: make(chan struct{})}
}

// Acquire implements Pacer.
func (p *LocalPacer) Acquire(ctx context.Context, req PaceRequest) (*Permit, error) {
	if err := p.wait(ctx, func() (bool, time.Duration) { return p.trySlots(req) }); err != nil {
		return nil, err
	}
	burst := float64(max(req.Burst, 1))
	return &Permit{
		release: func() { p.release(req) },
		token: func(ctx context.Context) error {
			return p.wait(ctx, func() (bool, time.Duration) { return p.tryToken(req, burst) })
		},
	}, nil
}

// wait retries try (under the lock) until it succeeds, waking on releases.
func (p *LocalPacer) wait(ctx context.Context, try func() (bool, time.Duration)) error {
	for {
		p.mu.Lock()
		wake := p.wake
		ok, wait := try()
		p.mu.Unlock()
		if ok {
			return nil
		}
		t := time.NewTimer(min(max(wait, time.Millisecond), 50*time.Millisecond))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-wake:
			t.Stop()
		case <-t.C:
		}
	}
}

func (p *LocalPacer) trySlots(req PaceRequest) (bool, time.Duration) {
	if req.TrunkChannels > 0 && p.trunks[req.Trunk] >= req.TrunkChannels {
		return false, 50 * time.Millisecond
	}
	if req.CampaignMax > 0 && p.campaign[req.Campaign] >= req.CampaignMax {
		return false, 50 * time.Millisecond
	}
	p.trunks[req.Trunk]++
	p.campaign[req.Campaign]++
	return true, 0
}

func (p *LocalPacer) tryToken(req PaceRequest, burst float64) (bool, time.Duration) {
	if req.CPS > 0 {
		now := p.now()
		b := p.buckets[req.Trunk]
		if b == nil {
			b = &bucket{tokens: burst, at: now}
			p.buckets[req.Trunk] = b
		}
		b.tokens = math.Min(burst, b.tokens+now.Sub(b.at).Seconds()*req.CPS)
		b.at = now
		if b.tokens < 1 {
			return false, time.Duration((1 - b.tokens) / req.CPS * float64(time.Second))
		}
		b.tokens--
	}
	return true, 0
}

func (p *LocalPacer) release(req PaceRequest) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.trunks[req.Trunk]--; p.trunks[req.Trunk] <= 0 {
		delete(p.trunks, req.Trunk)
	}
	if p.campaign[req.Campaign]--; p.campaign[req.Campaign] <= 0 {
		delete(p.campaign, req.Campaign)
	}
	close(p.wake)
	p.wake = make(chan struct{})
}
