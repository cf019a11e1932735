package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// CampaignUpdateParams change a campaign's settings: nil fields keep their value.
// Which fields may change in which state is package campaign's rule (Edit); the
// store only writes them, and bumps updated_at so every node's runner reloads
// the campaign.
type CampaignUpdateParams struct {
	ID            int64
	Name          *string
	Script        *string
	Trunk         *string
	CallerIDs     *[]string
	Requires      *[]string
	Purpose       *string
	Seller        *string
	MaxAttempts   *int
	MaxConcurrent *int
	Schedule      json.RawMessage // nil: unchanged
	RetryPolicy   json.RawMessage // nil: unchanged
	Now           time.Time
}

// CampaignUpdate writes the given settings; ErrNotFound when there is no such
// campaign, ErrConflict when the new name is taken.
func (db *DB) CampaignUpdate(ctx context.Context, p *CampaignUpdateParams) (*Campaign, error) {
	set, args := []string{"updated_at = ?"}, []any{db.ts(nowOr(p.Now))}
	str := func(col string, v *string) {
		if v != nil {
			set, args = append(set, col+" = ?"), append(args, *v)
		}
	}
	num := func(col string, v *int) {
		if v != nil {
			set, args = append(set, col+" = ?"), append(args, *v)
		}
	}
	list := func(col string, v *[]string) {
		if v != nil {
			set, args = append(set, col+" = ?"), append(args, jsonList(*v))
		}
	}
	if p.Name != nil && strings.TrimSpace(*p.Name) == "" {
		return nil, fmt.Errorf("update campaign %d: %w: the name cannot be empty", p.ID, ErrInvalidParams)
	}
	str("name", p.Name)
	str("script", p.Script)
	str("trunk", p.Trunk)
	str("purpose", p.Purpose)
	str("seller", p.Seller)
	list("caller_ids", p.CallerIDs)
	list("requires", p.Requires)
	num("max_attempts", p.MaxAttempts)
	num("max_concurrent", p.MaxConcurrent)
	for _, d := range []struct {
		col string
		v   json.RawMessage
	}{{"schedule", p.Schedule}, {"retry_policy", p.RetryPolicy}} {
		if d.v == nil {
			continue
		}
		doc, err := jsonDoc(d.v, "{}")
		if err != nil {
			return nil, fmt.Errorf("update campaign %d: %s: %w", p.ID, d.col, err)
		}
		set, args = append(set, d.col+" = ?"), append(args, doc)
	}
	args = append(args, p.ID)
	c, err := scanCampaign(db.sql.QueryRowContext(ctx, db.q(`UPDATE campaigns SET `+strings.Join(set, ", ")+
		` WHERE id = ? RETURNING `+campaignCols), args...))
	if err != nil {
		return nil, fmt.Errorf("update campaign %d: %w", p.ID, err)
	}
	return c, nil
}

// CampaignArchiveSetParams archive (or restore) a campaign.
type CampaignArchiveSetParams struct {
	ID       int64
	Archived bool
	Now      time.Time
}

// CampaignArchiveSet sets or clears archived_at; ErrNotFound when there is no
// such campaign.
func (db *DB) CampaignArchiveSet(ctx context.Context, p *CampaignArchiveSetParams) (*Campaign, error) {
	now := nowOr(p.Now)
	var at any
	if p.Archived {
		at = db.ts(now)
	}
	c, err := scanCampaign(db.sql.QueryRowContext(ctx, db.q(`UPDATE campaigns SET archived_at = ?, updated_at = ?
		WHERE id = ? RETURNING `+campaignCols), at, db.ts(now), p.ID))
	if err != nil {
		return nil, fmt.Errorf("archive campaign %d: %w", p.ID, err)
	}
	return c, nil
}

// ContactRecycleParams make a campaign's final contacts due again.
type ContactRecycleParams struct {
	CampaignID   int64
	Outcomes     []string // last attempt's outcome (busy, no_answer, …)
	Dispositions []string // final disposition (no_commitment, compliance_blocked, …)
	// Never are dispositions never recycled, whatever was asked (opted_out).
	Never []string
	At    time.Time // due from this time
	Now   time.Time
}

