package campaign

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/voxdial/voxdial/outcome"
	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/voicebot/field"
)

// Managing a campaign over its life (docs/campaign-lifecycle.md): edit, clone,
// archive, recycle. Every change is a store write that bumps updated_at, so
// every node's runner reloads the campaign at its next look.

// ErrArchived: the campaign is archived, hence read-only (restore it first).
// It matches store.ErrStateConflict too.
var ErrArchived = fmt.Errorf("%w: the campaign is archived (read-only; unarchive it first)", store.ErrStateConflict)

// ErrNotEditable: a setting that may change only while the campaign is draft
// or paused. It matches store.ErrStateConflict too.
var ErrNotEditable = fmt.Errorf("%w: not while the campaign runs", store.ErrStateConflict)

// Writable refuses an archived campaign.
func Writable(c *store.Campaign) error {
	if !c.ArchivedAt.IsZero() {
		return fmt.Errorf("campaign %q: %w", c.Name, ErrArchived)
	}
	return nil
}

// EditParams are the settings an edit may change; nil keeps a setting.
//
// Any time (but archived): name, max concurrent calls, max attempts, the
// schedule (days, daily window, start and end dates, cron) and the caller IDs.
// Only while draft or paused: script, seller, purpose, trunk, and the required
// contact fields (they decide what the bot says, on whose behalf and what the
// compliance gate checks; a running campaign's calls must not change under it).
type EditParams struct {
	Name          *string
	MaxConcurrent *int
	MaxAttempts   *int
	Schedule      *Schedule
	Retry         *RetryPolicy
	CallerIDs     *[]string
	Script        *string // a script file (the dashboard resolves names and versions)
	Requires      *[]string
	Seller        *string
	Purpose       *string
	Trunk         *string
	Now           time.Time
}

// pausedOnly names the settings of p that need a draft or paused campaign.
func (p *EditParams) pausedOnly() []string {
	var out []string
	for _, f := range []struct {
		name string
		set  bool
	}{{"script", p.Script != nil}, {"requires", p.Requires != nil}, {"seller", p.Seller != nil},
		{"purpose", p.Purpose != nil}, {"trunk", p.Trunk != nil}} {
		if f.set {
			out = append(out, f.name)
		}
	}
	return out
}

// Edit changes a campaign's settings under the rule of EditParams; errors are
// ErrInvalidCampaign (a bad value), ErrNotEditable, ErrArchived, or the store's.
func Edit(ctx context.Context, db *store.DB, id int64, p EditParams) (*store.Campaign, error) {
	c, err := db.CampaignGet(ctx, &store.CampaignGetParams{ID: id})
	if err != nil {
		return nil, err
	}
	if err := Writable(c); err != nil {
		return nil, err
	}
	if fs := p.pausedOnly(); len(fs) > 0 && c.State != store.CampaignDraft && c.State != store.CampaignPaused {
		return nil, fmt.Errorf("campaign %q is %s: %s may change only while it is draft or paused (pause it first): %w",
			c.Name, c.State, strings.Join(fs, ", "), ErrNotEditable)
	}
	if c.State == store.CampaignStopped || c.State == store.CampaignCompleted {
		if p.MaxConcurrent != nil || p.MaxAttempts != nil || p.Schedule != nil || p.Retry != nil || p.CallerIDs != nil {
			return nil, fmt.Errorf("campaign %q is %s: only its name may change (clone it to run it again): %w", c.Name, c.State, ErrNotEditable)
		}
	}
	u := &store.CampaignUpdateParams{ID: id, Name: p.Name, MaxConcurrent: p.MaxConcurrent, MaxAttempts: p.MaxAttempts,
		Script: p.Script, Seller: p.Seller, Purpose: p.Purpose, Trunk: p.Trunk, Now: p.Now}
	if p.Name != nil && strings.TrimSpace(*p.Name) == "" {
		return nil, fmt.Errorf("%w: name: cannot be empty", ErrInvalidCampaign)
	}
	for _, n := range []*int{p.MaxConcurrent, p.MaxAttempts} {
		if n != nil && *n <= 0 {
			return nil, fmt.Errorf("%w: max concurrent and max attempts must be positive", ErrInvalidCampaign)
		}
	}
	if p.Schedule != nil {
		if err := p.Schedule.Compile(); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidCampaign, err)
		}
		u.Schedule, _ = json.Marshal(p.Schedule)
	}
	if p.Retry != nil {
		if err := p.Retry.Compile(); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidCampaign, err)
		}
		u.RetryPolicy, _ = json.Marshal(p.Retry)
	}
	if p.CallerIDs != nil {
		ids, err := normaliseCallerIDs(c.Region, *p.CallerIDs)
		if err != nil {
			return nil, err
		}
		u.CallerIDs = &ids
	}
	if p.Seller != nil {
		if err := checkSeller(ctx, db, *p.Seller); err != nil {
			return nil, err
		}
	}
	if p.Script != nil && p.Requires == nil {
		req, err := ScriptRequires(*p.Script)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidCampaign, err)
		}
		if req == nil {
			req = []string{}
		}
		p.Requires = &req
	}
	if p.Requires != nil {
		specs, err := field.ParseAll(*p.Requires)
		if err != nil {
			return nil, fmt.Errorf("%w: requires: %v", ErrInvalidCampaign, err)
		}
		req := field.Strings(specs)
		u.Requires = &req
	}
	return db.CampaignUpdate(ctx, u)
}

