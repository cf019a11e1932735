package dashboard_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/voxdial/voxdial/compliance"
	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
)

// 2026-12-02 11:00 EST: inside every US calling window.
var consentNow = time.Date(2026, 12, 2, 16, 0, 0, 0, time.UTC)

// consentGate registers seller S1 and a collections campaign and returns a gate over the
// store and a check of a number at consentNow.
func consentGate(t *testing.T, db *store.DB) func(num string) compliance.Decision {
	t.Helper()
	ctx := context.Background()
	if _, err := db.SellerPut(ctx, &store.SellerPutParams{ID: "S1", CallerIDs: []string{"+12125550000"}, Now: consentNow}); err != nil {
		t.Fatal(err)
	}
	c, err := db.CampaignCreate(ctx, &store.CampaignCreateParams{Name: "pay", Seller: "S1", Purpose: "collections",
		CallerIDs: []string{"+12125550000"}, Now: consentNow})
	if err != nil {
		t.Fatal(err)
	}
	sg, err := compliance.NewStoreGate(ctx, db, compliance.StoreSourceOptions{CacheFor: -1})
	if err != nil {
		t.Fatal(err)
	}
	return func(num string) compliance.Decision {
		return sg.Check(ctx, compliance.Attempt{ID: num, Number: num, Campaign: strconv.FormatInt(c.ID, 10), At: consentNow})
	}
}

func apiConsent(phone string) map[string]any {
	return map[string]any{"phone": phone, "seller": "S1", "kind": "express", "scope": []string{"collections"},
		"artificial_voice": true, "source": "loan application", "evidence_text": "You may call me about my account.",
		"given_at": "2026-10-02T09:00:00Z"}
}

// TestConsentAPIRelied: a consent recorded through POST /api/consent is one the gate relies
// upon (it was stored without its hash and blocked the number as CONSENT_REVOKED), and
// recording through the API a consent already recorded through the CLI's intake leaves the
// number callable.
func TestConsentAPIRelied(t *testing.T) {
	t.Parallel()
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		b := setupClock(t, db, func() time.Time { return consentNow })
		check := consentGate(t, db)
		r := b.do(store.RoleCompliance, "POST", "/api/consent", apiConsent("+12125550101"))
		if r.Code != 201 {
			t.Fatalf("POST /api/consent = %d %s", r.Code, r.Body)
		}
		if d := check("+12125550101"); d.Verdict != compliance.Allow || d.ConsentID == "" {
			t.Fatalf("after an API consent: %v %v %s, want allowed on the consent", d.Verdict, d.Rules, d.Reason())
		}
		if !strings.Contains(string(r.Body), `"record_hash"`) {
			t.Fatalf("POST /api/consent answered without the record's hash: %s", r.Body)
		}
		// The CLI's path (ConsentIntake, then the ledger), then the same consent through the API.
		in := compliance.ConsentInput{Number: "+12125550102", Seller: "S1", Kind: "express", Scope: []string{"collections"},
			ArtificialVoice: true, Source: "loan application", GivenAt: "2026-10-02T09:00:00Z"}
		rec, err := compliance.ConsentIntake(&in, "cli-user", consentNow)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ConsentAdd(context.Background(), &store.ConsentAddParams{Consents: []store.Consent{rec}}); err != nil {
			t.Fatal(err)
		}
		if d := check("+12125550102"); d.Verdict != compliance.Allow {
			t.Fatalf("CLI consent: %v %v %s", d.Verdict, d.Rules, d.Reason())
		}
		if r := b.do(store.RoleAdmin, "POST", "/api/consent", apiConsent("+12125550102")); r.Code != 201 {
			t.Fatalf("POST /api/consent = %d %s", r.Code, r.Body)
		}
		if d := check("+12125550102"); d.Verdict != compliance.Allow {
			t.Fatalf("CLI consent, then the same through the API: %v %v %s", d.Verdict, d.Rules, d.Reason())
		}
		cs, err := db.ConsentList(context.Background(), &store.ConsentListParams{Phone: "+12125550102"})
		if err != nil || len(cs) != 2 {
			t.Fatalf("consents %v %v", cs, err)
		}
		for _, c := range cs {
			if c.RecordHash != compliance.ConsentRecordHash(c) {
				t.Fatalf("consent %d (by %s) is not sealed with its content's hash", c.ID, c.RecordedBy)
			}
		}
	})
}

// TestConsentAPIRejects: the API refuses what the intake refuses, naming the field, and
// stores nothing.
func TestConsentAPIRejects(t *testing.T) {
	t.Parallel()
	db := storetestSQLite(t)
	b := setupClock(t, db, func() time.Time { return consentNow })
	for _, tc := range []struct {
		name, field string
		edit        func(map[string]any)
	}{
		{"client record_hash", "record_hash", func(m map[string]any) { m["record_hash"] = strings.Repeat("0", 64) }},
		{"unknown purpose", "scope", func(m map[string]any) { m["scope"] = []string{"collections", "sales"} }},
		{"future given_at", "given_at", func(m map[string]any) { m["given_at"] = "2026-12-02T16:00:01Z" }},
		{"bad given_at", "given_at", func(m map[string]any) { m["given_at"] = "2026-10-02" }},
		{"bad number", "phone", func(m map[string]any) { m["phone"] = "2125550101" }},
		{"unknown kind", "kind", func(m map[string]any) { m["kind"] = "implied" }},
		{"an id", "id", func(m map[string]any) { m["id"] = 7 }},
	} {
		m := apiConsent("+12125550103")
		tc.edit(m)
		r := b.do(store.RoleCompliance, "POST", "/api/consent", m)
		if r.Code != 400 || !strings.Contains(string(r.Body), tc.field) {
			t.Errorf("%s: %d %s, want 400 naming %s", tc.name, r.Code, r.Body, tc.field)
		}
	}
	if cs, _ := db.ConsentList(context.Background(), &store.ConsentListParams{Phone: "+12125550103"}); len(cs) != 0 {
		t.Fatalf("refused consents were stored: %+v", cs[0])
	}
}
