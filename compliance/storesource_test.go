package compliance_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/voxdial/voxdial/compliance"
	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
)

// 2026-12-02 11:00 EST: inside every US window.
var st0 = time.Date(2026, 12, 2, 16, 0, 0, 0, time.UTC)

func storeWorld(t *testing.T, db *store.DB) (camp int64) {
	t.Helper()
	ctx := context.Background()
	if _, err := db.SellerPut(ctx, &store.SellerPutParams{ID: "S1", CallerIDs: []string{"+12125550000"}}); err != nil {
		t.Fatal(err)
	}
	c, err := db.CampaignCreate(ctx, &store.CampaignCreateParams{Name: "pay", Seller: "S1", Purpose: "collections",
		CallerIDs: []string{"+12125550000"}, Now: st0})
	if err != nil {
		t.Fatal(err)
	}
	for _, ph := range []string{"+12125550101", "+12125550102", "+12125550103"} {
		r := &store.Consent{Phone: ph, Seller: "S1", Kind: "express", Scope: []string{"collections"}, ArtificialVoice: true, GivenAt: st0.Add(-48 * time.Hour)}
		r.RecordHash = compliance.ConsentRecordHash(r)
		if _, err := db.ConsentAdd(ctx, &store.ConsentAddParams{Consents: []store.Consent{*r}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.DNCEntryAdd(ctx, &store.DNCEntryAddParams{List: "internal", Scope: "S1", Phones: []string{"+12125550102"},
		By: "alice", Reason: "asked", Now: st0.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	return c.ID
}

func TestStoreGate(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db, raw := openBackend(t, name)
			camp := storeWorld(t, db)
			sg, err := compliance.NewStoreGate(ctx, db, compliance.StoreSourceOptions{CacheFor: -1})
			if err != nil {
				t.Fatal(err)
			}
			check := func(num string, at time.Time) compliance.Decision {
				a := compliance.Attempt{ID: num, Number: num, Campaign: itoa(camp), At: at}
				d := sg.Check(ctx, a)
				if err := sg.Audit.Append(ctx, &a, &d); err != nil {
					t.Fatal(err)
				}
				return d
			}
			if d := check("+12125550101", st0); d.Verdict != compliance.Allow || !strings.HasPrefix(d.ConsentID, "1#") {
				t.Fatalf("consented: %v %v %s", d.Verdict, d.Rules, d.Reason())
			}
			if d := check("+12125550102", st0); d.Verdict != compliance.Block || !d.Rules.Has(compliance.DNCInternal) {
				t.Fatalf("internal DNC: %v %v", d.Verdict, d.Rules)
			}
			if d := check("+12125550104", st0); d.Verdict != compliance.Block || !d.Rules.Has(compliance.USConsentRequired) {
				t.Fatalf("no consent: %v %v", d.Verdict, d.Rules)
			}
			// Reg F hours: 07:00 EST holds until 08:00.
			if d := check("+12125550101", time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)); d.Verdict != compliance.Block ||
				!d.NextEligibleAt.Equal(time.Date(2026, 12, 2, 13, 0, 0, 0, time.UTC)) {
				t.Fatalf("hours: %v %v %v", d.Verdict, d.Rules, d.NextEligibleAt)
			}
			if d := check("+12125550101", st0); d.Verdict != compliance.Allow {
				t.Fatalf("%v", d.Rules)
			}
			// Opt-out: DNC entry and consent revocation at once, seen by this process's index now.
			o := &compliance.OptOuts{DB: db, DNC: sg.DNC, Seller: "S1", Now: func() time.Time { return st0 }}
			if err := o.For("", "+12125550103").OptOut(ctx); err != nil {
				t.Fatal(err)
			}
			if d := check("+12125550103", st0.Add(time.Second)); d.Verdict != compliance.Block || !d.Rules.Has(compliance.DNCInternal) ||
				!d.Rules.Has(compliance.ConsentRevoked) {
				t.Fatalf("after opt-out: %v %v %s", d.Verdict, d.Rules, d.Reason())
			}
			// Another node sees it after a refresh.
			other, err := compliance.NewStoreGate(ctx, db, compliance.StoreSourceOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if d := other.Check(ctx, compliance.Attempt{Number: "+12125550103", Campaign: itoa(camp), At: st0.Add(time.Second)}); !d.Rules.Has(compliance.DNCInternal) {
				t.Fatalf("other node: %v", d.Rules)
			}
			// Removal reaches the index by the change log.
			if err := db.DNCEntryRemove(ctx, &store.DNCEntryRemoveParams{List: "internal", Scope: "S1", Phone: "+12125550102", By: "bob"}); err != nil {
				t.Fatal(err)
			}
			if err := other.DNC.Refresh(ctx); err != nil {
				t.Fatal(err)
			}
			if d := other.Check(ctx, compliance.Attempt{Number: "+12125550102", Campaign: itoa(camp), At: st0}); d.Rules.Has(compliance.DNCInternal) {
				t.Fatalf("removed entry still blocks: %v", d.Rules)
			}
			// Unknown campaign fails closed.
			if d := sg.Check(ctx, compliance.Attempt{Number: "+12125550101", Campaign: "999", At: st0}); !d.Rules.Has(compliance.CampaignUnknown) {
				t.Fatalf("unknown campaign: %v", d.Rules)
			}
			// The audit chain verifies, and a tampered row is found.
			n, err := compliance.VerifyStoreAudit(ctx, db)
			if err != nil || n != 6 {
				t.Fatalf("verify: %d %v", n, err)
			}
			if _, err := raw.Exec(`UPDATE compliance_audit SET record = replace(record, '"decision":"block"', '"decision":"allow"'), decision = 'allow' WHERE seq = 2`); err != nil {
				t.Fatal(err)
			}
			var ae *compliance.AuditError
			if _, err := compliance.VerifyStoreAudit(ctx, db); !errors.As(err, &ae) || ae.Line != 2 {
				t.Fatalf("tampered record: %v", err)
			}
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// storeBackends gives each test a fresh database of each backend and a raw connection to it
// (for tampering).
func openBackend(t *testing.T, backend string) (*store.DB, *sql.DB) {
	t.Helper()
	var url, driver, dsn string
	if backend == "postgres" {
		url = storetest.PostgresURL(t)
		driver, dsn = "pgx", url
	} else {
		path := filepath.Join(t.TempDir(), "v.db")
		url, driver, dsn = "sqlite:"+path, "sqlite", "file:"+path+"?_pragma=busy_timeout(10000)"
	}
	db, err := store.Open(context.Background(), url, store.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	raw, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return db, raw
}

// The contacts table's line type and region reach the gate: an artificial-voice
// collections call without consent is refused to a line of unknown type (treated as
// wireless) and allowed to a landline (TRACED-Act exemption); an address region adds its
// state's rules (Massachusetts: 2 collection calls per 7 days).
func TestStoreGateContactFacts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := openBackend(t, "sqlite")
	camp := storeWorld(t, db)
	sg, err := compliance.NewStoreGate(ctx, db, compliance.StoreSourceOptions{CacheFor: -1})
	if err != nil {
		t.Fatal(err)
	}
	check := func(num string) compliance.Decision {
		return sg.Check(ctx, compliance.Attempt{Number: num, Campaign: itoa(camp), At: st0})
	}
	if d := check("+12125550104"); d.Verdict != compliance.Block || !d.Rules.Has(compliance.USConsentRequired) {
		t.Fatalf("unknown line type: %v %v", d.Verdict, d.Rules)
	}
	rows := []store.ContactRow{{Line: 2, Phone: "+12125550104", LineType: "landline"}, {Line: 3, Phone: "+12125550101", Region: "US-MA", DebtIDs: []string{"D1"}}}
	if _, err := db.ContactImport(ctx, &store.ContactImportParams{CampaignID: camp, ListName: "facts", Source: &rowSource{rows: rows}, Now: st0}); err != nil {
		t.Fatal(err)
	}
	if d := check("+12125550104"); d.Verdict != compliance.Allow {
		t.Fatalf("landline: %v %v %s", d.Verdict, d.Rules, d.Reason())
	}
	if d := check("+12125550101"); !(d.Rules | d.Passed).Has(compliance.USStateDCCap) {
		t.Fatalf("an address in MA should bring its collection cap: rules %v passed %v", d.Rules, d.Passed)
	}
}

type rowSource struct {
	rows []store.ContactRow
	i    int
}

func (s *rowSource) Next() bool             { s.i++; return s.i <= len(s.rows) }
func (s *rowSource) Row() *store.ContactRow { return &s.rows[s.i-1] }
func (s *rowSource) Err() error             { return nil }
