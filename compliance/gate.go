package compliance

import (
	"context"
	"errors"
	"sort"
	"sync"
	"time"
)

// Options configure a Gate. Directory, Consents, History and DNC are required.
type Options struct {
	Packs     *RulePacks // nil: DefaultRulePacks()
	Directory Directory
	Consents  ConsentLedger
	History   History
	DNC       DNCLookup
	Resolver  *Resolver // nil: a process-wide resolver
}

// Gate decides, for every dial attempt, whether it may be placed now. Safe for concurrent
// use; Check does not allocate when its sources don't (the in-memory ones don't).
type Gate struct {
	packs         *RulePacks
	dir           Directory
	cons          ConsentLedger
	hist          History
	dnc           DNCLookup
	res           *Resolver
	facts         factsFunc       // non-nil when one source serves dir, cons and hist (fast path)
	dncPrefetch   dncPrefetcher   // non-nil when the DNC lookup can start its cache misses early
	factsPrefetch factsPrefetcher // likewise for the facts source
	cnLocs        []*time.Location
	ukAMD         Cap
	ukAbandon     Cap
	pool          sync.Pool
}

// sharedResolver is the process-wide resolver gates use by default: number metadata does
// not change while the process runs.
var sharedResolver = sync.OnceValue(func() *Resolver { return NewResolver(0) })

// historyLookback covers every rolling and local-day window (30 calendar days in any zone).
const historyLookback = 32 * 24 * time.Hour

// NewGate returns a gate over the given sources.
func NewGate(o Options) (*Gate, error) {
	if o.Directory == nil || o.Consents == nil || o.History == nil || o.DNC == nil {
		return nil, errors.New("compliance: Directory, Consents, History and DNC are required")
	}
	if o.Packs == nil {
		o.Packs = DefaultRulePacks()
	}
	if err := o.Packs.validate(); err != nil {
		return nil, err
	}
	o.Packs.compile()
	if o.Resolver == nil {
		o.Resolver = sharedResolver()
	}
	cn, err := time.LoadLocation(o.Packs.CN.Zone)
	if err != nil {
		return nil, err
	}
	g := &Gate{packs: o.Packs, dir: o.Directory, cons: o.Consents, hist: o.History, dnc: o.DNC, res: o.Resolver,
		cnLocs: []*time.Location{cn}, ukAMD: Cap{Max: 1, Within: o.Packs.UK.AMDRecall}, ukAbandon: Cap{Max: 1, Within: o.Packs.UK.AbandonRecall}}
	if any(o.Consents) == any(o.Directory) && any(o.History) == any(o.Directory) {
		switch fs := o.Directory.(type) {
		case FactsAtSource:
			g.facts = fs.NumberFactsAt
		case FactsSource:
			g.facts = func(ctx context.Context, n uint64, _ time.Time) (*NumberFacts, error) { return fs.NumberFacts(ctx, n) }
			g.factsPrefetch, _ = fs.(factsPrefetcher)
		}
	}
	g.dncPrefetch, _ = o.DNC.(dncPrefetcher)
	g.pool.New = func() any { return &eval{} }
	return g, nil
}

// factsFunc reads a number's facts for a decision at a time.
type factsFunc func(ctx context.Context, number uint64, at time.Time) (*NumberFacts, error)

// dncPrefetcher is a DNC lookup that can begin reading a number's entries ahead of the
// lookup itself (DNCIndex.Prefetch): with a registry-sized index the filter word is a
// cache miss, and issued first it overlaps with the number-facts misses instead of
// following them.
type dncPrefetcher interface {
	Prefetch(n uint64)
}

// factsPrefetcher is a FactsSource that can begin reading a number's facts ahead of
// NumberFacts (Memory.PrefetchFacts), for the same reason.
type factsPrefetcher interface {
	PrefetchFacts(n uint64)
}

