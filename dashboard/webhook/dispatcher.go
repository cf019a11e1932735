package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"
	"go.uber.org/zap"

	"github.com/voxdial/voxdial/internal/safehttp"
	"github.com/voxdial/voxdial/store"
)

// Options configure New. Zero values take the defaults noted.
type Options struct {
	Store *store.DB // required
	// Policy is the operator's allowlist of private targets (nil: public
	// addresses only); the default client checks every connection with it.
	Policy *safehttp.Policy
	// Client replaces the default client (tests); it must make the same checks.
	Client *http.Client
	// Holder names this node in delivery leases (default host-pid-random).
	Holder     string
	Poll       time.Duration // how often to look for work (default 1s)
	MaxTries   int           // tries before giving up (default 8)
	Backoff    time.Duration // wait after the first failed try (default 10s), doubling
	MaxBackoff time.Duration // the longest wait between tries (default 1h)
	Timeout    time.Duration // one request (default 10s)
	Batch      int           // deliveries sent concurrently (default 16)
	// Overlap is how many event ids each enqueue window re-reads (default 256).
	Overlap int64
	Logger  *zap.Logger
	Now     func() time.Time
	// OnTry, when set, hears every try (metrics).
	OnTry func(Try)
}

// Try is the outcome of one request, for OnTry.
type Try struct {
	WebhookID, DeliveryID int64
	TryNo                 int
	Status                int    // 0: no response
	Result                string // delivered | retry | failed
	Duration              time.Duration
}

// Dispatcher enqueues and sends deliveries. Run it on every node.
type Dispatcher struct {
	opts   Options
	log    *zap.Logger
	mu     sync.Mutex
	cursor int64
	primed bool
}

// New checks opts and fills defaults.
func New(opts Options) (*Dispatcher, error) {
	if opts.Store == nil {
		return nil, errors.New("webhook dispatcher: Store is required")
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.Client == nil {
		// Connections to loopback, private, link-local … addresses are refused
		// unless allowed, and a redirect is a failed try: the receiver's URL is
		// configured, not discovered.
		opts.Client = opts.Policy.Client(safehttp.Options{Timeout: opts.Timeout})
	}
	if opts.Holder == "" {
		host, _ := os.Hostname()
		opts.Holder = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), uuid.NewString()[:8])
	}
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	if opts.MaxTries <= 0 {
		opts.MaxTries = 8
	}
	if opts.Backoff <= 0 {
		opts.Backoff = 10 * time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = time.Hour
	}
	if opts.Batch <= 0 {
		opts.Batch = 16
	}
	if opts.Overlap <= 0 {
		opts.Overlap = 256
	}
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Dispatcher{opts: opts, log: opts.Logger}, nil
}

