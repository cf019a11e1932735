package store

// Conversation intelligence: the slots a voice bot captured on an attempt
// (attempts.captured) and the callers' questions nothing answered
// (unanswered_questions). Migration 0014.

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode"
)

// insertCapture records an attempt's captured slots and unanswered questions, in
// AttemptFinish's transaction (SQLite; PostgreSQL's finish statement does it with
// captureArgs); nothing to do (no statement) when there are none.
func (db *DB) insertCapture(ctx context.Context, tx *sql.Tx, campaignID int64, p *AttemptFinishParams, at time.Time) error {
	doc, err := capturedDoc(p)
	if err != nil {
		return err
	}
	if doc != nil {
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE attempts SET captured = `+db.jsonParam()+` WHERE id = ?`), *doc, p.AttemptID); err != nil {
			return translate(err)
		}
	}
	for _, q := range unansweredOf(p) {
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO unanswered_questions (campaign_id, attempt_id, text, normalized, at)
			VALUES (?, ?, ?, ?, ?)`), campaignID, p.AttemptID, q.Text, q.Normalized, db.ts(at)); err != nil {
			return translate(err)
		}
	}
	return nil
}

// capturedDoc is the attempt's captured slots as a JSON document (nil: none).
func capturedDoc(p *AttemptFinishParams) (*string, error) {
	if len(p.Captured) == 0 || string(p.Captured) == "{}" || string(p.Captured) == "null" {
		return nil, nil
	}
	doc, err := jsonDoc(p.Captured, "{}")
	if err != nil {
		return nil, fmt.Errorf("captured: %w", err)
	}
	return &doc, nil
}

type unansweredRow struct {
	Text       string `json:"text"`
	Normalized string `json:"normalized"`
}

// unansweredOf are the attempt's unanswered questions as stored: bounded in number and
// length, blank ones dropped.
func unansweredOf(p *AttemptFinishParams) []unansweredRow {
	var out []unansweredRow
	for i, q := range p.Unanswered {
		if i >= maxUnansweredPerAttempt {
			break
		}
		q = strings.TrimSpace(q)
		if q == "" {
			continue
		}
		if len(q) > maxQuestionBytes {
			q = strings.ToValidUTF8(q[:maxQuestionBytes], "")
		}
		out = append(out, unansweredRow{q, NormalizeQuestion(q)})
	}
	return out
}

// captureArgs are the finish statement's parameters for captured slots (NULL: keep)
// and unanswered questions (a JSON array of rows).
func captureArgs(p *AttemptFinishParams) (captured any, questions string, err error) {
	doc, err := capturedDoc(p)
	if err != nil {
		return nil, "", err
	}
	if doc != nil {
		captured = *doc
	}
	rows := unansweredOf(p)
	if rows == nil {
		rows = []unansweredRow{}
	}
	b, err := json.Marshal(rows)
	return captured, string(b), err
}

// jsonParam is a JSON parameter placeholder (a cast on PostgreSQL's jsonb).
func (db *DB) jsonParam() string {
	if db.backend == Postgres {
		return `?::jsonb`
	}
	return `?`
}

// Bounds on what one attempt adds: a call asks a few questions, each a sentence.
const (
	maxUnansweredPerAttempt = 20
	maxQuestionBytes        = 500
)

// NormalizeQuestion folds a question for grouping: lower case, punctuation dropped,
// spaces collapsed ("What's the rate?" and "what's the rate" are one question).
func NormalizeQuestion(q string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(q) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'':
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		default:
			space = true
		}
	}
	return b.String()
}

// UnansweredQuestion is one question callers of a campaign asked that no knowledge
// entry answered, with how often it was asked.
type UnansweredQuestion struct {
	Text          string    `json:"text"` // as last asked
	Normalized    string    `json:"normalized"`
	Count         int       `json:"count"`
	LastAt        time.Time `json:"last_at"`
	LastAttemptID int64     `json:"last_attempt_id"`
}

// UnansweredListParams name a campaign; Limit bounds the distinct questions (default 100).
type UnansweredListParams struct {
	CampaignID int64
	Limit      int
}

// UnansweredList returns a campaign's unanswered questions, most asked first.
func (db *DB) UnansweredList(ctx context.Context, p *UnansweredListParams) ([]UnansweredQuestion, error) {
	limit := p.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := db.sql.QueryContext(ctx, db.q(`SELECT u.normalized, COUNT(*), MAX(u.id) FROM unanswered_questions u
		WHERE u.campaign_id = ? GROUP BY u.normalized ORDER BY COUNT(*) DESC, MAX(u.id) DESC LIMIT ?`), p.CampaignID, limit)
	if err != nil {
		return nil, fmt.Errorf("unanswered questions of campaign %d: %w", p.CampaignID, translate(err))
	}
	var out []UnansweredQuestion
	var ids []int64
	for rows.Next() {
		var q UnansweredQuestion
		var last int64
		if err := rows.Scan(&q.Normalized, &q.Count, &last); err != nil {
			rows.Close()
			return nil, fmt.Errorf("unanswered questions: %w", translate(err))
		}
		out = append(out, q)
		ids = append(ids, last)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("unanswered questions: %w", translate(err))
	}
	for i, id := range ids {
		var attempt sql.NullInt64
		if err := db.sql.QueryRowContext(ctx, db.q(`SELECT text, at, attempt_id FROM unanswered_questions WHERE id = ?`), id).
			Scan(&out[i].Text, timeCol{&out[i].LastAt}, &attempt); err != nil {
			return nil, fmt.Errorf("unanswered question %d: %w", id, translate(err))
		}
		out[i].LastAttemptID = attempt.Int64
	}
	return out, nil
}