func (p *RulePacks) validate() error {
	caps := []Cap{p.US.RegF7in7, p.US.TracedCap, p.FR.Attempts, p.CN.DCDailyConversations}
	caps = append(caps, p.CN.PlatformCaps...)
	for _, s := range p.US.States {
		if s.SubjectCap != nil {
			caps = append(caps, *s.SubjectCap)
		}
		if s.DCCap != nil {
			caps = append(caps, *s.DCCap)
		}
	}
	for _, c := range caps {
		if c.Max < 1 || c.Max > 16 || (c.Within <= 0) == (c.Days <= 0) {
			return errors.New("compliance: a cap needs 1 ≤ Max ≤ 16 and exactly one of Within, Days")
		}
	}
	return nil
}

// Check decides one attempt. It never allows when it cannot decide.
func (g *Gate) Check(ctx context.Context, a Attempt) Decision {
	var d Decision
	g.CheckTo(ctx, &a, &d)
	return d
}

// eval is the per-check working state, pooled.
type eval struct {
	g        *Gate
	ctx      context.Context
	a        *Attempt
	d        *Decision
	at       time.Time
	num      uint64
	camp     *Campaign
	seller   *Seller
	contact  Contact
	zones    *ZoneSet
	info     *NumberInfo
	packs    Pack
	states   [2]*StateRules
	nStates  int
	dnc      DNCResult
	facts    *NumberFacts // the fast path's record (read-only, aliased)
	events   []Event      // history within historyLookback of the attempt (read-only)
	refusals []Event      // refusals up to the attempt (read-only)
	consents []Consent    // read-only
	ebrs     []EBR        // read-only
	// Owned buffers for sources without FactsSource, reused across checks.
	bufEvents, bufRefusals []Event
	bufConsents            []Consent
	bufEBRs                []EBR
	holds                  RuleSet // rules that hold instead of block in this decision
	eval                   RuleSet // rules evaluated
	record                 bool    // record notes (first evaluation at the attempt time)
}

// CheckTo decides one attempt into d (the allocation-free form of Check).
func (g *Gate) CheckTo(ctx context.Context, a *Attempt, d *Decision) {
	// Reset field by field: clearing the notes array would cost more than the decision.
	d.ID, d.Verdict, d.Rules, d.Passed, d.NextEligibleAt = a.ID, Block, 0, 0, time.Time{}
	d.Zones, d.Packs, d.PackVersion, d.ConsentID = nil, 0, g.packs.Version, ""
	d.NationalAsOf, d.TPSAsOf, d.nNotes, d.SourceFailed = time.Time{}, time.Time{}, 0, false
	e := g.pool.Get().(*eval)
	*e = eval{g: g, ctx: ctx, a: a, d: d, at: a.At, record: true,
		bufEvents: e.bufEvents[:0], bufRefusals: e.bufRefusals[:0], bufConsents: e.bufConsents[:0], bufEBRs: e.bufEBRs[:0]}
	e.run()
	e.finish()
	clear(e.bufEvents) // drop references into the sources' data
	clear(e.bufRefusals)
	clear(e.bufConsents)
	clear(e.bufEBRs)
	*e = eval{bufEvents: e.bufEvents[:0], bufRefusals: e.bufRefusals[:0], bufConsents: e.bufConsents[:0], bufEBRs: e.bufEBRs[:0]}
	g.pool.Put(e)
}

func (e *eval) fail(r RuleID) { e.d.Rules.Add(r); e.eval.Add(r) }
func (e *eval) pass(r RuleID) { e.eval.Add(r) }

func (e *eval) failText(r RuleID, text string) {
	e.fail(r)
	e.d.addNote(note{rule: r, kind: noteText, s1: text})
}

func (e *eval) failArg(r RuleID, format, arg string) {
	e.fail(r)
	e.d.addNote(note{rule: r, kind: noteTextArg, s1: format, s2: arg})
}

func (e *eval) dataError(what string, err error) {
	e.d.SourceFailed = true
	e.failArg(DataUnavailable, what+": %s", err.Error())
}

