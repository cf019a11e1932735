package campaign

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"go.uber.org/zap"

	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/numbers"
	"github.com/voxdial/voxdial/outcome"
	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/voicebot"
)

// Dialer places calls (a *dialer.UA).
type Dialer interface {
	Dial(ctx context.Context, req dialer.DialRequest) (*dialer.Call, error)
}

// Script runs on a campaign's calls (a *live.Script: step or voice-bot script).
// Prepare checks the contact's variables and readies the dial request; the
// function it returns runs on the answered call and hangs up when done.
type Script interface {
	Prepare(vars map[string]string, req *dialer.DialRequest) (func(ctx context.Context, call *dialer.Call) error, error)
}

// TrunkLimits are a trunk's pacing budgets, shared by every node.
type TrunkLimits struct {
	CPS      float64 // calls per second; 0: unlimited
	Burst    int     // default 1
	Channels int     // max concurrent calls; 0: the trunk's MaxChannels
}

// RunnerOptions configure NewRunner. Zero values take the defaults noted.
type RunnerOptions struct {
	Store  *store.DB // required
	Dialer Dialer    // required
	Gate   Gate      // required: use an explicit AllowAllGate to run without one
	Pacer  Pacer     // default a LocalPacer
	// Trunk resolves a campaign's trunk (a name or a SIP URI); required.
	Trunk func(name string) (*dialer.Trunk, error)
	// Limits gives a trunk's pacing budgets; default: no CPS limit, the trunk's MaxChannels.
	Limits func(t *dialer.Trunk) TrunkLimits
	// LoadScript loads a campaign's script; required. The caller owns the script
	// host (a live.Host's Load, wired to the speech engines it chose), so that
	// this package does not depend on the speech stack.
	LoadScript func(path string) (Script, error)
	Holder     string // lease holder name; default host-pid-random
	// MaxCalls is this node's bot capacity: the answered calls its media, speech
	// recognition and synthesis can carry at once (default 50). Ringing legs
	// use trunk channels only.
	MaxCalls int
	// MaxLegs caps this node's legs (leased, ringing or answered) at once
	// (default 4 × MaxCalls): predictive campaigns dial ahead of bot slots.
	MaxLegs int
	// State is the pacing state shared by the nodes (answer rates, agents);
	// default in process (LocalPaceState). Use a RedisPaceState with a RedisPacer.
	State PaceState
	// Transfers admits voice-bot transfers against agents; give its For to the
	// script host (live.Options.Transfers). Default: a desk of its own (then
	// transfers are not paced against agents).
	Transfers *TransferDesk
	// Speak synthesises the abandonment message (the script host's speaker,
	// live.Host.SpeakText). Without it an abandoned call is hung up in silence,
	// logged as an error: give it in production.
	Speak func(ctx context.Context, text string) (media.Source, error)
	// AgentPoll is how often a campaign's agent queue endpoint is polled (default 2s).
	AgentPoll time.Duration
	// OnPace, when set, sees every pacing decision (metrics).
	OnPace   func(PaceReport)
	LeaseFor time.Duration // lease length, extended while working (default 10m)
	Poll     time.Duration // how often to look for work when idle (default 1s)
	// Rescue is how often expired leases are returned (default 30s; negative: never).
	Rescue       time.Duration
	RingTimeout  time.Duration // default 30s
	DrainTimeout time.Duration // live calls get this long to finish on drain (default 30s)
	RecordDir    string        // record answered calls here when set
	// CreateRecording creates a recording file (default os.Create): a seam for tests of
	// a full or read-only disk. A recording that cannot be made or finished leaves the
	// call without one (Result.RecordingError says why); the call is placed anyway.
	CreateRecording func(path string) (media.RecordFile, error)
	Now             func() time.Time
	Logger          *zap.Logger
	// OnAttempt, when set, is called after each attempt is recorded (tests, metrics).
	OnAttempt func(AttemptReport)
	// AfterCall, when set, grades and summarises each call and queues its follow-ups
	// (aftercall.go; package aftercall).
	AfterCall AfterCall
	// Numbers keeps one call per number at a time and logs attempts per number (numbers.NewRedis
	// for a cluster); default an in-process numbers.Guard of this runner.
	Numbers NumberGuard
	// NumberBusyRetry is when a contact whose number another call has is tried again (default 1m).
	NumberBusyRetry time.Duration
	// NumberErrorRetry is when a contact is tried again after the number guard or the
	// pacer failed (Redis unreachable; default 1m).
	NumberErrorRetry time.Duration
	// SpoolDir holds the spool: store writes of the call path parked while the store is
	// unavailable, fsync'd, replayed on start and when the store is back. Empty: kept in
	// memory only (lost if the process dies).
	SpoolDir string
	// StoreRetry bounds the retries of a call-path store write before it is parked.
	StoreRetry StoreRetry
	// Probes are the shared dependencies checked before leasing resumes after one failed
	// (default: the store, and Numbers when it can be pinged).
	Probes []Pinger
	// ProbeEvery is how often they are probed while leasing is paused (default 1s).
	ProbeEvery time.Duration
}

