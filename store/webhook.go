package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Webhook is an endpoint that receives every finished attempt of one
// campaign (CampaignID) or of the whole deployment (CampaignID 0). The secret
// signs the deliveries; it never leaves the process in JSON.
type Webhook struct {
	ID           int64     `json:"id"`
	CampaignID   int64     `json:"campaign_id"`
	URL          string    `json:"url"`
	Secret       string    `json:"-"`
	Description  string    `json:"description"`
	Active       bool      `json:"active"`
	AfterEventID int64     `json:"-"`
	CreatedBy    string    `json:"created_by"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Webhook delivery states.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed" // gave up after the last try
)

// WebhookDelivery is one finished attempt to send to one webhook.
type WebhookDelivery struct {
	ID         int64         `json:"id"`
	WebhookID  int64         `json:"webhook_id"`
	EventID    int64         `json:"event_id"`
	CampaignID int64         `json:"campaign_id"`
	AttemptID  int64         `json:"attempt_id"`
	State      string        `json:"state"`
	Tries      int           `json:"tries"`
	NextTryAt  time.Time     `json:"next_try_at"`
	LastStatus int           `json:"last_status"`
	LastError  string        `json:"last_error"`
	Payload    string        `json:"-"`
	CreatedAt  time.Time     `json:"created_at"`
	UpdatedAt  time.Time     `json:"updated_at"`
	TryLog     []*WebhookTry `json:"try_log,omitempty"`
}

// WebhookTry is one HTTP request of a delivery.
type WebhookTry struct {
	TryNo      int       `json:"try_no"`
	At         time.Time `json:"at"`
	Status     int       `json:"status"` // 0: no response
	Error      string    `json:"error"`
	DurationMS int64     `json:"duration_ms"`
}

const webhookCols = `id, campaign_id, url, secret, description, active, after_event_id, created_by, created_at, updated_at`

func scanWebhook(row interface{ Scan(...any) error }) (*Webhook, error) {
	var w Webhook
	var camp sql.NullInt64
	if err := row.Scan(&w.ID, &camp, &w.URL, &w.Secret, &w.Description, &w.Active, &w.AfterEventID, &w.CreatedBy,
		timeCol{&w.CreatedAt}, timeCol{&w.UpdatedAt}); err != nil {
		return nil, translate(err)
	}
	w.CampaignID = camp.Int64
	return &w, nil
}

// WebhookCreateParams add a webhook.
type WebhookCreateParams struct {
	CampaignID  int64 // 0: every campaign
	URL         string
	Secret      string // required; the caller generates it
	Description string
	CreatedBy   string
	Now         time.Time
}

// WebhookCreate inserts an active webhook. It receives the calls that end
// from now on, not those already in the event log.
func (db *DB) WebhookCreate(ctx context.Context, p *WebhookCreateParams) (*Webhook, error) {
	u, err := url.Parse(p.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("create webhook: %w: url %q: want http(s)://host/path", ErrInvalidParams, p.URL)
	}
	if len(p.Secret) < 16 {
		return nil, fmt.Errorf("create webhook: %w: a secret needs at least 16 characters", ErrInvalidParams)
	}
	now := db.ts(nowOr(p.Now))
	w, err := scanWebhook(db.sql.QueryRowContext(ctx, db.q(`INSERT INTO webhooks
		(campaign_id, url, secret, description, active, after_event_id, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, (SELECT COALESCE(max(id), 0) FROM call_events), ?, ?, ?) RETURNING `+webhookCols),
		idNull(p.CampaignID), p.URL, p.Secret, p.Description, true, p.CreatedBy, now, now))
	if err != nil {
		return nil, fmt.Errorf("create webhook %s: %w", p.URL, err)
	}
	return w, nil
}

// WebhookGetParams name a webhook.
type WebhookGetParams struct {
	ID int64
}

// WebhookGet reads one webhook; ErrNotFound when there is none.
func (db *DB) WebhookGet(ctx context.Context, p *WebhookGetParams) (*Webhook, error) {
	w, err := scanWebhook(db.sql.QueryRowContext(ctx, db.q(`SELECT `+webhookCols+` FROM webhooks WHERE id = ?`), p.ID))
	if err != nil {
		return nil, fmt.Errorf("webhook %d: %w", p.ID, err)
	}
	return w, nil
}

// WebhookListParams filter webhooks.
type WebhookListParams struct {
	CampaignID   int64 // 0: all; otherwise the campaign's and the deployment-wide ones
	WithInactive bool
}

// WebhookList returns webhooks in id order.
func (db *DB) WebhookList(ctx context.Context, p *WebhookListParams) ([]*Webhook, error) {
	var where []string
	var args []any
	if p.CampaignID != 0 {
		where = append(where, "(campaign_id = ? OR campaign_id IS NULL)")
		args = append(args, p.CampaignID)
	}
	if !p.WithInactive {
		where = append(where, "active = ?")
		args = append(args, true)
	}
	q := `SELECT ` + webhookCols + ` FROM webhooks`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	rows, err := db.sql.QueryContext(ctx, db.q(q+` ORDER BY id`), args...)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", translate(err))
	}
	defer rows.Close()
	out := []*Webhook{}
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			return nil, fmt.Errorf("list webhooks: %w", err)
		}
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list webhooks: %w", translate(err))
	}
	return out, nil
}

// WebhookDisableParams switch a webhook off.
type WebhookDisableParams struct {
	ID  int64
	Now time.Time
}

// WebhookDisable stops new deliveries to a webhook and gives up its pending
// ones; ErrNotFound when there is no such webhook.
func (db *DB) WebhookDisable(ctx context.Context, p *WebhookDisableParams) error {
	now := db.ts(nowOr(p.Now))
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.q(`UPDATE webhooks SET active = ?, updated_at = ? WHERE id = ?`), false, now, p.ID)
		if err != nil {
			return fmt.Errorf("disable webhook %d: %w", p.ID, translate(err))
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("disable webhook %d: %w", p.ID, ErrNotFound)
		}
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE webhook_deliveries SET state = 'failed', last_error = 'webhook disabled',
			lease_holder = NULL, lease_expires_at = NULL, updated_at = ? WHERE webhook_id = ? AND state = 'pending'`), now, p.ID); err != nil {
			return fmt.Errorf("disable webhook %d: %w", p.ID, translate(err))
		}
		return nil
	})
}

