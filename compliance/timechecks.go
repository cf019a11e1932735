package compliance

import "time"

// Time-dependent rules. evalTime evaluates every rule that time alone can release at an
// instant t (with the history as of the attempt); the first evaluation, at the attempt
// time, records notes and the evaluated set. When only such rules block, timeChecks walks
// forward (each failing rule names the earliest instant it would pass; the latest of those
// is a lower bound for all) until every rule passes: that is next_eligible_at.

// tacc accumulates one evaluation.
type tacc struct {
	fail RuleSet
	next time.Time
	ok   bool // every failing rule knows when it passes
}

func (a *tacc) failAt(r RuleID, n time.Time) {
	a.fail.Add(r)
	if n.IsZero() {
		a.ok = false
	} else if n.After(a.next) {
		a.next = n
	}
}

// filter selects the history events a counter counts.
type filter uint8

const (
	fSeller       filter = iota // this seller's attempts
	fSubject                    // this seller's attempts on the campaign's subject (all, if it has none)
	fDebt                       // this seller's attempts about the debt
	fRegF                       // fDebt minus not-connected calls and calls under direct consent
	fExempt                     // this seller's TRACED-exempt calls
	fAll                        // every attempt to the number, any seller and caller id
	fConversation               // every conversation with the number, any seller
	fPostConv                   // this seller's conversations about the debt
	fAMD                        // this seller's calls that reached a machine
	fAbandoned                  // this seller's abandoned calls
)

func (e *eval) match(f filter, ev *Event, debt string, loc *time.Location) bool {
	seller := ev.Seller == e.camp.Seller
	switch f {
	case fSeller:
		return seller
	case fSubject:
		return seller && (e.camp.Subject == "" || ev.Subject == e.camp.Subject)
	case fDebt:
		return seller && (debt == "" || ev.hasDebt(debt))
	case fRegF:
		return seller && (debt == "" || ev.hasDebt(debt)) && ev.Outcome != OutcomeNotConnected && !e.directConsentAt(ev.At, loc)
	case fExempt:
		return seller && ev.Exempt
	case fAll:
		return true
	case fConversation:
		return ev.Conversation
	case fPostConv:
		return seller && ev.Conversation && (debt == "" || ev.hasDebt(debt))
	case fAMD:
		return seller && (ev.Outcome == OutcomeMachine || ev.Outcome == OutcomeVoicemail)
	case fAbandoned:
		return seller && ev.Outcome == OutcomeAbandoned
	}
	return false
}

