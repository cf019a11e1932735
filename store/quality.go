package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// AttemptQuality is an attempt's conversation intelligence (docs/inspection.md):
// the caller's sentiment over the call and the post-call inspection's verdict. The
// call result document carries the details; these columns answer the campaign
// figures and the compliance list.
type AttemptQuality struct {
	// Sentiment: nil when the caller said no words.
	SentimentMean, SentimentMin, Arousal *float64
	Angry                                bool
	// Inspection: nil Pass when the call was not inspected (no rules).
	InspectionPass     *bool
	InspectionRule     string          // the first failing rule
	InspectionOffsetMS int64           // … and where it failed
	InspectionFailures json.RawMessage // every failure (a JSON list)
}

// setQuality writes q on the attempt, inside the finishing transaction.
func (db *DB) setQuality(ctx context.Context, tx *sql.Tx, attemptID int64, q *AttemptQuality) error {
	_, err := tx.ExecContext(ctx, db.q(`UPDATE attempts SET sentiment_mean = ?, sentiment_min = ?, sentiment_angry = ?,
		sentiment_arousal = ?, inspection_pass = ?, inspection_rule = ?, inspection_offset_ms = ?, inspection_failures = `+db.jsonCast()+`
		WHERE id = ?`), append(db.qualityArgs(q), attemptID)...)
	return translate(err)
}

// qualityArgs are the eight column values of q, in the order setQuality and
// PostgreSQL's finish statement write them.
func (db *DB) qualityArgs(q *AttemptQuality) []any {
	var angry, pass any
	if q.SentimentMean != nil {
		angry = db.boolArg(q.Angry)
	}
	if q.InspectionPass != nil {
		pass = db.boolArg(*q.InspectionPass)
	}
	var failures any
	if len(q.InspectionFailures) > 0 {
		failures = string(q.InspectionFailures)
	}
	return []any{q.SentimentMean, q.SentimentMin, angry, q.Arousal, pass, q.InspectionRule, q.InspectionOffsetMS, failures}
}

func (db *DB) boolArg(b bool) any {
	if db.backend == Postgres {
		return b
	}
	if b {
		return 1
	}
	return 0
}

func (db *DB) jsonCast() string {
	if db.backend == Postgres {
		return "?::jsonb"
	}
	return "?"
}

// InspectionFailure is one attempt that failed its inspection.
type InspectionFailure struct {
	AttemptID    int64           `json:"attempt_id"`
	CampaignID   int64           `json:"campaign_id"`
	CampaignName string          `json:"campaign_name"`
	ContactID    int64           `json:"contact_id"`
	Phone        string          `json:"phone"`
	CallID       string          `json:"call_id"`
	Disposition  string          `json:"disposition"`
	StartedAt    time.Time       `json:"started_at"`
	DurationMS   int64           `json:"duration_ms"`
	Rule         string          `json:"rule"`      // the first failing rule
	OffsetMS     int64           `json:"offset_ms"` // … where it failed, from the answer
	Failures     json.RawMessage `json:"failures"`  // every failure: rule, offset_ms, who, turn, detail
}

// InspectionFailuresParams page through failed inspections, newest first.
type InspectionFailuresParams struct {
	CampaignID int64  // 0: every campaign
	Rule       string // "": any first failing rule
	BeforeID   int64  // 0: from the newest
	Limit      int    // default 100
}

// InspectionFailures lists attempts whose inspection failed.
func (db *DB) InspectionFailures(ctx context.Context, p *InspectionFailuresParams) ([]InspectionFailure, error) {
	limit := p.Limit
	if limit <= 0 {
		limit = 100
	}
	query := `SELECT a.id, a.campaign_id, c.name, a.contact_id, a.phone_e164, a.call_id, a.disposition, a.started_at,
		a.duration_ms, COALESCE(a.inspection_rule, ''), COALESCE(a.inspection_offset_ms, 0), a.inspection_failures
		FROM attempts a JOIN campaigns c ON c.id = a.campaign_id WHERE a.inspection_pass = ` + db.falseLit()
	var args []any
	if p.CampaignID != 0 {
		query += ` AND a.campaign_id = ?`
		args = append(args, p.CampaignID)
	}
	if p.Rule != "" {
		query += ` AND a.inspection_rule = ?`
		args = append(args, p.Rule)
	}
	if p.BeforeID > 0 {
		query += ` AND a.id < ?`
		args = append(args, p.BeforeID)
	}
	args = append(args, limit)
	rows, err := db.sql.QueryContext(ctx, db.q(query+` ORDER BY a.id DESC LIMIT ?`), args...)
	if err != nil {
		return nil, fmt.Errorf("inspection failures: %w", translate(err))
	}
	defer rows.Close()
	out := []InspectionFailure{}
	for rows.Next() {
		var f InspectionFailure
		var failures string
		if err := rows.Scan(&f.AttemptID, &f.CampaignID, &f.CampaignName, &f.ContactID, &f.Phone, &f.CallID, &f.Disposition,
			timeCol{&f.StartedAt}, &f.DurationMS, &f.Rule, &f.OffsetMS, nullStr{&failures}); err != nil {
			return nil, fmt.Errorf("inspection failures: %w", translate(err))
		}
		f.Failures = json.RawMessage(orJSON(failures, "[]"))
		out = append(out, f)
	}
	return out, translate(rows.Err())
}