// AttemptReport is what the runner did with one leased contact.
type AttemptReport struct {
	CampaignID  int64
	ContactID   int64
	Phone       string
	Attempt     int          // 0 when no call was placed
	CallID      string       // SIP Call-ID
	Outcome     outcome.Code // the call's outcome, or what the runner did without a call (package outcome)
	Reason      string       // why, in words ("" when the code says it all): the gate's reason, …
	Disposition string
	Final       bool
	Next        time.Time
	// TransferAbandoned: the bot transferred and no agent was free in time.
	TransferAbandoned bool
}

// Runner is one node's dialling loop: scheduler, hopper, gate, pacer,
// dialer and script. Several runners (nodes) may share one PostgreSQL store.
type Runner struct {
	opts RunnerOptions
	log  *zap.Logger

	state   PaceState
	pollers sync.WaitGroup // agent queue pollers

	mu       sync.Mutex
	active   int
	bots     int // bot slots in use (answered calls, and 1:1 legs' reservations)
	paces    map[int64]*campPace
	byCamp   map[int64]int
	plans    map[int64]*Plan
	scripts  map[string]Script
	zones    map[string]*time.Location
	wake     chan struct{}
	draining bool
	live     map[int64]struct{} // contacts being worked now (their leases are extended)

	// spool parks store writes while the store is unavailable. Atomic: Run sets it
	// while the metrics endpoint may already read its gauge (SpooledWrites).
	spool      atomic.Pointer[spool]
	replayAt   time.Time
	replayWait time.Duration
	outage     outage
}

// NewRunner checks opts and fills defaults.
func NewRunner(opts RunnerOptions) (*Runner, error) {
	if opts.Store == nil || opts.Dialer == nil || opts.Trunk == nil {
		return nil, errors.New("campaign runner: Store, Dialer and Trunk are required")
	}
	if opts.Gate == nil {
		return nil, errors.New("campaign runner: a Gate is required (campaign.AllowAllGate runs without compliance checks, loudly)")
	}
	if opts.Pacer == nil {
		opts.Pacer = NewLocalPacer(nil)
	}
	if opts.Limits == nil {
		opts.Limits = func(t *dialer.Trunk) TrunkLimits { return TrunkLimits{Channels: t.MaxChannels} }
	}
	if opts.Transfers == nil {
		opts.Transfers = NewTransferDesk()
	}
	if opts.LoadScript == nil {
		return nil, errors.New("campaign runner: LoadScript is required (the script host's Load, e.g. a live.Host's)")
	}
	if opts.State == nil {
		opts.State = NewLocalPaceState(opts.Now)
	}
	if opts.AgentPoll <= 0 {
		opts.AgentPoll = 2 * time.Second
	}
	if opts.Holder == "" {
		host, _ := os.Hostname()
		opts.Holder = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), uuid.NewString()[:8])
	}
	if opts.MaxCalls <= 0 {
		opts.MaxCalls = 50
	}
	if opts.MaxLegs <= 0 {
		opts.MaxLegs = 4 * opts.MaxCalls
	}
	if opts.LeaseFor <= 0 {
		opts.LeaseFor = 10 * time.Minute
	}
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	if opts.Rescue == 0 {
		opts.Rescue = 30 * time.Second
	}
	if opts.RingTimeout <= 0 {
		opts.RingTimeout = 30 * time.Second
	}
	if opts.DrainTimeout <= 0 {
		opts.DrainTimeout = 30 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	if opts.Numbers == nil {
		opts.Numbers = numbers.NewLocal(numbers.Options{})
	}
	if opts.NumberBusyRetry <= 0 {
		opts.NumberBusyRetry = time.Minute
	}
	if opts.NumberErrorRetry <= 0 {
		opts.NumberErrorRetry = time.Minute
	}
	opts.StoreRetry.defaults()
	if opts.ProbeEvery <= 0 {
		opts.ProbeEvery = time.Second
	}
	if opts.Probes == nil {
		opts.Probes = []Pinger{opts.Store}
		if p, ok := opts.Numbers.(Pinger); ok {
			opts.Probes = append(opts.Probes, p)
		}
	}
	log := opts.Logger.With(zap.String("holder", opts.Holder))
	r := &Runner{opts: opts, log: log, state: opts.State,
		byCamp: map[int64]int{}, paces: map[int64]*campPace{}, plans: map[int64]*Plan{}, scripts: map[string]Script{},
		zones: map[string]*time.Location{}, wake: make(chan struct{}, 1), live: map[int64]struct{}{}}
	r.spool.Store(&spool{log: log})
	return r, nil
}

