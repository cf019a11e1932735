package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Follow-up states (package aftercall, docs/follow-ups.md).
const (
	FollowUpPending = "pending" // waiting for its time, a retry or the end of quiet hours
	FollowUpSent    = "sent"
	FollowUpFailed  = "failed"  // the gateway refused it, or the tries ran out
	FollowUpBlocked = "blocked" // the compliance gate forbids it (no consent, opted out)
)

// Follow-up log events.
const (
	FollowUpEventQueued   = "queued"
	FollowUpEventBlocked  = "blocked"  // the gate blocked it; with a next try when time releases it
	FollowUpEventSent     = "sent"     // the gateway accepted it
	FollowUpEventRetried  = "retried"  // a try failed in a way worth retrying (5xx, no answer)
	FollowUpEventFailed   = "failed"   // given up
	FollowUpEventRejected = "rejected" // not queued: it could not be rendered
)

// FollowUp is one message to send after a call.
type FollowUp struct {
	ID         int64               `json:"id"`
	CampaignID int64               `json:"campaign_id"`
	ContactID  int64               `json:"contact_id"`
	AttemptID  int64               `json:"attempt_id"`
	CallID     string              `json:"call_id"`
	Name       string              `json:"name"`
	Channel    string              `json:"channel"`
	To         string              `json:"to"`
	Body       string              `json:"body"`
	TimeZone   string              `json:"time_zone"`
	State      string              `json:"state"`
	Tries      int                 `json:"tries"`
	NextTryAt  time.Time           `json:"next_try_at"`
	LastStatus int                 `json:"last_status"`
	LastError  string              `json:"last_error"`
	GatewayID  string              `json:"gateway_id"`
	CreatedAt  time.Time           `json:"created_at"`
	UpdatedAt  time.Time           `json:"updated_at"`
	Log        []*FollowUpEventRow `json:"log,omitempty"`
}

// FollowUpEventRow is one line of a follow-up's log.
type FollowUpEventRow struct {
	At     time.Time `json:"at"`
	Event  string    `json:"event"`
	Status int       `json:"status"`
	Detail string    `json:"detail"`
}

const followUpCols = `id, campaign_id, contact_id, attempt_id, call_id, name, channel, to_number, body, time_zone, state,
	tries, next_try_at, last_status, last_error, gateway_id, created_at, updated_at`

func scanFollowUps(rows *sql.Rows, err error) ([]*FollowUp, error) {
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []*FollowUp{}
	for rows.Next() {
		var f FollowUp
		if err := rows.Scan(&f.ID, &f.CampaignID, &f.ContactID, &f.AttemptID, &f.CallID, &f.Name, &f.Channel, &f.To, &f.Body,
			&f.TimeZone, &f.State, &f.Tries, timeCol{&f.NextTryAt}, &f.LastStatus, &f.LastError, &f.GatewayID,
			timeCol{&f.CreatedAt}, timeCol{&f.UpdatedAt}); err != nil {
			return nil, translate(err)
		}
		out = append(out, &f)
	}
	return out, translate(rows.Err())
}

// FollowUpEnqueueParams queue one follow-up of a finished attempt.
type FollowUpEnqueueParams struct {
	CampaignID, ContactID, AttemptID int64
	CallID, Name, Channel, To, Body  string
	TimeZone                         string // the contact's, for the gate's local time
	NotBefore                        time.Time
	Now                              time.Time
	// Failed, when set, stores the follow-up as failed with this reason (it could not be
	// rendered) and logs it as rejected: it is shown, never sent.
	Failed string
}