func (e *eval) run() {
	g, d := e.g, e.d
	if err := e.ctx.Err(); err != nil {
		e.dataError("context", err)
		return
	}
	num, ok := ParseNumber(e.a.Number)
	if !ok {
		e.failArg(NumberInvalid, "number %q is not E.164", e.a.Number)
		return
	}
	e.num = num
	// Start the decision's independent cache misses together: the number's facts slot and
	// its DNC filter words.
	if g.factsPrefetch != nil {
		g.factsPrefetch.PrefetchFacts(num)
	}
	if g.dncPrefetch != nil {
		g.dncPrefetch.Prefetch(num)
	}
	if e.at.IsZero() {
		e.failText(DataUnavailable, "the attempt has no planned time")
		return
	}
	camp, err := g.dir.Campaign(e.ctx, e.a.Campaign)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			e.failArg(CampaignUnknown, "campaign %q is unknown", e.a.Campaign)
		} else {
			e.dataError("campaign", err)
		}
		return
	}
	e.camp = camp
	if s, err := g.dir.Seller(e.ctx, camp.Seller); err == nil {
		e.seller = s
	} else if !errors.Is(err, ErrNotFound) {
		e.dataError("seller", err)
		return
	}

	if g.facts != nil {
		f, err := g.facts(e.ctx, num, e.at)
		if err != nil {
			e.dataError("number facts", err)
			return
		}
		if f != nil {
			e.useFacts(f)
		}
	} else {
		c, err := g.dir.Contact(e.ctx, num)
		if err != nil {
			e.dataError("contact", err)
			return
		}
		if c != nil {
			e.contact = *c
		}
	}
	if e.facts != nil {
		if zs := e.facts.zones.Load(); zs != nil && zs.info != nil {
			e.zones, e.info = zs, zs.info
		} else {
			e.zones, e.info = g.res.Zones(num, e.contact.AddressTimezone)
			e.facts.zones.Store(e.zones)
		}
	} else {
		e.zones, e.info = g.res.Zones(num, e.contact.AddressTimezone)
	}
	d.Zones = e.zones.Names
	e.packs = camp.Packs
	if e.packs == 0 {
		e.packs = defaultPacks(e.info)
	}
	d.Packs = e.packs
	if e.packs == 0 {
		e.failArg(NoRulePack, "no rule pack covers the number's country (region %q): fail closed", e.info.Region)
		return
	}
	if camp.Purpose == PurposeUnknown || camp.Voice == VoiceUnknown {
		e.failText(DataUnavailable, "the campaign's purpose or voice is unknown")
		return
	}

	// Load the data every rule may need; any error fails closed.
	if g.facts == nil {
		if e.bufConsents, err = g.cons.Consents(e.ctx, num, e.bufConsents); err != nil {
			e.dataError("consent ledger", err)
			return
		}
		if e.bufEvents, err = g.hist.Attempts(e.ctx, num, e.at.Add(-historyLookback), e.at, e.bufEvents); err != nil {
			e.dataError("attempt history", err)
			return
		}
		if e.bufRefusals, err = g.hist.Refusals(e.ctx, num, e.at, e.bufRefusals); err != nil {
			e.dataError("attempt history", err)
			return
		}
		e.consents, e.events, e.refusals = e.bufConsents, e.bufEvents, e.bufRefusals
	}
	e.dnc, err = g.dnc.LookupDNC(e.ctx, DNCQuery{Number: num, Seller: camp.Seller,
		PlatformWide: e.seller != nil && e.seller.PlatformSuppression, At: e.at})
	if err != nil {
		e.dataError("do-not-call index", err)
		return
	}
	if e.packs&PackUS != 0 {
		e.usStates()
	}

	e.general()
	if e.packs&PackUS != 0 {
		if err := e.us(); err != nil {
			e.dataError("consent ledger", err)
			return
		}
	}
	if e.packs&PackUK != 0 {
		e.uk()
	}
	if e.packs&PackFR != 0 {
		e.fr()
	}
	if e.packs&PackCN != 0 {
		e.cn()
	}
	e.timeChecks()
}

// useFacts takes the fast path's record: slices of it, never copies.
func (e *eval) useFacts(f *NumberFacts) {
	e.facts = f
	if f.Contact != nil {
		e.contact = *f.Contact
	}
	e.consents, e.ebrs = f.Consents, f.EBRs
	since := e.at.Add(-historyLookback)
	h := f.History
	lo := sort.Search(len(h), func(i int) bool { return !h[i].At.Before(since) })
	hi := lo + sort.Search(len(h)-lo, func(i int) bool { return h[lo+i].At.After(e.at) })
	e.events = h[lo:hi:hi]
	r := f.Refusals
	n := sort.Search(len(r), func(i int) bool { return r[i].At.After(e.at) })
	e.refusals = r[:n:n]
}

