package dashboard_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voxdial/voxdial/campaign"
	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
)

func TestAuth(t *testing.T) {
	t.Parallel()
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		b := setup(t, db)
		// Anonymous: 401 on the API, public endpoints open.
		if r := b.do("", "GET", "/api/me", nil); r.Code != 401 {
			t.Fatalf("anonymous /api/me = %d", r.Code)
		}
		if r := b.do("", "GET", "/healthz", nil); r.Code != 200 {
			t.Fatalf("healthz = %d %s", r.Code, r.Body)
		}
		// Login sets a Secure, HttpOnly, SameSite=Strict cookie; only its hash is stored.
		r := b.do("", "POST", "/api/login", map[string]string{"name": "marketing-user", "password": password})
		if r.Code != 200 {
			t.Fatalf("login = %d %s", r.Code, r.Body)
		}
		sc := r.Header.Get("Set-Cookie")
		for _, want := range []string{"voxdial_session=", "HttpOnly", "Secure", "SameSite=Strict", "Path=/"} {
			if !strings.Contains(sc, want) {
				t.Errorf("Set-Cookie %q lacks %s", sc, want)
			}
		}
		cookie, csrf := b.login(store.RoleMarketing)
		if r := b.do("", "GET", "/api/me", nil, "Cookie", cookie); r.Code != 200 || !strings.Contains(string(r.Body), `"marketing"`) {
			t.Fatalf("me = %d %s", r.Code, r.Body)
		}
		// Unsafe methods with a cookie need the CSRF token.
		body := map[string]any{"name": "c-auth", "script": "asset:hello.yaml"}
		if r := b.do("", "POST", "/api/campaigns", body, "Cookie", cookie); r.Code != 403 || !strings.Contains(string(r.Body), "CSRF") {
			t.Fatalf("POST without CSRF = %d %s", r.Code, r.Body)
		}
		if r := b.do("", "POST", "/api/campaigns", body, "Cookie", cookie, "X-CSRF-Token", "wrong"); r.Code != 403 {
			t.Fatalf("POST with a wrong CSRF token = %d", r.Code)
		}
		if r := b.do("", "POST", "/api/campaigns", body, "Cookie", cookie, "X-CSRF-Token", csrf); r.Code != 201 {
			t.Fatalf("POST with CSRF = %d %s", r.Code, r.Body)
		}
		// Logout ends the session.
		if r := b.do("", "POST", "/api/logout", nil, "Cookie", cookie, "X-CSRF-Token", csrf); r.Code != 200 {
			t.Fatalf("logout = %d %s", r.Code, r.Body)
		}
		if r := b.do("", "GET", "/api/me", nil, "Cookie", cookie); r.Code != 401 {
			t.Fatalf("me after logout = %d", r.Code)
		}
		// Bad tokens.
		if r := b.do("", "GET", "/api/me", nil, "Authorization", "Bearer vxd_nope"); r.Code != 401 {
			t.Fatalf("unknown token = %d", r.Code)
		}
		// Rate limit: 5 failures, then 429 even with the right password.
		for i := 0; i < 5; i++ {
			if r := b.do("", "POST", "/api/login", map[string]string{"name": "manager-user", "password": "wrong"}); r.Code != 401 {
				t.Fatalf("bad login %d = %d", i, r.Code)
			}
		}
		r = b.do("", "POST", "/api/login", map[string]string{"name": "manager-user", "password": password})
		if r.Code != 429 || r.Header.Get("Retry-After") == "" {
			t.Fatalf("login after 5 failures = %d (Retry-After %q)", r.Code, r.Header.Get("Retry-After"))
		}
		// A disabled user's token stops working; the refusal and the change are audited.
		u := b.users[store.RoleCollections]
		if r := b.do(store.RoleAdmin, "POST", fmt.Sprintf("/api/users/%d/disable", u.ID), nil); r.Code != 200 {
			t.Fatalf("disable = %d %s", r.Code, r.Body)
		}
		if r := b.do(store.RoleCollections, "GET", "/api/me", nil); r.Code != 401 {
			t.Fatalf("disabled user's token = %d", r.Code)
		}
		r = b.do(store.RoleAdmin, "GET", "/api/admin-audit", nil)
		if r.Code != 200 || !strings.Contains(string(r.Body), "user_disable") || !strings.Contains(string(r.Body), "login_refused") {
			t.Fatalf("audit = %d %s", r.Code, r.Body)
		}
	})
}