// directConsentAt reports a direct consent (Reg F 1006.14(b)(3)(i)) covering a call at t:
// given by the consumer to this collector no more than 7 days earlier, the consent day
// being day 1, on loc's calendar (nil: every candidate zone).
func (e *eval) directConsentAt(t time.Time, loc *time.Location) bool {
	days := int64(e.g.packs.US.DirectConsentDays)
	for i := range e.consents {
		c := &e.consents[i]
		if c.Seller != e.camp.Seller || c.Kind != ConsentDirect || !c.Scope.Has(Collections) || !c.validAt(t) {
			continue
		}
		ok := true
		if loc != nil {
			ok = localDay(t, loc)-localDay(c.GivenAt, loc) < days
		} else {
			for _, l := range e.zones.locs {
				if localDay(t, l)-localDay(c.GivenAt, l) >= days {
					ok = false
				}
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// rolling counts the events a filter selects in the trailing window [t−Within, t] (1-s
// granularity, both ends included) and returns when the count falls below Max.
func (e *eval) rolling(c *Cap, t time.Time, f filter, debt string) (int, time.Time) {
	lo := t.Unix() - int64(c.Within/time.Second)
	var r ring
	k := 0
	for i := range e.events {
		ev := &e.events[i]
		s := ev.At.Unix()
		if s < lo || !e.match(f, ev, debt, nil) {
			continue
		}
		r.push(s)
		k++
	}
	if k < c.Max {
		return k, time.Time{}
	}
	return k, time.Unix(r.nthLatest(c.Max)+int64(c.Within/time.Second)+1, 0).UTC()
}

// days counts the events in the Days local calendar days ending on t's day in loc and
// returns when the count falls below Max (the start of a later local day).
func (e *eval) days(c *Cap, t time.Time, loc *time.Location, f filter, debt string) (int, time.Time) {
	lo := localDay(t, loc) - int64(c.Days-1)
	var r ring
	k := 0
	for i := range e.events {
		ev := &e.events[i]
		if !e.match(f, ev, debt, loc) {
			continue
		}
		dn := localDay(ev.At, loc)
		if dn < lo {
			continue
		}
		r.push(dn)
		k++
	}
	if k < c.Max {
		return k, time.Time{}
	}
	return k, startOfLocalDay(r.nthLatest(c.Max)+int64(c.Days), loc).UTC()
}

// sched evaluates a schedule in every zone.
func (e *eval) sched(a *tacc, t time.Time, s *Schedule, locs []*time.Location, names []string, hours, day, holiday RuleID) {
	if e.record {
		e.eval.Add(hours)
		if s.table != nil {
			e.eval.Add(holiday)
		}
		for _, w := range s.Week {
			if len(w) == 0 {
				e.eval.Add(day)
			}
		}
	}
	noted := false
	for i, loc := range locs {
		c := readClock(t, loc)
		why := s.closed(&c)
		if why == 0 {
			continue
		}
		n := s.nextOpen(t, loc)
		if why&(closedHours|closedRange) != 0 {
			a.failAt(hours, n)
		}
		if why&closedDay != 0 {
			a.failAt(day, n)
		}
		if why&closedHoliday != 0 {
			a.failAt(holiday, n)
		}
		if why&closedRange != 0 {
			a.ok = false
		}
		if e.record && !noted {
			noted = true
			r := hours
			if why&closedHoliday != 0 {
				r = holiday
			} else if why&closedDay != 0 {
				r = day
			}
			e.d.addNote(note{rule: r, kind: noteWindow, zone: names[i], loc: loc, t: t, why: why, sched: s})
		}
	}
}

// capRolling applies a rolling cap as rule r.
func (e *eval) capRolling(a *tacc, t time.Time, r RuleID, c *Cap, f filter, debt, what string) {
	if e.record {
		e.eval.Add(r)
	}
	k, n := e.rolling(c, t, f, debt)
	if k < c.Max {
		return
	}
	a.failAt(r, n)
	if e.record {
		e.d.addNote(note{rule: r, kind: noteRolling, n: k, max: c.Max, within: c.Within, s1: what, s2: debt})
	}
}

// capDays applies a local-calendar-day cap as rule r in every zone.
func (e *eval) capDays(a *tacc, t time.Time, r RuleID, c *Cap, locs []*time.Location, names []string, f filter, debt, what string) {
	if e.record {
		e.eval.Add(r)
	}
	noted := false
	for i, loc := range locs {
		k, n := e.days(c, t, loc, f, debt)
		if k < c.Max {
			continue
		}
		a.failAt(r, n)
		if e.record && !noted {
			noted = true
			e.d.addNote(note{rule: r, kind: noteDays, n: k, max: c.Max, days: c.Days, zone: names[i], s1: what, s2: debt})
		}
	}
}

// debts returns the debts to count per debt (one empty id: count every debt of the seller).
func (e *eval) debts() []string {
	if len(e.a.DebtIDs) == 0 {
		return emptyDebt
	}
	return e.a.DebtIDs
}

var emptyDebt = []string{""}

func (e *eval) evalTime(t time.Time) tacc {
	a := tacc{ok: true}
	camp := e.camp
	p := e.g.packs
	locs, names := e.zones.locs, e.zones.Names
	usable := e.zones.Usable

	if e.packs&PackUS != 0 && usable {
		switch camp.Purpose {
		case Telemarketing:
			// 64.1200(c)(1); TSR 310.4(c).
			e.sched(&a, t, &p.US.TMHours, locs, names, USTCPAHours, USTCPAHours, USTCPAHours)
		case Collections:
			// 1006.6(b)(1)(i).
			e.sched(&a, t, &p.US.RegFHours, locs, names, USRegFHours, USRegFHours, USRegFHours)
		case Informational:
			e.sched(&a, t, &p.US.InfoHours, locs, names, USInfoHours, USInfoHours, USInfoHours)
		}
		for i := 0; i < e.nStates; i++ {
			st := e.states[i]
			if camp.Purpose == Telemarketing {
				if st.TM != nil {
					e.sched(&a, t, st.TM, locs, names, USStateHours, USStateHours, USStateHoliday)
				}
				if st.SubjectCap != nil {
					e.capRolling(&a, t, USStateSubjectCap, st.SubjectCap, fSubject, "", "calls by this seller on this subject (any caller id)")
				}
			}
			if camp.Purpose == Collections && st.DCCap != nil {
				for _, debt := range e.debts() {
					e.capRolling(&a, t, USStateDCCap, st.DCCap, fDebt, debt, "collection calls about debt")
				}
			}
		}
		if camp.Purpose == Collections {
			if e.directConsentAt(t, nil) {
				// 1006.14(b)(3)(i): a call under direct consent is outside both presumptions.
				if e.record {
					e.eval.Add(USRegF7in7)
					e.eval.Add(USRegFPostConversation)
				}
			} else {
				for _, debt := range e.debts() {
					e.capDays(&a, t, USRegF7in7, &p.US.RegF7in7, locs, names, fRegF, debt, "call attempts about debt")
					e.postConversation(&a, t, debt)
				}
			}
		}
	}
	if e.packs&PackUS != 0 && camp.Voice == VoiceArtificial && camp.Purpose != Telemarketing &&
		e.contact.LineType == LineLandline && e.consentFor(camp.Purpose, true, kindsAny, t) == nil {
		// 64.1200(a)(3)(ii)–(v); FCC 20-186: exempt calls to a residential line, ≤ 3 per 30 days.
		e.capRolling(&a, t, USTracedExemptCap, &p.US.TracedCap, fExempt, "", "exempt artificial-voice calls by this seller")
	}
	if e.packs&PackUK != 0 && !camp.LiveOperatorGuaranteed {
		// Ofcom persistent misuse statement: 24 h after an AMD-detected machine, 72 h after an
		// abandoned call.
		e.capRolling(&a, t, UKOfcomAMD24h, &e.g.ukAMD, fAMD, "", "calls answered by a machine (AMD)")
		e.capRolling(&a, t, UKOfcomAbandon72h, &e.g.ukAbandon, fAbandoned, "", "abandoned calls")
	}
	if e.packs&PackFR != 0 && camp.Purpose == Telemarketing && usable {
		// Code de la consommation D.223-9.
		e.sched(&a, t, &p.FR.Schedule, locs, names, FRWindow, FRDay, FRHoliday)
		e.capDays(&a, t, FR4Per30d, &p.FR.Attempts, locs, names, fSeller, "", "attempts by this seller")
		e.frRefusal(&a, t)
	}
	if e.packs&PackCN != 0 {
		e.sched(&a, t, &p.CN.Hours, e.g.cnLocs, cnNames, CNHours, CNHours, CNHours)
		if camp.Purpose == Collections {
			dl, dn := locs, names
			if !usable {
				dl, dn = e.g.cnLocs, cnNames
			}
			e.sched(&a, t, &p.CN.DCHours, dl, dn, CNDCHours, CNDCHours, CNDCHours)
			e.capDays(&a, t, CNDCDailyCap, &p.CN.DCDailyConversations, dl, dn, fConversation, "effective conversations with the debtor (all collectors)", "")
		}
		for i := range p.CN.PlatformCaps {
			e.capRolling(&a, t, CNPlatformCap, &p.CN.PlatformCaps[i], fAll, "", "calls to this number across caller ids")
		}
	}
	return a
}

var cnNames = []string{"Asia/Shanghai"}

// postConversation: Reg F 1006.14(b)(2)(i)(B): no call within 7 days after a telephone
// conversation about the debt, the conversation day being day 1.
func (e *eval) postConversation(a *tacc, t time.Time, debt string) {
	if e.record {
		e.eval.Add(USRegFPostConversation)
	}
	days := int64(e.g.packs.US.PostConversationDays)
	noted := false
	for i, loc := range e.zones.locs {
		today := localDay(t, loc)
		var last *Event
		for j := range e.events {
			ev := &e.events[j]
			if e.match(fPostConv, ev, debt, loc) {
				last = ev
			}
		}
		if last == nil {
			continue
		}
		cd := localDay(last.At, loc)
		if today-cd >= days {
			continue
		}
		n := startOfLocalDay(cd+days, loc).UTC()
		a.failAt(USRegFPostConversation, n)
		if e.record && !noted {
			noted = true
			e.d.addNote(note{rule: USRegFPostConversation, kind: noteUntil, s1: "a conversation about the debt took place in the last 7 local days in", s2: e.zones.Names[i], t: n})
		}
	}
}

// frRefusal: D.223-9: no call for 60 days after a refusal.
func (e *eval) frRefusal(a *tacc, t time.Time) {
	if e.record {
		e.eval.Add(FRRefusal60d)
	}
	r := e.latestRefusal(true)
	if r == nil {
		return
	}
	for _, loc := range e.zones.locs {
		until := r.At.In(loc).AddDate(0, 0, e.g.packs.FR.RefusalDays)
		if t.After(until) {
			continue
		}
		n := until.Add(time.Second).Truncate(time.Second).UTC()
		a.failAt(FRRefusal60d, n)
		if e.record {
			e.record = false // one note
			e.d.addNote(note{rule: FRRefusal60d, kind: noteUntil, s1: "the consumer refused further calls less than 60 days ago", t: n})
			e.record = true
		}
		return
	}
}

// timeChecks runs the time-dependent rules at the attempt time and, when only they block,
// finds next_eligible_at.
func (e *eval) timeChecks() {
	needZones := e.packs&PackUS != 0 || (e.packs&PackFR != 0 && e.camp.Purpose == Telemarketing)
	if needZones {
		if e.zones.Usable {
			e.pass(TZUnresolved)
		} else {
			e.fail(TZUnresolved)
			e.d.addNote(note{rule: TZUnresolved, kind: noteText, s1: e.zones.Why})
		}
	}
	e.record = true
	a := e.evalTime(e.at)
	e.record = false
	e.d.Rules |= a.fail
	e.eval |= a.fail
	if a.fail == 0 || e.d.Rules&^timeRules != 0 || !a.ok {
		return
	}
	t := a.next
	for range 128 {
		if t.Sub(e.at) > 400*24*time.Hour {
			return
		}
		b := e.evalTime(t)
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