// Holder is the name this runner leases under.
func (r *Runner) Holder() string { return r.opts.Holder }

// Active is the number of contacts being worked now.
func (r *Runner) Active() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.active
}

// Run works due contacts of running campaigns until ctx ends, then drains:
// it stops leasing, gives back contacts it has not dialled, lets live calls
// finish for up to DrainTimeout, then hangs them up and records them.
func (r *Runner) Run(ctx context.Context) error {
	sp, err := openSpool(r.opts.SpoolDir, r.opts.Holder, r.log)
	if err != nil {
		return fmt.Errorf("campaign runner: %w", err)
	}
	r.spool.Store(sp)
	defer sp.close()
	r.checkRecordDir()
	callCtx, hangupAll := context.WithCancel(context.WithoutCancel(ctx))
	defer hangupAll()
	var wg sync.WaitGroup
	lastRescue := time.Time{}
	lastExtend := r.opts.Now()
	lastTick := time.Time{}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return r.drain(&wg, hangupAll)
		case <-timer.C:
		case <-r.wake:
		}
		now := r.opts.Now()
		// Writes parked during a store outage go first: before any lease is extended,
		// rescued or taken.
		r.replaySpool(ctx, now)
		if now.Sub(lastTick) >= r.opts.Poll {
			lastTick = now
			if changed, err := Tick(ctx, r.opts.Store, now); err != nil && ctx.Err() == nil {
				r.log.Warn("scheduler tick", zap.Error(err))
			} else {
				for _, c := range changed {
					r.log.Info("campaign state", zap.String("campaign", c.Name), zap.String("state", c.State))
				}
			}
		}
		if r.opts.Rescue > 0 && now.Sub(lastRescue) >= r.opts.Rescue {
			lastRescue = now
			if ids, err := r.opts.Store.ContactLeaseRescue(ctx, &store.ContactLeaseRescueParams{Now: now}); err != nil && ctx.Err() == nil {
				r.log.Warn("lease rescue", zap.Error(err))
			} else if len(ids) > 0 {
				r.log.Warn("expired leases returned", zap.Int("contacts", len(ids)))
			}
		}
		if now.Sub(lastExtend) >= r.opts.LeaseFor/3 {
			lastExtend = now
			if _, err := r.opts.Store.ContactLeaseExtend(ctx, &store.ContactLeaseExtendParams{Holder: r.opts.Holder,
				ContactIDs: r.extendIDs(), Until: now.Add(r.opts.LeaseFor), Now: now}); err != nil && ctx.Err() == nil {
				r.log.Warn("extend leases", zap.Error(err))
			}
		}
		leased := 0
		if !r.leasingPaused(ctx, now) {
			leased = r.lease(ctx, callCtx, now, &wg)
		}
		next := r.opts.Poll
		if leased > 0 {
			next = 10 * time.Millisecond // more may be due
		}
		if r.spool.Load().pending() > 0 {
			next = min(next, max(r.replayAt.Sub(now), 10*time.Millisecond))
		}
		timer.Reset(next)
	}
}