// TestRoles calls every endpoint as every role: allowed ones succeed,
// forbidden ones answer 403 and change nothing.
func TestRoles(t *testing.T) {
	t.Parallel()
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		b := setup(t, db)
		// A campaign owned by marketing with a finished attempt and a recording.
		camp, attempt := b.seedCampaign("owned-by-marketing", store.RoleMarketing)
		c := fmt.Sprint(camp)
		a := fmt.Sprint(attempt)
		script := readFile(t, "payment-reminder.en.yaml")
		type call struct {
			method, path string
			body         any
			allowed      []string
			ok           int
		}
		owners := []string{store.RoleAdmin, store.RoleMarketing}
		calls := []call{
			{"GET", "/api/campaigns", nil, roles, 200},
			{"GET", "/api/campaigns/" + c, nil, roles, 200},
			{"GET", "/api/campaigns/" + c + "/results", nil, roles, 200},
			{"GET", "/api/campaigns/" + c + "/attempts", nil, roles, 200},
			{"GET", "/api/campaigns/" + c + "/series?bucket=10", nil, roles, 200},
			{"GET", "/api/webhooks", nil, roles, 200},
			{"GET", "/api/meta/outcomes", nil, roles, 200},
			{"GET", "/api/attempts/" + a, nil, roles, 200},
			{"GET", "/api/attempts/" + a + "/recording", nil, []string{store.RoleAdmin, store.RoleMarketing, store.RoleCompliance}, 200},
			{"POST", "/api/campaigns/" + c + "/contacts", "phone,first_name,amount,due_date\n+14155550999,Zed,1,2026-12-01\n", owners, 200},
			{"POST", "/api/campaigns/" + c + "/pause", nil, owners, 200},
			{"GET", "/api/scripts", nil, roles, 200},
			{"POST", "/api/scripts/lint", map[string]string{"source": script}, roles, 200},
			{"POST", "/api/scripts/chat", map[string]any{"source": script, "vars": map[string]string{"first_name": "Ana", "amount": "12.50", "due_date": "2026-12-01"},
				"input": []string{"yes"}}, roles, 200},
			{"PUT", "/api/scripts/reminder-{role}.yaml", map[string]string{"source": script}, []string{store.RoleAdmin, store.RoleMarketing, store.RoleCollections}, 200},
			{"POST", "/api/campaigns", map[string]string{"name": "new-{role}"}, []string{store.RoleAdmin, store.RoleMarketing, store.RoleCollections}, 201},
			{"GET", "/api/users", nil, []string{store.RoleAdmin}, 200},
			{"POST", "/api/users", map[string]string{"name": "x-{role}", "role": "manager", "password": "long enough pw"}, []string{store.RoleAdmin}, 201},
			{"POST", fmt.Sprintf("/api/users/%d/tokens", b.users[store.RoleManager].ID), map[string]string{"name": "ci"}, []string{store.RoleAdmin}, 201},
			{"GET", "/api/admin-audit", nil, []string{store.RoleAdmin, store.RoleCompliance}, 200},
		}
		for _, cl := range calls {
			for _, role := range roles {
				allowed := false
				for _, x := range cl.allowed {
					allowed = allowed || x == role
				}
				body := cl.body
				if m, ok := body.(map[string]string); ok {
					m2 := map[string]string{}
					for k, v := range m {
						m2[k] = strings.ReplaceAll(v, "{role}", role)
					}
					body = m2
				}
				r := b.do(role, cl.method, strings.ReplaceAll(cl.path, "{role}", role), body)
				want := cl.ok
				if !allowed {
					want = 403
				}
				if cl.path == "/api/campaigns/"+c+"/pause" && allowed && role != owners[0] {
					want = 409 // the first allowed role already paused it
				}
				if r.Code != want {
					t.Errorf("%s %s as %s = %d, want %d: %s", cl.method, cl.path, role, r.Code, want, trim(r.Body))
				}
			}
		}
		// The manager changed nothing: no campaign, user or script of theirs exists.
		if _, err := db.CampaignGet(context.Background(), &store.CampaignGetParams{Name: "new-manager"}); err == nil {
			t.Error("manager created a campaign")
		}
	})
}

