package compliance

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/voxdial/voxdial/outcome"
	"github.com/voxdial/voxdial/store"
)

// StoreSource is the store-backed Directory, ConsentLedger and History: campaigns and
// sellers from their tables (cached for CacheFor), contacts' address zones from the
// contacts table, the consent ledger, EBRs, Reassigned Numbers Database answers, and the
// history from the attempts table (every campaign, every seller), merged with the cluster's
// recent attempts when given. Campaign ids are the store's campaign ids in decimal. Safe
// for concurrent use.
type StoreSource struct {
	db       *store.DB
	cacheFor time.Duration
	now      func() time.Time
	recent   RecentAttempts

	mu        sync.Mutex
	campaigns map[string]cached[*Campaign]
	sellers   map[string]cached[*Seller]
	// loads makes the decisions that find an entry expired wait for one read instead of
	// each sending its own (hundreds at once on a busy node).
	loads singleflight.Group
}

type cached[T any] struct {
	v   T
	err error
	at  time.Time
}

// StoreSourceOptions configure NewStoreSource.
type StoreSourceOptions struct {
	// CacheFor is how long a campaign's or seller's settings are reused (default 2s;
	// negative: never cached).
	CacheFor time.Duration
	// Recent, when set, adds the attempts started anywhere in the cluster that the store
	// does not show (yet) to History.Attempts (cluster mode: package numbers' log).
	Recent RecentAttempts
	// Now is the clock the caches expire on (default time.Now).
	Now func() time.Time
}

// RecentAttempts are attempts started on a number by any node, including those whose
// store record is not written or not visible yet. The store stays the system of record:
// an attempt the store has (same call id) counts once, with the store's details.
type RecentAttempts interface {
	// RecentAttempts appends the number's attempts with since ≤ At ≤ until.
	RecentAttempts(ctx context.Context, number uint64, since, until time.Time, buf []RecentAttempt) ([]RecentAttempt, error)
}

// RecentAttempt is one of them: what is known before the call is over.
type RecentAttempt struct {
	CallID   string // the SIP Call-ID, as in the store's attempt row
	At       time.Time
	Campaign string // the store's campaign id, in decimal
	Seller   string
	CallerID string
}

// NewStoreSource returns the store-backed sources.
func NewStoreSource(db *store.DB, o StoreSourceOptions) *StoreSource {
	if o.CacheFor == 0 {
		o.CacheFor = 2 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &StoreSource{db: db, cacheFor: o.CacheFor, now: o.Now, recent: o.Recent,
		campaigns: map[string]cached[*Campaign]{}, sellers: map[string]cached[*Seller]{}}
}

// storeErr maps the store's not-found to ours; any other error stays (fail closed).
func storeErr(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return err
}

// ParsePacks parses comma-separated pack names ("" is zero: by the number's country).
func ParsePacks(s string) (Pack, error) {
	var p Pack
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		x, ok := ParsePack(f)
		if !ok {
			return 0, fmt.Errorf("unknown rule pack %q (want us, uk, eu-fr or cn)", f)
		}
		p |= x
	}
	return p, nil
}

// Campaign implements Directory.
func (s *StoreSource) Campaign(ctx context.Context, id string) (*Campaign, error) {
	now := s.now()
	s.mu.Lock()
	if c, ok := s.campaigns[id]; ok && s.cacheFor > 0 && now.Sub(c.at) < s.cacheFor {
		s.mu.Unlock()
		return c.v, c.err
	}
	s.mu.Unlock()
	v, err, _ := s.loads.Do("c"+id, func() (any, error) {
		c, err := s.loadCampaign(ctx, id, now)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, err // transient errors are not cached
		}
		s.mu.Lock()
		s.campaigns[id] = cached[*Campaign]{c, err, now}
		s.mu.Unlock()
		return c, err
	})
	c, _ := v.(*Campaign)
	return c, err
}

