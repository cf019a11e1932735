package dashboard_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/voxdial/voxdial/campaign"
	"github.com/voxdial/voxdial/compliance"
	"github.com/voxdial/voxdial/dashboard"
	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
)

// TestScreensOpenAPI: every endpoint the dashboard's screens added is in the OpenAPI
// document, with its methods.
func TestScreensOpenAPI(t *testing.T) {
	doc, err := dashboard.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	for path, methods := range map[string][]string{
		"/api/scripts/{name}":                   {"GET", "PUT"},
		"/api/scripts/try":                      {"POST", "DELETE"},
		"/api/scripts/try/turn":                 {"POST"},
		"/api/users/{id}":                       {"PATCH"},
		"/api/users/{id}/password":              {"POST"},
		"/api/users/{id}/tokens":                {"GET", "POST"},
		"/api/users/{id}/tokens/{token}/revoke": {"POST"},
		"/api/sellers":                          {"GET"},
		"/api/sellers/{id}":                     {"PUT"},
		"/api/dnc/registry":                     {"GET", "POST"},
	} {
		item := doc.Paths.Find(path)
		if item == nil {
			t.Errorf("%s is not in openapi.yaml", path)
			continue
		}
		for _, m := range methods {
			if item.GetOperation(m) == nil {
				t.Errorf("%s %s is not in openapi.yaml", m, path)
			}
		}
	}
}

// TestSellersAPI: compliance registers a seller with caller IDs and edits it; bad input is
// refused naming the field; other roles read but may not write.
func TestSellersAPI(t *testing.T) {
	t.Parallel()
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		b := setup(t, db)
		r := b.do(store.RoleCompliance, "PUT", "/api/sellers/acme", map[string]any{"name": "Acme Lending", "caller_ids": []string{"+12125550000", "+12125550001", "+12125550000"}})
		if r.Code != 201 {
			t.Fatalf("register = %d %s", r.Code, r.Body)
		}
		var sl store.Seller
		r.json(t, &sl)
		if sl.Name != "Acme Lending" || len(sl.CallerIDs) != 2 {
			t.Fatalf("seller %+v: want the name and the two distinct caller IDs", sl)
		}
		r = b.do(store.RoleAdmin, "PUT", "/api/sellers/acme", map[string]any{"name": "Acme", "caller_ids": []string{"+12125550009"}, "platform_suppression": true})
		if r.Code != 200 {
			t.Fatalf("edit = %d %s", r.Code, r.Body)
		}
		got, err := db.SellerGet(context.Background(), &store.SellerGetParams{ID: "acme"})
		if err != nil || got.Name != "Acme" || len(got.CallerIDs) != 1 || got.CallerIDs[0] != "+12125550009" || !got.PlatformSuppression {
			t.Fatalf("stored seller %+v %v", got, err)
		}
		for _, tc := range []struct {
			name, path, want string
			body             any
		}{
			{"no caller id", "/api/sellers/x", "caller_ids", map[string]any{"caller_ids": []string{}}},
			{"bad caller id", "/api/sellers/x", "caller_ids[1]", map[string]any{"caller_ids": []string{"+12125550000", "2125550001"}}},
			{"bad id", "/api/sellers/a%20b", "seller id", map[string]any{"caller_ids": []string{"+12125550000"}}},
			{"unknown field", "/api/sellers/x", "unknown field", map[string]any{"caller_ids": []string{"+12125550000"}, "owner": 1}},
		} {
			if r := b.do(store.RoleCompliance, "PUT", tc.path, tc.body); r.Code != 400 || !strings.Contains(string(r.Body), tc.want) {
				t.Errorf("%s: %d %s, want 400 naming %s", tc.name, r.Code, r.Body, tc.want)
			}
		}
		for _, role := range []string{store.RoleMarketing, store.RoleCollections, store.RoleManager} {
			if r := b.do(role, "PUT", "/api/sellers/acme", map[string]any{"caller_ids": []string{"+12125550000"}}); r.Code != 403 {
				t.Errorf("%s PUT seller = %d, want 403", role, r.Code)
			}
			r := b.do(role, "GET", "/api/sellers", nil)
			if r.Code != 200 || !strings.Contains(string(r.Body), `"+12125550009"`) {
				t.Errorf("%s GET sellers = %d %s", role, r.Code, r.Body)
			}
		}
	})
}

