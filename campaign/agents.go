package campaign

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/voxdial/voxdial/internal/safehttp"
)

// ErrNoAgent: no agent was free within AbandonWindow of the bot's transfer;
// the transfer is abandoned.
var ErrNoAgent = errors.New("no agent free")

// agentQueue polls a queue endpoint (HTTP GET, JSON {"available": N}) for a
// campaign's free agents.
type agentQueue struct {
	url    string
	client *http.Client
	every  time.Duration

	mu       sync.Mutex
	avail    int
	polledAt time.Time
	ok       bool
	lastErr  string
}

func (q *agentQueue) run(ctx context.Context, log *zap.Logger) {
	t := time.NewTicker(q.every)
	defer t.Stop()
	for {
		n, err := q.poll(ctx)
		q.mu.Lock()
		if err != nil {
			if q.lastErr != err.Error() && ctx.Err() == nil {
				log.Warn("agent queue: no agents assumed free until it answers", zap.String("url", q.url), zap.Error(err))
			}
			q.lastErr = err.Error()
			q.avail, q.ok = 0, true // fail closed: unknown means none free
		} else {
			q.avail, q.ok, q.lastErr = n, true, ""
		}
		q.polledAt = time.Now()
		q.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (q *agentQueue) poll(ctx context.Context) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, q.every)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, q.url, nil)
	if err != nil {
		return 0, err
	}
	res, err := q.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if err != nil {
		return 0, err
	}
	if res.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("agent queue %s: HTTP %d", q.url, res.StatusCode)
	}
	var doc struct {
		Available *int `json:"available"`
	}
	if err := json.Unmarshal(body, &doc); err != nil || doc.Available == nil || *doc.Available < 0 {
		return 0, fmt.Errorf("agent queue %s: want JSON {\"available\": N} with N ≥ 0, got %.80q", q.url, body)
	}
	return *doc.Available, nil
}

// queueLag is how long a queue may take to show an agent we took as busy:
// grants this long before a poll still count against what it said.
const queueLag = time.Second

// pool is the AgentPool as last polled.
func (q *agentQueue) pool(campaign string) AgentPool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return AgentPool{Campaign: campaign, Polled: true, Available: q.avail, PolledAt: q.polledAt.Add(-queueLag)}
}

// TransferDesk admits the transfers of a runner's calls against their
// campaigns' agents: give its For to the script host (live.Options.Transfers,
// through a func(callID string) live.TransferAdmitter), and the desk as
// RunnerOptions.Transfers. A call whose campaign has no agents configured
// transfers at once, unpaced.
//
// Agent queue URLs come from campaign owners through the API, so they are
// polled through internal/safehttp: loopback, private, link-local …
// addresses are refused unless the desk's policy (the operator's
// http.allow_private) names them.
type TransferDesk struct {
	mu     sync.Mutex
	calls  map[string]*callTransfer
	client *http.Client
}

// NewTransferDesk returns an empty desk whose agent queues may be on public
// addresses only.
func NewTransferDesk() *TransferDesk { return NewTransferDeskWith(nil) }

// NewTransferDeskWith returns an empty desk whose agent queues may also be
// on the private targets policy allows.
func NewTransferDeskWith(policy *safehttp.Policy) *TransferDesk {
	return &TransferDesk{calls: map[string]*callTransfer{}, client: policy.Client(safehttp.Options{})}
}

// SetPolicy lets the desk's agent queues reach the private targets policy
// allows. Call it before the runner starts.
func (d *TransferDesk) SetPolicy(policy *safehttp.Policy) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.client = policy.Client(safehttp.Options{})
}