// FollowUpEnqueue queues follow-ups (state pending, a "queued" log line each), in one
// transaction. It is idempotent per attempt and name: queueing the same follow-up of the
// same attempt again (a replayed record) adds nothing. It returns how many were added.
func (db *DB) FollowUpEnqueue(ctx context.Context, ps []*FollowUpEnqueueParams) (int, error) {
	added := 0
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		added = 0
		for _, p := range ps {
			if p.To == "" || p.Name == "" || p.AttemptID == 0 {
				return fmt.Errorf("%w: To, Name and AttemptID are required", ErrInvalidParams)
			}
			now := nowOr(p.Now)
			next := p.NotBefore
			if next.IsZero() {
				next = now
			}
			ch := p.Channel
			if ch == "" {
				ch = "sms"
			}
			state, event, detail := FollowUpPending, FollowUpEventQueued, "due "+next.UTC().Format(time.RFC3339)
			if p.Failed != "" {
				state, event, detail = FollowUpFailed, FollowUpEventRejected, p.Failed
			}
			var id int64
			err := tx.QueryRowContext(ctx, db.q(`INSERT INTO follow_ups (campaign_id, contact_id, attempt_id, call_id, name, channel,
				to_number, body, time_zone, state, tries, next_try_at, last_error, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)
				ON CONFLICT (attempt_id, name) DO NOTHING RETURNING id`),
				p.CampaignID, p.ContactID, p.AttemptID, p.CallID, p.Name, ch, p.To, p.Body, p.TimeZone, state,
				db.ts(next), p.Failed, db.ts(now), db.ts(now)).Scan(&id)
			if translate(err) == ErrNotFound {
				continue // already queued
			}
			if err != nil {
				return translate(err)
			}
			if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO follow_up_events (follow_up_id, at, event, status, detail)
				VALUES (?, ?, ?, 0, ?)`), id, db.ts(now), event, detail); err != nil {
				return translate(err)
			}
			added++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("queue follow-ups: %w", err)
	}
	return added, nil
}

// FollowUpLeaseDueParams take due follow-ups to send.
type FollowUpLeaseDueParams struct {
	Holder   string        // required
	Limit    int           // default 10
	LeaseFor time.Duration // default 1 minute: longer than one gateway try
	Now      time.Time
}

// FollowUpLeaseDue leases pending follow-ups whose time has come and whose lease (if any)
// expired, in (next_try_at, id) order, in one statement (FOR UPDATE SKIP LOCKED on
// PostgreSQL), like WebhookDeliveryLeaseDue: a sender that dies leaves leases that expire.
func (db *DB) FollowUpLeaseDue(ctx context.Context, p *FollowUpLeaseDueParams) ([]*FollowUp, error) {
	out, err := scanFollowUps(db.leaseOutbox(ctx, "follow_ups", followUpCols, outboxLease{Holder: p.Holder, Limit: p.Limit, LeaseFor: p.LeaseFor, Now: p.Now}))
	if err != nil {
		return nil, fmt.Errorf("lease follow-ups: %w", err)
	}
	sortDue(out, func(x *FollowUp) (time.Time, int64) { return x.NextTryAt, x.ID })
	return out, nil
}

// FollowUpRecordParams record what happened to a leased follow-up.
type FollowUpRecordParams struct {
	ID     int64
	Holder string
	At     time.Time
	// Event is the log line (FollowUpEvent…); State the follow-up's new state. A pending
	// state needs NextTryAt.
	Event, State string
	NextTryAt    time.Time
	Status       int    // the gateway's HTTP status; 0: none
	Detail       string // why, in words
	GatewayID    string // the gateway's message id, when sent
	Try          bool   // the gateway was asked (counts a try)
}

// FollowUpRecord appends the event to the follow-up's log and moves it on, releasing its
// lease. ErrLeaseLost when the holder no longer has the lease.
func (db *DB) FollowUpRecord(ctx context.Context, p *FollowUpRecordParams) error {
	at := nowOr(p.At)
	next := p.NextTryAt
	switch {
	case p.State == FollowUpPending && next.IsZero():
		return fmt.Errorf("record follow-up %d: %w: a pending follow-up needs NextTryAt", p.ID, ErrInvalidParams)
	case p.State != FollowUpPending:
		next = at
	}
	tries := 0
	if p.Try {
		tries = 1
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, db.q(`UPDATE follow_ups SET state = ?, tries = tries + ?, next_try_at = ?, last_status = ?,
			last_error = ?, gateway_id = CASE WHEN ? = '' THEN gateway_id ELSE ? END, lease_holder = NULL, lease_expires_at = NULL,
			updated_at = ? WHERE id = ? AND state = 'pending' AND lease_holder = ? RETURNING id`),
			p.State, tries, db.ts(next), p.Status, p.Detail, p.GatewayID, p.GatewayID, db.ts(at), p.ID, p.Holder).Scan(&id)
		if err != nil {
			if translate(err) == ErrNotFound {
				return ErrLeaseLost
			}
			return translate(err)
		}
		_, err = tx.ExecContext(ctx, db.q(`INSERT INTO follow_up_events (follow_up_id, at, event, status, detail) VALUES (?, ?, ?, ?, ?)`),
			p.ID, db.ts(at), p.Event, p.Status, p.Detail)
		return translate(err)
	})
	if err != nil {
		return fmt.Errorf("record follow-up %d: %w", p.ID, err)
	}
	return nil
}

// FollowUpListParams filter follow-ups, newest first.
type FollowUpListParams struct {
	CampaignID int64  // 0: any
	AttemptID  int64  // 0: any
	State      string // "": any
	Limit      int    // default 100
	WithLog    bool   // fill Log
}

// FollowUpList returns follow-ups, newest first.
func (db *DB) FollowUpList(ctx context.Context, p *FollowUpListParams) ([]*FollowUp, error) {
	var where []string
	var args []any
	if p.CampaignID != 0 {
		where, args = append(where, "campaign_id = ?"), append(args, p.CampaignID)
	}
	if p.AttemptID != 0 {
		where, args = append(where, "attempt_id = ?"), append(args, p.AttemptID)
	}
	if p.State != "" {
		where, args = append(where, "state = ?"), append(args, p.State)
	}
	limit := p.Limit
	if limit <= 0 {
		limit = 100
	}
	q := `SELECT ` + followUpCols + ` FROM follow_ups`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	out, err := scanFollowUps(db.sql.QueryContext(ctx, db.q(q+` ORDER BY id DESC LIMIT ?`), append(args, limit)...))
	if err != nil {
		return nil, fmt.Errorf("list follow-ups: %w", err)
	}
	if !p.WithLog || len(out) == 0 {
		return out, nil
	}
	byID := map[int64]*FollowUp{}
	ids := make([]string, 0, len(out))
	for _, f := range out {
		byID[f.ID] = f
		f.Log = []*FollowUpEventRow{}
		ids = append(ids, fmt.Sprint(f.ID))
	}
	// ids are integers we just read: safe to inline.
	rows, err := db.sql.QueryContext(ctx, `SELECT follow_up_id, at, event, status, detail FROM follow_up_events
		WHERE follow_up_id IN (`+strings.Join(ids, ",")+`) ORDER BY follow_up_id, id`)
	if err != nil {
		return nil, fmt.Errorf("list follow-up log: %w", translate(err))
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var e FollowUpEventRow
		if err := rows.Scan(&id, timeCol{&e.At}, &e.Event, &e.Status, &e.Detail); err != nil {
			return nil, fmt.Errorf("list follow-up log: %w", translate(err))
		}
		byID[id].Log = append(byID[id].Log, &e)
	}
	return out, translate(rows.Err())
}