// TestRegistryAPI: a registry copy uploaded through the API replaces the list, the gate
// reads it, and its age and freshness follow the rule's max age on the server's clock.
func TestRegistryAPI(t *testing.T) {
	t.Parallel()
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		now := time.Date(2026, 12, 2, 16, 0, 0, 0, time.UTC)
		b := setupClock(t, db, func() time.Time { return now })
		copies := func() map[string]map[string]any {
			r := b.do(store.RoleManager, "GET", "/api/dnc/registry", nil)
			if r.Code != 200 {
				t.Fatalf("GET registry = %d %s", r.Code, r.Body)
			}
			var out struct{ Copies []map[string]any }
			r.json(t, &out)
			m := map[string]map[string]any{}
			for _, c := range out.Copies {
				m[c["list"].(string)] = c
			}
			return m
		}
		c := copies()
		if c["national"]["missing"] != true || c["national"]["stale"] != true || c["tps"]["missing"] != true {
			t.Fatalf("fresh store: %v, want national and tps missing (stale)", c)
		}
		file := "+12125550101\n2125550102\n"
		r := b.do(store.RoleCompliance, "POST", "/api/dnc/registry?list=national&as_of=2026-10-30&file=nat.txt", file)
		if r.Code != 201 {
			t.Fatalf("import = %d %s", r.Code, r.Body)
		}
		c = copies()
		nat := c["national"]
		if nat["numbers"] != float64(2) || nat["age_days"] != float64(33) || nat["stale"] != true || nat["imported_by"] != "compliance-user" {
			t.Fatalf("33-day-old national copy: %v, want 2 numbers, stale", nat)
		}
		if rule := nat["rule"].(map[string]any); rule["max_age_days"] != float64(31) || rule["rule"] != "DNC_SNAPSHOT_STALE" {
			t.Fatalf("rule %v", rule)
		}
		if r := b.do(store.RoleAdmin, "POST", "/api/dnc/registry?list=national&as_of=2026-12-01", "+12125550103\n"); r.Code != 201 {
			t.Fatalf("re-import = %d %s", r.Code, r.Body)
		}
		if nat = copies()["national"]; nat["stale"] != false || nat["age_days"] != float64(1) || nat["numbers"] != float64(1) {
			t.Fatalf("fresh copy: %v", nat)
		}
		if r := b.do(store.RoleAdmin, "POST", "/api/dnc/registry?list=state&region=US-TX&as_of=2026-12-01", "+12125550104\n"); r.Code != 201 {
			t.Fatalf("state import = %d %s", r.Code, r.Body)
		}
		if st := copies()["state"]; st["scope"] != "US-TX" || st["rule"] != nil || st["stale"] != false {
			t.Fatalf("state copy: %v, want US-TX without a freshness rule", st)
		}
		for _, tc := range []struct {
			name, query, body, want string
			code                    int
		}{
			{"bad line", "list=national&as_of=2026-12-01&file=f.txt", "+12125550101\nnot a number\n", "f.txt", 400},
			{"internal list", "list=internal&as_of=2026-12-01", "+12125550101\n", "POST /api/dnc", 400},
			{"no date", "list=national", "+12125550101\n", "as_of", 400},
			{"future date", "list=national&as_of=2027-01-05", "+12125550101\n", "future", 400},
			{"state without region", "list=state&as_of=2026-12-01", "+12125550101\n", "region", 400},
			{"empty", "list=national&as_of=2026-12-01", "\n", "no numbers", 400},
		} {
			if r := b.do(store.RoleCompliance, "POST", "/api/dnc/registry?"+tc.query, tc.body); r.Code != tc.code || !strings.Contains(string(r.Body), tc.want) {
				t.Errorf("%s: %d %s, want %d naming %q", tc.name, r.Code, r.Body, tc.code, tc.want)
			}
		}
		if nat = copies()["national"]; nat["numbers"] != float64(1) {
			t.Fatalf("a refused import changed the copy: %v", nat)
		}
		for _, role := range []string{store.RoleMarketing, store.RoleCollections, store.RoleManager} {
			if r := b.do(role, "POST", "/api/dnc/registry?list=national&as_of=2026-12-01", "+12125550101\n"); r.Code != 403 {
				t.Errorf("%s import = %d, want 403", role, r.Code)
			}
		}
	})
}