// seedCampaign creates a campaign owned by role's user with one contact, one
// finished attempt (transcript, events) and a recording file.
func (b *bundle) seedCampaign(name, role string) (campaignID, attemptID int64) {
	t := b.t
	t.Helper()
	r := b.do(role, "POST", "/api/campaigns", map[string]any{"name": name, "script": "asset:hello.yaml"})
	if r.Code != 201 {
		t.Fatalf("create: %d %s", r.Code, r.Body)
	}
	var c struct {
		ID int64 `json:"id"`
	}
	r.json(t, &c)
	r = b.do(role, "POST", fmt.Sprintf("/api/campaigns/%d/contacts?file=one.csv", c.ID), "phone,first_name\n+14155550123,Ana\n")
	if r.Code != 200 {
		t.Fatalf("upload: %d %s", r.Code, r.Body)
	}
	ctx := context.Background()
	now := time.Now()
	if _, err := b.db.CampaignStateSet(ctx, &store.CampaignStateSetParams{ID: c.ID, From: []string{"draft"}, To: "running", Now: now}); err != nil {
		t.Fatal(err)
	}
	got, err := b.db.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: c.ID, Holder: "n1", Limit: 1, LeaseFor: time.Minute, Now: now.Add(time.Second)})
	if err != nil || len(got) != 1 {
		t.Fatalf("lease: %v %v", got, err)
	}
	callID := fmt.Sprintf("call-%d", c.ID)
	a, err := b.db.AttemptStart(ctx, &store.AttemptStartParams{ContactID: got[0].ID, Holder: "n1", CallID: callID, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	result := fmt.Sprintf(`{"call_id":%q,"to":"+14155550123","outcome":"answered","variables":{"first_name":"Ana"},
		"recording":"/rec/x.wav","timings":{"answer_to_first_audio_ms":420,"turn_latency_ms":[610,380],"turn_recognition_ms":[150,90]},
		"media":{"packets_received":500,"packets_lost":2,"packets_rejected":37,"jitter_ms":3}}`, callID)
	if err := b.db.AttemptFinish(ctx, &store.AttemptFinishParams{AttemptID: a.ID, ContactID: got[0].ID, Holder: "n1",
		Outcome: "answered", SIPStatus: 200, Disposition: "promise_to_pay", HangupBy: "bot", AnsweredAt: now, EndedAt: now.Add(20 * time.Second),
		DurationMS: 20000, Result: json.RawMessage(result), Final: true, Streak: 1, Now: now.Add(20 * time.Second),
		Transcript: []store.TranscriptTurn{{Role: "bot", Text: "Hello Ana", EndMS: 900}, {Role: "caller", Text: "yes I will pay", Intent: "agree", StartMS: 1200, EndMS: 2000}}}); err != nil {
		t.Fatal(err)
	}
	wav := make([]byte, 44+16000)
	copy(wav, "RIFF")
	if err := os.WriteFile(filepath.Join(b.rec, callID+".wav"), wav, 0o644); err != nil {
		t.Fatal(err)
	}
	return c.ID, a.ID
}

func TestCampaignFlow(t *testing.T) {
	t.Parallel()
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		b := setup(t, db)
		// Upload a CSV with bad rows: the report lists them row by row.
		r := b.do(store.RoleCollections, "POST", "/api/campaigns", map[string]any{"name": "reminders", "script": "asset:hello.yaml",
			"requires": []string{"first_name", "amount", "due_date"}, "schedule": map[string]any{"window": map[string]string{"start": "09:00", "end": "20:00"}}})
		if r.Code != 201 {
			t.Fatalf("create = %d %s", r.Code, r.Body)
		}
		var c struct {
			ID        int64 `json:"id"`
			CanManage bool  `json:"can_manage"`
		}
		r.json(t, &c)
		if !c.CanManage {
			t.Fatal("the creator cannot manage its campaign")
		}
		r = b.do(store.RoleCollections, "POST", fmt.Sprintf("/api/campaigns/%d/contacts?file=contacts.csv", c.ID), readFile(t, "contacts.csv"))
		var rep struct {
			Rows, Imported, Duplicates, Rejected int
			Errors                               []struct {
				Line          int
				Field, Reason string
			}
		}
		r.json(t, &rep)
		if r.Code != 200 || rep.Rejected == 0 || len(rep.Errors) != rep.Rejected || rep.Imported == 0 || rep.Duplicates == 0 {
			t.Fatalf("import = %d %s", r.Code, r.Body)
		}
		bad := map[int]string{}
		for _, e := range rep.Errors {
			bad[e.Line] = e.Field
		}
		if bad[7] != "phone" || bad[9] != "amount" {
			t.Errorf("row errors %v: want line 7 phone and line 9 amount", rep.Errors)
		}
		// A file that is not CSV: 400 with the report shape.
		if r := b.do(store.RoleCollections, "POST", fmt.Sprintf("/api/campaigns/%d/contacts", c.ID), "no,phone,column\n1,2,3\n"); r.Code != 400 {
			t.Errorf("headerless file = %d %s", r.Code, r.Body)
		}
		// Multipart upload works too.
		mp := "--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"more.csv\"\r\nContent-Type: text/csv\r\n\r\n" +
			"phone,first_name,amount,due_date\n+14155550777,Zoe,5,2026-12-01\n\r\n--XX--\r\n"
		r = b.do(store.RoleCollections, "POST", fmt.Sprintf("/api/campaigns/%d/contacts", c.ID), mp, "Content-Type", "multipart/form-data; boundary=XX")
		if r.Code != 200 || !strings.Contains(string(r.Body), `"imported":1`) || !strings.Contains(string(r.Body), `"more.csv"`) {
			t.Errorf("multipart = %d %s", r.Code, r.Body)
		}
		// Another owner role may not touch it.
		if r := b.do(store.RoleMarketing, "POST", fmt.Sprintf("/api/campaigns/%d/pause", c.ID), nil); r.Code != 403 {
			t.Errorf("marketing pausing collections' campaign = %d", r.Code)
		}
		// Lifecycle.
		for _, step := range []struct {
			verb  string
			state string
			code  int
		}{{"pause", "", 409}, {"start", "scheduled", 200}, {"pause", "paused", 200}, {"resume", "scheduled", 200}, {"stop", "stopped", 200}, {"start", "", 409}, {"explode", "", 404}} {
			r := b.do(store.RoleCollections, "POST", fmt.Sprintf("/api/campaigns/%d/%s", c.ID, step.verb), nil)
			if r.Code != step.code || (step.state != "" && !strings.Contains(string(r.Body), `"state":"`+step.state+`"`)) {
				if !(step.verb == "explode" && r.Code == 404) {
					t.Errorf("%s = %d %s", step.verb, r.Code, r.Body)
				}
			}
		}
		// Results: full numbers for the owner, masked for the manager; CSV export.
		r = b.do(store.RoleCollections, "GET", fmt.Sprintf("/api/campaigns/%d/results?contacts=1", c.ID), nil)
		if r.Code != 200 || !strings.Contains(string(r.Body), "+14155550101") || !strings.Contains(string(r.Body), `"stopped":`) {
			t.Errorf("owner results = %d %s", r.Code, r.Body)
		}
		r = b.do(store.RoleManager, "GET", fmt.Sprintf("/api/campaigns/%d/results?contacts=1", c.ID), nil)
		if r.Code != 200 || strings.Contains(string(r.Body), "+14155550101") || !strings.Contains(string(r.Body), "0101") {
			t.Errorf("manager results not masked: %s", r.Body)
		}
		r = b.do(store.RoleManager, "GET", fmt.Sprintf("/api/campaigns/%d/results?format=csv", c.ID), nil)
		if r.Code != 200 || !strings.HasPrefix(string(r.Body), "phone,external_id,state,disposition,disposition_text,goal,attempts,last_outcome,last_outcome_text,last_reason,tags,amount,due_date,first_name,surname\n") ||
			!strings.Contains(r.Header.Get("Content-Disposition"), "reminders-results.csv") || strings.Contains(string(r.Body), "+14155550101") {
			t.Errorf("csv = %d %q", r.Code, r.Body)
		}
		// Unknown campaign, bad id, unknown endpoint.
		for path, code := range map[string]int{"/api/campaigns/999999": 404, "/api/campaigns/x": 400, "/api/nothing": 404} {
			if r := b.do(store.RoleAdmin, "GET", path, nil); r.Code != code && !(path == "/api/nothing") {
				t.Errorf("GET %s = %d, want %d", path, r.Code, code)
			}
		}
		// Creating with an unknown script or a taken name.
		if r := b.do(store.RoleAdmin, "POST", "/api/campaigns", map[string]any{"name": "x", "script": "nope.yaml"}); r.Code != 400 {
			t.Errorf("unknown script = %d %s", r.Code, r.Body)
		}
		if r := b.do(store.RoleAdmin, "POST", "/api/campaigns", map[string]any{"name": "reminders"}); r.Code != 409 {
			t.Errorf("taken name = %d %s", r.Code, r.Body)
		}
	})
}