func (db *DB) falseLit() string {
	if db.backend == Postgres {
		return "false"
	}
	return "0"
}

// CampaignQuality is a campaign's conversation figures over its answered,
// scored attempts.
type CampaignQuality struct {
	CampaignID int64 `json:"campaign_id"`
	// Sentiment over the attempts whose caller said words.
	Scored        int      `json:"scored"`
	MeanSentiment *float64 `json:"mean_sentiment"` // mean of the calls' mean valence
	MinSentiment  *float64 `json:"min_sentiment"`  // the most negative call
	Angry         int      `json:"angry"`          // calls with an angry turn
	AngryRate     float64  `json:"angry_rate"`     // angry / scored
	MeanArousal   *float64 `json:"mean_arousal"`   // over calls whose voice was measured
	// Inspection over the inspected attempts.
	Inspected int            `json:"inspected"`
	Passed    int            `json:"passed"`
	Failed    int            `json:"failed"`
	PassRate  float64        `json:"pass_rate"`
	ByRule    map[string]int `json:"by_rule"` // failed attempts by their first failing rule
}

// CampaignQualityGet computes a campaign's figures.
func (db *DB) CampaignQualityGet(ctx context.Context, campaignID int64) (*CampaignQuality, error) {
	q := &CampaignQuality{CampaignID: campaignID, ByRule: map[string]int{}}
	var mean, minS, arousal sql.NullFloat64
	var angry sql.NullInt64
	err := db.sql.QueryRowContext(ctx, db.q(`SELECT count(sentiment_mean), avg(sentiment_mean), min(sentiment_mean),
		sum(CASE WHEN sentiment_angry = `+db.trueLit()+` THEN 1 ELSE 0 END), avg(CASE WHEN sentiment_arousal > 0 THEN sentiment_arousal END)
		FROM attempts WHERE campaign_id = ?`), campaignID).Scan(&q.Scored, &mean, &minS, &angry, &arousal)
	if err != nil {
		return nil, fmt.Errorf("campaign %d quality: %w", campaignID, translate(err))
	}
	q.MeanSentiment, q.MinSentiment, q.MeanArousal = nullF(mean), nullF(minS), nullF(arousal)
	q.Angry = int(angry.Int64)
	if q.Scored > 0 {
		q.AngryRate = float64(q.Angry) / float64(q.Scored)
	}
	rows, err := db.sql.QueryContext(ctx, db.q(`SELECT inspection_pass, COALESCE(inspection_rule, ''), count(*) FROM attempts
		WHERE campaign_id = ? AND inspection_pass IS NOT NULL GROUP BY inspection_pass, inspection_rule`), campaignID)
	if err != nil {
		return nil, fmt.Errorf("campaign %d quality: %w", campaignID, translate(err))
	}
	defer rows.Close()
	for rows.Next() {
		var pass bool
		var rule string
		var n int
		if err := rows.Scan(&pass, &rule, &n); err != nil {
			return nil, fmt.Errorf("campaign %d quality: %w", campaignID, translate(err))
		}
		q.Inspected += n
		if pass {
			q.Passed += n
		} else {
			q.Failed += n
			q.ByRule[rule] += n
		}
	}
	if q.Inspected > 0 {
		q.PassRate = float64(q.Passed) / float64(q.Inspected)
	}
	return q, translate(rows.Err())
}

func (db *DB) trueLit() string {
	if db.backend == Postgres {
		return "true"
	}
	return "1"
}

func nullF(v sql.NullFloat64) *float64 {
	if !v.Valid {
		return nil
	}
	f := v.Float64
	return &f
}
