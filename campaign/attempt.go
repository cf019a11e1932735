package campaign

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/google/uuid"
	"go.uber.org/zap"

	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/numbers"
	"github.com/voxdial/voxdial/outcome"
	"github.com/voxdial/voxdial/store"
)

// attempt is one leased contact being worked: window, gate, pacer, number lock, gate
// again, call, script and retry policy (run). It owns what every step needs, so that a
// step is a small method instead of a function of ten parameters; the fields below the
// first group are filled in as the attempt goes. One goroutine works an attempt.
type attempt struct {
	r  *Runner
	p  *Plan
	cp *campPace
	s  *slot
	ct *store.Contact
	// leaseCtx ends at drain: a contact not dialled yet is given back.
	leaseCtx context.Context
	// callCtx ends at the drain deadline: the call is hung up.
	callCtx context.Context
	// rec is for records, written even while draining (the store write's budget bounds it).
	rec context.Context
	log *zap.Logger
	rep AttemptReport

	trunk    *dialer.Trunk
	lock     *numbers.Lock
	callID   string // SIP Call-ID, also the number log's and the store's key of the attempt
	callerID string
	att      *store.Attempt
	xfer     *callTransfer // nil unless the campaign paces transfers
}

func (r *Runner) newAttempt(leaseCtx, callCtx context.Context, p *Plan, cp *campPace, s *slot, ct *store.Contact) *attempt {
	return &attempt{r: r, p: p, cp: cp, s: s, ct: ct, leaseCtx: leaseCtx, callCtx: callCtx,
		rec: context.WithoutCancel(leaseCtx),
		log: r.log.With(zap.String("campaign", p.Name), zap.Int64("contact_id", ct.ID), zap.String("to", dialer.MaskNumber(ct.Phone))),
		rep: AttemptReport{CampaignID: p.ID, ContactID: ct.ID, Phone: ct.Phone}}
}

// run takes the contact through every step; each step that ends the attempt early has
// already rescheduled, finished or given back the contact, and reported it.
func (a *attempt) run() {
	loc := a.r.zone(a.p, a.ct.TimeZone)
	now := a.r.opts.Now()
	if !a.due(now, loc) {
		return
	}
	gateReq := GateRequest{Number: a.ct.Phone, TimeZone: a.ct.TimeZone, CampaignID: a.p.ID, Campaign: a.p.Name, Seller: a.p.Seller,
		Purpose: a.p.Purpose, ContactID: a.ct.ID, DebtIDs: a.ct.DebtIDs, DebtIDsKnown: true, Attempt: a.ct.Attempts + 1, At: now, Stage: StageLease}
	if !a.gate(gateReq) {
		return
	}
	permit, ok := a.acquire(now)
	if !ok {
		return
	}
	defer permit.Release()
	// One call per number: held from the gate's last word to the record of the hang-up.
	if a.lock, ok = a.lockNumber(); !ok {
		return
	}
	defer a.lock.Release()
	// The gate again, right before the INVITE: time has passed while pacing.
	gateReq.At, gateReq.Stage = a.r.opts.Now(), StageInvite
	if !a.gate(gateReq) {
		return
	}
	// The CPS token last, so the carrier sees the configured rate.
	if !a.token(permit) {
		return
	}
	if !a.start() {
		return
	}
	if a.cp.opts.PacesTransfers() {
		a.xfer = a.transfer()
		a.r.opts.Transfers.add(a.callID, a.xfer)
		defer a.r.opts.Transfers.remove(a.callID)
	}
	a.ended(a.call())
}

// due checks the calling window in the contact's local time and the attempt cap; false:
// the contact was rescheduled to its next window or finished.
func (a *attempt) due(now time.Time, loc *time.Location) bool {
	p, ct := a.p, a.ct
	if !p.Sched.Eligible(now, loc, p.Loc) {
		next := p.Sched.NextEligible(now, loc, p.Loc)
		if next.IsZero() {
			a.finish(orDefault(ct.LastOutcome, string(outcome.ScheduleEnded)), outcome.ScheduleEnded, "schedule ended")
			return false
		}
		a.reschedule(next, outcome.Window)
		return false
	}
	if p.MaxAttempts > 0 && ct.CycleAttempts() >= p.MaxAttempts { // this cycle's (a recycle starts one)
		a.finish(orDefault(ct.LastOutcome, string(outcome.MaxAttempts)), outcome.MaxAttempts, "max attempts")
		return false
	}
	return true
}

// acquire resolves the trunk and waits for the pacer's permit (a trunk channel and a
// campaign slot); false: the contact was rescheduled or given back (draining).
func (a *attempt) acquire(now time.Time) (*Permit, bool) {
	r := a.r
	trunk, err := r.opts.Trunk(a.p.Trunk)
	if err != nil {
		a.reschedule(now.Add(5*time.Minute), outcome.TrunkError)
		return nil, false
	}
	a.trunk = trunk
	lim := r.opts.Limits(trunk)
	if lim.Channels == 0 {
		lim.Channels = trunk.MaxChannels
	}
	permit, err := r.opts.Pacer.Acquire(a.leaseCtx, PaceRequest{Trunk: trunk.Name, CPS: lim.CPS, Burst: lim.Burst,
		TrunkChannels: lim.Channels, Campaign: strconv.FormatInt(a.p.ID, 10), CampaignMax: a.p.MaxConcurrent})
	if err != nil {
		if a.leaseCtx.Err() == nil {
			a.log.Warn("pacer", zap.Error(err))
			r.sharedDown("pacer", err)
			a.reschedule(r.opts.Now().Add(r.opts.NumberErrorRetry), outcome.PacerError)
			return nil, false
		}
		a.release() // draining: not dialled, give it back
		return nil, false
	}
	return permit, true
}