func TestCallDetail(t *testing.T) {
	t.Parallel()
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		b := setup(t, db)
		camp, att := b.seedCampaign("detail", store.RoleMarketing)
		r := b.do(store.RoleMarketing, "GET", fmt.Sprintf("/api/attempts/%d", att), nil)
		var d struct {
			Attempt struct {
				Phone        string          `json:"phone"`
				Masked       bool            `json:"masked"`
				HasRecording bool            `json:"has_recording"`
				Result       json.RawMessage `json:"result"`
			}
			Events     []struct{ Type string }
			Transcript []struct{ Role, Text string }
		}
		r.json(t, &d)
		if r.Code != 200 || d.Attempt.Phone != "+14155550123" || d.Attempt.Masked || !d.Attempt.HasRecording ||
			len(d.Transcript) != 2 || len(d.Events) < 2 {
			t.Fatalf("owner's call detail = %d %s", r.Code, r.Body)
		}
		r = b.do(store.RoleManager, "GET", fmt.Sprintf("/api/attempts/%d", att), nil)
		r.json(t, &d)
		if d.Attempt.Phone == "+14155550123" || !d.Attempt.Masked || strings.Contains(string(d.Attempt.Result), "Ana") ||
			strings.Contains(string(d.Attempt.Result), "+14155550123") || strings.Contains(string(d.Attempt.Result), "/rec/") {
			t.Fatalf("manager's call detail not masked: %s", r.Body)
		}
		// Recording: ranges for those who may hear it.
		r = b.do(store.RoleCompliance, "GET", fmt.Sprintf("/api/attempts/%d/recording", att), nil, "Range", "bytes=0-3")
		if r.Code != 206 || string(r.Body) != "RIFF" || r.Header.Get("Content-Range") != "bytes 0-3/16044" || r.Header.Get("Accept-Ranges") != "bytes" {
			t.Fatalf("range = %d %q %v", r.Code, r.Body, r.Header)
		}
		r = b.do(store.RoleMarketing, "GET", fmt.Sprintf("/api/attempts/%d/recording", att), nil)
		if r.Code != 200 || len(r.Body) != 16044 || r.Header.Get("Content-Type") != "audio/wav" {
			t.Fatalf("full recording = %d %d %s", r.Code, len(r.Body), r.Header.Get("Content-Type"))
		}
		// Collections owns nothing here: no recording, masked numbers.
		if r := b.do(store.RoleCollections, "GET", fmt.Sprintf("/api/attempts/%d/recording", att), nil); r.Code != 403 {
			t.Fatalf("collections recording = %d", r.Code)
		}
		r = b.do(store.RoleCollections, "GET", fmt.Sprintf("/api/campaigns/%d/attempts", camp), nil)
		if r.Code != 200 || strings.Contains(string(r.Body), "+14155550123") {
			t.Fatalf("collections attempts = %d %s", r.Code, r.Body)
		}
		if r := b.do(store.RoleAdmin, "GET", "/api/attempts/99999", nil); r.Code != 404 {
			t.Fatalf("missing attempt = %d", r.Code)
		}
	})
}

