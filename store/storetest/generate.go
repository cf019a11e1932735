package storetest

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the raw connection that generates rows
	_ "modernc.org/sqlite"

	"github.com/voxdial/voxdial/store"
)

// BigCampaign is a generated campaign for the results benchmarks.
type BigCampaign struct {
	DB       *store.DB
	Campaign *store.Campaign
	Attempts int
	Contacts int
	Took     time.Duration // generating and counting
	CountDur time.Duration // of which closing the attempts (the counters' triggers)
}

// GenerateBigCampaign makes a campaign with attempts finished attempts over contacts
// = attempts*2/5 contacts, spread over the 30 days before end, on a fresh database of
// backend ("sqlite" or "postgres"). The attempts are inserted open, then closed by one
// UPDATE, so the counters are kept by the same triggers as in production (CountDur
// times that). Outcomes by attempt number: 40 % answered (human, with a
// disposition), 20 % busy, 20 % no answer, 10 % voicemail, 10 % failed.
func GenerateBigCampaign(tb testing.TB, backend string, attempts int, end time.Time) *BigCampaign {
	tb.Helper()
	ctx := context.Background()
	var db *store.DB
	var raw *sql.DB
	var err error
	if backend == "sqlite" {
		path := filepath.Join(tb.TempDir(), "big.db")
		if db, err = store.Open(ctx, "sqlite:"+path, store.Options{Migrate: true}); err != nil {
			tb.Fatal(err)
		}
		raw, err = sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)&_pragma=temp_store(2)")
	} else {
		u := PostgresURL(tb)
		if db, err = store.Open(ctx, u, store.Options{Migrate: true}); err != nil {
			tb.Fatal(err)
		}
		raw, err = sql.Open("pgx", u)
	}
	if err != nil {
		tb.Fatal(err)
	}
	defer raw.Close()
	tb.Cleanup(func() { db.Close() })
	start := end.Add(-30 * 24 * time.Hour)
	c, err := db.CampaignCreate(ctx, &store.CampaignCreateParams{Name: "big", Now: start})
	if err != nil {
		tb.Fatal(err)
	}
	g := &BigCampaign{DB: db, Campaign: c, Attempts: attempts, Contacts: attempts * 2 / 5}
	stepMS := (30 * 24 * time.Hour).Milliseconds() / int64(attempts)
	t0 := time.Now()
	var contacts, atts, closeQ, finals string
	args := []any{c.ID, g.Contacts, start.UnixMilli(), attempts, stepMS}
	if backend == "postgres" {
		contacts = `INSERT INTO contacts (campaign_id, line, phone_e164, variables, state, next_attempt_at, created_at, updated_at)
			SELECT $1, i + 1, '+1415' || lpad(i::text, 7, '0'), ('{"first_name":"n' || i || '","amount":"' || (i % 500) || '"}')::jsonb,
			'pending', to_timestamp($3 / 1000.0), to_timestamp($3 / 1000.0), to_timestamp($3 / 1000.0)
			FROM generate_series(0, $2::int - 1) AS i`
		atts = `INSERT INTO attempts (campaign_id, contact_id, attempt_no, holder, phone_e164, state, started_at, outcome, disposition, result)
			SELECT $1, f.id + (i % $2::int), i / $2::int + 1, 'gen', '+1415' || lpad((i % $2::int)::text, 7, '0'), 'dialing',
			to_timestamp(($3 + i * $5::bigint) / 1000.0),
			CASE WHEN i % 10 < 4 THEN 'answered' WHEN i % 10 < 6 THEN 'busy' WHEN i % 10 < 8 THEN 'no_answer'
			     WHEN i % 10 = 8 THEN 'voicemail' ELSE 'failed' END,
			CASE WHEN i % 10 = 0 THEN 'promise_to_pay' WHEN i % 10 = 1 THEN 'no_commitment' WHEN i % 10 = 2 THEN 'claims_paid'
			     WHEN i % 10 = 3 THEN 'opted_out' WHEN i % 10 = 8 THEN 'voicemail_left' ELSE '' END,
			(CASE WHEN i % 10 < 4 THEN '{"amd":{"verdict":"human"},"tags":["A"],"captured":{"promise_date":"2026-12-24"}}' ELSE '{}' END)::jsonb
			FROM generate_series(0, $4::int - 1) AS i, (SELECT min(id) AS id FROM contacts WHERE campaign_id = $1) f`
		closeQ = `UPDATE attempts SET state = 'done', ended_at = started_at + interval '40 seconds',
			duration_ms = CASE WHEN outcome IN ('answered', 'voicemail') THEN 30000 ELSE 0 END
			WHERE campaign_id = $1 AND id >= $2 AND id < $3`
		finals = `UPDATE contacts SET state = 'done', disposition = CASE WHEN id % 3 = 0 THEN 'promise_to_pay' ELSE 'max_attempts' END
			WHERE campaign_id = $1 AND id % 2 = 0`
	} else {
		contacts = `INSERT INTO contacts (campaign_id, line, phone_e164, variables, state, next_attempt_at, created_at, updated_at)
			WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < ?2 - 1)
			SELECT ?1, i + 1, '+1415' || substr('0000000' || i, -7), '{"first_name":"n' || i || '","amount":"' || (i % 500) || '"}',
			'pending', ?3, ?3, ?3 FROM s`
		atts = `INSERT INTO attempts (campaign_id, contact_id, attempt_no, holder, phone_e164, state, started_at, outcome, disposition, result)
			WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < ?4 - 1),
			f(id) AS (SELECT min(id) FROM contacts WHERE campaign_id = ?1)
			SELECT ?1, f.id + (i % ?2), i / ?2 + 1, 'gen', '+1415' || substr('0000000' || (i % ?2), -7), 'dialing', ?3 + i * ?5,
			CASE WHEN i % 10 < 4 THEN 'answered' WHEN i % 10 < 6 THEN 'busy' WHEN i % 10 < 8 THEN 'no_answer'
			     WHEN i % 10 = 8 THEN 'voicemail' ELSE 'failed' END,
			CASE WHEN i % 10 = 0 THEN 'promise_to_pay' WHEN i % 10 = 1 THEN 'no_commitment' WHEN i % 10 = 2 THEN 'claims_paid'
			     WHEN i % 10 = 3 THEN 'opted_out' WHEN i % 10 = 8 THEN 'voicemail_left' ELSE '' END,
			CASE WHEN i % 10 < 4 THEN '{"amd":{"verdict":"human"},"tags":["A"],"captured":{"promise_date":"2026-12-24"}}' ELSE '{}' END
			FROM s, f`
		closeQ = `UPDATE attempts SET state = 'done', ended_at = started_at + 40000,
			duration_ms = CASE WHEN outcome IN ('answered', 'voicemail') THEN 30000 ELSE 0 END
			WHERE campaign_id = ?1 AND id >= ?2 AND id < ?3`
		finals = `UPDATE contacts SET state = 'done', disposition = CASE WHEN id % 3 = 0 THEN 'promise_to_pay' ELSE 'max_attempts' END
			WHERE campaign_id = ?1 AND id % 2 = 0`
	}
	if _, err := raw.ExecContext(ctx, contacts, args[:3]...); err != nil {
		tb.Fatalf("%s: generate contacts: %v", backend, err)
	}
	if _, err := raw.ExecContext(ctx, atts, args...); err != nil {
		tb.Fatalf("%s: generate attempts: %v", backend, err)
	}
	// Closed in transactions of 5,000 attempts, as a dialer closes them (each in its own):
	// one UPDATE of a million rows would stack every version of a counter row in one
	// transaction, which no production write does.
	var lo, hi int64
	if err := raw.QueryRowContext(ctx, `SELECT min(id), max(id) FROM attempts`).Scan(&lo, &hi); err != nil {
		tb.Fatal(err)
	}
	t1 := time.Now()
	for from := lo; from <= hi; from += 5000 {
		if _, err := raw.ExecContext(ctx, closeQ, c.ID, from, from+5000); err != nil {
			tb.Fatalf("%s: close attempts: %v", backend, err)
		}
	}
	g.CountDur = time.Since(t1)
	if _, err := raw.ExecContext(ctx, finals, c.ID); err != nil {
		tb.Fatalf("%s: finish contacts: %v", backend, err)
	}
	if backend == "postgres" {
		// What autovacuum does in a live system: the partial indexes of open attempts drop
		// the entries of closed ones.
		_, _ = raw.ExecContext(ctx, "VACUUM ANALYZE")
	}
	g.Took = time.Since(t0)
	return g
}
