package aftercall

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.uber.org/zap"

	"github.com/voxdial/voxdial/compliance"
	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/store"
)

// SMSGate decides whether a text may be sent now (a *compliance.Gate).
type SMSGate interface {
	CheckSMS(ctx context.Context, a compliance.SMSAttempt) compliance.Decision
}

// SMSAudit records the gate's decisions (a *compliance.StoreAudit: the hash-chained audit
// log, with the attempt id "fu-<follow-up id>").
type SMSAudit interface {
	Append(ctx context.Context, a *compliance.Attempt, d *compliance.Decision) error
}

// SenderOptions configure a Sender.
type SenderOptions struct {
	Store   *store.DB // required
	Gateway Gateway   // required
	Gate    SMSGate   // required: every text passes the compliance gate
	// Audit, when set, records every decision before it is acted on; a text whose
	// decision cannot be recorded is not sent (tried again in a minute).
	Audit  SMSAudit
	From   string // the sender number or id the gateway sends from
	Holder string // lease holder name (required; the node's)
	// MaxTries is how many gateway tries a follow-up gets (default 6); Backoff the wait
	// after the first failed try, doubled after each (default 30s, at most MaxBackoff, 1h).
	MaxTries   int
	Backoff    time.Duration
	MaxBackoff time.Duration
	Poll       time.Duration // how often due follow-ups are looked for (default 1s)
	Batch      int           // follow-ups leased at once (default 10)
	Now        func() time.Time
	Logger     *zap.Logger
	// OnRecord, when set, sees every record made (tests, metrics).
	OnRecord func(store.FollowUpRecordParams)
}

// Sender delivers queued follow-ups: it leases due ones from the store (so the queue
// survives a restart, and several nodes share it), asks the compliance gate, sends through
// the gateway and records each step in the follow-up's log.
//
//	due ─► gate ── block by quiet hours ──► pending until the hours end (blocked)
//	         │ ─── block (no consent, opted out, …) ──► blocked
//	         ▼ allow
//	      gateway ── 2xx ──► sent
//	              ── 4xx (not 408/429) ──► failed, with the gateway's reason
//	              ── 5xx, 408, 429, no answer ──► pending after a back-off (retried),
//	                                              failed after MaxTries
type Sender struct {
	o   SenderOptions
	log *zap.Logger
}