// TestUserManagementAPI: the admin changes a role, disables and enables a user, resets a
// password (given, or made by the server), lists and revokes tokens; nobody else may.
func TestUserManagementAPI(t *testing.T) {
	t.Parallel()
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		b := setup(t, db)
		r := b.do(store.RoleAdmin, "POST", "/api/users", map[string]string{"name": "nina", "role": "marketing", "password": password})
		if r.Code != 201 {
			t.Fatalf("create = %d %s", r.Code, r.Body)
		}
		var u store.User
		r.json(t, &u)
		uid := strconv.FormatInt(u.ID, 10)
		if r := b.do(store.RoleAdmin, "PATCH", "/api/users/"+uid, map[string]any{"role": "collections"}); r.Code != 200 || !strings.Contains(string(r.Body), `"role":"collections"`) {
			t.Fatalf("role change = %d %s", r.Code, r.Body)
		}
		if r := b.do(store.RoleAdmin, "PATCH", "/api/users/"+uid, map[string]any{"disabled": true}); r.Code != 200 || !strings.Contains(string(r.Body), `"disabled":true`) {
			t.Fatalf("disable = %d %s", r.Code, r.Body)
		}
		if r := b.do("", "POST", "/api/login", map[string]string{"name": "nina", "password": password}); r.Code != 401 {
			t.Fatalf("disabled user logs in: %d", r.Code)
		}
		if r := b.do(store.RoleAdmin, "PATCH", "/api/users/"+uid, map[string]any{"disabled": false}); r.Code != 200 {
			t.Fatalf("enable = %d %s", r.Code, r.Body)
		}
		// Reset: a given password, then one the server makes.
		if r := b.do(store.RoleAdmin, "POST", "/api/users/"+uid+"/password", map[string]string{"password": "a fresh start 42"}); r.Code != 200 || strings.Contains(string(r.Body), `"password"`) {
			t.Fatalf("reset = %d %s", r.Code, r.Body)
		}
		if r := b.do("", "POST", "/api/login", map[string]string{"name": "nina", "password": "a fresh start 42"}); r.Code != 200 {
			t.Fatalf("login with the reset password = %d %s", r.Code, r.Body)
		}
		r = b.do(store.RoleAdmin, "POST", "/api/users/"+uid+"/password", map[string]string{})
		var made struct{ Password string }
		r.json(t, &made)
		if r.Code != 200 || len(made.Password) < 12 {
			t.Fatalf("made password = %d %s", r.Code, r.Body)
		}
		if r := b.do("", "POST", "/api/login", map[string]string{"name": "nina", "password": made.Password}); r.Code != 200 {
			t.Fatalf("login with the made password = %d %s", r.Code, r.Body)
		}
		if r := b.do(store.RoleAdmin, "POST", "/api/users/"+uid+"/password", map[string]string{"password": "password1"}); r.Code != 400 || !strings.Contains(string(r.Body), "password") {
			t.Fatalf("weak password = %d %s", r.Code, r.Body)
		}
		// Tokens: created (secret once), listed without secret, revoked, then refused.
		r = b.do(store.RoleAdmin, "POST", "/api/users/"+uid+"/tokens", map[string]string{"name": "crm"})
		var tok struct {
			Token  store.Token
			Secret string
		}
		r.json(t, &tok)
		if r.Code != 201 || !strings.HasPrefix(tok.Secret, "vxd_") {
			t.Fatalf("token = %d %s", r.Code, r.Body)
		}
		r = b.do(store.RoleAdmin, "GET", "/api/users/"+uid+"/tokens", nil)
		if r.Code != 200 || !strings.Contains(string(r.Body), `"crm"`) || strings.Contains(string(r.Body), tok.Secret) {
			t.Fatalf("token list = %d %s", r.Code, r.Body)
		}
		b.tokens["nina"] = tok.Secret
		if r := b.do("nina", "GET", "/api/me", nil); r.Code != 200 {
			t.Fatalf("the new token = %d", r.Code)
		}
		tid := strconv.FormatInt(tok.Token.ID, 10)
		other := strconv.FormatInt(b.users[store.RoleManager].ID, 10)
		if r := b.do(store.RoleAdmin, "POST", "/api/users/"+other+"/tokens/"+tid+"/revoke", nil); r.Code != 404 {
			t.Fatalf("revoke through another user = %d %s", r.Code, r.Body)
		}
		if r := b.do(store.RoleAdmin, "POST", "/api/users/"+uid+"/tokens/"+tid+"/revoke", nil); r.Code != 200 || !strings.Contains(string(r.Body), `"revoked":true`) {
			t.Fatalf("revoke = %d %s", r.Code, r.Body)
		}
		if r := b.do("nina", "GET", "/api/me", nil); r.Code != 401 {
			t.Fatalf("a revoked token = %d", r.Code)
		}
		// Bad input, and the admin cannot lock themself out.
		self := strconv.FormatInt(b.users[store.RoleAdmin].ID, 10)
		for _, tc := range []struct {
			name, method, path string
			body               any
			code               int
		}{
			{"unknown role", "PATCH", "/api/users/" + uid, map[string]any{"role": "owner"}, 400},
			{"nothing to change", "PATCH", "/api/users/" + uid, map[string]any{}, 400},
			{"unknown user", "PATCH", "/api/users/999999", map[string]any{"role": "manager"}, 404},
			{"self demotion", "PATCH", "/api/users/" + self, map[string]any{"role": "manager"}, 409},
			{"self disable", "PATCH", "/api/users/" + self, map[string]any{"disabled": true}, 409},
			{"bad token id", "POST", "/api/users/" + uid + "/tokens/x/revoke", nil, 400},
			{"unknown user's password", "POST", "/api/users/999999/password", map[string]any{}, 404},
		} {
			if r := b.do(store.RoleAdmin, tc.method, tc.path, tc.body); r.Code != tc.code {
				t.Errorf("%s: %d %s, want %d", tc.name, r.Code, r.Body, tc.code)
			}
		}
		for _, role := range []string{store.RoleMarketing, store.RoleCollections, store.RoleCompliance, store.RoleManager} {
			for _, req := range [][2]string{{"PATCH", "/api/users/" + uid}, {"POST", "/api/users/" + uid + "/password"},
				{"GET", "/api/users/" + uid + "/tokens"}, {"POST", "/api/users/" + uid + "/tokens/" + tid + "/revoke"}} {
				if r := b.do(role, req[0], req[1], map[string]any{}); r.Code != 403 {
					t.Errorf("%s %s %s = %d, want 403", role, req[0], req[1], r.Code)
				}
			}
		}
	})
}