// WebhookCursor is where a dispatcher starts reading the event log: before
// the oldest event some active webhook may still need. Each webhook has
// been enqueued up to its newest delivery (or its creation).
func (db *DB) WebhookCursor(ctx context.Context) (int64, error) {
	var v sql.NullInt64
	err := db.sql.QueryRowContext(ctx, `SELECT min(COALESCE(
			(SELECT max(d.event_id) FROM webhook_deliveries d WHERE d.webhook_id = w.id), w.after_event_id))
		FROM webhooks w WHERE w.active = `+db.boolLit(true)).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("webhook cursor: %w", translate(err))
	}
	if !v.Valid { // no active webhook: start at the end
		if err := db.sql.QueryRowContext(ctx, `SELECT COALESCE(max(id), 0) FROM call_events`).Scan(&v); err != nil {
			return 0, fmt.Errorf("webhook cursor: %w", translate(err))
		}
	}
	return v.Int64, nil
}

func (db *DB) boolLit(b bool) string {
	switch {
	case db.backend == Postgres && b:
		return "true"
	case db.backend == Postgres:
		return "false"
	case b:
		return "1"
	}
	return "0"
}

// WebhookDeliveryEnqueueParams turn attempt_finished events into deliveries.
type WebhookDeliveryEnqueueParams struct {
	AfterEventID int64 // events with a greater id …
	UpToEventID  int64 // … up to this one (0: the newest)
	Now          time.Time
}