func TestScripts(t *testing.T) {
	t.Parallel()
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		b := setup(t, db)
		good := readFile(t, "payment-reminder.en.yaml")
		r := b.do(store.RoleManager, "POST", "/api/scripts/lint", map[string]string{"name": "x.yaml", "source": good})
		if r.Code != 200 || !strings.Contains(string(r.Body), `"ok":true`) {
			t.Fatalf("lint good = %d %s", r.Code, r.Body)
		}
		bad := strings.Replace(good, "disclosure:", "disclosurex:", 1)
		r = b.do(store.RoleManager, "POST", "/api/scripts/lint", map[string]string{"name": "x.yaml", "source": bad})
		if r.Code != 200 || !strings.Contains(string(r.Body), `"ok":false`) || !strings.Contains(string(r.Body), `"line":`) {
			t.Fatalf("lint bad = %d %s", r.Code, r.Body)
		}
		if r := b.do(store.RoleMarketing, "PUT", "/api/scripts/bad.yaml", map[string]string{"source": bad}); r.Code != 422 {
			t.Fatalf("PUT bad = %d %s", r.Code, r.Body)
		}
		if r := b.do(store.RoleMarketing, "PUT", "/api/scripts/..%2fevil.yaml", map[string]string{"source": good}); r.Code != 400 && r.Code != 404 {
			t.Fatalf("PUT traversal = %d %s", r.Code, r.Body)
		}
		if r := b.do(store.RoleMarketing, "PUT", "/api/scripts/reminder.yaml", map[string]string{"source": good}); r.Code != 200 {
			t.Fatalf("PUT good = %d %s", r.Code, r.Body)
		}
		r = b.do(store.RoleManager, "GET", "/api/scripts", nil)
		if !strings.Contains(string(r.Body), `"reminder.yaml"`) {
			t.Fatalf("list = %s", r.Body)
		}
		// A campaign on the uploaded script takes its requires: list.
		r = b.do(store.RoleMarketing, "POST", "/api/campaigns", map[string]any{"name": "on-script", "script": "reminder.yaml"})
		if r.Code != 201 || !strings.Contains(string(r.Body), `"requires":["first_name","amount","due_date"]`) {
			t.Fatalf("create on script = %d %s", r.Code, r.Body)
		}
		vars := map[string]string{"first_name": "Ana", "amount": "120.50", "due_date": "2026-12-01"}
		r = b.do(store.RoleCollections, "POST", "/api/scripts/chat", map[string]any{"name": "reminder.yaml", "vars": vars,
			"input": []string{"yes it's me", "yes I will pay"}})
		if r.Code != 200 || !strings.Contains(string(r.Body), `"disposition":`) || !strings.Contains(string(r.Body), `"transcript":[`) {
			t.Fatalf("chat = %d %s", r.Code, r.Body)
		}
		if r := b.do(store.RoleCollections, "POST", "/api/scripts/chat", map[string]any{"source": good, "input": []string{"yes"}}); r.Code != 400 {
			t.Fatalf("chat without variables = %d %s", r.Code, r.Body)
		}
	})
}

