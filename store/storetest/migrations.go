package storetest

import (
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voxdial/voxdial/store"
)

// ExerciseConsentSeal checks migration 0010 on both backends: a database holding a consent
// stored without a record hash (as POST /api/consent stored them before the ledger sealed
// records itself) and one whose hash does not match its content is migrated; the first is
// sealed with the hash of its content, and the repair noted in admin_audit, the second is
// left as it is (it may have been edited).
func ExerciseConsentSeal(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "voxdial.db")
		testConsentSeal(t, "sqlite:"+path, "sqlite", "file:"+path)
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		u := PostgresURL(t)
		testConsentSeal(t, u, "pgx", u)
	})
}

func testConsentSeal(t *testing.T, url, driver, dsn string) {
	ctx := context.Background()
	db, err := store.Open(ctx, url, store.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	// Back to version 9 as far as migration 0010 is concerned, with the two consents written
	// the way the old API wrote them (straight into the table, no seal or a client's hash).
	raw, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	ph := func(q string) string {
		if driver != "pgx" {
			return q
		}
		for i := 1; strings.Contains(q, "?"); i++ {
			q = strings.Replace(q, "?", "$"+string(rune('0'+i)), 1)
		}
		return q
	}
	ts := func() any {
		if driver == "pgx" {
			return t0
		}
		return t0.UnixMilli()
	}
	if _, err := raw.ExecContext(ctx, `DELETE FROM schema_migrations WHERE version = 10`); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"", "client-chosen"} {
		if _, err := raw.ExecContext(ctx, ph(`INSERT INTO consents (phone_e164, seller, kind, scope, artificial_voice, source,
			given_at, recorded_by, record_hash, created_at) VALUES (?, 'S1', 'express', '["collections"]', ?, 'api', ?, 'carol', ?, ?)`),
			"+12125550170", true, ts(), h, ts()); err != nil {
			t.Fatal(err)
		}
	}
	db, err = store.Open(ctx, url, store.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cs, err := db.ConsentList(ctx, &store.ConsentListParams{Phone: "+12125550170"})
	if err != nil || len(cs) != 2 {
		t.Fatalf("consents %v %v", cs, err)
	}
	if cs[0].RecordHash == "" || cs[0].RecordHash != store.ConsentRecordHash(cs[0]) {
		t.Fatalf("hash-less consent after migration: hash %q, want %q", cs[0].RecordHash, store.ConsentRecordHash(cs[0]))
	}
	if cs[1].RecordHash != "client-chosen" {
		t.Fatalf("a consent whose hash does not match was rewritten: %q", cs[1].RecordHash)
	}
	es, err := db.AdminAuditList(ctx, &store.AdminAuditListParams{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range es {
		if e.Action == "consent.seal" {
			n++
			var d map[string]any
			if json.Unmarshal(e.Detail, &d) != nil || d["record_hash"] != cs[0].RecordHash || e.Actor != "migration 0010" {
				t.Fatalf("audit entry %+v %s", e, e.Detail)
			}
		}
	}
	if n != 1 {
		t.Fatalf("%d consent.seal audit entries, want 1", n)
	}
	// Applied once: a second run changes nothing.
	if applied, err := db.Migrate(ctx); err != nil || len(applied) != 0 {
		t.Fatalf("second migrate: %v %v", applied, err)
	}
}