// WebhookDeliveryEnqueue adds a pending delivery for every attempt_finished
// event in (AfterEventID, UpToEventID] and every active webhook of its
// campaign or of the deployment that existed before the event. It is
// idempotent (one delivery per webhook and event), so several nodes, and
// overlapping windows, may enqueue the same range. It returns the deliveries
// added and the last event id covered.
func (db *DB) WebhookDeliveryEnqueue(ctx context.Context, p *WebhookDeliveryEnqueueParams) (int, int64, error) {
	upto := p.UpToEventID
	if upto <= 0 {
		if err := db.sql.QueryRowContext(ctx, `SELECT COALESCE(max(id), 0) FROM call_events`).Scan(&upto); err != nil {
			return 0, p.AfterEventID, fmt.Errorf("enqueue webhook deliveries: %w", translate(err))
		}
	}
	if upto <= p.AfterEventID {
		return 0, p.AfterEventID, nil
	}
	now := db.ts(nowOr(p.Now))
	res, err := db.sql.ExecContext(ctx, db.q(`INSERT INTO webhook_deliveries
		(webhook_id, event_id, campaign_id, attempt_id, state, tries, next_try_at, created_at, updated_at)
		SELECT w.id, e.id, e.campaign_id, e.attempt_id, 'pending', 0, ?, ?, ?
		FROM call_events e JOIN webhooks w
		  ON w.active = ? AND (w.campaign_id IS NULL OR w.campaign_id = e.campaign_id) AND e.id > w.after_event_id
		WHERE e.id > ? AND e.id <= ? AND e.type = 'attempt_finished'
		ORDER BY e.id, w.id
		ON CONFLICT (webhook_id, event_id) DO NOTHING`), now, now, now, true, p.AfterEventID, upto)
	if err != nil {
		return 0, p.AfterEventID, fmt.Errorf("enqueue webhook deliveries after event %d: %w", p.AfterEventID, translate(err))
	}
	n, _ := res.RowsAffected()
	return int(n), upto, nil
}

const deliveryCols = `id, webhook_id, event_id, campaign_id, attempt_id, state, tries, next_try_at, last_status, last_error,
	payload, created_at, updated_at`

func scanDeliveries(rows *sql.Rows, err error) ([]*WebhookDelivery, error) {
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []*WebhookDelivery{}
	for rows.Next() {
		var d WebhookDelivery
		var att sql.NullInt64
		if err := rows.Scan(&d.ID, &d.WebhookID, &d.EventID, &d.CampaignID, &att, &d.State, &d.Tries, timeCol{&d.NextTryAt},
			&d.LastStatus, &d.LastError, &d.Payload, timeCol{&d.CreatedAt}, timeCol{&d.UpdatedAt}); err != nil {
			return nil, translate(err)
		}
		d.AttemptID = att.Int64
		out = append(out, &d)
	}
	return out, translate(rows.Err())
}

// WebhookDeliveryLeaseDueParams take due deliveries to send.
type WebhookDeliveryLeaseDueParams struct {
	Holder   string        // required
	Limit    int           // default 10
	LeaseFor time.Duration // default 1 minute: longer than one HTTP try
	Now      time.Time
}

// WebhookDeliveryLeaseDue leases pending deliveries whose next try is due
// and whose lease (if any) expired, in (next_try_at, id) order, in one
// statement (FOR UPDATE SKIP LOCKED on PostgreSQL), like ContactLeaseDue.
func (db *DB) WebhookDeliveryLeaseDue(ctx context.Context, p *WebhookDeliveryLeaseDueParams) ([]*WebhookDelivery, error) {
	out, err := scanDeliveries(db.leaseOutbox(ctx, "webhook_deliveries", deliveryCols, outboxLease{Holder: p.Holder, Limit: p.Limit, LeaseFor: p.LeaseFor, Now: p.Now}))
	if err != nil {
		return nil, fmt.Errorf("lease webhook deliveries: %w", err)
	}
	sortDue(out, func(x *WebhookDelivery) (time.Time, int64) { return x.NextTryAt, x.ID })
	return out, nil
}

// WebhookDeliveryRecordParams record one try of a leased delivery.
type WebhookDeliveryRecordParams struct {
	DeliveryID int64
	Holder     string
	Payload    string // what was sent (kept for the delivery log)
	At         time.Time
	Status     int // HTTP status; 0: no response
	Error      string
	DurationMS int64
	// Delivered: a 2xx came back. Otherwise NextTryAt schedules the next try,
	// or, when zero, the delivery gives up (state failed).
	Delivered bool
	NextTryAt time.Time
}