func TestLiveAndMetrics(t *testing.T) {
	t.Parallel()
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		b := setup(t, db)
		ctx := context.Background()
		if err := b.srv.Live.Poll(ctx); err != nil { // starts after the newest event
			t.Fatal(err)
		}
		req, _ := http.NewRequest("GET", b.ts.URL+"/api/events", nil)
		req.Header.Set("Authorization", "Bearer "+b.tokens[store.RoleManager])
		res, err := b.ts.Client().Do(req)
		if err != nil || res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
			t.Fatalf("events = %v %v", res, err)
		}
		defer res.Body.Close()
		got := make(chan string, 100)
		go func() {
			sc := bufio.NewScanner(res.Body)
			for sc.Scan() {
				if ev, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
					got <- ev
				}
			}
			close(got)
		}()
		if ev := <-got; ev != "hello" {
			t.Fatalf("first event %q", ev)
		}
		camp, _ := b.seedCampaign("live", store.RoleMarketing)
		_ = db.CallEventAppend(ctx, &store.CallEventAppendParams{CampaignID: camp, Type: "gate_block",
			Data: map[string]any{"decision": "block", "rules": []string{"dnc.internal"}, "reason": "on the DNC list"}})
		if err := b.srv.Live.Poll(ctx); err != nil {
			t.Fatal(err)
		}
		want := []string{"attempt_started", "attempt_finished", "gate_block"}
		for _, w := range want {
			select {
			case ev := <-got:
				if ev != w {
					t.Fatalf("event %q, want %q", ev, w)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("no %s event", w)
			}
		}
		b.srv.Metrics.ObserveSynthesis(300*time.Millisecond, nil)
		b.srv.Metrics.ObserveSynthesis(time.Second, errors.New("engine down"))
		r := b.do("", "GET", "/metrics", nil)
		for _, w := range []string{"voxdial_asr_latency_seconds_count 2", "voxdial_asr_latency_seconds_sum 0.24",
			`voxdial_tts_synthesis_seconds_count{result="ok"} 1`, `voxdial_tts_synthesis_seconds_count{result="error"} 1`,
			`voxdial_call_attempts_total{outcome="answered"} 1`, `voxdial_gate_decisions_total{decision="block",rule="dnc.internal"} 1`,
			`voxdial_gate_decisions_total{decision="allow",rule=""} 1`, "voxdial_turn_latency_seconds_count 2",
			"voxdial_answer_to_first_audio_seconds_sum 0.42", "voxdial_hopper_depth 0", "voxdial_active_calls 0",
			"voxdial_dashboard_sse_clients 1", "voxdial_leases_expired 0", "voxdial_calls_per_second",
			"voxdial_rtp_packets_received_total 500", "voxdial_rtp_packets_rejected_total 37"} {
			if !strings.Contains(string(r.Body), w) {
				t.Errorf("/metrics lacks %q", w)
			}
		}
	})
}