func (s *StoreSource) loadCampaign(ctx context.Context, id string, now time.Time) (*Campaign, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("campaign %q: %w", id, ErrNotFound)
	}
	row, err := s.db.CampaignComplianceGet(ctx, &store.CampaignComplianceGetParams{ID: n})
	if err != nil {
		return nil, storeErr(err)
	}
	c := &Campaign{ID: id, Seller: row.Seller, Subject: row.Subject}
	if c.Subject == "" {
		c.Subject = row.Name
	}
	switch row.Purpose {
	case "survey":
		c.Purpose = Informational
	default:
		c.Purpose, _ = ParsePurpose(row.Purpose) // unknown: the gate fails closed
	}
	c.Voice, _ = ParseVoice(row.Voice)
	if c.Packs, err = ParsePacks(row.RulePacks); err != nil {
		return nil, fmt.Errorf("campaign %d: %w", n, err)
	}
	if row.Pacing == "predictive" {
		c.Pacing = PacingPredictive
		l, a, err := s.db.AbandonCounts(ctx, &store.AbandonCountsParams{CampaignID: n, Since: now.Add(-30 * 24 * time.Hour)})
		if err != nil {
			return nil, err
		}
		c.Abandon30d = AbandonStats{LiveAnswers: l, Abandoned: a}
		if l, a, err = s.db.AbandonCounts(ctx, &store.AbandonCountsParams{CampaignID: n, Since: now.Add(-24 * time.Hour)}); err != nil {
			return nil, err
		}
		c.Abandon24h = AbandonStats{LiveAnswers: l, Abandoned: a}
	} else {
		c.Pacing = PacingOneToOne
	}
	// The runner presents one of the campaign's caller ids per contact: the gate checks the
	// first that is not the seller's, or the first when all are.
	if len(row.CallerIDs) > 0 {
		c.CallerID = row.CallerIDs[0]
		if sl, err := s.Seller(ctx, row.Seller); err == nil {
			for _, id := range row.CallerIDs {
				if !contains(sl.CallerIDs, id) {
					c.CallerID = id
					break
				}
			}
		}
	}
	return c, nil
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// Seller implements Directory.
func (s *StoreSource) Seller(ctx context.Context, id string) (*Seller, error) {
	now := s.now()
	s.mu.Lock()
	if c, ok := s.sellers[id]; ok && s.cacheFor > 0 && now.Sub(c.at) < s.cacheFor {
		s.mu.Unlock()
		return c.v, c.err
	}
	s.mu.Unlock()
	v, err, _ := s.loads.Do("s"+id, func() (any, error) {
		row, err := s.db.SellerGet(ctx, &store.SellerGetParams{ID: id})
		var sl *Seller
		if err == nil {
			sl = &Seller{ID: row.ID, CallerIDs: row.CallerIDs, PlatformSuppression: row.PlatformSuppression}
		} else if err = storeErr(err); !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		s.mu.Lock()
		s.sellers[id] = cached[*Seller]{sl, err, now}
		s.mu.Unlock()
		return sl, err
	})
	sl, _ := v.(*Seller)
	return sl, err
}

// Contact implements Directory: the address zone of the number's latest contact row.
func (s *StoreSource) Contact(ctx context.Context, number uint64) (*Contact, error) {
	f, err := s.db.ContactFactsGet(ctx, &store.ContactZoneParams{Phone: FormatNumber(number)})
	if err != nil {
		return nil, err
	}
	return contactOf(f), nil
}

// contactOf converts the contacts table's facts (nil when it knows nothing).
func contactOf(f *store.ContactFacts) *Contact {
	if *f == (store.ContactFacts{}) {
		return nil
	}
	lt, ok := ParseLineType(f.LineType)
	if !ok {
		lt = LineUnknown // fail closed: treated as wireless where it matters
	}
	return &Contact{AddressTimezone: f.TimeZone, AddressRegion: f.Region, LineType: lt}
}

// NumberFactsAt implements FactsAtSource: everything a decision reads about the number
// in one store request (one round trip on PostgreSQL), with the cluster's recent attempts
// merged into the history as Attempts does.
func (s *StoreSource) NumberFactsAt(ctx context.Context, number uint64, at time.Time) (*NumberFacts, error) {
	since := at.Add(-historyLookback)
	r, err := s.db.NumberFactsGet(ctx, &store.NumberFactsParams{Phone: FormatNumber(number), Since: since, Until: at, At: at})
	if err != nil {
		return nil, err
	}
	f := &NumberFacts{Contact: contactOf(&r.Contact)}
	for _, c := range r.Consents {
		f.Consents = append(f.Consents, FromStoreConsent(c, number))
	}
	for _, b := range r.EBRs {
		f.EBRs = append(f.EBRs, ebrOf(number, &b))
	}
	if r.Reassigned != nil {
		f.Reassigned = []ReassignedCheck{reassignedOf(number, r.Reassigned)}
	}
	for i := range r.History {
		f.History = append(f.History, eventOf(number, &r.History[i]))
	}
	if s.recent != nil {
		if f.History, err = s.mergeRecent(ctx, number, since, at, r.History, f.History, 0); err != nil {
			return nil, err
		}
	}
	for i := range r.Refusals {
		f.Refusals = append(f.Refusals, eventOf(number, &r.Refusals[i]))
	}
	return f, nil
}

