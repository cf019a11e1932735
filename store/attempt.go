package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Attempt states.
const (
	AttemptDialing = "dialing"
	AttemptDone    = "done"
	AttemptLost    = "lost" // closed by a lease rescue: its node died mid-call
)

// Attempt is one dial of a contact (a row of attempts).
type Attempt struct {
	ID          int64           `json:"id"`
	CampaignID  int64           `json:"campaign_id"`
	ContactID   int64           `json:"contact_id"`
	AttemptNo   int             `json:"attempt_no"`
	Holder      string          `json:"holder"`
	Phone       string          `json:"phone"`
	CallID      string          `json:"call_id"`
	Trunk       string          `json:"trunk"`
	CallerID    string          `json:"caller_id"`
	State       string          `json:"state"`
	Outcome     string          `json:"outcome"`
	SIPStatus   int             `json:"sip_status"`
	Disposition string          `json:"disposition"`
	HangupBy    string          `json:"hangup_by"`
	StartedAt   time.Time       `json:"started_at"`
	AnsweredAt  time.Time       `json:"answered_at,omitzero"`
	EndedAt     time.Time       `json:"ended_at,omitzero"`
	DurationMS  int64           `json:"duration_ms"`
	Result      json.RawMessage `json:"result"`
	Captured    json.RawMessage `json:"captured"` // slot → value the bot captured (a JSON object; capture.go)
}

const attemptCols = `id, campaign_id, contact_id, attempt_no, holder, phone_e164, call_id, trunk, caller_id, state,
	outcome, sip_status, disposition, hangup_by, started_at, answered_at, ended_at, duration_ms, result, captured`

func scanAttempt(row interface{ Scan(...any) error }) (*Attempt, error) {
	var a Attempt
	var result, captured string
	err := row.Scan(&a.ID, &a.CampaignID, &a.ContactID, &a.AttemptNo, &a.Holder, &a.Phone, &a.CallID, &a.Trunk,
		&a.CallerID, &a.State, &a.Outcome, &a.SIPStatus, &a.Disposition, &a.HangupBy, timeCol{&a.StartedAt},
		timeCol{&a.AnsweredAt}, timeCol{&a.EndedAt}, &a.DurationMS, nullStr{&result}, nullStr{&captured})
	if err != nil {
		return nil, translate(err)
	}
	a.Result = json.RawMessage(orJSON(result, "{}"))
	a.Captured = json.RawMessage(orJSON(captured, "{}"))
	return &a, nil
}

// AttemptStartParams open an attempt on a leased contact, just before its INVITE.
type AttemptStartParams struct {
	ContactID int64
	Holder    string
	CallID    string
	Trunk     string
	CallerID  string
	Now       time.Time
}

// AttemptStart counts an attempt on the contact and records it as dialling,
// in one transaction; ErrLeaseLost when the holder no longer has the lease.
// Attempt numbers are unique per contact, so an attempt is recorded once.
func (db *DB) AttemptStart(ctx context.Context, p *AttemptStartParams) (*Attempt, error) {
	evAt := nowOr(p.Now)
	now := db.ts(evAt)
	if db.backend == Postgres {
		return db.attemptStartPG(ctx, p, evAt)
	}
	var a *Attempt
	var ev *CallEvent
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		var campaignID int64
		var phone string
		err := tx.QueryRowContext(ctx, db.q(`UPDATE contacts SET attempts = attempts + 1, updated_at = ?
			WHERE id = ? AND state = 'leased' AND lease_holder = ? RETURNING attempts, campaign_id, phone_e164`),
			now, p.ContactID, p.Holder).Scan(&n, &campaignID, &phone)
		if err != nil {
			if translate(err) == ErrNotFound {
				return ErrLeaseLost
			}
			return translate(err)
		}
		a, err = scanAttempt(tx.QueryRowContext(ctx, db.q(`INSERT INTO attempts (campaign_id, contact_id, attempt_no, holder,
			phone_e164, call_id, trunk, caller_id, state, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'dialing', ?)
			RETURNING `+attemptCols), campaignID, p.ContactID, n, p.Holder, phone, p.CallID, p.Trunk, p.CallerID, now))
		if err != nil {
			return err
		}
		ev = newEvent(campaignID, p.ContactID, a.ID, "attempt_started", "{}", evAt)
		return db.insertEvent(ctx, tx, ev)
	})
	if err != nil {
		return nil, fmt.Errorf("start attempt on contact %d: %w", p.ContactID, err)
	}
	db.emit(ev)
	return a, nil
}