// TestConsentRecentAPI: without a number the ledger lists the newest records a page at a
// time; with one, that number's.
func TestConsentRecentAPI(t *testing.T) {
	t.Parallel()
	storetest.Backends(t, testConsentRecent)
}

func testConsentRecent(t *testing.T, db *store.DB) {
	b := setupClock(t, db, func() time.Time { return consentNow })
	for i := range 5 {
		c := apiConsent(fmt.Sprintf("+1212555020%d", i))
		c["expires_at"] = "2027-10-02T09:00:00Z"
		if r := b.do(store.RoleCompliance, "POST", "/api/consent", c); r.Code != 201 {
			t.Fatalf("consent %d = %d %s", i, r.Code, r.Body)
		}
	}
	var page struct {
		Consents   []store.Consent
		NextBefore int64 `json:"next_before"`
	}
	r := b.do(store.RoleManager, "GET", "/api/consent?limit=3", nil)
	r.json(t, &page)
	if r.Code != 200 || len(page.Consents) != 3 || page.Consents[0].Phone != "+1212*****04" && !strings.HasSuffix(page.Consents[0].Phone, "04") || page.NextBefore == 0 {
		t.Fatalf("first page = %d %s", r.Code, r.Body)
	}
	if page.Consents[0].ExpiresAt.IsZero() {
		t.Fatalf("the list has no expiry: %s", r.Body)
	}
	r = b.do(store.RoleCompliance, "GET", "/api/consent?limit=3&before="+strconv.FormatInt(page.NextBefore, 10), nil)
	page.NextBefore = 0
	r.json(t, &page)
	if len(page.Consents) != 2 || page.Consents[1].Phone != "+12125550200" || page.NextBefore != 0 {
		t.Fatalf("second page = %s", r.Body)
	}
	if r := b.do(store.RoleCompliance, "GET", "/api/consent?limit=0", nil); r.Code != 400 {
		t.Fatalf("limit 0 = %d", r.Code)
	}
	r = b.do(store.RoleCompliance, "GET", "/api/consent?phone=%2B12125550203", nil)
	r.json(t, &page)
	if len(page.Consents) != 1 || page.Consents[0].Phone != "+12125550203" {
		t.Fatalf("by number = %s", r.Body)
	}
}

