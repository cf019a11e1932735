package dashboard_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
)

// TestCampaignLifecycleAPI: re-import, recycle, edit, clone, archive, the unknown
// seller and the gate summary, with roles and ownership.
func TestCampaignLifecycleAPI(t *testing.T) {
	t.Parallel()
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		b := setup(t, db)
		ctx := context.Background()
		coll := store.RoleCollections
		type doc struct {
			ID          int64  `json:"id"`
			Name        string `json:"name"`
			State       string `json:"state"`
			ArchivedAt  string `json:"archived_at"`
			GateSummary *struct {
				All  bool   `json:"all"`
				Text string `json:"text"`
			} `json:"gate_summary"`
		}
		// An unknown seller is refused, naming it.
		r := b.do(coll, "POST", "/api/campaigns", map[string]any{"name": "ghost", "script": "asset:hello.yaml", "seller": "NoSuchCo"})
		if r.Code != 400 || !strings.Contains(string(r.Body), `seller \"NoSuchCo\" is not registered`) {
			t.Fatalf("unknown seller = %d %s", r.Code, r.Body)
		}
		if _, err := db.SellerPut(ctx, &store.SellerPutParams{ID: "acme", CallerIDs: []string{"+12125550000"}}); err != nil {
			t.Fatal(err)
		}
		r = b.do(coll, "POST", "/api/campaigns", map[string]any{"name": "dec", "script": "asset:hello.yaml", "seller": "acme",
			"requires": []string{"first_name", "due_date:date"}})
		if r.Code != 201 {
			t.Fatalf("create = %d %s", r.Code, r.Body)
		}
		var c doc
		r.json(t, &c)
		path := fmt.Sprintf("/api/campaigns/%d", c.ID)
		// Typed fields: "tomorrow" rejected at import with line, field, reason.
		r = b.do(coll, "POST", path+"/contacts?file=a.csv", "phone,first_name,due_date\n+14155550101,Ana,12/01/2026\n+12125550102,Ben,tomorrow\n")
		if r.Code != 200 || !strings.Contains(string(r.Body), `"imported":1`) ||
			!strings.Contains(string(r.Body), `{"line":3,"field":"due_date","reason":"date: relative date: \"tomorrow\"`) {
			t.Fatalf("typed import = %d %s", r.Code, r.Body)
		}
		// Re-import: updated vs new vs duplicate in the file.
		r = b.do(coll, "POST", path+"/contacts?file=b.csv", "phone,first_name,due_date\n+14155550101,Ana,2027-01-01\n+14155550101,Ana,2027-01-02\n+13125550103,Chen,2027-01-03\n")
		if r.Code != 200 || !strings.Contains(string(r.Body), `"imported":1,"updated":1,"duplicates":1`) {
			t.Fatalf("re-import = %d %s", r.Code, r.Body)
		}
		// Finish one contact busy, one blocked by the gate.
		leased, err := db.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: c.ID, Holder: "n", Limit: 10, LeaseFor: time.Minute})
		if err != nil || len(leased) != 2 {
			t.Fatalf("lease %d %v", len(leased), err)
		}
		a, err := db.AttemptStart(ctx, &store.AttemptStartParams{ContactID: leased[0].ID, Holder: "n", CallID: "x1"})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.AttemptFinish(ctx, &store.AttemptFinishParams{AttemptID: a.ID, ContactID: leased[0].ID, Holder: "n", Outcome: "busy", Disposition: "busy", Final: true}); err != nil {
			t.Fatal(err)
		}
		if err := db.ContactFinish(ctx, &store.ContactFinishParams{ContactID: leased[1].ID, Holder: "n", Disposition: "compliance_blocked", Reason: "no consent"}); err != nil {
			t.Fatal(err)
		}
		if err := db.CallEventAppend(ctx, &store.CallEventAppendParams{CampaignID: c.ID, Type: "gate_block",
			Data: map[string]any{"rules": []string{"US_TCPA_CONSENT"}, "reason": "no prior express consent"}, At: time.Now()}); err != nil {
			t.Fatal(err)
		}
		r = b.do(store.RoleManager, "GET", path, nil)
		r.json(t, &c)
		if c.GateSummary == nil || !strings.Contains(c.GateSummary.Text, "1 × US_TCPA_CONSENT: no prior express consent") {
			t.Fatalf("gate summary %s", r.Body)
		}
		// Roles and ownership: the manager reads only; another owner role is not the owner.
		for _, tc := range []struct {
			role, method, path string
			body               any
			want               int
		}{
			{store.RoleManager, "POST", path + "/recycle", map[string]any{"outcomes": []string{"busy"}}, 403},
			{store.RoleCompliance, "PATCH", path, map[string]any{"name": "x"}, 403},
			{store.RoleMarketing, "POST", path + "/clone", map[string]any{"name": "mine"}, 403},
			{store.RoleMarketing, "POST", path + "/archive", nil, 403},
			{coll, "POST", path + "/recycle", map[string]any{"dispositions": []string{"opted_out"}}, 400},
			{coll, "POST", path + "/recycle", map[string]any{"outcomes": []string{"nope"}}, 400},
			{coll, "POST", path + "/recycle", map[string]any{}, 400},
			{coll, "POST", path + "/recycle", map[string]any{"outcome": []string{"busy"}}, 400},
			{coll, "PATCH", path, map[string]any{"max_concurrent": 0}, 400},
			{coll, "PATCH", path, map[string]any{"seller": "NoSuchCo"}, 400},
			{coll, "POST", "/api/campaigns/99999/recycle", map[string]any{"outcomes": []string{"busy"}}, 404},
		} {
			if r := b.do(tc.role, tc.method, tc.path, tc.body); r.Code != tc.want {
				t.Errorf("%s %s %s = %d %s; want %d", tc.role, tc.method, tc.path, r.Code, r.Body, tc.want)
			}
		}
		// Recycle busy: one contact due again.
		r = b.do(coll, "POST", path+"/recycle", map[string]any{"outcomes": []string{"busy"}})
		if r.Code != 200 || !strings.Contains(string(r.Body), `"recycled":1`) {
			t.Fatalf("recycle = %d %s", r.Code, r.Body)
		}
		// Edit: while running only the safe settings; script/seller need a pause.
		if _, err := db.CampaignStateSet(ctx, &store.CampaignStateSetParams{ID: c.ID, From: []string{"draft"}, To: "running"}); err != nil {
			t.Fatal(err)
		}
		r = b.do(coll, "PATCH", path, map[string]any{"name": "dec-renamed", "max_concurrent": 4, "caller_ids": []string{"(212) 555-0000"},
			"schedule": map[string]any{"days": []string{"mon", "tue"}, "end_date": "2027-01-31"}})
		if r.Code != 200 || !strings.Contains(string(r.Body), `"name":"dec-renamed"`) || !strings.Contains(string(r.Body), `"+12125550000"`) {
			t.Fatalf("edit running = %d %s", r.Code, r.Body)
		}
		if r := b.do(coll, "PATCH", path, map[string]any{"purpose": "telemarketing"}); r.Code != 409 || !strings.Contains(string(r.Body), "pause it first") {
			t.Fatalf("purpose while running = %d %s", r.Code, r.Body)
		}
		if r := b.do(coll, "POST", path+"/archive", nil); r.Code != 409 {
			t.Fatalf("archive while running = %d %s", r.Code, r.Body)
		}
		// Clone: settings, optionally contacts; the clone is the caller's draft.
		r = b.do(coll, "POST", path+"/clone", map[string]any{"name": "jan", "contacts": true})
		if r.Code != 201 || !strings.Contains(string(r.Body), `"contacts_copied":2`) || !strings.Contains(string(r.Body), `"state":"draft"`) ||
			!strings.Contains(string(r.Body), `"due_date:date"`) || !strings.Contains(string(r.Body), `"seller":"acme"`) {
			t.Fatalf("clone = %d %s", r.Code, r.Body)
		}
		if r := b.do(coll, "POST", path+"/clone", map[string]any{"name": "jan"}); r.Code != 409 {
			t.Fatalf("clone to a taken name = %d %s", r.Code, r.Body)
		}
		// Archive once stopped: hidden from the default list, read-only, results kept.
		if r := b.do(coll, "POST", path+"/stop", nil); r.Code != 200 {
			t.Fatalf("stop = %d %s", r.Code, r.Body)
		}
		if r := b.do(coll, "POST", path+"/archive", nil); r.Code != 200 || !strings.Contains(string(r.Body), `"archived_at"`) {
			t.Fatalf("archive = %d %s", r.Code, r.Body)
		}
		if r := b.do(coll, "GET", "/api/campaigns", nil); strings.Contains(string(r.Body), "dec-renamed") {
			t.Fatalf("archived campaign in the default list: %s", r.Body)
		}
		if r := b.do(coll, "GET", "/api/campaigns?archived=1", nil); !strings.Contains(string(r.Body), "dec-renamed") || strings.Contains(string(r.Body), `"jan"`) {
			t.Fatalf("archived list: %s", r.Body)
		}
		for _, w := range []struct {
			method, path string
			body         any
		}{{"PATCH", path, map[string]any{"name": "z"}}, {"POST", path + "/contacts", "phone\n+14155550109\n"},
			{"POST", path + "/recycle", map[string]any{"outcomes": []string{"busy"}}}, {"POST", path + "/start", nil},
			{"PUT", path + "/pace", map[string]any{"pacing": "one_to_one"}}} {
			if r := b.do(coll, w.method, w.path, w.body); r.Code != 409 || !strings.Contains(string(r.Body), "archived") {
				t.Errorf("%s %s on an archived campaign = %d %s", w.method, w.path, r.Code, r.Body)
			}
		}
		if r := b.do(store.RoleManager, "GET", path+"/results", nil); r.Code != 200 {
			t.Fatalf("results of an archived campaign = %d", r.Code)
		}
		if r := b.do(coll, "POST", path+"/unarchive", nil); r.Code != 200 {
			t.Fatalf("unarchive = %d %s", r.Code, r.Body)
		}
	})
}