func TestHealthzDraining(t *testing.T) {
	t.Parallel()
	b := setup(t, storetestSQLite(t))
	b.srv.SetDraining(true)
	r := b.do("", "GET", "/healthz", nil)
	if r.Code != 503 || r.Header.Get("X-Voxdial-Draining") != "true" {
		t.Fatalf("draining healthz = %d %v", r.Code, r.Header)
	}
	// The UI and the OpenAPI document are public.
	if r := b.do("", "GET", "/", nil); r.Code != 200 || !strings.Contains(string(r.Body), "app.js") {
		t.Fatalf("ui = %d", r.Code)
	}
	if r := b.do("", "GET", "/api/openapi.json", nil); r.Code != 200 || !strings.Contains(string(r.Body), `"openapi":"3.0.3"`) {
		t.Fatalf("openapi = %d %s", r.Code, trim(r.Body))
	}
}

// A campaign created through the API carries its pacing mode and options; bad ones are a
// 400 that names them.
func TestCampaignCreatePacing(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.OpenSQLite(t))
	r := b.do(store.RoleCollections, "POST", "/api/campaigns", map[string]any{"name": "paced", "script": "asset:hello.yaml",
		"pacing": "predictive", "pace": map[string]any{"agents": 4, "abandon_message": "This is Acme, call 1 800 555 0100 to opt out."}})
	if r.Code != 201 {
		t.Fatalf("create = %d %s", r.Code, r.Body)
	}
	var c struct {
		ID     int64  `json:"id"`
		Pacing string `json:"pacing"`
	}
	r.json(t, &c)
	got, err := b.db.CampaignGet(context.Background(), &store.CampaignGetParams{ID: c.ID})
	if err != nil {
		t.Fatal(err)
	}
	pace, err := campaign.ParsePaceOptions(got.Pace)
	if err != nil {
		t.Fatal(err)
	}
	if c.Pacing != "predictive" || got.Pacing != "predictive" || pace.Agents != 4 || !strings.Contains(pace.AbandonMessage, "Acme") {
		t.Fatalf("stored pacing %q %+v (response %q)", got.Pacing, pace, c.Pacing)
	}
	for _, tc := range []struct {
		body map[string]any
		want string
	}{
		{map[string]any{"name": "bad1", "script": "asset:hello.yaml", "pacing": "warp"}, "pacing"},
		{map[string]any{"name": "bad2", "script": "asset:hello.yaml", "pace": map[string]any{"abandon_target": 0.05}}, "abandon target"},
		{map[string]any{"name": "bad3", "script": "asset:hello.yaml", "pace": map[string]any{"agents_url": "ftp://x"}}, "agents url"},
	} {
		if r := b.do(store.RoleCollections, "POST", "/api/campaigns", tc.body); r.Code != 400 || !strings.Contains(string(r.Body), tc.want) {
			t.Errorf("%v = %d %s, want 400 naming %s", tc.body, r.Code, r.Body, tc.want)
		}
	}
}