// defaultPacks picks the packs of the number's country.
func defaultPacks(info *NumberInfo) Pack {
	switch {
	case usTerritories[info.Region]:
		return PackUS
	case info.CountryCode == 44:
		return PackUK
	case info.CountryCode == 33:
		return PackFR
	case info.CountryCode == 86:
		return PackCN
	}
	return 0
}

// usStates collects the state rules of the area-code state ∪ the address state.
func (e *eval) usStates() {
	add := func(st string) {
		r := e.g.packs.US.States[st]
		if r == nil {
			return
		}
		for i := 0; i < e.nStates; i++ {
			if e.states[i] == r {
				return
			}
		}
		if e.nStates < len(e.states) {
			e.states[e.nStates] = r
			e.nStates++
		}
	}
	add(e.info.State)
	if r := e.contact.AddressRegion; len(r) == 5 && r[:3] == "US-" {
		add(r[3:])
	}
}

func (e *eval) finish() {
	d := e.d
	d.Passed = e.eval &^ d.Rules
	switch {
	case d.Rules == 0:
		d.Verdict = Allow
		d.NextEligibleAt = time.Time{}
	case d.Rules&^e.holds == 0:
		d.Verdict = Hold
		d.NextEligibleAt = time.Time{}
	default:
		d.Verdict = Block
		if d.Rules&^timeRules != 0 {
			d.NextEligibleAt = time.Time{}
		}
	}
}

// consentFor returns a consent of the campaign's seller in force at t that covers purpose
// p (and artificial voice when needed), of one of the kinds in kinds (bit per kind).
func (e *eval) consentFor(p Purpose, artificial bool, kinds uint8, t time.Time) *Consent {
	for i := range e.consents {
		c := &e.consents[i]
		if c.Seller != e.camp.Seller || kinds&(1<<c.Kind) == 0 || !c.Scope.Has(p) ||
			(artificial && !c.ArtificialVoice) || !c.validAt(t) {
			continue
		}
		return c
	}
	return nil
}

const (
	kindsAny     = 1<<ConsentWritten | 1<<ConsentExpress | 1<<ConsentDirect
	kindsWritten = 1 << ConsentWritten
	kindsDirect  = 1 << ConsentDirect
)

// general rules apply under every pack.
func (e *eval) general() {
	camp := e.camp
	// Caller ID: 47 CFR 64.1601(e), TSR 310.4(a)(8); Ofcom GC C6; MIIT (no altered caller ids).
	valid := false
	if e.seller != nil && camp.CallerID != "" {
		for _, c := range e.seller.CallerIDs {
			if c == camp.CallerID {
				valid = true
				break
			}
		}
	}
	if !valid {
		if camp.CallerID == "" {
			e.failText(CallerIDInvalid, "the campaign presents no caller id")
		} else {
			e.failArg(CallerIDInvalid, "caller id %q is not one of the seller's numbers", camp.CallerID)
		}
	} else {
		e.pass(CallerIDInvalid)
	}

	// Internal DNC: 64.1200(d); policy: honoured immediately, every purpose, per seller unless
	// platform suppression is on.
	if e.dnc.Hits.Has(ListInternal) {
		e.fail(DNCInternal)
		e.d.addNote(note{rule: DNCInternal, kind: noteDNC, s1: "internal", s2: e.dnc.InternalSeller})
	} else {
		e.pass(DNCInternal)
	}

	// Consent revoked: 64.1200(a)(10)–(12) (FCC 24-24), PIPL Art 15, GDPR Art 7(3). Policy:
	// effective immediately. A revocation covering the purpose blocks unless a newer consent
	// was given after it.
	revoked := (*Consent)(nil)
	for i := range e.consents {
		c := &e.consents[i]
		if c.Seller == camp.Seller && !c.RevokedAt.IsZero() && !c.RevokedAt.After(e.at) && c.Scope.Has(camp.Purpose) {
			if revoked == nil || c.RevokedAt.After(revoked.RevokedAt) {
				revoked = c
			}
		}
	}
	if revoked != nil {
		renewed := false
		for i := range e.consents {
			c := &e.consents[i]
			if c.Seller == camp.Seller && c.GivenAt.After(revoked.RevokedAt) && c.Scope.Has(camp.Purpose) && c.validAt(e.at) {
				renewed = true
			}
		}
		if !renewed {
			e.fail(ConsentRevoked)
			e.d.addNote(note{rule: ConsentRevoked, kind: noteAt, s1: "consent was revoked", s2: revoked.RevokedVia, t: revoked.RevokedAt})
		} else {
			e.pass(ConsentRevoked)
		}
	} else {
		e.pass(ConsentRevoked)
	}

	// Refusals recognised in calls (policy: confidence ≥ RefusalConfidence is a refusal,
	// below it the number is held for review). The pack rules below act on firm refusals.
	low := e.latestRefusal(false)
	if low != nil {
		e.holds.Add(RefusalReview)
		e.fail(RefusalReview)
		e.d.addNote(note{rule: RefusalReview, kind: noteRefusal, s1: "a possible refusal needs review: detected", t: low.At, n: int(low.RefusalConfidence * 1000)})
	} else {
		e.pass(RefusalReview)
	}
	// Abandonment rate (US and UK) is in us() and uk().
}