// WebhookDeliveryRecord appends the try to the delivery's log and moves the
// delivery on (delivered, retried later or failed), releasing its lease.
// ErrLeaseLost when the holder no longer has the lease.
func (db *DB) WebhookDeliveryRecord(ctx context.Context, p *WebhookDeliveryRecordParams) error {
	at := nowOr(p.At)
	state, next := DeliveryPending, p.NextTryAt
	switch {
	case p.Delivered:
		state, next = DeliveryDelivered, at
	case next.IsZero():
		state, next = DeliveryFailed, at
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var tries int
		err := tx.QueryRowContext(ctx, db.q(`UPDATE webhook_deliveries SET state = ?, tries = tries + 1, next_try_at = ?,
			last_status = ?, last_error = ?, payload = ?, lease_holder = NULL, lease_expires_at = NULL, updated_at = ?
			WHERE id = ? AND state = 'pending' AND lease_holder = ? RETURNING tries`),
			state, db.ts(next), p.Status, p.Error, p.Payload, db.ts(at), p.DeliveryID, p.Holder).Scan(&tries)
		if err != nil {
			if translate(err) == ErrNotFound {
				return ErrLeaseLost
			}
			return translate(err)
		}
		_, err = tx.ExecContext(ctx, db.q(`INSERT INTO webhook_delivery_tries (delivery_id, try_no, at, status, error, duration_ms)
			VALUES (?, ?, ?, ?, ?, ?)`), p.DeliveryID, tries, db.ts(at), p.Status, p.Error, p.DurationMS)
		return translate(err)
	})
	if err != nil {
		return fmt.Errorf("record webhook delivery %d: %w", p.DeliveryID, err)
	}
	return nil
}

// WebhookDeliveryListParams filter deliveries, newest first.
type WebhookDeliveryListParams struct {
	WebhookID int64 // 0: any
	AttemptID int64 // 0: any
	Limit     int   // default 100
	WithTries bool  // fill TryLog
}

// WebhookDeliveryList returns deliveries, newest first.
func (db *DB) WebhookDeliveryList(ctx context.Context, p *WebhookDeliveryListParams) ([]*WebhookDelivery, error) {
	var where []string
	var args []any
	if p.WebhookID != 0 {
		where, args = append(where, "webhook_id = ?"), append(args, p.WebhookID)
	}
	if p.AttemptID != 0 {
		where, args = append(where, "attempt_id = ?"), append(args, p.AttemptID)
	}
	limit := p.Limit
	if limit <= 0 {
		limit = 100
	}
	q := `SELECT ` + deliveryCols + ` FROM webhook_deliveries`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	out, err := scanDeliveries(db.sql.QueryContext(ctx, db.q(q+` ORDER BY id DESC LIMIT ?`), append(args, limit)...))
	if err != nil {
		return nil, fmt.Errorf("list webhook deliveries: %w", err)
	}
	if !p.WithTries || len(out) == 0 {
		return out, nil
	}
	byID := map[int64]*WebhookDelivery{}
	ids := make([]string, 0, len(out))
	for _, d := range out {
		byID[d.ID] = d
		d.TryLog = []*WebhookTry{}
		ids = append(ids, fmt.Sprint(d.ID))
	}
	// ids are integers we just read: safe to inline.
	rows, err := db.sql.QueryContext(ctx, `SELECT delivery_id, try_no, at, status, error, duration_ms FROM webhook_delivery_tries
		WHERE delivery_id IN (`+strings.Join(ids, ",")+`) ORDER BY delivery_id, try_no`)
	if err != nil {
		return nil, fmt.Errorf("list webhook tries: %w", translate(err))
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var t WebhookTry
		if err := rows.Scan(&id, &t.TryNo, timeCol{&t.At}, &t.Status, &t.Error, &t.DurationMS); err != nil {
			return nil, fmt.Errorf("list webhook tries: %w", translate(err))
		}
		byID[id].TryLog = append(byID[id].TryLog, &t)
	}
	return out, translate(rows.Err())
}
