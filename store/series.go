package store

import (
	"context"
	"fmt"
	"time"
)

// CallEventSeriesParams aggregate a campaign's events over time.
type CallEventSeriesParams struct {
	CampaignID int64
	Bucket     time.Duration // width of a bucket (whole seconds; default 1 minute)
	Since      time.Time     // zero: from the first event
}

// EventCount is how many events of one kind fell in one bucket. Key is the
// outcome of attempt_finished, the first rule (or the reason) of gate_block
// and gate_hold, and "" for attempt_started.
type EventCount struct {
	Bucket time.Time `json:"t"`
	Type   string    `json:"type"`
	Key    string    `json:"key"`
	Count  int64     `json:"count"`
}

// CallEventSeries counts the campaign's attempt and gate events per bucket,
// in the database (the dashboard's charts over millions of attempts).
func (db *DB) CallEventSeries(ctx context.Context, p *CallEventSeriesParams) ([]EventCount, error) {
	sec := int64(p.Bucket / time.Second)
	if sec <= 0 {
		sec = 60
	}
	var q string
	if db.backend == Postgres {
		q = `SELECT (floor(extract(epoch FROM at) / $2) * $2)::bigint AS b, type,
			CASE type WHEN 'attempt_finished' THEN COALESCE(data->>'outcome', '')
			          WHEN 'attempt_started' THEN ''
			          ELSE COALESCE(data->'rules'->>0, data->>'reason', '') END AS k,
			count(*)
		FROM call_events
		WHERE campaign_id = $1 AND at >= $3 AND type IN ('attempt_started', 'attempt_finished', 'gate_block', 'gate_hold')
		GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`
	} else {
		q = `SELECT (at / (?2 * 1000)) * ?2 AS b, type,
			CASE type WHEN 'attempt_finished' THEN COALESCE(json_extract(data, '$.outcome'), '')
			          WHEN 'attempt_started' THEN ''
			          ELSE COALESCE(json_extract(data, '$.rules[0]'), json_extract(data, '$.reason'), '') END AS k,
			count(*)
		FROM call_events
		WHERE campaign_id = ?1 AND at >= ?3 AND type IN ('attempt_started', 'attempt_finished', 'gate_block', 'gate_hold')
		GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`
	}
	rows, err := db.sql.QueryContext(ctx, q, p.CampaignID, sec, db.ts(p.Since))
	if err != nil {
		return nil, fmt.Errorf("event series of campaign %d: %w", p.CampaignID, translate(err))
	}
	defer rows.Close()
	out := []EventCount{}
	for rows.Next() {
		var c EventCount
		var b int64
		if err := rows.Scan(&b, &c.Type, &c.Key, &c.Count); err != nil {
			return nil, fmt.Errorf("event series of campaign %d: %w", p.CampaignID, translate(err))
		}
		c.Bucket = time.Unix(b, 0).UTC()
		out = append(out, c)
	}
	return out, translate(rows.Err())
}