// latestRefusal returns the seller's latest refusal (firm or low-confidence) not superseded
// by a consent given after it.
func (e *eval) latestRefusal(firm bool) *Event {
	th := e.g.packs.RefusalConfidence
	var r *Event
	for i := range e.refusals {
		ev := &e.refusals[i]
		if ev.Seller != e.camp.Seller || (ev.RefusalConfidence >= th) != firm {
			continue
		}
		r = ev
	}
	if r == nil {
		return nil
	}
	for i := range e.consents {
		c := &e.consents[i]
		if c.Seller == e.camp.Seller && c.GivenAt.After(r.At) && c.validAt(e.at) {
			return nil
		}
	}
	return r
}

func (e *eval) abandon(s AbandonStats, maxPct float64, window string) {
	if e.camp.Pacing != PacingPredictive {
		return
	}
	if s.Abandoned > 0 && float64(s.Abandoned)*100 >= maxPct*float64(s.LiveAnswers) {
		e.fail(AbandonRateCap)
		e.d.addNote(note{rule: AbandonRateCap, kind: noteRate, n: int(s.Abandoned), max: int(s.LiveAnswers), s1: window, days: int(maxPct)})
	} else {
		e.pass(AbandonRateCap)
	}
}

// us applies the US federal, Reg F and state rules that do not depend on time alone.
func (e *eval) us() error {
	p := &e.g.packs.US
	camp := e.camp
	artificial := camp.Voice == VoiceArtificial

	switch camp.Purpose {
	case Telemarketing:
		// 47 USC 227(b); 64.1200(a)(2)–(3); FCC 24-17: AI voice telemarketing needs PEWC.
		if artificial {
			if c := e.consentFor(Telemarketing, true, kindsWritten, e.at); c != nil {
				e.pass(USPEWCRequired)
				e.d.ConsentID = c.ID
			} else {
				e.failText(USPEWCRequired, "artificial-voice telemarketing without prior express written consent from this seller")
			}
		}
		// National DNC: 64.1200(c)(2); TSR 310.4(b)(3)(iii). EBR exemption (f)(5) for live calls.
		if e.dnc.Hits.Has(ListNational) {
			if camp.Voice == VoiceLive && e.ebrValid() {
				e.pass(DNCNational)
			} else {
				e.fail(DNCNational)
				e.d.addNote(note{rule: DNCNational, kind: noteDNC, s1: "US National"})
			}
		} else {
			e.pass(DNCNational)
		}
		// TSR 310.4(b)(3)(iv): registry copy at most 31 days old (by date).
		e.d.NationalAsOf = e.dnc.NationalAsOf
		e.snapshot("US National DNC", e.dnc.NationalAsOf, p.NationalMaxAgeDays)
		if e.dnc.Hits.Has(ListState) {
			e.fail(DNCState)
			e.d.addNote(note{rule: DNCState, kind: noteDNC, s1: "state", s2: e.dnc.StateRegion})
		} else {
			e.pass(DNCState)
		}
		// 64.1200(a)(7): abandonment ≤ 3 % per campaign per 30 days.
		e.abandon(camp.Abandon30d, p.AbandonMaxPercent, "30 days")
	case Informational, Collections:
		if artificial {
			c := e.consentFor(camp.Purpose, true, kindsAny, e.at)
			if c != nil {
				e.d.ConsentID = c.ID
			}
			if e.contact.LineType == LineLandline {
				// Residential line without consent: TRACED exemption, capped (timeChecks).
				if c != nil {
					e.pass(USConsentRequired)
				}
			} else if c != nil {
				e.pass(USConsentRequired)
			} else {
				// 64.1200(a)(1)(iii): artificial-voice calls to wireless need prior express consent.
				lt := "a wireless line"
				if e.contact.LineType == LineUnknown {
					lt = "a line of unknown type (treated as wireless)"
				}
				e.failArg(USConsentRequired, "artificial-voice call to %s without prior express consent", lt)
			}
		}
	}

	// Reassigned Numbers Database (FCC 18-177; 64.1200(m)): yes blocks, no_data holds.
	var r ReassignedCheck
	if e.g.facts != nil {
		if e.facts != nil {
			rs := e.facts.Reassigned
			for i := len(rs) - 1; i >= 0; i-- {
				if !rs[i].CheckedAt.After(e.at) {
					r = rs[i]
					break
				}
			}
		}
	} else {
		var err error
		if r, err = e.g.cons.Reassigned(e.ctx, e.num, e.at); err != nil {
			return err
		}
	}
	switch r.Answer {
	case ReassignedYes:
		e.fail(USReassignedNumber)
		e.d.addNote(note{rule: USReassignedNumber, kind: noteAt, s1: "the Reassigned Numbers Database said the number was reassigned", t: r.CheckedAt})
	case ReassignedNoData:
		e.fail(USReassignedNumber)
		e.holds.Add(USReassignedNumber)
		e.d.addNote(note{rule: USReassignedNumber, kind: noteText, s1: "the Reassigned Numbers Database has no data for the number: no safe harbour, hold for review"})
	default:
		e.pass(USReassignedNumber)
	}
	// A firm refusal in a US call is a do-not-call request (64.1200(d)(3)).
	if r := e.latestRefusal(true); r != nil && !e.d.Rules.Has(DNCInternal) {
		e.fail(DNCInternal)
		e.d.addNote(note{rule: DNCInternal, kind: noteRefusal, s1: "the consumer refused further calls (a do-not-call request)", t: r.At, n: int(r.RefusalConfidence * 1000)})
	}
	return nil
}