// Backoff is the wait after the n-th failed try (n ≥ 1): base·2^(n-1),
// capped at limit, before jitter.
func Backoff(base, limit time.Duration, n int) time.Duration {
	d := base
	for i := 1; i < n && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

// Run enqueues and sends until ctx ends.
func (d *Dispatcher) Run(ctx context.Context) {
	t := time.NewTicker(d.opts.Poll)
	defer t.Stop()
	for {
		for {
			n, err := d.Step(ctx)
			if err != nil && ctx.Err() == nil {
				d.log.Warn("webhooks", zap.Error(err))
			}
			if err != nil || n < d.opts.Batch {
				break // a full batch: more may be due at once
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Step enqueues new finished attempts and sends one batch of due
// deliveries; it returns how many it sent.
func (d *Dispatcher) Step(ctx context.Context) (int, error) {
	if err := d.enqueue(ctx); err != nil {
		return 0, err
	}
	due, err := d.opts.Store.WebhookDeliveryLeaseDue(ctx, &store.WebhookDeliveryLeaseDueParams{Holder: d.opts.Holder,
		Limit: d.opts.Batch, LeaseFor: d.opts.Timeout + time.Minute, Now: d.opts.Now()})
	if err != nil {
		return 0, err
	}
	hooks := map[int64]*store.Webhook{}
	for _, dl := range due {
		if _, ok := hooks[dl.WebhookID]; !ok {
			w, err := d.opts.Store.WebhookGet(ctx, &store.WebhookGetParams{ID: dl.WebhookID})
			if err != nil {
				return 0, err
			}
			hooks[dl.WebhookID] = w
		}
	}
	var wg sync.WaitGroup
	for _, dl := range due {
		if !hooks[dl.WebhookID].Active {
			continue // disabled since: its pending deliveries were given up
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.deliver(ctx, hooks[dl.WebhookID], dl)
		}()
	}
	wg.Wait()
	return len(due), nil
}

func (d *Dispatcher) enqueue(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.primed {
		c, err := d.opts.Store.WebhookCursor(ctx)
		if err != nil {
			return err
		}
		d.cursor, d.primed = c, true
	}
	_, upto, err := d.opts.Store.WebhookDeliveryEnqueue(ctx, &store.WebhookDeliveryEnqueueParams{
		AfterEventID: max(0, d.cursor-d.opts.Overlap), Now: d.opts.Now()})
	if err != nil {
		return err
	}
	d.cursor = max(d.cursor, upto)
	return nil
}

// deliver sends one delivery and records the try.
func (d *Dispatcher) deliver(ctx context.Context, w *store.Webhook, dl *store.WebhookDelivery) {
	log := d.log.With(zap.Int64("webhook_id", w.ID), zap.Int64("delivery_id", dl.ID), zap.Int64("attempt_id", dl.AttemptID))
	body := []byte(dl.Payload)
	if len(body) == 0 { // first try: the payload is fixed from now on, so retries send the same bytes
		b, err := d.payload(ctx, w, dl)
		if err != nil {
			if ctx.Err() != nil {
				return // the lease runs out and another try follows
			}
			log.Warn("webhook payload", zap.Error(err))
			b = []byte(fmt.Sprintf(`{"event":%q,"delivery_id":%d,"attempt_id":%d,"error":%q}`, EventCallFinished, dl.ID, dl.AttemptID, err.Error()))
		}
		body = b
	}
	start := d.opts.Now()
	status, err := d.post(ctx, w, dl, body, start)
	elapsed := d.opts.Now().Sub(start)
	if ctx.Err() != nil {
		return
	}
	tryNo := dl.Tries + 1
	rec := store.WebhookDeliveryRecordParams{DeliveryID: dl.ID, Holder: d.opts.Holder, Payload: string(body), At: start,
		Status: status, DurationMS: elapsed.Milliseconds()}
	result := "delivered"
	switch {
	case err == nil && status >= 200 && status < 300:
		rec.Delivered = true
	case tryNo >= d.opts.MaxTries:
		result = "failed"
	default:
		result = "retry"
		wait := Backoff(d.opts.Backoff, d.opts.MaxBackoff, tryNo)
		wait += time.Duration(rand.Int64N(int64(wait)/4 + 1)) // spread a receiver's recovery
		rec.NextTryAt = d.opts.Now().Add(wait)
	}
	// The record is read by every role: a class, never the URL (its path
	// may carry the receiver's token), the address or text from the far end.
	if err != nil {
		rec.Error = safehttp.Class(err)
	} else if !rec.Delivered {
		rec.Error = safehttp.StatusClass(status)
	}
	if err := d.opts.Store.WebhookDeliveryRecord(context.WithoutCancel(ctx), &rec); err != nil {
		log.Warn("record webhook try", zap.Error(err))
	}
	switch result {
	case "failed":
		log.Warn("webhook delivery failed: giving up", zap.Int("tries", tryNo), zap.Int("status", status), zap.String("class", rec.Error), zap.Error(stripURL(err)))
	case "retry":
		log.Info("webhook delivery will be retried", zap.Int("try", tryNo), zap.Int("status", status), zap.String("class", rec.Error),
			zap.Error(stripURL(err)), zap.Time("next", rec.NextTryAt))
	}
	if d.opts.OnTry != nil {
		d.opts.OnTry(Try{WebhookID: w.ID, DeliveryID: dl.ID, TryNo: tryNo, Status: status, Result: result, Duration: elapsed})
	}
}

func (d *Dispatcher) post(ctx context.Context, w *store.Webhook, dl *store.WebhookDelivery, body []byte, at time.Time) (int, error) {
	rctx, cancel := context.WithTimeout(ctx, d.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "voxdial-webhook/1")
	req.Header.Set(EventHeader, EventCallFinished)
	req.Header.Set(DeliveryHeader, strconv.FormatInt(dl.ID, 10))
	req.Header.Set(SignatureHeader, Sign(w.Secret, at, body))
	resp, err := d.opts.Client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
	resp.Body.Close()
	return resp.StatusCode, nil
}

// stripURL drops the URL from a client error (its query may carry a
// token); the cause, with the dialled address, stays for the operator.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// Payload is the JSON document of a call.finished delivery.
type Payload struct {
	Event      string                 `json:"event"` // call.finished
	DeliveryID int64                  `json:"delivery_id"`
	WebhookID  int64                  `json:"webhook_id"`
	Campaign   PayloadCampaign        `json:"campaign"`
	Attempt    *store.Attempt         `json:"attempt"` // its "result" is the call result (docs/call-result.md)
	Transcript []store.TranscriptTurn `json:"transcript"`
}

// PayloadCampaign names the campaign of a delivery.
type PayloadCampaign struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Purpose string `json:"purpose"`
}

func (d *Dispatcher) payload(ctx context.Context, w *store.Webhook, dl *store.WebhookDelivery) ([]byte, error) {
	if dl.AttemptID == 0 {
		return nil, fmt.Errorf("delivery %d names no attempt", dl.ID)
	}
	a, err := d.opts.Store.AttemptGet(ctx, &store.AttemptGetParams{ID: dl.AttemptID})
	if err != nil {
		return nil, err
	}
	c, err := d.opts.Store.CampaignGet(ctx, &store.CampaignGetParams{ID: a.CampaignID})
	if err != nil {
		return nil, err
	}
	tr, err := d.opts.Store.TranscriptGet(ctx, &store.TranscriptGetParams{AttemptID: a.ID})
	if err != nil {
		return nil, err
	}
	if tr == nil {
		tr = []store.TranscriptTurn{}
	}
	if len(a.Result) == 0 {
		a.Result = json.RawMessage("{}")
	}
	return json.Marshal(Payload{Event: EventCallFinished, DeliveryID: dl.ID, WebhookID: w.ID,
		Campaign: PayloadCampaign{ID: c.ID, Name: c.Name, Purpose: c.Purpose}, Attempt: a, Transcript: tr})
}