// lease takes due contacts of every running campaign, within this node's
// free capacity and each campaign's concurrency, and starts a worker per contact.
func (r *Runner) lease(ctx, callCtx context.Context, now time.Time, wg *sync.WaitGroup) int {
	cs, err := r.opts.Store.CampaignList(ctx, &store.CampaignListParams{States: []string{store.CampaignRunning}})
	if err != nil {
		if ctx.Err() == nil {
			r.log.Warn("list campaigns", zap.Error(err))
		}
		return 0
	}
	total := 0
	for _, c := range cs {
		plan, err := r.plan(c)
		if err != nil {
			r.log.Error("campaign cannot run", zap.String("campaign", c.Name), zap.Error(err))
			continue
		}
		cp := r.campPace(ctx, plan)
		free := r.decide(ctx, plan, cp, now).Legs
		if free <= 0 {
			continue
		}
		got, err := r.opts.Store.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: c.ID, Holder: r.opts.Holder,
			Limit: free, LeaseFor: r.opts.LeaseFor, Now: now})
		if err != nil {
			if ctx.Err() == nil {
				r.log.Warn("lease contacts", zap.String("campaign", c.Name), zap.Error(err))
			}
			continue
		}
		for _, ct := range got {
			s := &slot{inFlight: true}
			r.mu.Lock()
			r.active++
			r.live[ct.ID] = struct{}{}
			r.byCamp[c.ID]++
			cp.legs++
			if !cp.predictive {
				// 1:1: the leg's bot slot is reserved now, so its answer always finds one.
				s.bot = true
				r.bots++
			}
			r.mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer r.done(c.ID, ct.ID)
				defer r.freeSlot(cp, s)
				r.newAttempt(ctx, callCtx, plan, cp, s, ct).run()
			}()
		}
		total += len(got)
	}
	return total
}