// ebrValid reports an unexpired EBR with the seller (64.1200(f)(5)).
func (e *eval) ebrValid() bool {
	if e.g.facts == nil {
		var err error
		if e.bufEBRs, err = e.g.cons.EBRs(e.ctx, e.num, e.bufEBRs[:0]); err != nil {
			return false // fail closed
		}
		e.ebrs = e.bufEBRs
	}
	p := &e.g.packs.US
	for i := range e.ebrs {
		b := &e.ebrs[i]
		if b.Seller != e.camp.Seller || b.At.After(e.at) {
			continue
		}
		months := p.EBRPurchaseMonths
		if b.Kind == EBRInquiry {
			months = p.EBRInquiryMonths
		}
		if !e.at.After(b.At.AddDate(0, months, 0)) {
			return true
		}
	}
	return false
}

// snapshot enforces a registry copy's freshness, by calendar date (UTC).
func (e *eval) snapshot(name string, asOf time.Time, maxDays int) {
	y, m, dd := e.at.UTC().Date()
	today := daysFromCivil(y, m, dd)
	if asOf.IsZero() {
		e.fail(DNCSnapshotStale)
		e.d.addNote(note{rule: DNCSnapshotStale, kind: noteSnapshot, s1: name})
		return
	}
	ay, am, ad := asOf.UTC().Date()
	if today-daysFromCivil(ay, am, ad) > int64(maxDays) {
		e.fail(DNCSnapshotStale)
		e.d.addNote(note{rule: DNCSnapshotStale, kind: noteSnapshot, s1: name, t: asOf, n: maxDays})
		return
	}
	e.pass(DNCSnapshotStale)
}

