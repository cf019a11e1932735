package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the raw connection that generates rows

	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
)

// BenchmarkCallEventSeries measures the dashboard's charts over a campaign
// with many events: $VOXDIAL_BENCH_EVENTS (default 1,000,000) events 100 ms
// apart, half attempt_started, half attempt_finished over four outcomes,
// one in 50 a gate block.
func BenchmarkCallEventSeries(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("VOXDIAL_BENCH_EVENTS")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	base := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, backend := range []string{"sqlite", "postgres"} {
		var db *store.DB
		var raw *sql.DB
		var err error
		if backend == "sqlite" {
			path := filepath.Join(b.TempDir(), "bench.db")
			if db, err = store.Open(ctx, "sqlite:"+path, store.Options{Migrate: true}); err != nil {
				b.Fatal(err)
			}
			raw, err = sql.Open("sqlite", path)
		} else {
			u := storetest.PostgresURL(b)
			if db, err = store.Open(ctx, u, store.Options{}); err != nil {
				b.Fatal(err)
			}
			raw, err = sql.Open("pgx", u)
		}
		if err != nil {
			b.Fatal(err)
		}
		c, err := db.CampaignCreate(ctx, &store.CampaignCreateParams{Name: "bench", Now: base})
		if err != nil {
			b.Fatal(err)
		}
		gen := `INSERT INTO call_events (campaign_id, type, data, at)
			WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?2)
			SELECT ?1, CASE WHEN i % 50 = 0 THEN 'gate_block' WHEN i % 2 = 0 THEN 'attempt_started' ELSE 'attempt_finished' END,
			  CASE WHEN i % 50 = 0 THEN '{"rules":["DNC_INTERNAL"]}' WHEN i % 2 = 0 THEN '{}'
			       ELSE '{"outcome":"' || (CASE i % 4 WHEN 1 THEN 'answered' ELSE 'busy' END) || '"}' END,
			  ?3 + i * 100 FROM s`
		args := []any{c.ID, n, base.UnixMilli()}
		if backend == "postgres" {
			gen = `INSERT INTO call_events (campaign_id, type, data, at)
			SELECT $1, CASE WHEN i % 50 = 0 THEN 'gate_block' WHEN i % 2 = 0 THEN 'attempt_started' ELSE 'attempt_finished' END,
			  (CASE WHEN i % 50 = 0 THEN '{"rules":["DNC_INTERNAL"]}' WHEN i % 2 = 0 THEN '{}'
			       ELSE '{"outcome":"' || (CASE i % 4 WHEN 1 THEN 'answered' ELSE 'busy' END) || '"}' END)::jsonb,
			  $3::timestamptz + i * interval '100 milliseconds' FROM generate_series(1, $2::int) AS i`
			args = []any{c.ID, n, base}
		}
		t0 := time.Now()
		if _, err := raw.ExecContext(ctx, gen, args...); err != nil {
			b.Fatalf("%s: generate: %v", backend, err)
		}
		if backend == "postgres" {
			_, _ = raw.ExecContext(ctx, "ANALYZE call_events")
		}
		raw.Close()
		b.Logf("%s: %d events generated in %s", backend, n, time.Since(t0).Round(time.Millisecond))
		end := base.Add(time.Duration(n) * 100 * time.Millisecond)
		for _, q := range []struct {
			name string
			p    store.CallEventSeriesParams
		}{
			// The results page: the whole campaign.
			{"all/bucket=1h", store.CallEventSeriesParams{Bucket: time.Hour}},
			{"all/bucket=1m", store.CallEventSeriesParams{Bucket: time.Minute}},
			// The live view every 5 s: the last 10 minutes, and the gate's blocks since the start.
			{"last10min/bucket=10s", store.CallEventSeriesParams{Bucket: 10 * time.Second, Since: end.Add(-10 * time.Minute)}},
			{"gate/bucket=1d", store.CallEventSeriesParams{Bucket: 24 * time.Hour, Types: []string{"gate_block", "gate_hold"}}},
		} {
			b.Run(fmt.Sprintf("%s/events=%d/%s", backend, n, q.name), func(b *testing.B) {
				p := q.p
				p.CampaignID = c.ID
				for b.Loop() {
					pts, err := db.CallEventSeries(ctx, &p)
					if err != nil || len(pts) == 0 {
						b.Fatal(len(pts), err)
					}
				}
			})
		}
		db.Close()
	}
}