// NewSender checks opts and fills defaults.
func NewSender(o SenderOptions) (*Sender, error) {
	if o.Store == nil || o.Gateway == nil || o.Gate == nil || o.Holder == "" {
		return nil, errors.New("follow-up sender: Store, Gateway, Gate and Holder are required")
	}
	if o.MaxTries <= 0 {
		o.MaxTries = 6
	}
	if o.Backoff <= 0 {
		o.Backoff = 30 * time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = time.Hour
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.Batch <= 0 {
		o.Batch = 10
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	return &Sender{o: o, log: o.Logger}, nil
}

// Run sends due follow-ups until ctx ends.
func (s *Sender) Run(ctx context.Context) error {
	t := time.NewTicker(s.o.Poll)
	defer t.Stop()
	for {
		for {
			n, err := s.Tick(ctx)
			if err != nil && ctx.Err() == nil {
				s.log.Warn("follow-ups", zap.Error(err))
			}
			if n < s.o.Batch || err != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Tick leases the follow-ups due now and handles each; it returns how many it leased.
func (s *Sender) Tick(ctx context.Context) (int, error) {
	due, err := s.o.Store.FollowUpLeaseDue(ctx, &store.FollowUpLeaseDueParams{Holder: s.o.Holder, Limit: s.o.Batch,
		LeaseFor: time.Minute, Now: s.o.Now()})
	if err != nil {
		return 0, err
	}
	for _, f := range due {
		s.handle(ctx, f)
	}
	return len(due), nil
}

func (s *Sender) handle(ctx context.Context, f *store.FollowUp) {
	log := s.log.With(zap.Int64("follow_up", f.ID), zap.String("to", dialer.MaskNumber(f.To)))
	now := s.o.Now()
	rec := store.FollowUpRecordParams{ID: f.ID, Holder: s.o.Holder, At: now}
	sa := compliance.SMSAttempt{ID: "fu-" + strconv.FormatInt(f.ID, 10), Number: f.To,
		Campaign: strconv.FormatInt(f.CampaignID, 10), TimeZone: f.TimeZone, At: now}
	d := s.o.Gate.CheckSMS(ctx, sa)
	if s.o.Audit != nil {
		if err := s.o.Audit.Append(ctx, &compliance.Attempt{ID: sa.ID, Number: sa.Number, Campaign: sa.Campaign, At: now}, &d); err != nil {
			rec.Event, rec.State, rec.NextTryAt = store.FollowUpEventBlocked, store.FollowUpPending, now.Add(time.Minute)
			rec.Detail = "the gate's decision could not be audited: " + err.Error()
			log.Warn("follow-up held: audit", zap.Error(err))
			s.record(ctx, rec, log)
			return
		}
	}
	if d.Verdict != compliance.Allow {
		rec.Event = store.FollowUpEventBlocked
		rec.Detail = d.Rules.String() + ": " + d.Reason()
		switch {
		case !d.NextEligibleAt.IsZero():
			rec.State, rec.NextTryAt = store.FollowUpPending, d.NextEligibleAt
			rec.Detail += "; next try " + d.NextEligibleAt.UTC().Format(time.RFC3339)
		case d.SourceFailed || d.Rules.CampaignLevel():
			// Not about the person: try again later, like the dialler's hold.
			rec.State, rec.NextTryAt = store.FollowUpPending, now.Add(15*time.Minute)
		default:
			rec.State = store.FollowUpBlocked
		}
		log.Info("follow-up blocked by the gate", zap.String("rules", d.Rules.String()))
		s.record(ctx, rec, log)
		return
	}
	rec.Try = true
	id, err := s.o.Gateway.Send(ctx, SMS{To: f.To, From: s.o.From, Body: f.Body, Reference: "fu-" + strconv.FormatInt(f.ID, 10)})
	rec.At = s.o.Now()
	if err == nil {
		rec.Event, rec.State, rec.GatewayID, rec.Detail = store.FollowUpEventSent, store.FollowUpSent, id, "accepted by the gateway"
		rec.Status = 200
		s.record(ctx, rec, log)
		return
	}
	var ge *GatewayError
	if !errors.As(err, &ge) {
		ge = &GatewayError{Reason: err.Error()}
	}
	rec.Status, rec.Detail = ge.Status, ge.Error()
	tries := f.Tries + 1
	switch {
	case ge.Permanent():
		rec.Event, rec.State = store.FollowUpEventFailed, store.FollowUpFailed
	case tries >= s.o.MaxTries:
		rec.Event, rec.State = store.FollowUpEventFailed, store.FollowUpFailed
		rec.Detail = fmt.Sprintf("gave up after %d tries: %s", tries, ge.Error())
	default:
		wait := s.o.Backoff << (tries - 1)
		if wait > s.o.MaxBackoff || wait <= 0 {
			wait = s.o.MaxBackoff
		}
		rec.Event, rec.State, rec.NextTryAt = store.FollowUpEventRetried, store.FollowUpPending, rec.At.Add(wait)
		rec.Detail += "; next try in " + wait.String()
	}
	log.Warn("follow-up not sent", zap.String("state", rec.State), zap.String("reason", rec.Detail))
	s.record(ctx, rec, log)
}

func (s *Sender) record(ctx context.Context, rec store.FollowUpRecordParams, log *zap.Logger) {
	if err := s.o.Store.FollowUpRecord(ctx, &rec); err != nil {
		log.Error("record follow-up", zap.Error(err))
		return
	}
	if s.o.OnRecord != nil {
		s.o.OnRecord(rec)
	}
}