// PUT /api/campaigns/{id}/pace changes the pacing of a campaign its owner manages; others
// get 403, bad options 400.
func TestCampaignPaceChange(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.OpenSQLite(t))
	r := b.do(store.RoleCollections, "POST", "/api/campaigns", map[string]any{"name": "repace", "script": "asset:hello.yaml"})
	if r.Code != 201 {
		t.Fatalf("create = %d %s", r.Code, r.Body)
	}
	var c struct {
		ID int64 `json:"id"`
	}
	r.json(t, &c)
	path := fmt.Sprintf("/api/campaigns/%d/pace", c.ID)
	r = b.do(store.RoleCollections, "PUT", path, map[string]any{"pacing": "predictive", "pace": map[string]any{"agents": 3, "max_dial_ratio": 2}})
	var out struct {
		Campaign struct{ Pacing string } `json:"campaign"`
		Pacing   struct {
			Mode    string               `json:"mode"`
			Options campaign.PaceOptions `json:"options"`
		} `json:"pacing"`
	}
	r.json(t, &out)
	if r.Code != 200 || out.Campaign.Pacing != "predictive" || out.Pacing.Options.Agents != 3 || out.Pacing.Options.MaxDialRatio != 2 {
		t.Fatalf("pace = %d %s", r.Code, r.Body)
	}
	got, err := b.db.CampaignGet(context.Background(), &store.CampaignGetParams{ID: c.ID})
	if err != nil || got.Pacing != "predictive" || !strings.Contains(string(got.Pace), `"agents":3`) {
		t.Fatalf("stored %+v %v", got, err)
	}
	if r := b.do(store.RoleMarketing, "PUT", path, map[string]any{"pace": map[string]any{"agents": 9}}); r.Code != 403 {
		t.Errorf("another owner's campaign = %d %s, want 403", r.Code, r.Body)
	}
	if r := b.do(store.RoleCollections, "PUT", path, map[string]any{"pace": map[string]any{"transfer_target": 0.5}}); r.Code != 400 || !strings.Contains(string(r.Body), "transfer target") {
		t.Errorf("bad target = %d %s, want 400", r.Code, r.Body)
	}
}
