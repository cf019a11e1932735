package campaign

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/voicebot/field"
)

// ErrInvalidCampaign wraps problems with a campaign's settings.
var ErrInvalidCampaign = errors.New("invalid campaign")

// CreateParams describe a new campaign.
type CreateParams struct {
	Name          string
	Script        string // script file (or asset:NAME)
	Trunk         string // trunk name or SIP URI
	CallerIDs     []string
	Region        string // default region for national numbers (default US)
	TimeZone      string // campaign time zone: dates, cron, contacts of unknown zone (default UTC)
	Purpose       string // telemarketing | informational | collections | survey (for the gate)
	Seller        string
	MaxAttempts   int // default 5
	MaxConcurrent int // per-campaign concurrent calls, all nodes (default 10)
	Schedule      Schedule
	Retry         RetryPolicy
	// Pacing is one_to_one (the default: a bot slot is reserved for every leg,
	// nothing is abandoned) or predictive (dial ahead from the measured answer
	// rate; the gate's abandonment caps apply).
	Pacing string
	Pace   PaceOptions
	// Requires overrides the required contact fields read from the script's
	// `requires:` when non-nil.
	Requires []string
	Now      time.Time
}

// Create validates the settings and stores a draft campaign.
func Create(ctx context.Context, db *store.DB, p CreateParams) (*store.Campaign, error) {
	if strings.TrimSpace(p.Name) == "" {
		return nil, fmt.Errorf("%w: a name is required", ErrInvalidCampaign)
	}
	if p.Region == "" {
		p.Region = "US"
	}
	if p.TimeZone == "" {
		p.TimeZone = "UTC"
	}
	if _, err := time.LoadLocation(p.TimeZone); err != nil {
		return nil, fmt.Errorf("%w: time zone %q: %v", ErrInvalidCampaign, p.TimeZone, err)
	}
	if p.MaxAttempts == 0 {
		p.MaxAttempts = 5
	}
	if p.MaxConcurrent == 0 {
		p.MaxConcurrent = 10
	}
	if p.MaxAttempts < 0 || p.MaxConcurrent < 0 {
		return nil, fmt.Errorf("%w: max attempts and max concurrent must be positive", ErrInvalidCampaign)
	}
	// The caller-ID pool goes into From as E.164: check and normalise it now
	// rather than fail every call later.
	if len(p.CallerIDs) > 0 {
		phones := newPhoneNormalizer(p.Region)
		ids := make([]string, len(p.CallerIDs))
		for i, raw := range p.CallerIDs {
			e164, _, err := phones.normalize(raw)
			if err != nil {
				return nil, fmt.Errorf("%w: caller ID %q: %v", ErrInvalidCampaign, raw, err)
			}
			ids[i] = e164
		}
		p.CallerIDs = ids
	}
	if err := p.Schedule.Compile(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidCampaign, err)
	}
	if err := p.Retry.Compile(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidCampaign, err)
	}
	if err := checkPace(p.Pacing, &p.Pace); err != nil {
		return nil, err
	}
	requires := p.Requires
	if requires == nil {
		var err error
		if requires, err = ScriptRequires(p.Script); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidCampaign, err)
		}
	}
	specs, err := field.ParseAll(requires)
	if err != nil {
		return nil, fmt.Errorf("%w: requires: %v", ErrInvalidCampaign, err)
	}
	requires = field.Strings(specs)
	if err := checkSeller(ctx, db, p.Seller); err != nil {
		return nil, err
	}
	sched, _ := json.Marshal(&p.Schedule)
	retry, _ := json.Marshal(&p.Retry)
	pace, _ := json.Marshal(&p.Pace)
	return db.CampaignCreate(ctx, &store.CampaignCreateParams{Pacing: p.Pacing, Pace: pace,
		Name: p.Name, Script: p.Script, Trunk: p.Trunk, CallerIDs: p.CallerIDs, Requires: requires,
		Region: p.Region, TimeZone: p.TimeZone, Purpose: p.Purpose, Seller: p.Seller,
		MaxAttempts: p.MaxAttempts, MaxConcurrent: p.MaxConcurrent, Schedule: sched, RetryPolicy: retry, Now: p.Now,
	})
}

