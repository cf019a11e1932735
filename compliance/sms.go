package compliance

import (
	"context"
	"errors"
	"time"
)

// Text messages. The after-call follow-ups (package aftercall) ask the gate before every
// SMS, as the dialler asks before every call: CheckSMS applies the general rules that are
// about the person (NUMBER_INVALID, DNC_INTERNAL, CONSENT_REVOKED), SMS_CONSENT_REQUIRED
// and SMS_QUIET_HOURS (RulePacks.SMS), and fails closed like Check. It is not on the
// dialling hot path: it allocates.

// SMSPack holds the parameters of the text-message rules.
type SMSPack struct {
	// Hours is when a follow-up text may arrive, at the recipient's local time in every
	// candidate zone (policy: 08:00–21:00, so quiet hours are 21:00–08:00; the TCPA's
	// calling hours cover texts, 47 CFR 64.1200(c)(1)).
	Hours Schedule
	// Source cites the rule.
	Source string
}

// SMSAttempt is one text message a follow-up wants to send.
type SMSAttempt struct {
	ID       string
	Number   string // E.164
	Campaign string
	// TimeZone is the contact's address zone, when known (joins the number's zones).
	TimeZone string
	At       time.Time
}

// CheckSMS decides whether a text may be sent to a.Number at a.At. A block by
// SMS_QUIET_HOURS alone carries NextEligibleAt (the end of the quiet hours in every zone).
func (g *Gate) CheckSMS(ctx context.Context, a SMSAttempt) Decision {
	var d Decision
	d.ID, d.Verdict, d.PackVersion = a.ID, Block, g.packs.Version
	e := &eval{g: g, ctx: ctx, d: &d, at: a.At, record: true}
	e.sms(&a)
	e.finish()
	return d
}

func (e *eval) sms(a *SMSAttempt) {
	g := e.g
	if err := e.ctx.Err(); err != nil {
		e.dataError("context", err)
		return
	}
	num, ok := ParseNumber(a.Number)
	if !ok {
		e.failArg(NumberInvalid, "number %q is not E.164", a.Number)
		return
	}
	e.num = num
	if e.at.IsZero() {
		e.failText(DataUnavailable, "the message has no planned time")
		return
	}
	camp, err := g.dir.Campaign(e.ctx, a.Campaign)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			e.failArg(CampaignUnknown, "campaign %q is unknown", a.Campaign)
		} else {
			e.dataError("campaign", err)
		}
		return
	}
	e.camp = camp
	if g.facts != nil {
		f, err := g.facts(e.ctx, num, e.at)
		if err != nil {
			e.dataError("number facts", err)
			return
		}
		if f != nil {
			e.consents = f.Consents
		}
	} else {
		if e.consents, err = g.cons.Consents(e.ctx, num, nil); err != nil {
			e.dataError("consent ledger", err)
			return
		}
	}
	zone := a.TimeZone
	e.zones, e.info = g.res.Zones(num, zone)
	e.d.Zones = e.zones.Names
	e.dnc, err = g.dnc.LookupDNC(e.ctx, DNCQuery{Number: num, Seller: camp.Seller, At: e.at})
	if err != nil {
		e.dataError("do-not-call index", err)
		return
	}
	if e.dnc.Hits.Has(ListInternal) {
		e.failText(DNCInternal, "the number is on the seller's internal do-not-call list (an opt-out covers texts too)")
	} else {
		e.pass(DNCInternal)
	}
	if c := e.consentFor(camp.Purpose, false, 0xff, e.at); c != nil {
		e.pass(SMSConsentRequired)
		e.d.ConsentID = c.ID
	} else if e.revokedFor(camp.Purpose) {
		e.failText(ConsentRevoked, "the recipient revoked consent")
	} else {
		e.failText(SMSConsentRequired, "no consent of the seller in force covers texts for this purpose")
	}
	if !e.zones.Usable {
		e.failText(TZUnresolved, e.zones.Why)
		return
	}
	e.pass(TZUnresolved)
	s := &g.packs.SMS.Hours
	var acc tacc
	acc.ok = true
	e.sched(&acc, e.at, s, e.zones.locs, e.zones.Names, SMSQuietHours, SMSQuietHours, SMSQuietHours)
	e.d.Rules |= acc.fail
	if acc.fail == 0 || !acc.ok || e.d.Rules&^timeRules != 0 {
		return
	}
	// The latest opening of the zones is a lower bound; walk until every zone is open.
	e.record = false
	t := acc.next
	for range 16 {
		var b tacc
		b.ok = true
		e.sched(&b, t, s, e.zones.locs, e.zones.Names, SMSQuietHours, SMSQuietHours, SMSQuietHours)
		if b.fail == 0 {
			e.d.NextEligibleAt = t.UTC()
			return
		}
		if !b.ok || !b.next.After(t) {
			return
		}
		t = b.next
	}
}

// revokedFor reports whether the seller had a consent for purpose p that was revoked by
// now.
func (e *eval) revokedFor(p Purpose) bool {
	for i := range e.consents {
		c := &e.consents[i]
		if c.Seller == e.camp.Seller && c.Scope.Has(p) && !c.RevokedAt.IsZero() && !c.RevokedAt.After(e.at) {
			return true
		}
	}
	return false
}