func normaliseCallerIDs(region string, raw []string) ([]string, error) {
	phones := newPhoneNormalizer(region)
	ids := make([]string, len(raw))
	for i, r := range raw {
		e164, _, err := phones.normalize(r)
		if err != nil {
			return nil, fmt.Errorf("%w: caller ID %q: %v", ErrInvalidCampaign, r, err)
		}
		ids[i] = e164
	}
	return ids, nil
}

// CloneParams name the copy.
type CloneParams struct {
	Name     string
	Contacts bool // copy the contacts too, as new pending contacts
	Now      time.Time
}

// Clone creates a draft campaign with the settings of id (schedule, retry
// policy, pacing, script, seller, caller IDs, required fields), and with its
// contacts when asked (fresh: no attempts). It returns the new campaign and the
// contacts copied. The compliance settings the gate reads (voice, subject,
// rule packs) are copied too.
func Clone(ctx context.Context, db *store.DB, id int64, p CloneParams) (*store.Campaign, int, error) {
	src, err := db.CampaignGet(ctx, &store.CampaignGetParams{ID: id})
	if err != nil {
		return nil, 0, err
	}
	if strings.TrimSpace(p.Name) == "" {
		return nil, 0, fmt.Errorf("%w: clone: a name is required", ErrInvalidCampaign)
	}
	if err := checkSeller(ctx, db, src.Seller); err != nil {
		return nil, 0, err
	}
	c, err := db.CampaignCreate(ctx, &store.CampaignCreateParams{Name: p.Name, Script: src.Script, Trunk: src.Trunk,
		CallerIDs: src.CallerIDs, Requires: src.Requires, Region: src.Region, TimeZone: src.TimeZone, Purpose: src.Purpose,
		Seller: src.Seller, MaxAttempts: src.MaxAttempts, MaxConcurrent: src.MaxConcurrent, Schedule: src.Schedule,
		RetryPolicy: src.RetryPolicy, Pacing: src.Pacing, Pace: src.Pace, Now: p.Now})
	if err != nil {
		return nil, 0, err
	}
	if cc, err := db.CampaignComplianceGet(ctx, &store.CampaignComplianceGetParams{ID: id}); err == nil {
		packs := cc.RulePacks
		set := &store.CampaignComplianceSetParams{ID: c.ID, Voice: cc.Voice, Subject: cc.Subject, RulePacks: &packs, Now: p.Now}
		if err := db.CampaignComplianceSet(ctx, set); err != nil {
			return c, 0, fmt.Errorf("clone %q: compliance settings: %w", p.Name, err)
		}
	}
	n := 0
	if p.Contacts {
		if n, err = db.ContactCopy(ctx, &store.ContactCopyParams{From: id, To: c.ID, Now: p.Now}); err != nil {
			return c, 0, err
		}
	}
	return c, n, nil
}

// Archive hides a finished or draft campaign from the default list and makes
// it read-only; its results are kept. A campaign that may still dial
// (scheduled, running, paused) is stopped first by its owner.
func Archive(ctx context.Context, db *store.DB, id int64, archived bool, now time.Time) (*store.Campaign, error) {
	c, err := db.CampaignGet(ctx, &store.CampaignGetParams{ID: id})
	if err != nil {
		return nil, err
	}
	if archived && !slices.Contains([]string{store.CampaignDraft, store.CampaignCompleted, store.CampaignStopped}, c.State) {
		return nil, fmt.Errorf("campaign %q is %s: stop it before archiving it: %w", c.Name, c.State, store.ErrStateConflict)
	}
	return db.CampaignArchiveSet(ctx, &store.CampaignArchiveSetParams{ID: id, Archived: archived, Now: now})
}

// NeverRecycled are dispositions a recycle never brings back: an opt-out is for good.
var NeverRecycled = []string{"opted_out"}

// RecycleParams say which final contacts to call again.
type RecycleParams struct {
	Outcomes     []string // the last attempt's outcome: busy, no_answer, …
	Dispositions []string // the final disposition: no_commitment, compliance_blocked, …
	Now          time.Time
}

// RecycleResult is what a recycle did.
type RecycleResult struct {
	Recycled int             `json:"recycled"`
	Campaign *store.Campaign `json:"campaign"`
}