// ErrUnknownSeller: a campaign names a seller that is not registered (the
// compliance gate would block every one of its contacts). The error is an
// *UnknownSellerError, which matches ErrInvalidCampaign too.
var ErrUnknownSeller = errors.New("unknown seller")

// UnknownSellerError names the seller that is not registered.
type UnknownSellerError struct{ Seller string }

func (e *UnknownSellerError) Error() string {
	return fmt.Sprintf("seller %q is not registered: register it first (voxdial compliance seller %s --caller-id …), "+
		"or name a registered seller; with an unknown seller the compliance gate blocks every contact", e.Seller, e.Seller)
}

// Is matches ErrUnknownSeller and ErrInvalidCampaign.
func (e *UnknownSellerError) Is(target error) bool {
	return target == ErrUnknownSeller || target == ErrInvalidCampaign
}

// checkSeller refuses a seller that is not registered: without its caller
// IDs and lists the gate blocks every contact, and the campaign would
// "complete" without a call.
func checkSeller(ctx context.Context, db *store.DB, seller string) error {
	if seller == "" {
		return nil
	}
	_, err := db.SellerGet(ctx, &store.SellerGetParams{ID: seller})
	if errors.Is(err, store.ErrNotFound) {
		return &UnknownSellerError{Seller: seller}
	}
	if err != nil {
		return fmt.Errorf("seller %q: %w", seller, err)
	}
	return nil
}

// Plan is a stored campaign with its settings compiled.
type Plan struct {
	*store.Campaign
	Sched *Schedule
	Retry *RetryPolicy
	Loc   *time.Location
	Pace  PaceOptions
}

// Compile reads a stored campaign's schedule, retry policy and zone.
func Compile(c *store.Campaign) (*Plan, error) {
	p := &Plan{Campaign: c, Sched: &Schedule{}, Retry: &RetryPolicy{}}
	if err := json.Unmarshal(c.Schedule, p.Sched); err != nil {
		return nil, fmt.Errorf("campaign %q schedule: %w", c.Name, err)
	}
	if err := p.Sched.Compile(); err != nil {
		return nil, fmt.Errorf("campaign %q: %w", c.Name, err)
	}
	if err := json.Unmarshal(c.RetryPolicy, p.Retry); err != nil {
		return nil, fmt.Errorf("campaign %q retry policy: %w", c.Name, err)
	}
	if err := p.Retry.Compile(); err != nil {
		return nil, fmt.Errorf("campaign %q: %w", c.Name, err)
	}
	var err error
	if p.Pace, err = ParsePaceOptions(c.Pace); err != nil {
		return nil, paceErr(c.Name, err)
	}
	if err := checkPacing(c.Pacing); err != nil {
		return nil, paceErr(c.Name, err)
	}
	if p.Loc, err = time.LoadLocation(orDefault(c.TimeZone, "UTC")); err != nil {
		return nil, fmt.Errorf("campaign %q time zone: %w", c.Name, err)
	}
	return p, nil
}