// uk applies PECR, TPS and Ofcom rules that do not depend on time alone.
func (e *eval) uk() {
	p := &e.g.packs.UK
	camp := e.camp
	if camp.Purpose == Telemarketing {
		// PECR reg 19: automated calling systems need prior consent.
		if camp.Voice == VoiceArtificial {
			if c := e.consentFor(Telemarketing, true, kindsAny, e.at); c != nil {
				e.pass(UKPECRConsent)
				e.d.ConsentID = c.ID
			} else {
				e.failText(UKPECRConsent, "automated (artificial-voice) marketing call without consent (PECR reg 19)")
			}
		}
		// PECR reg 21: TPS/CTPS, unless the subscriber told this seller they do not object.
		if e.dnc.Hits.Has(ListTPS) && e.consentFor(Telemarketing, false, kindsAny, e.at) == nil {
			e.fail(UKTPS)
			e.d.addNote(note{rule: UKTPS, kind: noteDNC, s1: "UK TPS/CTPS"})
		} else {
			e.pass(UKTPS)
		}
		e.d.TPSAsOf = e.dnc.TPSAsOf
		e.snapshot("UK TPS", e.dnc.TPSAsOf, p.TPSMaxAgeDays)
		// PECR reg 21(1)(b): no calls after an objection.
		if r := e.latestRefusal(true); r != nil && !e.d.Rules.Has(DNCInternal) {
			e.fail(DNCInternal)
			e.d.addNote(note{rule: DNCInternal, kind: noteRefusal, s1: "the subscriber objected to further calls (PECR reg 21)", t: r.At, n: int(r.RefusalConfidence * 1000)})
		}
	}
	// Ofcom persistent misuse: abandoned ≤ 3 % of live calls per campaign per 24 h.
	e.abandon(camp.Abandon24h, p.AbandonMaxPercent, "24 hours")
}

// fr applies the French and EU rules that do not depend on time alone.
func (e *eval) fr() {
	if e.camp.Purpose != Telemarketing {
		return
	}
	// ePrivacy Directive Art 13(1): automated calling needs prior consent.
	if e.camp.Voice == VoiceArtificial {
		if c := e.consentFor(Telemarketing, true, kindsAny, e.at); c != nil {
			e.pass(EUAutomatedConsent)
			e.d.ConsentID = c.ID
		} else {
			e.failText(EUAutomatedConsent, "automated (artificial-voice) marketing call without prior consent (ePrivacy Art 13(1))")
		}
	}
}

// cn applies the Chinese rules that do not depend on time alone.
func (e *eval) cn() {
	camp := e.camp
	// CPL Art 29; MIIT draft rules (2020): commercial calls need consent; no consent = refusal.
	if camp.Purpose == Telemarketing {
		if c := e.consentFor(Telemarketing, false, kindsAny, e.at); c != nil {
			e.pass(CNConsentRequired)
			e.d.ConsentID = c.ID
		} else {
			e.failText(CNConsentRequired, "commercial call without the consumer's consent (CPL Art 29)")
		}
	}
	// CPL Art 29: no calls after a refusal; the 谢绝来电 decline registry is a refusal too.
	refused := false
	if r := e.latestRefusal(true); r != nil {
		refused = true
		e.fail(CNRefused)
		e.d.addNote(note{rule: CNRefused, kind: noteRefusal, s1: "the consumer refused further calls", t: r.At, n: int(r.RefusalConfidence * 1000)})
	}
	if e.dnc.Hits.Has(ListDecline) {
		refused = true
		e.fail(CNRefused)
		e.d.addNote(note{rule: CNRefused, kind: noteDNC, s1: "CN decline-calls (谢绝来电)"})
	}
	if !refused {
		e.pass(CNRefused)
	}
}