// ContactRecycle returns to pending the campaign's done contacts whose last
// outcome is one of Outcomes or whose disposition is one of Dispositions:
// a new cycle (its attempt count, streak, disposition and last outcome start
// afresh; attempt numbers and the attempt history go on). It returns how many contacts it recycled.
func (db *DB) ContactRecycle(ctx context.Context, p *ContactRecycleParams) (int, error) {
	if len(p.Outcomes) == 0 && len(p.Dispositions) == 0 {
		return 0, fmt.Errorf("recycle contacts: %w: name outcomes or dispositions", ErrInvalidParams)
	}
	now := nowOr(p.Now)
	at := p.At
	if at.IsZero() {
		at = now
	}
	args := []any{db.ts(at), db.ts(now), p.CampaignID}
	var or []string
	if len(p.Outcomes) > 0 {
		or = append(or, `last_outcome IN (`+placeholders(len(p.Outcomes))+`)`)
		for _, o := range p.Outcomes {
			args = append(args, o)
		}
	}
	if len(p.Dispositions) > 0 {
		or = append(or, `disposition IN (`+placeholders(len(p.Dispositions))+`)`)
		for _, d := range p.Dispositions {
			args = append(args, d)
		}
	}
	never := ""
	if len(p.Never) > 0 {
		never = ` AND disposition NOT IN (` + placeholders(len(p.Never)) + `)`
		for _, d := range p.Never {
			args = append(args, d)
		}
	}
	res, err := db.sql.ExecContext(ctx, db.q(`UPDATE contacts SET state = 'pending', attempts_base = attempts, streak = 0,
		disposition = '', last_outcome = '', next_attempt_at = ?, updated_at = ?, lease_holder = NULL, lease_expires_at = NULL
		WHERE campaign_id = ? AND state = 'done' AND (`+strings.Join(or, " OR ")+`)`+never), args...)
	if err != nil {
		return 0, fmt.Errorf("recycle contacts of campaign %d: %w", p.CampaignID, translate(err))
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// ContactCopyParams copy a campaign's contacts into another (a clone).
type ContactCopyParams struct {
	From, To int64
	Now      time.Time
}

// ContactCopy copies the contacts of From into To as new, pending contacts
// (numbers, ids, zones, variables and compliance facts; no attempts). It
// returns how many it copied.
func (db *DB) ContactCopy(ctx context.Context, p *ContactCopyParams) (int, error) {
	now := db.ts(nowOr(p.Now))
	res, err := db.sql.ExecContext(ctx, db.q(`INSERT INTO contacts (campaign_id, line, phone_e164, external_id, time_zone,
			variables, line_type, region, debt_ids, state, next_attempt_at, created_at, updated_at)
		SELECT ?, line, phone_e164, external_id, time_zone, variables, line_type, region, debt_ids, 'pending', ?, ?, ?
		FROM contacts WHERE campaign_id = ? ORDER BY id`), p.To, now, now, now, p.From)
	if err != nil {
		return 0, fmt.Errorf("copy contacts of campaign %d into %d: %w", p.From, p.To, translate(err))
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// GateReason is how many of a campaign's contacts the compliance gate blocked
// for one rule and reason.
type GateReason struct {
	Rule   string `json:"rule"`
	Reason string `json:"reason"`
	Count  int    `json:"count"`
}

// CampaignGateSummary counts the campaign's gate blocks by first rule and
// reason, most frequent first (at most 20).
func (db *DB) CampaignGateSummary(ctx context.Context, p *CampaignGetParams) ([]GateReason, error) {
	var q string
	if db.backend == Postgres {
		q = `SELECT COALESCE(data->'rules'->>0, ''), COALESCE(data->>'reason', ''), count(*)
			FROM call_events WHERE campaign_id = $1 AND type = 'gate_block' GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 20`
	} else {
		q = `SELECT COALESCE(json_extract(data, '$.rules[0]'), ''), COALESCE(json_extract(data, '$.reason'), ''), count(*)
			FROM call_events WHERE campaign_id = ? AND type = 'gate_block' GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 20`
	}
	rows, err := db.sql.QueryContext(ctx, q, p.ID)
	if err != nil {
		return nil, fmt.Errorf("gate summary of campaign %d: %w", p.ID, translate(err))
	}
	defer rows.Close()
	out := []GateReason{}
	for rows.Next() {
		var g GateReason
		if err := rows.Scan(&g.Rule, &g.Reason, &g.Count); err != nil {
			return nil, fmt.Errorf("gate summary of campaign %d: %w", p.ID, translate(err))
		}
		out = append(out, g)
	}
	return out, translate(rows.Err())
}
