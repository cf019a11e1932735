package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// AttemptGetParams name an attempt.
type AttemptGetParams struct {
	ID int64
}

// AttemptGet reads one attempt; ErrNotFound when there is none.
func (db *DB) AttemptGet(ctx context.Context, p *AttemptGetParams) (*Attempt, error) {
	a, err := scanAttempt(db.sql.QueryRowContext(ctx, db.q(`SELECT `+attemptCols+` FROM attempts WHERE id = ?`), p.ID))
	if err != nil {
		return nil, fmt.Errorf("attempt %d: %w", p.ID, err)
	}
	return a, nil
}

// CallEventTailParams read every campaign's events after an id, for live
// views and metrics that follow the whole cluster.
type CallEventTailParams struct {
	AfterID int64 // negative: start after the newest event (returns none, and the newest id)
	Limit   int   // default 1000
}

// CallEventTail returns events with id > AfterID in id order and the id to
// continue after.
func (db *DB) CallEventTail(ctx context.Context, p *CallEventTailParams) ([]*CallEvent, int64, error) {
	if p.AfterID < 0 {
		var last sql.NullInt64
		if err := db.sql.QueryRowContext(ctx, `SELECT max(id) FROM call_events`).Scan(&last); err != nil {
			return nil, 0, fmt.Errorf("tail events: %w", translate(err))
		}
		return nil, last.Int64, nil
	}
	limit := p.Limit
	if limit <= 0 {
		limit = 1000
	}
	rows, err := db.sql.QueryContext(ctx, db.q(`SELECT id, campaign_id, contact_id, attempt_id, type, data, at FROM call_events
		WHERE id > ? ORDER BY id LIMIT ?`), p.AfterID, limit)
	if err != nil {
		return nil, p.AfterID, fmt.Errorf("tail events: %w", translate(err))
	}
	defer rows.Close()
	var out []*CallEvent
	next := p.AfterID
	for rows.Next() {
		var e CallEvent
		var contact, attempt sql.NullInt64
		var data string
		if err := rows.Scan(&e.ID, &e.CampaignID, &contact, &attempt, &e.Type, nullStr{&data}, timeCol{&e.At}); err != nil {
			return nil, p.AfterID, fmt.Errorf("tail events: %w", translate(err))
		}
		e.ContactID, e.AttemptID, e.Data = contact.Int64, attempt.Int64, json.RawMessage(orJSON(data, "{}"))
		out = append(out, &e)
		next = e.ID
	}
	return out, next, translate(rows.Err())
}

// QueueStats are the cluster's work queue right now.
type QueueStats struct {
	Due          int `json:"due"`           // pending contacts of running campaigns whose time has come (hopper depth)
	Leased       int `json:"leased"`        // contacts leased by some node
	LeaseExpired int `json:"lease_expired"` // leases past their expiry, not rescued yet
	Dialing      int `json:"dialing"`       // open attempts (calls in progress)
	Lost         int `json:"lost"`          // attempts closed by a lease rescue, ever
}

// QueueStatsGetParams set the "now" of QueueStatsGet.
type QueueStatsGetParams struct {
	Now time.Time
}

// QueueStatsGet counts the work queue.
func (db *DB) QueueStatsGet(ctx context.Context, p *QueueStatsGetParams) (*QueueStats, error) {
	now := db.ts(nowOr(p.Now))
	var st QueueStats
	err := db.sql.QueryRowContext(ctx, db.q(`SELECT
		(SELECT count(*) FROM contacts c JOIN campaigns k ON k.id = c.campaign_id
			WHERE k.state = 'running' AND c.state = 'pending' AND c.next_attempt_at <= ?),
		(SELECT count(*) FROM contacts WHERE state = 'leased'),
		(SELECT count(*) FROM contacts WHERE state = 'leased' AND lease_expires_at < ?),
		(SELECT count(*) FROM attempts WHERE state = 'dialing'),
		(SELECT count(*) FROM attempts WHERE state = 'lost')`), now, now).
		Scan(&st.Due, &st.Leased, &st.LeaseExpired, &st.Dialing, &st.Lost)
	if err != nil {
		return nil, fmt.Errorf("queue stats: %w", translate(err))
	}
	return &st, nil
}