// ConsentID names a consent record in decisions and audits: its id and record hash.
func ConsentID(c *store.Consent) string {
	h := c.RecordHash
	if len(h) > 16 {
		h = h[:16]
	}
	return strconv.FormatInt(c.ID, 10) + "#" + h
}

// ConsentRecordHash is the ledger's seal of a consent record (store.ConsentRecordHash): the
// SHA-256 of its content, so that an edited record no longer matches the hash its uses cite.
func ConsentRecordHash(c *store.Consent) string { return store.ConsentRecordHash(c) }

// FromStoreConsent converts a ledger record; a record whose content no longer matches its
// hash is returned revoked at its given time (it cannot be relied upon).
func FromStoreConsent(r *store.Consent, number uint64) Consent {
	c := Consent{Number: number, Seller: r.Seller, ArtificialVoice: r.ArtificialVoice, GivenAt: r.GivenAt,
		ExpiresAt: r.ExpiresAt, RevokedAt: r.RevokedAt, RevokedVia: r.RevokedVia, ID: ConsentID(r)}
	c.Kind, _ = ParseConsentKind(r.Kind)
	for _, p := range r.Scope {
		if x, ok := ParsePurpose(p); ok {
			c.Scope = c.Scope.With(x)
		}
	}
	if r.RecordHash != ConsentRecordHash(r) {
		c.RevokedAt, c.RevokedVia = r.GivenAt, "record edited: hash mismatch"
	}
	return c
}

// Consents implements ConsentLedger.
func (s *StoreSource) Consents(ctx context.Context, number uint64, buf []Consent) ([]Consent, error) {
	rows, err := s.db.ConsentList(ctx, &store.ConsentListParams{Phone: FormatNumber(number)})
	if err != nil {
		return buf, err
	}
	for _, r := range rows {
		buf = append(buf, FromStoreConsent(r, number))
	}
	return buf, nil
}

// EBRs implements ConsentLedger.
func (s *StoreSource) EBRs(ctx context.Context, number uint64, buf []EBR) ([]EBR, error) {
	rows, err := s.db.EBRList(ctx, FormatNumber(number))
	if err != nil {
		return buf, err
	}
	for i := range rows {
		buf = append(buf, ebrOf(number, &rows[i]))
	}
	return buf, nil
}

func ebrOf(number uint64, r *store.EBR) EBR {
	k := EBRPurchase
	if r.Kind == "inquiry" {
		k = EBRInquiry
	}
	return EBR{Number: number, Seller: r.Seller, Kind: k, At: r.At}
}

// Reassigned implements ConsentLedger.
func (s *StoreSource) Reassigned(ctx context.Context, number uint64, at time.Time) (ReassignedCheck, error) {
	r, err := s.db.ReassignedLatest(ctx, FormatNumber(number), at)
	if errors.Is(err, store.ErrNotFound) {
		return ReassignedCheck{Number: number}, nil
	}
	if err != nil {
		return ReassignedCheck{}, err
	}
	return reassignedOf(number, r), nil
}

func reassignedOf(number uint64, r *store.ReassignedCheck) ReassignedCheck {
	c := ReassignedCheck{Number: number, CheckedAt: r.CheckedAt}
	switch r.Answer {
	case "yes":
		c.Answer = ReassignedYes
	case "no":
		c.Answer = ReassignedNo
	default:
		c.Answer = ReassignedNoData
	}
	return c
}