func (r *Runner) done(campaignID, contactID int64) {
	r.mu.Lock()
	r.active--
	delete(r.live, contactID)
	r.byCamp[campaignID]--
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// plan compiles a campaign (cached until it changes) and loads its script.
func (r *Runner) plan(c *store.Campaign) (*Plan, error) {
	r.mu.Lock()
	p, ok := r.plans[c.ID]
	r.mu.Unlock()
	if ok && p.UpdatedAt.Equal(c.UpdatedAt) && p.Script == c.Script {
		return p, nil
	}
	p, err := Compile(c)
	if err != nil {
		return nil, err
	}
	if _, err := r.script(c.Script); err != nil {
		return nil, err
	}
	if _, err := r.opts.Trunk(c.Trunk); err != nil {
		return nil, fmt.Errorf("trunk %q: %w", c.Trunk, err)
	}
	r.mu.Lock()
	r.plans[c.ID] = p
	r.mu.Unlock()
	return p, nil
}

func (r *Runner) script(path string) (Script, error) {
	if path == "" {
		path = "asset:hello.yaml"
	}
	r.mu.Lock()
	s, ok := r.scripts[path]
	r.mu.Unlock()
	if ok {
		return s, nil
	}
	s, err := r.opts.LoadScript(path)
	if err != nil {
		return nil, fmt.Errorf("script %s: %w", path, err)
	}
	r.mu.Lock()
	r.scripts[path] = s
	r.mu.Unlock()
	return s, nil
}

func (r *Runner) zone(p *Plan, tz string) *time.Location {
	r.mu.Lock()
	defer r.mu.Unlock()
	return p.ContactLocation(tz, r.zones)
}

// gate asks the gate; false means the contact was rescheduled or finished.
// Errors fail closed: no call, retry in 5 minutes.
func (a *attempt) gate(req GateRequest) bool {
	r, rec, ctx, log, reschedule, finish := a.r, a.rec, a.leaseCtx, a.log, a.reschedule, a.finish
	v, err := r.opts.Gate.Check(ctx, req)
	if err != nil {
		if ctx.Err() != nil {
			reschedule(req.At, outcome.Released)
			return false
		}
		log.Error("compliance gate failed: not calling (fail closed)", zap.String("stage", string(req.Stage)), zap.Error(err))
		r.sharedDown("compliance gate", err)
		r.event(rec, req, "gate_error", map[string]any{"stage": req.Stage, "error": err.Error()})
		reschedule(r.opts.Now().Add(5*time.Minute), outcome.GateError)
		return false
	}
	data := map[string]any{"stage": req.Stage, "decision": v.Decision, "rules": v.RuleIDs, "reason": v.Reason}
	switch {
	case v.Decision == GateAllow:
		return true
	case v.Decision == GateBlock:
		r.event(rec, req, "gate_block", data)
		finish("compliance_blocked", outcome.GateBlock, v.Reason)
		return false
	case v.Decision == GateHold && v.Unavailable:
		// A transient outage, not the contact: a minute, and no more leases until it is over.
		r.sharedDown("compliance data", errors.New(v.Reason))
		r.event(rec, req, "gate_hold", data)
		reschedule(req.At.Add(r.opts.NumberErrorRetry), outcome.GateUnavailable)
		return false
	default: // hold, or anything unknown: fail closed
		next := v.NextEligible
		if !next.After(req.At) {
			next = req.At.Add(15 * time.Minute)
		}
		r.event(rec, req, "gate_hold", data)
		reschedule(next, outcome.GateHold)
		return false
	}
}

func (r *Runner) event(ctx context.Context, req GateRequest, typ string, data any) {
	_ = r.write(ctx, spoolWrite{Event: &store.CallEventAppendParams{CampaignID: req.CampaignID, ContactID: req.ContactID,
		Type: typ, Data: data, At: r.opts.Now()}}, r.log)
}

// call places the call and runs the script; it returns the final result.
func (a *attempt) call() dialer.Result {
	r, ctx, p, cp, s, xfer, trunk, callerID, ct, callID, log := a.r, a.callCtx, a.p, a.cp, a.s, a.xfer, a.trunk, a.callerID, a.ct, a.callID, a.log
	req := dialer.DialRequest{Trunk: trunk, To: ct.Phone, RingTimeout: r.opts.RingTimeout, CallID: callID,
		CallerID: callerID, Logger: log.With(zap.String("call_id", callID))}
	if r.opts.RecordDir != "" {
		req.RecordPath = filepath.Join(r.opts.RecordDir, callID+".wav")
		req.CreateRecording = r.createRecording
	}
	failed := func(out dialer.Outcome, err error) dialer.Result {
		return dialer.Result{CallID: callID, To: ct.Phone, Trunk: trunk.Name, Outcome: out, Reason: err.Error(), Variables: map[string]string{}}
	}
	script, err := r.script(p.Script)
	if err != nil {
		log.Warn("script", zap.Error(err))
		return failed(dialer.OutcomeFailed, err)
	}
	vars := map[string]string{}
	if len(ct.Variables) > 0 {
		if err := json.Unmarshal(ct.Variables, &vars); err != nil {
			return failed(dialer.OutcomeFailed, fmt.Errorf("contact %d variables: %w", ct.ID, err))
		}
	}
	if _, ok := vars[voicebot.TimeZoneVar]; !ok {
		// The bot reads captured dates ("next Friday") on the contact's calendar.
		vars[voicebot.TimeZoneVar] = r.zone(p, ct.TimeZone).String()
	}
	run, err := script.Prepare(vars, &req)
	if err != nil {
		log.Warn("script", zap.Error(err))
		return failed(dialer.OutcomeFailed, err)
	}
	call, err := r.opts.Dialer.Dial(ctx, req)
	if err != nil {
		out := dialer.OutcomeFailed
		switch {
		case errors.Is(err, dialer.ErrInvalidTarget):
			out = dialer.OutcomeInvalidNumber
		case ctx.Err() != nil:
			out = OutcomeCut // the drain deadline, not the callee
		}
		log.Warn("dial", zap.Error(err))
		return failed(out, err)
	}
	cut := watchCut(ctx, call)
	defer cut.stop()
	setup := call.Result()
	answered := setup.Timings.AnsweredAt != nil
	sample := PaceSample{Dialled: 1, RingMS: setup.Timings.SetupMS}
	if answered {
		sample.Answered = 1
	}
	cp.record(ctx, sample)
	if !answered {
		r.legEnded(cp, s)
	}
	if call.Answered() {
		if !r.answered(cp, s) {
			s.abandoned = true
			cp.abandonStarted() // counted against the budget now, not after the message
			a.abandon(call)
		} else {
			if xfer != nil {
				xfer.mu.Lock()
				xfer.answeredAt = *setup.Timings.AnsweredAt
				xfer.mu.Unlock()
			}
			if err := run(ctx, call); err != nil {
				if ctx.Err() != nil {
					// Stopped by the drain deadline. Said here, not only by the watch:
					// its check runs on a goroutine of its own, which a loaded machine
					// may schedule after the script has already hung up.
					cut.mark()
				} else {
					log.Warn("script stopped", zap.Error(err))
				}
			}
			select {
			case <-call.Done():
			case <-ctx.Done():
			}
			cp.record(ctx, PaceSample{Finished: 1, BotCalls: 1, BotMS: time.Since(*setup.Timings.AnsweredAt).Milliseconds()})
		}
	}
	select {
	case <-call.Done():
	case <-ctx.Done():
		select {
		case <-call.Done():
		default:
			cut.mark()
		}
		_ = call.Hangup(context.WithoutCancel(ctx))
		<-call.Done()
	}
	return cut.result(call.Result())
}

// record closes the attempt and applies the retry policy.
func (a *attempt) record(res dialer.Result) {
	r, ctx, p, ct, att, rep, log := a.r, a.rec, a.p, a.ct, a.att, &a.rep, a.log
	now := r.opts.Now()
	outcome := res.Outcome
	if res.Outcome == dialer.OutcomeAnswered && res.AMD != nil && res.AMD.Verdict == "machine" && res.Disposition == "" {
		outcome = OutcomeVoicemail
	}
	if res.Outcome == dialer.OutcomeAnswered && res.Disposition == DispositionAbandoned {
		outcome = OutcomeAbandoned
	}
	streak := 1
	if ct.LastOutcome == string(outcome) {
		streak = ct.Streak + 1
	}
	facts := AttemptFacts{Outcome: string(outcome), Disposition: res.Disposition, Attempts: att.AttemptNo - ct.AttemptsBase,
		MaxAttempts: p.MaxAttempts, Streak: streak, Now: now, CallbackAt: callbackAt(res, now)}
	d := p.Retry.Decide(facts)
	loc := r.zone(p, ct.TimeZone)
	var next time.Time
	if !d.Final {
		if next = NextAttempt(d, now, p.Sched, loc, p.Loc); next.IsZero() {
			d = Decision{Final: true, Disposition: orDefault(res.Disposition, string(outcome)), Reason: "schedule ended"}
		}
	}
	var info *AfterCallInfo // grade, summary and follow-ups (aftercall.go)
	if r.opts.AfterCall != nil {
		info = a.afterCallInfo(string(outcome), now)
		r.opts.AfterCall.Analyze(ctx, info, &res)
	}
	doc, _ := json.Marshal(res)
	var answered time.Time
	if res.Timings.AnsweredAt != nil {
		answered = *res.Timings.AnsweredAt
	}
	transcript := make([]store.TranscriptTurn, len(res.Transcript))
	for i, t := range res.Transcript {
		transcript[i] = store.TranscriptTurn{Role: t.Role, Text: t.Text, Intent: t.Intent, DTMF: t.DTMF, StartMS: t.StartMS, EndMS: t.EndMS}
	}
	disp := res.Disposition
	if d.Final {
		disp = d.Disposition
	}
	var captured json.RawMessage
	if len(res.Captured) > 0 {
		captured, _ = json.Marshal(res.Captured) // a map of strings always marshals
	}
	err := r.write(ctx, spoolWrite{AttemptFinish: &store.AttemptFinishParams{AttemptID: att.ID, ContactID: ct.ID, Holder: r.opts.Holder,
		Outcome: string(outcome), SIPStatus: res.SIPStatus, Disposition: disp, HangupBy: res.HangupBy, AnsweredAt: answered,
		EndedAt: orNow(res.Timings.EndedAt, now), DurationMS: res.Timings.DurationMS, Result: doc, Transcript: transcript,
		Captured: captured, Unanswered: res.Unanswered,
		Final: d.Final, NextAttemptAt: next, RetryReason: d.Reason, Streak: streak, Now: now,
		Quality: attemptQuality(&res)}}, log)
	if err != nil && !errors.Is(err, errParked) {
		log.Error("record attempt", zap.Error(err))
	}
	if info != nil {
		r.opts.AfterCall.FollowUp(ctx, info, &res)
	}
	rep.Outcome, rep.Reason, rep.Disposition, rep.Final, rep.Next = outcome, res.Reason, disp, d.Final, next
}

// The campaign's own outcomes (package outcome's table), and the disposition of a
// call answered when no bot slot was free.
const (
	OutcomeVoicemail     = outcome.Voicemail // answered, AMD said machine, no disposition set
	OutcomeAbandoned     = outcome.Abandoned // answered when no bot slot was free
	DispositionAbandoned = "abandoned"
)

// abandon handles an answer that found no free bot slot lawfully: the
// information message (identity, no re-call, opt-out number) starts at once —
// well within the 2 s the rules allow — then the bot hangs up. The attempt is
// recorded as abandoned, so the gate's abandonment rate and 72 h rules see it.
func (a *attempt) abandon(call *dialer.Call) {
	r, ctx, p, callerID, log := a.r, a.callCtx, a.p, a.callerID, a.log.With(zap.String("call_id", a.callID))
	msg := abandonMessage(p, callerID)
	call.SetBotResult(func(res *dialer.Result) {
		res.Disposition = DispositionAbandoned
		res.Variables["abandon_message"] = msg
	})
	log.Warn("answered with no free bot slot: abandonment message, then hang up")
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var src media.Source
	err := errors.New("no speaker (RunnerOptions.Speak)")
	if r.opts.Speak != nil {
		src, err = r.opts.Speak(pctx, msg)
	}
	if err == nil {
		err = call.Play(pctx, src)
	}
	if err != nil && pctx.Err() == nil {
		log.Error("abandonment message not played", zap.Error(err))
	}
	_ = call.Hangup(context.WithoutCancel(ctx))
}

// callbackAt reads a callback request: the voice-bot's `callback:` or, from
// step scripts and integrations, the variables callback_at (RFC 3339) or
// callback_in (a duration such as 24h).
func callbackAt(res dialer.Result, now time.Time) time.Time {
	if res.Callback != nil && res.Callback.AfterS > 0 {
		return now.Add(time.Duration(res.Callback.AfterS) * time.Second)
	}
	if v := res.Variables["callback_at"]; v != "" {
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return t
		}
	}
	if v := res.Variables["callback_in"]; v != "" {
		if d, err := time.ParseDuration(v); err == nil && d > 0 {
			return now.Add(d)
		}
	}
	return time.Time{}
}