// queueClient is the client agent queues are polled with.
func (d *TransferDesk) queueClient() *http.Client {
	if d == nil {
		return (*safehttp.Policy)(nil).Client(safehttp.Options{})
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.client == nil {
		d.client = (*safehttp.Policy)(nil).Client(safehttp.Options{})
	}
	return d.client
}

// TransferAdmitter decides whether a voice bot's transfer may go ahead (the
// script host's live.TransferAdmitter: declared here so that campaign does not
// depend on the speech stack).
type TransferAdmitter interface {
	// Admit blocks until an agent is free for the transfer to target, or fails.
	Admit(ctx context.Context, target string) error
	// Done reports how an admitted transfer went: method refer or bridge, or err.
	Done(method string, err error)
}

// For is the call's transfer admission, nil when the call has none: what the
// script host's live.Options.Transfers returns.
func (d *TransferDesk) For(callID string) TransferAdmitter {
	d.mu.Lock()
	defer d.mu.Unlock()
	if ct, ok := d.calls[callID]; ok {
		return ct
	}
	return nil
}

func (d *TransferDesk) add(callID string, ct *callTransfer) {
	d.mu.Lock()
	d.calls[callID] = ct
	d.mu.Unlock()
}

func (d *TransferDesk) remove(callID string) {
	d.mu.Lock()
	delete(d.calls, callID)
	d.mu.Unlock()
}

// callTransfer is one call's transfer admission.
type callTransfer struct {
	r     *Runner
	cp    *campPace
	log   *zap.Logger
	ev    func(typ string, data map[string]any)
	onAsk func()
	wait  time.Duration

	mu         sync.Mutex
	answeredAt time.Time
	asked      bool
	abandoned  bool
	release    func()
	heldAt     time.Time
	method     string
}

// Admit implements TransferAdmitter: an agent within AbandonWindow, or ErrNoAgent.
func (c *callTransfer) Admit(ctx context.Context, target string) error {
	c.mu.Lock()
	c.asked = true
	pre := time.Since(c.answeredAt)
	c.mu.Unlock()
	if c.onAsk != nil {
		c.onAsk()
	}
	start := time.Now()
	deadline := start.Add(c.wait)
	for {
		release, ok, err := c.r.state.AgentTry(ctx, c.cp.pool())
		if err != nil && ctx.Err() == nil {
			c.log.Warn("agent pool", zap.Error(err))
		}
		if ok {
			c.mu.Lock()
			c.release, c.heldAt = release, time.Now()
			c.mu.Unlock()
			c.cp.record(ctx, PaceSample{Transfers: 1, PreTransferMS: pre.Milliseconds()})
			c.ev("transfer_admitted", map[string]any{"target": target, "waited_ms": time.Since(start).Milliseconds()})
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		t := time.NewTimer(50 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
		}
	}
	c.mu.Lock()
	c.abandoned = true
	c.mu.Unlock()
	c.cp.record(ctx, PaceSample{Transfers: 1, PreTransferMS: pre.Milliseconds()})
	c.ev("transfer_abandoned", map[string]any{"target": target, "waited_ms": time.Since(start).Milliseconds()})
	c.cp.transferAbandoned() // after its event: a counts read either sees the event or this
	c.log.Warn("transfer abandoned: no agent free", zap.String("target", target), zap.Duration("waited", time.Since(start)))
	return fmt.Errorf("transfer to %s: %w within %s", target, ErrNoAgent, c.wait)
}

// Done implements TransferAdmitter.
func (c *callTransfer) Done(method string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		// The transfer failed: the agent was never reached.
		if c.release != nil {
			c.release()
			c.release = nil
		}
		return
	}
	c.method = method
}

// end runs when the call has ended: a bridged agent is free again; one that
// took the call by REFER (out of our sight) is held for the handle time.
func (c *callTransfer) end() (asked, abandoned bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.release != nil {
		hold := time.Since(c.heldAt)
		release := c.release
		c.release = nil
		if c.method == "refer" {
			h := time.Duration(c.cp.opts.AgentHandle)
			time.AfterFunc(h, release)
			hold = h
		} else {
			release()
		}
		c.cp.record(context.Background(), PaceSample{AgentCalls: 1, AgentMS: hold.Milliseconds()})
	}
	return c.asked, c.abandoned
}
