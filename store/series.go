package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// CallEventSeriesParams aggregate a campaign's events over time.
type CallEventSeriesParams struct {
	CampaignID int64
	Bucket     time.Duration // width of a bucket (whole seconds; default 1 minute)
	Since      time.Time     // zero: from the first event
	// Types limits the events (attempt_started, attempt_finished,
	// gate_block, gate_hold); nil: all four.
	Types []string
}

var seriesTypes = []string{"attempt_started", "attempt_finished", "gate_block", "gate_hold"}

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
	types := p.Types
	if len(types) == 0 {
		types = seriesTypes
	}
	args := []any{p.CampaignID, sec, db.ts(p.Since)}
	var in []string
	for _, t := range types {
		if !slices.Contains(seriesTypes, t) {
			return nil, fmt.Errorf("event series: %w: type %q (want %s)", ErrInvalidParams, t, strings.Join(seriesTypes, ", "))
		}
		args = append(args, t)
		if db.backend == Postgres {
			in = append(in, fmt.Sprintf("$%d", len(args)))
		} else {
			in = append(in, fmt.Sprintf("?%d", len(args)))
		}
	}
	// The time also as a literal: with only a parameter, PostgreSQL's cached
	// generic plan reads the whole campaign for the live view's last minutes.
	// No Since: no time condition at all.
	sinceCond := ""
	if !p.Since.IsZero() {
		sinceCond = "at >= '" + p.Since.UTC().Truncate(time.Millisecond).Format("2006-01-02T15:04:05.000Z") + "'::timestamptz AND "
	}
	var q string
	if db.backend == Postgres {
		// date_bin groups timestamptz directly: 3× faster than epoch arithmetic in numeric.
		q = `SELECT date_bin(make_interval(secs => $2), at, timestamptz 'epoch') AS b, type,
			CASE type WHEN 'attempt_finished' THEN COALESCE(data->>'outcome', '')
			          WHEN 'attempt_started' THEN ''
			          ELSE COALESCE(data->'rules'->>0, data->>'reason', '') END AS k,
			count(*)
		FROM call_events
		WHERE campaign_id = $1 AND at >= $3 AND ` + sinceCond + `type IN (` + strings.Join(in, ", ") + `)
		GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`
	} else {
		q = `SELECT (at / (?2 * 1000)) * (?2 * 1000) AS b, type,
			CASE type WHEN 'attempt_finished' THEN COALESCE(json_extract(data, '$.outcome'), '')
			          WHEN 'attempt_started' THEN ''
			          ELSE COALESCE(json_extract(data, '$.rules[0]'), json_extract(data, '$.reason'), '') END AS k,
			count(*)
		FROM call_events
		WHERE campaign_id = ?1 AND at >= ?3 AND type IN (` + strings.Join(in, ", ") + `)
		GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`
	}
	rows, err := db.sql.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("event series of campaign %d: %w", p.CampaignID, translate(err))
	}
	defer rows.Close()
	out := []EventCount{}
	for rows.Next() {
		var c EventCount
		if err := rows.Scan(timeCol{&c.Bucket}, &c.Type, &c.Key, &c.Count); err != nil {
			return nil, fmt.Errorf("event series of campaign %d: %w", p.CampaignID, translate(err))
		}
		out = append(out, c)
	}
	return out, translate(rows.Err())
}