func orNow(t, now time.Time) time.Time {
	if t.IsZero() {
		return now
	}
	return t
}

// drain stops leasing and winds down (see Run).
func (r *Runner) drain(wg *sync.WaitGroup, hangupAll context.CancelFunc) error {
	r.mu.Lock()
	r.draining = true
	active := r.active
	r.mu.Unlock()
	r.log.Info("draining", zap.Int("active", active), zap.Duration("deadline", r.opts.DrainTimeout))
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(r.opts.DrainTimeout):
		r.log.Warn("drain deadline: hanging up live calls", zap.Int("active", r.Active()))
		hangupAll()
		<-done
	}
	r.stopPollers()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Records parked during a store outage: one more try now; what is left stays in the
	// spool file for the next start.
	if r.spool.Load().pending() > 0 {
		r.replayAt = time.Time{}
		r.replaySpool(ctx, r.opts.Now())
		if n := r.spool.Load().pending(); n > 0 {
			r.log.Error("drain: store writes still parked; replayed at the next start", zap.Int("writes", n),
				zap.String("spool_dir", r.opts.SpoolDir))
		}
	}
	// Anything still leased by us and not dialling goes back.
	if n, err := r.opts.Store.ContactLeaseRelease(ctx, &store.ContactLeaseReleaseParams{Holder: r.opts.Holder}); err != nil {
		return fmt.Errorf("drain: release leases: %w", err)
	} else if n > 0 {
		r.log.Info("leases released", zap.Int("contacts", n))
	}
	return nil
}
