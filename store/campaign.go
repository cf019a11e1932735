package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Campaign states (the lifecycle lives in package campaign; the store only
// compares and sets).
const (
	CampaignDraft     = "draft"
	CampaignScheduled = "scheduled"
	CampaignRunning   = "running"
	CampaignPaused    = "paused"
	CampaignCompleted = "completed"
	CampaignStopped   = "stopped"
)

// Campaign is a row of campaigns. Schedule and RetryPolicy are JSON owned by
// package campaign; the store keeps them as they are.
type Campaign struct {
	ID            int64           `json:"id"`
	Name          string          `json:"name"`
	State         string          `json:"state"`
	Script        string          `json:"script"`
	Trunk         string          `json:"trunk"`
	CallerIDs     []string        `json:"caller_ids"`
	Requires      []string        `json:"requires"`
	Region        string          `json:"region"`    // default region for numbers without a country code
	TimeZone      string          `json:"time_zone"` // for contacts whose zone is unknown
	Purpose       string          `json:"purpose"`
	Seller        string          `json:"seller"`
	MaxAttempts   int             `json:"max_attempts"`
	MaxConcurrent int             `json:"max_concurrent"`
	Schedule      json.RawMessage `json:"schedule"`
	RetryPolicy   json.RawMessage `json:"retry_policy"`
	// Pacing is one_to_one or predictive (also read by the compliance gate);
	// Pace the pacing options, JSON owned by package campaign.
	Pacing     string          `json:"pacing"`
	Pace       json.RawMessage `json:"pace"`
	CreatedAt  time.Time       `json:"created_at"`
	UpdatedAt  time.Time       `json:"updated_at"`
	StartedAt  time.Time       `json:"started_at,omitzero"`
	FinishedAt time.Time       `json:"finished_at,omitzero"`
	// ArchivedAt is when the campaign was archived (zero: it is not): hidden from the
	// default list and read-only, its results kept.
	ArchivedAt time.Time `json:"archived_at,omitzero"`
}

const campaignCols = `id, name, state, script, trunk, caller_ids, requires, region, time_zone, purpose, seller,
	max_attempts, max_concurrent, schedule, retry_policy, pacing, pace, created_at, updated_at, started_at, finished_at, archived_at`

func scanCampaign(row interface{ Scan(...any) error }) (*Campaign, error) {
	var c Campaign
	var callerIDs, requires, schedule, retry, pace string
	err := row.Scan(&c.ID, &c.Name, &c.State, &c.Script, &c.Trunk, nullStr{&callerIDs}, nullStr{&requires},
		&c.Region, &c.TimeZone, &c.Purpose, &c.Seller, &c.MaxAttempts, &c.MaxConcurrent,
		nullStr{&schedule}, nullStr{&retry}, &c.Pacing, nullStr{&pace}, timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt},
		timeCol{&c.StartedAt}, timeCol{&c.FinishedAt}, timeCol{&c.ArchivedAt})
	if err != nil {
		return nil, translate(err)
	}
	if err := unmarshalList(callerIDs, &c.CallerIDs); err != nil {
		return nil, fmt.Errorf("campaign %d caller_ids: %w", c.ID, err)
	}
	if err := unmarshalList(requires, &c.Requires); err != nil {
		return nil, fmt.Errorf("campaign %d requires: %w", c.ID, err)
	}
	c.Schedule = json.RawMessage(orJSON(schedule, "{}"))
	c.RetryPolicy = json.RawMessage(orJSON(retry, "{}"))
	c.Pace = json.RawMessage(orJSON(pace, "{}"))
	return &c, nil
}

func unmarshalList(s string, dst *[]string) error {
	*dst = []string{}
	if s == "" {
		return nil
	}
	return json.Unmarshal([]byte(s), dst)
}