// attemptStartPG is AttemptStart on PostgreSQL in one statement, so one round trip
// on the call path instead of five (BEGIN, two updates, the event, COMMIT): the
// statement is atomic, and each part runs only when the one before it matched.
func (db *DB) attemptStartPG(ctx context.Context, p *AttemptStartParams, evAt time.Time) (*Attempt, error) {
	ev := newEvent(0, p.ContactID, 0, "attempt_started", "{}", evAt)
	row := db.sql.QueryRowContext(ctx, `WITH c AS (
			UPDATE contacts SET attempts = attempts + 1, updated_at = $1
			WHERE id = $2 AND state = 'leased' AND lease_holder = $3 RETURNING id, attempts, campaign_id, phone_e164),
		a AS (INSERT INTO attempts (campaign_id, contact_id, attempt_no, holder, phone_e164, call_id, trunk, caller_id, state, started_at)
			SELECT campaign_id, id, attempts, $3, phone_e164, $4, $5, $6, 'dialing', $1 FROM c RETURNING `+attemptCols+`),
		e AS (INSERT INTO call_events (campaign_id, contact_id, attempt_id, type, data, at)
			SELECT campaign_id, contact_id, id, 'attempt_started', '{}', $1 FROM a RETURNING id)
		SELECT `+prefixCols("a.", attemptCols)+`, e.id FROM a, e`,
		db.ts(evAt), p.ContactID, p.Holder, p.CallID, p.Trunk, p.CallerID)
	a, err := scanAttempt(scanPlus{row, []any{&ev.ID}})
	if err == ErrNotFound {
		err = ErrLeaseLost
	}
	if err != nil {
		return nil, fmt.Errorf("start attempt on contact %d: %w", p.ContactID, err)
	}
	ev.CampaignID, ev.AttemptID = a.CampaignID, a.ID
	db.emit(ev)
	return a, nil
}

// scanPlus scans a row into the destinations given, then extra.
type scanPlus struct {
	row   interface{ Scan(...any) error }
	extra []any
}

func (s scanPlus) Scan(dest ...any) error { return s.row.Scan(append(dest, s.extra...)...) }

// TranscriptTurn is one turn of an attempt's transcript.
type TranscriptTurn struct {
	Role    string `json:"role"`
	Text    string `json:"text"`
	Intent  string `json:"intent,omitempty"`
	DTMF    string `json:"dtmf,omitempty"`
	StartMS int64  `json:"start_ms"`
	EndMS   int64  `json:"end_ms"`
}

// AttemptFinishParams close an attempt and decide the contact's next step.
type AttemptFinishParams struct {
	AttemptID   int64
	ContactID   int64
	Holder      string
	Outcome     string
	SIPStatus   int
	Disposition string
	HangupBy    string
	AnsweredAt  time.Time
	EndedAt     time.Time
	DurationMS  int64
	Result      json.RawMessage // the call result document
	Transcript  []TranscriptTurn
	// Captured is slot → value (a JSON object, nil when nothing was captured);
	// Unanswered the caller's questions nothing answered (capture.go).
	Captured   json.RawMessage
	Unanswered []string
	// The contact's next step: done (Final) with Disposition, or pending
	// again from NextAttemptAt (RetryReason goes to retry_schedule).
	Final         bool
	NextAttemptAt time.Time
	RetryReason   string
	Streak        int // consecutive attempts with this outcome, including this one
	Now           time.Time
	// Quality is the call's sentiment and inspection (quality.go); nil: none.
	Quality *AttemptQuality `json:",omitempty"`
}