// storeOutcome maps the attempts table's outcome to the history's class, as
// the outcome table says (outcome.Info.History).
func storeOutcome(e *store.HistoryEvent) Outcome {
	if e.State == store.AttemptLost || e.State == store.AttemptDialing {
		return OutcomeUnknown // may or may not have connected: counts as an attempt
	}
	o, _ := ParseOutcome(outcome.Code(e.Outcome).History())
	return o // OutcomeUnknown for a code with no class
}

func eventOf(number uint64, e *store.HistoryEvent) Event {
	ev := Event{Number: number, Seller: e.Seller, Campaign: strconv.FormatInt(e.CampaignID, 10), Subject: e.Subject,
		At: e.StartedAt, CallerID: e.CallerID, Outcome: storeOutcome(e), DebtIDs: e.DebtIDs}
	switch e.Disposition {
	case "voicemail_left", "no_response", "wrong_party":
	default:
		ev.Conversation = ev.Outcome == OutcomeAnswered
	}
	if e.Disposition == "opted_out" {
		ev.Refused, ev.RefusalConfidence = true, 1
	}
	return ev
}

// Attempts implements History over the attempts table and, when set, the recent attempts.
func (s *StoreSource) Attempts(ctx context.Context, number uint64, since, until time.Time, buf []Event) ([]Event, error) {
	rows, err := s.db.AttemptHistory(ctx, &store.AttemptHistoryParams{Phone: FormatNumber(number), Since: since, Until: until})
	if err != nil {
		return buf, err
	}
	start := len(buf)
	for i := range rows {
		buf = append(buf, eventOf(number, &rows[i]))
	}
	if s.recent == nil {
		return buf, nil
	}
	return s.mergeRecent(ctx, number, since, until, rows, buf, start)
}

// mergeRecent adds the recent attempts the store rows do not have (by call id) to
// buf[start:], keeping it sorted by time. A recent attempt counts as one whose outcome is
// unknown (it may be ringing now), with its campaign's seller and subject.
func (s *StoreSource) mergeRecent(ctx context.Context, number uint64, since, until time.Time, rows []store.HistoryEvent, buf []Event, start int) ([]Event, error) {
	recent, err := s.recent.RecentAttempts(ctx, number, since, until, nil)
	if err != nil {
		return buf, fmt.Errorf("recent attempts: %w", err)
	}
	added := false
next:
	for _, r := range recent {
		for i := range rows {
			if rows[i].CallID == r.CallID {
				continue next
			}
		}
		ev := Event{Number: number, Seller: r.Seller, Campaign: r.Campaign, At: r.At, CallerID: r.CallerID, Outcome: OutcomeUnknown}
		c, err := s.Campaign(ctx, r.Campaign)
		switch {
		case err == nil:
			ev.Seller, ev.Subject = c.Seller, c.Subject
		case !errors.Is(err, ErrNotFound):
			return buf, err
		}
		buf = append(buf, ev)
		added = true
	}
	if added {
		h := buf[start:]
		sort.SliceStable(h, func(i, j int) bool { return h[i].At.Before(h[j].At) })
	}
	return buf, nil
}

// Refusals implements History: attempts that ended with the opted_out disposition.
func (s *StoreSource) Refusals(ctx context.Context, number uint64, until time.Time, buf []Event) ([]Event, error) {
	rows, err := s.db.AttemptHistory(ctx, &store.AttemptHistoryParams{Phone: FormatNumber(number), Until: until, OptedOut: true})
	if err != nil {
		return buf, err
	}
	for i := range rows {
		buf = append(buf, eventOf(number, &rows[i]))
	}
	return buf, nil
}

// StoreGate is a gate over the store with its parts: the sources, the do-not-call index
// (refresh it with DNC.Run) and the audit log.
type StoreGate struct {
	*Gate
	Source *StoreSource
	DNC    *StoreDNC
	Audit  *StoreAudit
}

// NewStoreGate loads the do-not-call index and returns a gate over the store.
func NewStoreGate(ctx context.Context, db *store.DB, o StoreSourceOptions) (*StoreGate, error) {
	dnc, err := NewStoreDNC(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("load do-not-call index: %w", err)
	}
	src := NewStoreSource(db, o)
	g, err := NewGate(Options{Directory: src, Consents: src, History: src, DNC: dnc})
	if err != nil {
		return nil, err
	}
	return &StoreGate{Gate: g, Source: src, DNC: dnc, Audit: &StoreAudit{DB: db, Now: o.Now}}, nil
}