// token waits for the trunk's CPS token; false: the contact was rescheduled or given back.
func (a *attempt) token(permit *Permit) bool {
	r := a.r
	if err := permit.Token(a.leaseCtx); err != nil {
		if a.leaseCtx.Err() == nil {
			a.log.Warn("pacer token", zap.Error(err))
			r.sharedDown("pacer", err)
			a.reschedule(r.opts.Now().Add(r.opts.NumberErrorRetry), outcome.PacerError)
			return false
		}
		a.release()
		return false
	}
	return true
}

// start names the call, logs it on the number and opens its attempt in the store; false:
// no call may be placed (the contact was rescheduled, given back, or its lease is lost).
func (a *attempt) start() bool {
	r, p, ct := a.r, a.p, a.ct
	a.callID = uuid.NewString()
	a.callerID = a.trunk.CallerID
	if len(p.CallerIDs) > 0 {
		a.callerID = p.CallerIDs[int(ct.ID)%len(p.CallerIDs)]
	}
	at := r.opts.Now() // the same instant in the number's log and the store: merged by call id
	if !a.recordNumber(at) {
		return false
	}
	att, err := r.opts.Store.AttemptStart(a.rec, &store.AttemptStartParams{ContactID: ct.ID, Holder: r.opts.Holder, CallID: a.callID,
		Trunk: a.trunk.Name, CallerID: a.callerID, Now: at})
	if err != nil {
		_ = a.lock.Forget(a.rec, a.callID) // never placed
		a.log.Warn("start attempt: not calling", zap.Error(err))
		if errors.Is(err, store.ErrLeaseLost) {
			a.rep.Outcome = outcome.LeaseLost
			a.report()
			return false
		}
		// The store failed: give the contact back, now or once the store is back.
		r.storeDown(err)
		a.release()
		return false
	}
	a.att = att
	a.rep.Attempt, a.rep.CallID = att.AttemptNo, a.callID
	return true
}

// transfer is the call's transfer admission against the campaign's agents.
func (a *attempt) transfer() *callTransfer {
	r := a.r
	return &callTransfer{r: r, cp: a.cp, log: a.log.With(zap.String("call_id", a.callID)), wait: AbandonWindow,
		onAsk: func() { r.transferAsked(a.cp, a.s) },
		ev: func(typ string, data map[string]any) {
			_ = r.write(a.rec, spoolWrite{Event: &store.CallEventAppendParams{CampaignID: a.p.ID, ContactID: a.ct.ID, AttemptID: a.att.ID,
				Type: typ, Data: data, At: r.opts.Now()}}, a.log)
		}}
}

// ended records the call's result, applies the retry policy and reports the attempt.
func (a *attempt) ended(res dialer.Result) {
	r := a.r
	if a.xfer != nil {
		if _, abandoned := a.xfer.end(); abandoned {
			res.Disposition = "transfer_abandoned"
			a.rep.TransferAbandoned = true
		}
	}
	a.record(res)
	if a.s.abandoned {
		a.cp.abandonRecorded()
	}
	if a.rep.Outcome == OutcomeAbandoned {
		_ = r.write(a.rec, spoolWrite{Event: &store.CallEventAppendParams{CampaignID: a.p.ID, ContactID: a.ct.ID, AttemptID: a.att.ID,
			Type: "abandoned", Data: map[string]any{"reason": "no free bot slot", "message": res.Variables["abandon_message"]},
			At: r.opts.Now()}}, a.log)
	}
	a.report()
}

// report hands the attempt's report to RunnerOptions.OnAttempt.
func (a *attempt) report() {
	if a.r.opts.OnAttempt != nil {
		a.r.opts.OnAttempt(a.rep)
	}
}

// reschedule gives the contact a later attempt at at, with outcome code, and reports it.
func (a *attempt) reschedule(at time.Time, code outcome.Code) {
	r := a.r
	a.rep.Outcome, a.rep.Next = code, at
	if err := r.write(a.rec, spoolWrite{Reschedule: &store.ContactRescheduleParams{ContactID: a.ct.ID, Holder: r.opts.Holder,
		NextAttemptAt: at, Reason: string(code), Now: r.opts.Now()}}, a.log); err != nil && !errors.Is(err, errParked) {
		a.log.Warn("reschedule", zap.Error(err))
	}
	a.report()
}

// finish closes the contact with disposition, with outcome code and reason, and reports it.
func (a *attempt) finish(disposition string, code outcome.Code, reason string) {
	r := a.r
	a.rep.Outcome, a.rep.Reason, a.rep.Disposition, a.rep.Final = code, reason, disposition, true
	if err := r.write(a.rec, spoolWrite{Finish: &store.ContactFinishParams{ContactID: a.ct.ID, Holder: r.opts.Holder,
		Disposition: disposition, Reason: reason, Now: r.opts.Now()}}, a.log); err != nil && !errors.Is(err, errParked) {
		a.log.Warn("finish contact", zap.Error(err))
	}
	a.report()
}

// release gives the contact back undialled (draining) and reports it.
func (a *attempt) release() {
	r := a.r
	a.rep.Outcome = outcome.Released
	if err := r.write(a.rec, spoolWrite{Release: &store.ContactLeaseReleaseParams{Holder: r.opts.Holder,
		ContactIDs: []int64{a.ct.ID}, Now: r.opts.Now()}}, a.log); err != nil && !errors.Is(err, errParked) {
		a.log.Warn("release lease", zap.Error(err))
	}
	a.report()
}