// AttemptFinish records the attempt's result and the contact's next step in
// one transaction, and releases the lease. It fails with ErrAttemptClosed,
// changing nothing, when the attempt is already closed (finished, or lost
// to a rescue), and with ErrLeaseLost when the holder lost the contact.
func (db *DB) AttemptFinish(ctx context.Context, p *AttemptFinishParams) error {
	evAt := nowOr(p.Now)
	now := db.ts(evAt)
	result, err := jsonDoc(p.Result, "{}")
	if err != nil {
		return fmt.Errorf("finish attempt %d: result: %w", p.AttemptID, err)
	}
	var ev *CallEvent
	if db.backend == Postgres {
		return db.attemptFinishPG(ctx, p, evAt, result)
	}
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		var campaignID int64
		err := tx.QueryRowContext(ctx, db.q(`UPDATE attempts SET state = 'done', outcome = ?, sip_status = ?, disposition = ?,
			hangup_by = ?, answered_at = ?, ended_at = ?, duration_ms = ?, result = ?
			WHERE id = ? AND contact_id = ? AND state = 'dialing' RETURNING campaign_id`),
			p.Outcome, p.SIPStatus, p.Disposition, p.HangupBy, db.tsNull(p.AnsweredAt), db.ts(nowOr(p.EndedAt)),
			p.DurationMS, result, p.AttemptID, p.ContactID).Scan(&campaignID)
		if err != nil {
			if translate(err) == ErrNotFound {
				return ErrAttemptClosed
			}
			return translate(err)
		}
		state, disposition, next := ContactPending, p.Disposition, p.NextAttemptAt
		if p.Final {
			state = ContactDone
		} else {
			disposition = ""
			if next.IsZero() {
				next = nowOr(p.Now)
			}
		}
		args := []any{state, disposition, p.Outcome, p.Streak, now}
		set := `state = ?, disposition = ?, last_outcome = ?, streak = ?, updated_at = ?,
			lease_holder = NULL, lease_expires_at = NULL`
		if !p.Final {
			set += `, next_attempt_at = ?`
			args = append(args, db.ts(next))
		}
		args = append(args, p.ContactID, p.Holder)
		res, err := tx.ExecContext(ctx, db.q(`UPDATE contacts SET `+set+` WHERE id = ? AND state = 'leased' AND lease_holder = ?`), args...)
		if err != nil {
			return translate(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrLeaseLost
		}
		if !p.Final {
			if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO retry_schedule (campaign_id, contact_id, attempt_id, due_at, reason, created_at)
				VALUES (?, ?, ?, ?, ?, ?)`), campaignID, p.ContactID, p.AttemptID, db.ts(next), p.RetryReason, now); err != nil {
				return translate(err)
			}
		}
		if err := db.insertTranscript(ctx, tx, p.AttemptID, p.Transcript); err != nil {
			return err
		}
		if err := db.insertCapture(ctx, tx, campaignID, p, evAt); err != nil {
			return err
		}
		if p.Quality != nil {
			if err := db.setQuality(ctx, tx, p.AttemptID, p.Quality); err != nil {
				return err
			}
		}
		data, _ := jsonObject(map[string]string{"outcome": p.Outcome, "disposition": p.Disposition})
		ev = newEvent(campaignID, p.ContactID, p.AttemptID, "attempt_finished", data, evAt)
		return db.insertEvent(ctx, tx, ev)
	})
	if err != nil {
		return fmt.Errorf("finish attempt %d: %w", p.AttemptID, err)
	}
	db.emit(ev)
	return nil
}

// attemptFinishPG is AttemptFinish on PostgreSQL in one statement, so one round trip
// on the call path instead of five (BEGIN, attempt, contact and event, retry, COMMIT).
// The statement is atomic: it locks the contact if the holder still has its lease (l),
// closes the attempt only then (a), and everything after only when the attempt closed,
// so a lost lease or an attempt closed before changes nothing.
func (db *DB) attemptFinishPG(ctx context.Context, p *AttemptFinishParams, evAt time.Time, result string) error {
	now := db.ts(evAt)
	state, disposition, next := ContactPending, p.Disposition, p.NextAttemptAt
	if p.Final {
		state = ContactDone
	} else {
		disposition = ""
		if next.IsZero() {
			next = evAt
		}
	}
	data, _ := jsonObject(map[string]string{"outcome": p.Outcome, "disposition": p.Disposition})
	turns, err := transcriptJSON(p.Transcript)
	if err != nil {
		return fmt.Errorf("finish attempt %d: transcript: %w", p.AttemptID, err)
	}
	captured, questions, err := captureArgs(p)
	if err != nil {
		return fmt.Errorf("finish attempt %d: %w", p.AttemptID, err)
	}
	args := []any{p.Outcome, p.SIPStatus, p.Disposition, p.HangupBy, db.tsNull(p.AnsweredAt), db.ts(nowOr(p.EndedAt)),
		p.DurationMS, result, p.AttemptID, p.ContactID, // $1–$10: the attempt
		state, disposition, p.Streak, now, p.Holder, data, // $11–$16: the contact and the event
		!p.Final, db.ts(next), p.RetryReason, turns, // $17–$20: the retry and the transcript
		captured, questions} // $21–$22: captured slots and unanswered questions (capture.go)
	nextSet := ""
	if !p.Final {
		nextSet = `, next_attempt_at = $18`
	}
	qualitySet := ""
	if p.Quality != nil { // $23–$30: sentiment and inspection (quality.go)
		qualitySet = `, sentiment_mean = $23, sentiment_min = $24, sentiment_angry = $25, sentiment_arousal = $26,
			inspection_pass = $27, inspection_rule = $28, inspection_offset_ms = $29, inspection_failures = $30::jsonb`
		args = append(args, db.qualityArgs(p.Quality)...)
	}
	var campaignID, eventID sql.NullInt64
	var leased bool
	var was sql.NullString
	err = db.sql.QueryRowContext(ctx, `WITH l AS (
			SELECT id FROM contacts WHERE id = $10 AND state = 'leased' AND lease_holder = $15 FOR UPDATE),
		a AS (UPDATE attempts SET state = 'done', outcome = $1, sip_status = $2, disposition = $3,
			hangup_by = $4, answered_at = $5, ended_at = $6, duration_ms = $7, result = $8, captured = COALESCE($21::jsonb, captured)`+qualitySet+`
			WHERE id = $9 AND contact_id = $10 AND state = 'dialing' AND EXISTS (SELECT 1 FROM l) RETURNING campaign_id),
		c AS (UPDATE contacts SET state = $11, disposition = $12, last_outcome = $1, streak = $13, updated_at = $14,
			lease_holder = NULL, lease_expires_at = NULL`+nextSet+`
			WHERE id = $10 AND state = 'leased' AND lease_holder = $15 AND EXISTS (SELECT 1 FROM a) RETURNING id),
		e AS (INSERT INTO call_events (campaign_id, contact_id, attempt_id, type, data, at)
			SELECT a.campaign_id, $10, $9, 'attempt_finished', $16::jsonb, $14 FROM a, c RETURNING id),
		r AS (INSERT INTO retry_schedule (campaign_id, contact_id, attempt_id, due_at, reason, created_at)
			SELECT a.campaign_id, $10, $9, $18, $19, $14 FROM a, c WHERE $17 RETURNING id),
		t AS (INSERT INTO transcripts (attempt_id, turn_no, role, text, intent, dtmf, start_ms, end_ms)
			SELECT $9, x.turn_no, x.role, COALESCE(x.text, ''), COALESCE(x.intent, ''), COALESCE(x.dtmf, ''),
				COALESCE(x.start_ms, 0), COALESCE(x.end_ms, 0)
			FROM jsonb_to_recordset($20::jsonb) AS x(turn_no int, role text, text text, intent text, dtmf text, start_ms bigint, end_ms bigint), c
			RETURNING turn_no),
		q AS (INSERT INTO unanswered_questions (campaign_id, attempt_id, text, normalized, at)
			SELECT a.campaign_id, $9, x.text, x.normalized, $14
			FROM jsonb_to_recordset($22::jsonb) AS x(text text, normalized text), a, c RETURNING id)
		SELECT (SELECT campaign_id FROM a), EXISTS (SELECT 1 FROM l), (SELECT state FROM attempts WHERE id = $9 AND contact_id = $10),
			(SELECT id FROM e)`, args...).Scan(&campaignID, &leased, &was, &eventID)
	switch {
	case err != nil:
		err = translate(err)
	case campaignID.Valid:
	case !was.Valid || was.String != AttemptDialing:
		err = ErrAttemptClosed // finished before, or lost to a rescue (the snapshot's state)
	case !leased:
		err = ErrLeaseLost // nothing changed: the attempt stays dialling for the rescue
	default:
		err = ErrAttemptClosed
	}
	if err != nil {
		return fmt.Errorf("finish attempt %d: %w", p.AttemptID, err)
	}
	ev := newEvent(campaignID.Int64, p.ContactID, p.AttemptID, "attempt_finished", data, evAt)
	ev.ID = eventID.Int64
	db.emit(ev)
	return nil
}

// transcriptJSON is the transcript as the finish statement's jsonb_to_recordset reads it.
func transcriptJSON(turns []TranscriptTurn) (string, error) {
	type row struct {
		N int `json:"turn_no"`
		TranscriptTurn
	}
	rows := make([]row, len(turns))
	for i, t := range turns {
		rows[i] = row{i, t}
	}
	b, err := json.Marshal(rows)
	return string(b), err
}

// insertTranscript adds an attempt's turns in one statement.
func (db *DB) insertTranscript(ctx context.Context, tx *sql.Tx, attemptID int64, turns []TranscriptTurn) error {
	if len(turns) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString(`INSERT INTO transcripts (attempt_id, turn_no, role, text, intent, dtmf, start_ms, end_ms) VALUES `)
	args := make([]any, 0, 8*len(turns))
	for i, t := range turns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?)")
		args = append(args, attemptID, i, t.Role, t.Text, t.Intent, t.DTMF, t.StartMS, t.EndMS)
	}
	if _, err := tx.ExecContext(ctx, db.q(b.String()), args...); err != nil {
		return translate(err)
	}
	return nil
}

// AttemptListParams page through attempts of a campaign (or one contact) in id order.
type AttemptListParams struct {
	CampaignID int64
	ContactID  int64 // 0: every contact
	AfterID    int64
	Limit      int // default 1000
}

// AttemptList returns attempts with id > AfterID.
func (db *DB) AttemptList(ctx context.Context, p *AttemptListParams) ([]*Attempt, error) {
	limit := p.Limit
	if limit <= 0 {
		limit = 1000
	}
	query := `SELECT ` + attemptCols + ` FROM attempts WHERE campaign_id = ? AND id > ?`
	args := []any{p.CampaignID, p.AfterID}
	if p.ContactID != 0 {
		query += ` AND contact_id = ?`
		args = append(args, p.ContactID)
	}
	args = append(args, limit)
	rows, err := db.sql.QueryContext(ctx, db.q(query+` ORDER BY id LIMIT ?`), args...)
	if err != nil {
		return nil, fmt.Errorf("list attempts: %w", translate(err))
	}
	defer rows.Close()
	var out []*Attempt
	for rows.Next() {
		a, err := scanAttempt(rows)
		if err != nil {
			return nil, fmt.Errorf("list attempts: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list attempts: %w", translate(err))
	}
	return out, nil
}

// TranscriptGetParams name an attempt.
type TranscriptGetParams struct {
	AttemptID int64
}

// TranscriptGet returns an attempt's transcript in turn order.
func (db *DB) TranscriptGet(ctx context.Context, p *TranscriptGetParams) ([]TranscriptTurn, error) {
	rows, err := db.sql.QueryContext(ctx, db.q(`SELECT role, text, intent, dtmf, start_ms, end_ms FROM transcripts
		WHERE attempt_id = ? ORDER BY turn_no`), p.AttemptID)
	if err != nil {
		return nil, fmt.Errorf("transcript of attempt %d: %w", p.AttemptID, translate(err))
	}
	defer rows.Close()
	var out []TranscriptTurn
	for rows.Next() {
		var t TranscriptTurn
		if err := rows.Scan(&t.Role, &t.Text, &t.Intent, &t.DTMF, &t.StartMS, &t.EndMS); err != nil {
			return nil, fmt.Errorf("transcript of attempt %d: %w", p.AttemptID, translate(err))
		}
		out = append(out, t)
	}
	return out, translate(rows.Err())
}

// CallEvent is a row of call_events.
type CallEvent struct {
	ID         int64           `json:"id"`
	CampaignID int64           `json:"campaign_id"`
	ContactID  int64           `json:"contact_id,omitempty"`
	AttemptID  int64           `json:"attempt_id,omitempty"`
	Type       string          `json:"type"`
	Data       json.RawMessage `json:"data"`
	At         time.Time       `json:"at"`
}

// CallEventAppendParams add an event.
type CallEventAppendParams struct {
	CampaignID int64
	ContactID  int64 // 0: none
	AttemptID  int64 // 0: none
	Type       string
	Data       any // marshalled to JSON; nil is {}
	At         time.Time
}

// CallEventAppend records an event (gate decisions, campaign changes, …).
func (db *DB) CallEventAppend(ctx context.Context, p *CallEventAppendParams) error {
	data := []byte("{}")
	if p.Data != nil {
		var err error
		if data, err = json.Marshal(p.Data); err != nil {
			return fmt.Errorf("append event %s: %w: %v", p.Type, ErrInvalidParams, err)
		}
	}
	ev := newEvent(p.CampaignID, p.ContactID, p.AttemptID, p.Type, string(data), nowOr(p.At))
	if err := db.insertEvent(ctx, db.sql, ev); err != nil {
		return fmt.Errorf("append event %s: %w", p.Type, err)
	}
	db.emit(ev)
	return nil
}

// CallEventListParams page through a campaign's events in id order.
type CallEventListParams struct {
	CampaignID int64
	ContactID  int64 // 0: all
	AfterID    int64
	Limit      int // default 1000
}

// CallEventList returns events with id > AfterID.
func (db *DB) CallEventList(ctx context.Context, p *CallEventListParams) ([]*CallEvent, error) {
	limit := p.Limit
	if limit <= 0 {
		limit = 1000
	}
	query := `SELECT id, campaign_id, contact_id, attempt_id, type, data, at FROM call_events WHERE campaign_id = ? AND id > ?`
	args := []any{p.CampaignID, p.AfterID}
	if p.ContactID != 0 {
		query += ` AND contact_id = ?`
		args = append(args, p.ContactID)
	}
	args = append(args, limit)
	rows, err := db.sql.QueryContext(ctx, db.q(query+` ORDER BY id LIMIT ?`), args...)
	if err != nil {
		return nil, fmt.Errorf("list events: %w", translate(err))
	}
	defer rows.Close()
	var out []*CallEvent
	for rows.Next() {
		var e CallEvent
		var contact, attempt sql.NullInt64
		var data string
		if err := rows.Scan(&e.ID, &e.CampaignID, &contact, &attempt, &e.Type, nullStr{&data}, timeCol{&e.At}); err != nil {
			return nil, fmt.Errorf("list events: %w", translate(err))
		}
		e.ContactID, e.AttemptID, e.Data = contact.Int64, attempt.Int64, json.RawMessage(orJSON(data, "{}"))
		out = append(out, &e)
	}
	return out, translate(rows.Err())
}

// Disposition is an entry of the disposition catalogue.
type Disposition struct {
	Code        string `json:"code"`
	Terminal    bool   `json:"terminal"`
	Description string `json:"description"`
}

// DispositionList returns the catalogue in code order.
func (db *DB) DispositionList(ctx context.Context) ([]Disposition, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT code, terminal, description FROM dispositions ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("list dispositions: %w", translate(err))
	}
	defer rows.Close()
	var out []Disposition
	for rows.Next() {
		var d Disposition
		if err := rows.Scan(&d.Code, &d.Terminal, &d.Description); err != nil {
			return nil, fmt.Errorf("list dispositions: %w", translate(err))
		}
		out = append(out, d)
	}
	return out, translate(rows.Err())
}

func idNull(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func jsonObject(m map[string]string) (string, error) {
	b, err := json.Marshal(m)
	return string(b), err
}