// TestAuditStageAndName: the audit screen's rows carry the gate stage (lease, invite) and
// the campaign's name.
func TestAuditStageAndName(t *testing.T) {
	t.Parallel()
	db := storetestSQLite(t)
	b := setupClock(t, db, func() time.Time { return consentNow })
	ctx := context.Background()
	if _, err := db.SellerPut(ctx, &store.SellerPutParams{ID: "S1", CallerIDs: []string{"+12125550000"}, Now: consentNow}); err != nil {
		t.Fatal(err)
	}
	c, err := db.CampaignCreate(ctx, &store.CampaignCreateParams{Name: "December reminders", Seller: "S1", Purpose: "collections",
		CallerIDs: []string{"+12125550000"}, Now: consentNow})
	if err != nil {
		t.Fatal(err)
	}
	sg, err := compliance.NewStoreGate(ctx, db, compliance.StoreSourceOptions{CacheFor: -1, Now: func() time.Time { return consentNow }})
	if err != nil {
		t.Fatal(err)
	}
	g := &campaign.ComplianceGate{Gate: sg.Gate, Audit: sg.Audit}
	for _, st := range []campaign.GateStage{campaign.StageLease, campaign.StageInvite} {
		if _, err := g.Check(ctx, campaign.GateRequest{Number: "+12125550101", CampaignID: c.ID, Campaign: c.Name, ContactID: 7,
			Attempt: 1, At: consentNow, Stage: st}); err != nil {
			t.Fatal(err)
		}
	}
	r := b.do(store.RoleManager, "GET", "/api/audit", nil)
	var out struct {
		Decisions []struct {
			Campaign     string `json:"campaign"`
			CampaignName string `json:"campaign_name"`
			Stage        string `json:"stage"`
		}
	}
	r.json(t, &out)
	if len(out.Decisions) != 2 {
		t.Fatalf("audit = %s", r.Body)
	}
	// Newest first: the INVITE's check, then the lease's.
	for i, want := range []string{"invite", "lease"} {
		d := out.Decisions[i]
		if d.Stage != want || d.CampaignName != "December reminders" || d.Campaign != strconv.FormatInt(c.ID, 10) {
			t.Errorf("decision %d = %+v, want stage %s of %q", i, d, want, "December reminders")
		}
	}
}