// ContactLocation is the zone used for a contact: its own, else the campaign's.
func (p *Plan) ContactLocation(tz string, cache map[string]*time.Location) *time.Location {
	if tz == "" {
		return p.Loc
	}
	if loc, ok := cache[tz]; ok {
		return loc
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		loc = p.Loc
	}
	cache[tz] = loc
	return loc
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Lifecycle changes. Each is a compare-and-set in the store, so two
// operators (or nodes) racing get one winner and a clear ErrStateConflict.

// Start moves a draft campaign to scheduled; the scheduler runs it once its start date comes.
func Start(ctx context.Context, db *store.DB, id int64, now time.Time) (*store.Campaign, error) {
	return db.CampaignStateSet(ctx, &store.CampaignStateSetParams{ID: id, From: []string{store.CampaignDraft}, To: store.CampaignScheduled, Now: now})
}

// Pause stops dialling new contacts; calls in progress finish.
func Pause(ctx context.Context, db *store.DB, id int64, now time.Time) (*store.Campaign, error) {
	return db.CampaignStateSet(ctx, &store.CampaignStateSetParams{ID: id,
		From: []string{store.CampaignScheduled, store.CampaignRunning}, To: store.CampaignPaused, Now: now})
}

// Resume moves a paused campaign back to scheduled (running at the next scheduler tick).
func Resume(ctx context.Context, db *store.DB, id int64, now time.Time) (*store.Campaign, error) {
	return db.CampaignStateSet(ctx, &store.CampaignStateSetParams{ID: id, From: []string{store.CampaignPaused}, To: store.CampaignScheduled, Now: now})
}

// Stop ends a campaign for good: its pending contacts are closed with the
// disposition "stopped"; calls in progress finish and are recorded.
func Stop(ctx context.Context, db *store.DB, id int64, now time.Time) (*store.Campaign, int, error) {
	c, err := db.CampaignStateSet(ctx, &store.CampaignStateSetParams{ID: id,
		From: []string{store.CampaignDraft, store.CampaignScheduled, store.CampaignRunning, store.CampaignPaused}, To: store.CampaignStopped, Now: now})
	if err != nil {
		return c, 0, err
	}
	n, err := db.ContactFinishPending(ctx, &store.ContactFinishPendingParams{CampaignID: id, Disposition: "stopped", Now: now})
	return c, n, err
}

// Tick is one pass of the scheduler over every campaign: scheduled
// campaigns whose start date has come start running; running campaigns whose
// end date passed, or (unless recurring) whose contacts are all done,
// complete. It returns the campaigns it changed.
func Tick(ctx context.Context, db *store.DB, now time.Time) ([]*store.Campaign, error) {
	cs, err := db.CampaignList(ctx, &store.CampaignListParams{States: []string{store.CampaignScheduled, store.CampaignRunning}})
	if err != nil {
		return nil, err
	}
	var changed []*store.Campaign
	for _, c := range cs {
		p, err := Compile(c)
		if err != nil {
			continue // a broken campaign stays as it is; show says why
		}
		var to string
		switch c.State {
		case store.CampaignScheduled:
			if p.Sched.Ended(now, p.Loc) {
				to = store.CampaignCompleted
			} else if p.Sched.Started(now, p.Loc) {
				to = store.CampaignRunning
			}
		case store.CampaignRunning:
			if p.Sched.Ended(now, p.Loc) {
				to = store.CampaignCompleted
				break
			}
			if p.Sched.Recurring() {
				break
			}
			st, err := db.CampaignStatsGet(ctx, &store.CampaignGetParams{ID: c.ID})
			if err != nil {
				return changed, err
			}
			if st.Contacts[store.ContactPending] == 0 && st.Contacts[store.ContactLeased] == 0 && st.Total > 0 {
				to = store.CampaignCompleted
			}
		}
		if to == "" {
			continue
		}
		nc, err := db.CampaignStateSet(ctx, &store.CampaignStateSetParams{ID: c.ID, From: []string{c.State}, To: to, Now: now})
		if errors.Is(err, store.ErrStateConflict) {
			continue // an operator or another node got there first
		}
		if err != nil {
			return changed, err
		}
		changed = append(changed, nc)
	}
	return changed, nil
}

// SetPace changes a campaign's pacing mode (empty: unchanged) and options, in any state:
// every node's runner picks the change up at its next look at the campaign (its plan is
// keyed by updated_at), so agents can be added or the dial ratio lowered mid-campaign.
func SetPace(ctx context.Context, db *store.DB, id int64, pacing string, o PaceOptions, now time.Time) error {
	if err := checkPace(pacing, &o); err != nil {
		return err
	}
	raw, err := json.Marshal(&o)
	if err != nil {
		return err
	}
	return db.CampaignPaceSet(ctx, &store.CampaignPaceSetParams{ID: id, Pacing: pacing, Pace: raw, Now: now})
}

// checkPace checks a campaign's pacing mode and fills its options' defaults; errors are
// ErrInvalidCampaign.
func checkPace(mode string, o *PaceOptions) error {
	if err := checkPacing(mode); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidCampaign, err)
	}
	if err := o.Compile(); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidCampaign, err)
	}
	return nil
}