// Recycle makes the campaign's final contacts matching an outcome or a
// disposition due again (a new cycle: the campaign's max attempts apply
// afresh; the attempt history stays). A completed campaign is scheduled
// again. Opted-out contacts are never recycled; a stopped or archived
// campaign is refused.
func Recycle(ctx context.Context, db *store.DB, id int64, p RecycleParams) (*RecycleResult, error) {
	c, err := db.CampaignGet(ctx, &store.CampaignGetParams{ID: id})
	if err != nil {
		return nil, err
	}
	if err := Writable(c); err != nil {
		return nil, err
	}
	if c.State == store.CampaignStopped {
		return nil, fmt.Errorf("campaign %q is stopped for good: clone it to call again: %w", c.Name, store.ErrStateConflict)
	}
	clean := func(kind string, in []string, known func(string) bool) ([]string, error) {
		var out []string
		for _, s := range in {
			s = strings.TrimSpace(s)
			if s == "" {
				continue
			}
			if slices.Contains(NeverRecycled, s) {
				return nil, fmt.Errorf("%w: %s %q: opted-out contacts are never called again", ErrInvalidCampaign, kind, s)
			}
			if known != nil && !known(s) {
				return nil, fmt.Errorf("%w: %s %q is not an outcome (e.g. busy, no_answer, voicemail, rejected, congestion, failed)", ErrInvalidCampaign, kind, s)
			}
			out = append(out, s)
		}
		return out, nil
	}
	outs, err := clean("outcome", p.Outcomes, func(s string) bool { return outcome.Code(s).Known() })
	if err != nil {
		return nil, err
	}
	disps, err := clean("disposition", p.Dispositions, validDisposition)
	if err != nil {
		return nil, err
	}
	if len(outs) == 0 && len(disps) == 0 {
		return nil, fmt.Errorf("%w: recycle: name at least one outcome or disposition", ErrInvalidCampaign)
	}
	n, err := db.ContactRecycle(ctx, &store.ContactRecycleParams{CampaignID: id, Outcomes: outs, Dispositions: disps,
		Never: NeverRecycled, At: p.Now, Now: p.Now})
	if err != nil {
		return nil, err
	}
	if n > 0 && c.State == store.CampaignCompleted {
		nc, err := db.CampaignStateSet(ctx, &store.CampaignStateSetParams{ID: id, From: []string{store.CampaignCompleted},
			To: store.CampaignScheduled, Now: p.Now})
		if err != nil && !errors.Is(err, store.ErrStateConflict) {
			return nil, err
		}
		if nc != nil {
			c = nc
		}
	}
	return &RecycleResult{Recycled: n, Campaign: c}, nil
}

// validDisposition: a disposition code is a word of letters, digits and _.
func validDisposition(s string) bool {
	for _, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
}

// RecurAt is when a contact re-imported into a recurring campaign is due: the
// next start of its cron after now (a run under way is not re-entered, so a
// contact already called in it is not called twice the same run). Zero for a
// campaign that does not recur.
func RecurAt(c *store.Campaign, now time.Time) (time.Time, error) {
	p, err := Compile(c)
	if err != nil || !p.Sched.Recurring() {
		return time.Time{}, err
	}
	return p.Sched.cron.Next(now.In(p.Loc)), nil
}

// GateSummary is why the compliance gate blocked a campaign's contacts.
type GateSummary struct {
	Blocked int                `json:"blocked"` // contacts finished as compliance_blocked
	Total   int                `json:"total"`   // contacts
	All     bool               `json:"all"`     // every final contact was blocked and none was called
	Reasons []store.GateReason `json:"reasons"`
	Text    string             `json:"text"` // in words, for the campaign page and `campaign show`
}

// LoadGateSummary reads the gate's blocks of a campaign; nil when it blocked none.
func LoadGateSummary(ctx context.Context, db *store.DB, c *store.Campaign, st *store.CampaignStats) (*GateSummary, error) {
	blocked := st.Dispositions["compliance_blocked"]
	if blocked == 0 {
		return nil, nil
	}
	rs, err := db.CampaignGateSummary(ctx, &store.CampaignGetParams{ID: c.ID})
	if err != nil {
		return nil, err
	}
	g := &GateSummary{Blocked: blocked, Total: st.Total, Reasons: rs,
		All: st.Attempts == 0 && st.Contacts[store.ContactDone] == st.Total && blocked == st.Total}
	var b strings.Builder
	if g.All {
		fmt.Fprintf(&b, "No call was placed: the compliance gate blocked every contact (%d).", blocked)
	} else {
		fmt.Fprintf(&b, "The compliance gate blocked %d of %d contacts.", blocked, st.Total)
	}
	for i, r := range rs {
		if i == 3 {
			fmt.Fprintf(&b, " And %d other reason(s).", len(rs)-3)
			break
		}
		what := r.Reason
		if what == "" {
			what = "no reason recorded"
		}
		if r.Rule != "" && !strings.HasPrefix(what, r.Rule) {
			what = r.Rule + ": " + what
		}
		fmt.Fprintf(&b, " %d × %s.", r.Count, strings.TrimSuffix(what, "."))
	}
	if seller := c.Seller; seller != "" && strings.Contains(strings.ToLower(b.String()), "seller") {
		fmt.Fprintf(&b, " Check that seller %q is registered with its caller IDs.", seller)
	}
	if g.All {
		b.WriteString(" After fixing the cause, recycle the compliance_blocked contacts to call them.")
	}
	g.Text = b.String()
	return g, nil
}