func orJSON(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

func jsonList(v []string) string {
	if v == nil {
		v = []string{}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func jsonDoc(v json.RawMessage, def string) (string, error) {
	if len(v) == 0 {
		return def, nil
	}
	if !json.Valid(v) {
		return "", fmt.Errorf("%w: not valid JSON", ErrInvalidParams)
	}
	return string(v), nil
}

// CampaignCreateParams create a campaign in the draft state.
type CampaignCreateParams struct {
	Name          string
	Script        string
	Trunk         string
	CallerIDs     []string
	Requires      []string
	Region        string
	TimeZone      string
	Purpose       string
	Seller        string
	MaxAttempts   int
	MaxConcurrent int
	Schedule      json.RawMessage
	RetryPolicy   json.RawMessage
	Pacing        string          // one_to_one (default) | predictive
	Pace          json.RawMessage // pacing options; default {}
	Now           time.Time       // default time.Now()
}

// CampaignCreate inserts a draft campaign; a taken name is ErrConflict.
func (db *DB) CampaignCreate(ctx context.Context, p *CampaignCreateParams) (*Campaign, error) {
	if strings.TrimSpace(p.Name) == "" {
		return nil, fmt.Errorf("create campaign: %w: name is required", ErrInvalidParams)
	}
	sched, err := jsonDoc(p.Schedule, "{}")
	if err != nil {
		return nil, fmt.Errorf("create campaign %q: schedule: %w", p.Name, err)
	}
	retry, err := jsonDoc(p.RetryPolicy, "{}")
	if err != nil {
		return nil, fmt.Errorf("create campaign %q: retry policy: %w", p.Name, err)
	}
	pace, err := jsonDoc(p.Pace, "{}")
	if err != nil {
		return nil, fmt.Errorf("create campaign %q: pace: %w", p.Name, err)
	}
	pacing := p.Pacing
	if pacing == "" {
		pacing = "one_to_one"
	}
	now := nowOr(p.Now)
	row := db.sql.QueryRowContext(ctx, db.q(`INSERT INTO campaigns (name, state, script, trunk, caller_ids, requires,
		region, time_zone, purpose, seller, max_attempts, max_concurrent, schedule, retry_policy, pacing, pace, created_at, updated_at)
		VALUES (?, 'draft', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING `+campaignCols),
		p.Name, p.Script, p.Trunk, jsonList(p.CallerIDs), jsonList(p.Requires), p.Region, p.TimeZone,
		p.Purpose, p.Seller, p.MaxAttempts, p.MaxConcurrent, sched, retry, pacing, pace, db.ts(now), db.ts(now))
	c, err := scanCampaign(row)
	if err != nil {
		return nil, fmt.Errorf("create campaign %q: %w", p.Name, err)
	}
	return c, nil
}

// CampaignPaceSetParams change a running or draft campaign's pacing: an empty Pacing keeps
// the mode, a nil Pace keeps the options (JSON owned by package campaign).
type CampaignPaceSetParams struct {
	ID     int64
	Pacing string
	Pace   json.RawMessage
	Now    time.Time
}

// CampaignPaceSet updates a campaign's pacing and its updated_at (so every node's runner
// picks the change up); ErrNotFound when there is no such campaign.
func (db *DB) CampaignPaceSet(ctx context.Context, p *CampaignPaceSetParams) error {
	set, args := []string{"updated_at = ?"}, []any{db.ts(nowOr(p.Now))}
	if p.Pacing != "" {
		set, args = append(set, "pacing = ?"), append(args, p.Pacing)
	}
	if p.Pace != nil {
		doc, err := jsonDoc(p.Pace, "{}")
		if err != nil {
			return fmt.Errorf("set campaign %d pace: %w", p.ID, err)
		}
		set, args = append(set, "pace = ?"), append(args, doc)
	}
	res, err := db.sql.ExecContext(ctx, db.q(`UPDATE campaigns SET `+strings.Join(set, ", ")+` WHERE id = ?`), append(args, p.ID)...)
	if err != nil {
		return fmt.Errorf("set campaign %d pace: %w", p.ID, translate(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("set campaign %d pace: %w", p.ID, ErrNotFound)
	}
	return nil
}

// CampaignGetParams name a campaign by ID or, when ID is 0, by Name.
type CampaignGetParams struct {
	ID   int64
	Name string
}

// CampaignGet reads one campaign; ErrNotFound when there is none.
func (db *DB) CampaignGet(ctx context.Context, p *CampaignGetParams) (*Campaign, error) {
	var row *sql.Row
	if p.ID != 0 {
		row = db.sql.QueryRowContext(ctx, db.q(`SELECT `+campaignCols+` FROM campaigns WHERE id = ?`), p.ID)
	} else {
		row = db.sql.QueryRowContext(ctx, db.q(`SELECT `+campaignCols+` FROM campaigns WHERE name = ?`), p.Name)
	}
	c, err := scanCampaign(row)
	if err != nil {
		if p.ID != 0 {
			return nil, fmt.Errorf("campaign %d: %w", p.ID, err)
		}
		return nil, fmt.Errorf("campaign %q: %w", p.Name, err)
	}
	return c, nil
}

// CampaignListParams filter CampaignList; empty States means all.
type CampaignListParams struct {
	States []string
	// Archived: ArchivedHide (the default) leaves archived campaigns out,
	// ArchivedOnly lists only them, ArchivedAll both.
	Archived ArchivedFilter
}

// ArchivedFilter says which campaigns CampaignList shows by their archive flag.
type ArchivedFilter int

// The archive filters.
const (
	ArchivedHide ArchivedFilter = iota
	ArchivedOnly
	ArchivedAll
)

// CampaignList returns campaigns in id order.
func (db *DB) CampaignList(ctx context.Context, p *CampaignListParams) ([]*Campaign, error) {
	query := `SELECT ` + campaignCols + ` FROM campaigns WHERE `
	switch p.Archived {
	case ArchivedOnly:
		query += `archived_at IS NOT NULL`
	case ArchivedAll:
		query += `1 = 1`
	default:
		query += `archived_at IS NULL`
	}
	args := make([]any, 0, len(p.States))
	if len(p.States) > 0 {
		query += ` AND state IN (` + placeholders(len(p.States)) + `)`
		for _, s := range p.States {
			args = append(args, s)
		}
	}
	rows, err := db.sql.QueryContext(ctx, db.q(query+` ORDER BY id`), args...)
	if err != nil {
		return nil, fmt.Errorf("list campaigns: %w", translate(err))
	}
	defer rows.Close()
	var out []*Campaign
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, fmt.Errorf("list campaigns: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list campaigns: %w", translate(err))
	}
	return out, nil
}

// CampaignStateSetParams move a campaign from one of From to To.
type CampaignStateSetParams struct {
	ID   int64
	From []string
	To   string
	Now  time.Time
}

// CampaignStateSet changes a campaign's state if it is in one of From
// (compare and set); otherwise ErrStateConflict. Entering running records
// started_at (once); entering completed or stopped records finished_at.
func (db *DB) CampaignStateSet(ctx context.Context, p *CampaignStateSetParams) (*Campaign, error) {
	if len(p.From) == 0 || p.To == "" {
		return nil, fmt.Errorf("set campaign %d state: %w: From and To are required", p.ID, ErrInvalidParams)
	}
	now := db.ts(nowOr(p.Now))
	args := []any{p.To, now}
	set := `state = ?, updated_at = ?`
	switch p.To {
	case CampaignRunning:
		set += `, started_at = COALESCE(started_at, ?)`
		args = append(args, now)
	case CampaignScheduled: // a recycled campaign runs again: not finished any more
		set += `, finished_at = NULL`
	case CampaignCompleted, CampaignStopped:
		set += `, finished_at = ?`
		args = append(args, now)
	}
	args = append(args, p.ID)
	for _, s := range p.From {
		args = append(args, s)
	}
	row := db.sql.QueryRowContext(ctx, db.q(`UPDATE campaigns SET `+set+` WHERE id = ? AND state IN (`+
		placeholders(len(p.From))+`) RETURNING `+campaignCols), args...)
	c, err := scanCampaign(row)
	if err == ErrNotFound {
		cur, gerr := db.CampaignGet(ctx, &CampaignGetParams{ID: p.ID})
		if gerr != nil {
			return nil, fmt.Errorf("set campaign %d state: %w", p.ID, gerr)
		}
		return cur, fmt.Errorf("campaign %q is %s, not %s: %w", cur.Name, cur.State, strings.Join(p.From, " or "), ErrStateConflict)
	}
	if err != nil {
		return nil, fmt.Errorf("set campaign %d state: %w", p.ID, err)
	}
	return c, nil
}

// CampaignStats are a campaign's counters.
type CampaignStats struct {
	Contacts     map[string]int `json:"contacts"`     // by state: pending, leased, done
	Dispositions map[string]int `json:"dispositions"` // final contacts by disposition
	Outcomes     map[string]int `json:"outcomes"`     // attempts by outcome (lost: closed by a rescue)
	Attempts     int            `json:"attempts"`
	OpenAttempts int            `json:"open_attempts"` // dialling now
	Total        int            `json:"total"`         // contacts
}

// CampaignStatsGet reads a campaign's counts from the pre-aggregated counters (see
// results.go) and the calls and leases open now (partial indexes): no scan of the
// campaign's attempts or contacts.
func (db *DB) CampaignStatsGet(ctx context.Context, p *CampaignGetParams) (*CampaignStats, error) {
	st := &CampaignStats{Contacts: map[string]int{}, Dispositions: map[string]int{}, Outcomes: map[string]int{}}
	cc, err := db.CampaignContactCounts(ctx, []int64{p.ID})
	if err != nil {
		return nil, fmt.Errorf("campaign %d stats: %w", p.ID, err)
	}
	ac, err := db.CampaignCounters(ctx, &CountersParams{CampaignIDs: []int64{p.ID}})
	if err != nil {
		return nil, fmt.Errorf("campaign %d stats: %w", p.ID, err)
	}
	var leased int
	// On SQLite "+campaign_id" keeps the planner on the small partial index of leased
	// contacts instead of the campaign's whole range.
	leasedQ := `SELECT count(*) FROM contacts WHERE state = 'leased' AND campaign_id = ?`
	if db.backend == SQLite {
		leasedQ = `SELECT count(*) FROM contacts WHERE state = 'leased' AND +campaign_id = ?`
	}
	if err := db.sql.QueryRowContext(ctx, db.q(leasedQ),
		p.ID).Scan(&leased); err != nil {
		return nil, fmt.Errorf("campaign %d stats: %w", p.ID, translate(err))
	}
	if err := db.sql.QueryRowContext(ctx, db.q(`SELECT count(*) FROM attempts WHERE state = 'dialing' AND campaign_id = ?`),
		p.ID).Scan(&st.OpenAttempts); err != nil {
		return nil, fmt.Errorf("campaign %d stats: %w", p.ID, translate(err))
	}
	if c := cc[p.ID]; c != nil {
		st.Total = int(c.Total)
		if c.Done > 0 {
			st.Contacts[ContactDone] = int(c.Done)
		}
		if open := int(c.Total-c.Done) - leased; open > 0 {
			st.Contacts[ContactPending] = open
		}
		for k, n := range c.Dispositions {
			st.Dispositions[k] = int(n)
		}
	}
	if leased > 0 {
		st.Contacts[ContactLeased] = leased
	}
	if a := ac[p.ID]; a != nil {
		st.Attempts = int(a.Attempts)
		for k, n := range a.Outcomes {
			st.Outcomes[k] = int(n)
		}
	}
	st.Attempts += st.OpenAttempts
	return st, nil
}

func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

func nowOr(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now()
	}
	return t
}

// CampaignDelete removes a campaign and everything of it (contacts,
// attempts, events); for benchmarks and tests: campaigns are normally stopped.
func (db *DB) CampaignDelete(ctx context.Context, p *CampaignGetParams) error {
	res, err := db.sql.ExecContext(ctx, db.q(`DELETE FROM campaigns WHERE id = ?`), p.ID)
	if err != nil {
		return fmt.Errorf("delete campaign %d: %w", p.ID, translate(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("delete campaign %d: %w", p.ID, ErrNotFound)
	}
	return nil
}