// TestScriptTryAPI: a script's text is readable without its server path; "try it" keeps a
// conversation per user, turn by turn, with the state and intent of each turn, and the
// same turns give what `script chat` gives for the whole input at once.
func TestScriptTryAPI(t *testing.T) {
	t.Parallel()
	db := storetestSQLite(t)
	b := setup(t, db)
	good := readFile(t, "payment-reminder.en.yaml")
	if r := b.do(store.RoleMarketing, "PUT", "/api/scripts/reminder.yaml", map[string]string{"source": good}); r.Code != 200 {
		t.Fatalf("PUT = %d %s", r.Code, r.Body)
	}
	r := b.do(store.RoleManager, "GET", "/api/scripts/reminder.yaml", nil)
	if r.Code != 200 || !strings.Contains(string(r.Body), `"version":1`) || !strings.Contains(string(r.Body), `"can_change":false`) ||
		strings.Contains(string(r.Body), b.scripts) {
		t.Fatalf("GET script = %d %s", r.Code, trim(r.Body))
	}
	var doc struct{ Source string }
	r.json(t, &doc)
	if doc.Source != good {
		t.Fatal("GET script: not the uploaded text")
	}
	if r := b.do(store.RoleMarketing, "GET", "/api/scripts/reminder.yaml", nil); !strings.Contains(string(r.Body), `"can_change":true`) {
		t.Fatalf("owner GET = %s", trim(r.Body))
	}
	if r := b.do(store.RoleMarketing, "GET", "/api/scripts/asset:payment-reminder.en.yaml", nil); r.Code != 200 || !strings.Contains(string(r.Body), `"builtin":true`) {
		t.Fatalf("built-in GET = %d %s", r.Code, trim(r.Body))
	}
	if r := b.do(store.RoleMarketing, "GET", "/api/scripts", nil); !strings.Contains(string(r.Body), `"asset:payment-reminder.en.yaml"`) {
		t.Fatalf("the list offers no built-in voice-bot script: %s", r.Body)
	}
	for _, p := range []string{"/api/scripts/nope.yaml", "/api/scripts/asset:nope.yaml", "/api/scripts/reminder.yaml?version=9"} {
		if r := b.do(store.RoleMarketing, "GET", p, nil); r.Code != 404 {
			t.Errorf("GET %s = %d", p, r.Code)
		}
	}

	vars := map[string]string{"first_name": "Ana", "amount": "120.50", "due_date": "2026-12-01"}
	turns := []string{"yes it's me", "yes I will pay"}
	if r := b.do(store.RoleCollections, "POST", "/api/scripts/try/turn", map[string]string{"input": "hello"}); r.Code != 409 {
		t.Fatalf("turn without a conversation = %d %s", r.Code, r.Body)
	}
	type conv struct {
		Vars  map[string]string
		Turns []struct {
			Role, State, Text, Intent, Branch string
		}
		State, Disposition, End string
		Done                    bool
	}
	var c conv
	r = b.do(store.RoleCollections, "POST", "/api/scripts/try", map[string]any{"name": "reminder.yaml", "vars": vars})
	r.json(t, &c)
	if r.Code != 201 || len(c.Turns) == 0 || c.Turns[0].Role != "bot" || c.Done {
		t.Fatalf("start = %d %s", r.Code, r.Body)
	}
	for i, in := range turns {
		r = b.do(store.RoleCollections, "POST", "/api/scripts/try/turn", map[string]string{"input": in})
		if r.Code != 200 {
			t.Fatalf("turn %q = %d %s", in, r.Code, r.Body)
		}
		c = conv{}
		r.json(t, &c)
		if i == 0 { // bad turns are refused and change nothing
			for _, bad := range []string{"", "a\nb", "#dtmf xyz", strings.Repeat("a", 2001)} {
				if r := b.do(store.RoleCollections, "POST", "/api/scripts/try/turn", map[string]string{"input": bad}); r.Code != 400 {
					t.Errorf("turn %q = %d %s", bad, r.Code, r.Body)
				}
			}
		}
	}
	if !c.Done || c.Disposition == "" {
		t.Fatalf("after the promise the bot ends the call: %s", trim(r.Body))
	}
	if r := b.do(store.RoleCollections, "POST", "/api/scripts/try/turn", map[string]string{"input": "hello?"}); r.Code != 409 {
		t.Fatalf("turn after the end = %d", r.Code)
	}
	var intents []string
	for _, tn := range c.Turns {
		if tn.Role == "caller" {
			intents = append(intents, tn.Intent+"@"+tn.State)
		}
	}
	if len(intents) != 2 || intents[0] == "@" {
		t.Fatalf("caller turns %v: want each with its intent and state\n%s", intents, trim(r.Body))
	}
	// The same as the whole conversation at once through /api/scripts/chat (which ends
	// with a hang-up where the input ends).
	whole := b.do(store.RoleCollections, "POST", "/api/scripts/chat", map[string]any{"name": "reminder.yaml", "vars": vars, "input": turns})
	var once struct {
		Transcript []struct{ Role, State, Text, Intent string }
	}
	whole.json(t, &once)
	for i, tn := range c.Turns {
		if i >= len(once.Transcript) || once.Transcript[i].Text != tn.Text || once.Transcript[i].Intent != tn.Intent {
			t.Fatalf("turn %d differs from script chat: %+v vs %+v", i, tn, once.Transcript)
		}
	}
	// Another user's conversation is their own.
	if r := b.do(store.RoleMarketing, "POST", "/api/scripts/try/turn", map[string]string{"input": "hi"}); r.Code != 409 {
		t.Fatalf("another user's turn = %d", r.Code)
	}
	// Starting again, the caller hangs up.
	if r := b.do(store.RoleCollections, "POST", "/api/scripts/try", map[string]any{"name": "reminder.yaml", "vars": vars}); r.Code != 201 {
		t.Fatalf("start again = %d", r.Code)
	}
	r = b.do(store.RoleCollections, "POST", "/api/scripts/try/turn", map[string]string{"input": "#hangup"})
	c = conv{}
	r.json(t, &c)
	if r.Code != 200 || !c.Done || c.End == "" {
		t.Fatalf("hang-up = %d %s", r.Code, trim(r.Body))
	}
	// The editor's unsaved text, without variables: they read as [name].
	r = b.do(store.RoleManager, "POST", "/api/scripts/try", map[string]any{"source": good})
	c = conv{}
	r.json(t, &c)
	if r.Code != 201 || c.Vars["first_name"] != "[first_name]" {
		t.Fatalf("try the editor's text = %d %s", r.Code, trim(r.Body))
	}
	if r := b.do(store.RoleManager, "DELETE", "/api/scripts/try", nil); r.Code != 200 || !strings.Contains(string(r.Body), `"ended":true`) {
		t.Fatalf("end = %d %s", r.Code, r.Body)
	}
	for _, body := range []map[string]any{{}, {"source": "states: ["}, {"name": "asset:nope.yaml"}, {"name": "nope.yaml"}} {
		if r := b.do(store.RoleManager, "POST", "/api/scripts/try", body); r.Code != 400 {
			t.Errorf("start %v = %d %s", body, r.Code, r.Body)
		}
	}
}

// TestCampaignNextRun: a recurring campaign between its runs says when the next one
// starts and how long it lasts.
func TestCampaignNextRun(t *testing.T) {
	t.Parallel()
	db := storetestSQLite(t)
	// 08:00 in New York on a Wednesday: the 10:00 run is ahead.
	now := time.Date(2026, 12, 2, 13, 0, 0, 0, time.UTC)
	b := setupClock(t, db, func() time.Time { return now })
	r := b.do(store.RoleCollections, "POST", "/api/campaigns", map[string]any{"name": "weekly", "script": "asset:hello.yaml",
		"time_zone": "America/New_York", "schedule": map[string]any{"cron": "0 10 * * MON-FRI", "run_for": "90m"}})
	if r.Code != 201 {
		t.Fatalf("create = %d %s", r.Code, r.Body)
	}
	var c struct{ ID int64 }
	r.json(t, &c)
	id := strconv.FormatInt(c.ID, 10)
	if r := b.do(store.RoleCollections, "GET", "/api/campaigns/"+id, nil); strings.Contains(string(r.Body), `"run"`) {
		t.Fatalf("a draft has a run: %s", r.Body)
	}
	if r := b.do(store.RoleCollections, "POST", "/api/campaigns/"+id+"/start", nil); r.Code != 200 {
		t.Fatalf("start = %d %s", r.Code, r.Body)
	}
	r = b.do(store.RoleManager, "GET", "/api/campaigns", nil)
	var list struct {
		Campaigns []struct {
			Run *struct {
				InRun     bool      `json:"in_run"`
				NextRunAt time.Time `json:"next_run_at"`
				RunEndsAt time.Time `json:"run_ends_at"`
				RunFor    string    `json:"run_for"`
			}
		}
	}
	r.json(t, &list)
	run := list.Campaigns[0].Run
	if run == nil || run.InRun || !run.NextRunAt.Equal(time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)) || run.RunFor != "1h30m0s" ||
		!run.RunEndsAt.Equal(time.Date(2026, 12, 2, 16, 30, 0, 0, time.UTC)) {
		raw, _ := json.Marshal(run)
		t.Fatalf("run = %s, want the 10:00 New York run of 90 minutes", raw)
	}
}
