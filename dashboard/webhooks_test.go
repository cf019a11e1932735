package dashboard_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/voxdial/voxdial/dashboard/webhook"
	"github.com/voxdial/voxdial/internal/safehttp"
	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
)

func TestWebhooks(t *testing.T) {
	t.Parallel()
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		b := setup(t, db)
		var mu sync.Mutex
		var bodies [][]byte
		var sigs []string
		fails := 1 // the first request gets a 500: the delivery is retried
		recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			mu.Lock()
			defer mu.Unlock()
			bodies, sigs = append(bodies, body), append(sigs, r.Header.Get(webhook.SignatureHeader))
			if fails > 0 {
				fails--
				w.WriteHeader(500)
				return
			}
			w.WriteHeader(204)
		}))
		defer recv.Close()
		camp, _ := b.seedCampaign("hooked", store.RoleMarketing)
		type call struct {
			name    string
			body    map[string]any
			allowed []string
		}
		for _, cl := range []call{
			{"deployment-wide", map[string]any{"url": recv.URL + "/all", "secret": "0123456789abcdef-{role}"}, []string{store.RoleAdmin}},
			{"campaign's", map[string]any{"url": recv.URL + "/c", "campaign_id": camp}, []string{store.RoleAdmin, store.RoleMarketing}},
		} {
			for _, role := range roles {
				body := map[string]any{}
				for k, v := range cl.body {
					if s, ok := v.(string); ok {
						v = strings.ReplaceAll(s, "{role}", role)
					}
					body[k] = v
				}
				r := b.do(role, "POST", "/api/webhooks", body)
				want := 403
				for _, a := range cl.allowed {
					if a == role {
						want = 201
					}
				}
				if r.Code != want {
					t.Errorf("%s webhook as %s = %d, want %d: %s", cl.name, role, r.Code, want, trim(r.Body))
				}
				if r.Code == 201 {
					var out struct {
						Secret  string `json:"secret"`
						Webhook struct {
							ID, CampaignID int64
							CreatedBy      string `json:"created_by"`
						} `json:"webhook"`
					}
					r.json(t, &out)
					if s, ok := body["secret"].(string); (ok && out.Secret != s) || (!ok && !strings.HasPrefix(out.Secret, "whsec_")) {
						t.Errorf("secret %q", out.Secret)
					}
					if out.Webhook.CreatedBy != role+"-user" {
						t.Errorf("created_by %q", out.Webhook.CreatedBy)
					}
				}
			}
		}
		for _, bad := range []map[string]any{{"url": "ftp://x/"}, {"url": recv.URL, "secret": "short"}, {"url": recv.URL, "bogus": 1}} {
			if r := b.do(store.RoleAdmin, "POST", "/api/webhooks", bad); r.Code != 400 {
				t.Errorf("bad webhook %v = %d %s", bad, r.Code, r.Body)
			}
		}
		if r := b.do(store.RoleAdmin, "POST", "/api/webhooks", map[string]any{"url": recv.URL, "campaign_id": 99999}); r.Code != 404 {
			t.Errorf("webhook of a missing campaign = %d %s", r.Code, r.Body)
		}
		// Everyone reads the list; no secret ever comes back.
		var list struct {
			Webhooks []struct {
				ID         int64  `json:"id"`
				CampaignID int64  `json:"campaign_id"`
				URL        string `json:"url"`
			} `json:"webhooks"`
		}
		for _, role := range roles {
			r := b.do(role, "GET", "/api/webhooks", nil)
			if r.Code != 200 || strings.Contains(string(r.Body), "0123456789abcdef") || strings.Contains(string(r.Body), "whsec_") {
				t.Fatalf("list as %s = %d %s", role, r.Code, r.Body)
			}
			// Paths only for those who manage the webhook: admin all, marketing its campaign's.
			for path, see := range map[string]bool{"/all\"": role == store.RoleAdmin, "/c\"": role == store.RoleAdmin || role == store.RoleMarketing} {
				if strings.Contains(string(r.Body), path) != see {
					t.Errorf("list as %s shows %s: %v, want %v: %s", role, path, !see, see, r.Body)
				}
			}
			r.json(t, &list)
		}
		if len(list.Webhooks) != 3 {
			t.Fatalf("%d webhooks, want 3 (admin's global, admin's and marketing's campaign ones)", len(list.Webhooks))
		}
		// Disable all but the first deployment-wide one; manager and compliance may not.
		for _, wh := range list.Webhooks[1:] {
			for _, role := range []string{store.RoleManager, store.RoleCompliance, store.RoleCollections} {
				if r := b.do(role, "POST", fmt.Sprintf("/api/webhooks/%d/disable", wh.ID), nil); r.Code != 403 {
					t.Errorf("disable as %s = %d", role, r.Code)
				}
			}
			if r := b.do(store.RoleMarketing, "POST", fmt.Sprintf("/api/webhooks/%d/disable", wh.ID), nil); r.Code != 200 {
				t.Errorf("disable as owner = %d %s", r.Code, r.Body)
			}
		}
		if r := b.do(store.RoleMarketing, "POST", fmt.Sprintf("/api/webhooks/%d/disable", list.Webhooks[0].ID), nil); r.Code != 403 {
			t.Errorf("marketing disabled a deployment-wide webhook: %d", r.Code)
		}
		// A call ends: the dispatcher delivers it (500, then 204) and the API shows both tries.
		_, attempt := b.seedCampaign("after-hooks", store.RoleCollections)
		now := time.Now()
		d, err := webhook.New(webhook.Options{Store: db, Policy: allowLoopback(t), Holder: "t", Backoff: time.Second, Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		for i := 0; i < 2; i++ {
			if _, err := d.Step(ctx); err != nil {
				t.Fatal(err)
			}
			now = now.Add(2 * time.Second)
		}
		mu.Lock()
		if len(bodies) != 2 {
			t.Fatalf("receiver got %d requests, want 2", len(bodies))
		}
		var p webhook.Payload
		if err := json.Unmarshal(bodies[1], &p); err != nil || p.Attempt.ID != attempt || p.Campaign.Name != "after-hooks" || p.Attempt.Phone != "+14155550123" {
			t.Errorf("payload %s: %v", bodies[1], err)
		}
		if err := webhook.Verify("0123456789abcdef-admin", sigs[1], bodies[1], now, time.Minute); err != nil {
			t.Errorf("signature: %v", err)
		}
		mu.Unlock()
		for _, role := range roles {
			r := b.do(role, "GET", fmt.Sprintf("/api/webhooks/%d/deliveries", list.Webhooks[0].ID), nil)
			var out struct {
				Deliveries []struct {
					AttemptID int64  `json:"attempt_id"`
					State     string `json:"state"`
					TryLog    []struct {
						Status int `json:"status"`
					} `json:"try_log"`
				} `json:"deliveries"`
			}
			r.json(t, &out)
			if r.Code != 200 || len(out.Deliveries) != 1 || out.Deliveries[0].State != "delivered" || out.Deliveries[0].AttemptID != attempt ||
				len(out.Deliveries[0].TryLog) != 2 || out.Deliveries[0].TryLog[0].Status != 500 || out.Deliveries[0].TryLog[1].Status != 204 {
				t.Errorf("deliveries as %s: %d %s", role, r.Code, r.Body)
			}
		}
		// Webhook changes are in the admin audit.
		r := b.do(store.RoleAdmin, "GET", "/api/admin-audit", nil)
		if !strings.Contains(string(r.Body), "webhook_add") || !strings.Contains(string(r.Body), "webhook_disable") {
			t.Errorf("admin audit lacks webhook changes: %s", trim(r.Body))
		}
	})
}

// TestWebhookTargets: webhook and agent queue URLs on addresses only the
// dialer host can reach are refused, in every spelling, unless the operator
// allows them; a name resolving to loopback is refused when the dispatcher
// connects; the delivery log never shows the receiver's token.
func TestWebhookTargets(t *testing.T) {
	t.Parallel()
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		var hits atomic.Int32
		recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			w.WriteHeader(204)
		}))
		defer recv.Close()
		_, port, _ := net.SplitHostPort(strings.TrimPrefix(recv.URL, "http://"))
		b := setupWith(t, db, nil) // no allowlist
		camp, _ := b.seedCampaign("targets", store.RoleMarketing)
		for _, u := range []string{"http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:5432/", "http://[::1]:6379/",
			"http://0x7f000001/", "http://2130706433/", "http://[::ffff:127.0.0.1]/", "http://10.0.0.5/hook", "http://0.0.0.0:" + port + "/"} {
			r := b.do(store.RoleMarketing, "POST", "/api/webhooks", map[string]any{"url": u, "campaign_id": camp})
			if r.Code != 400 || !strings.Contains(string(r.Body), "refused") {
				t.Errorf("webhook to %s = %d %s, want 400 refused", u, r.Code, trim(r.Body))
			}
			r = b.do(store.RoleMarketing, "PUT", fmt.Sprintf("/api/campaigns/%d/pace", camp), map[string]any{"pace": map[string]any{"agents_url": u}})
			if r.Code != 400 || !strings.Contains(string(r.Body), "refused") {
				t.Errorf("agents_url %s = %d %s, want 400 refused", u, r.Code, trim(r.Body))
			}
		}
		// A name passes the API; the dispatcher resolves it, and refuses loopback.
		hookURL := "http://localhost:" + port + "/hook?token=receiver-secret-42"
		r := b.do(store.RoleAdmin, "POST", "/api/webhooks", map[string]any{"url": hookURL})
		if r.Code != 201 {
			t.Fatalf("webhook by name = %d %s", r.Code, trim(r.Body))
		}
		var created struct {
			Webhook struct{ ID int64 } `json:"webhook"`
		}
		r.json(t, &created)
		b.seedCampaign("targets-call", store.RoleCollections) // a call ends after the webhook exists
		now := time.Now()
		step := func(p *safehttp.Policy) {
			t.Helper()
			d, err := webhook.New(webhook.Options{Store: db, Policy: p, Holder: "t", MaxTries: 10, Backoff: time.Second, Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := d.Step(context.Background()); err != nil {
				t.Fatal(err)
			}
			now = now.Add(3 * time.Second)
		}
		step(nil)
		if hits.Load() != 0 {
			t.Fatal("a webhook to localhost was delivered without an allowlist")
		}
		allow, _ := safehttp.ParsePolicy([]string{"127.0.0.1:" + port})
		step(allow)
		if hits.Load() != 1 {
			t.Fatalf("receiver hits = %d after allowing 127.0.0.1:%s, want 1", hits.Load(), port)
		}
		for _, role := range roles {
			r := b.do(role, "GET", fmt.Sprintf("/api/webhooks/%d/deliveries", created.Webhook.ID), nil)
			var out struct {
				Deliveries []struct {
					State  string `json:"state"`
					TryLog []struct {
						Status int    `json:"status"`
						Error  string `json:"error"`
					} `json:"try_log"`
				} `json:"deliveries"`
			}
			r.json(t, &out)
			if len(out.Deliveries) != 1 || out.Deliveries[0].State != "delivered" || len(out.Deliveries[0].TryLog) != 2 ||
				out.Deliveries[0].TryLog[0].Error != "refused: loopback address not allowed" || out.Deliveries[0].TryLog[1].Status != 204 {
				t.Errorf("deliveries as %s: %s", role, trim(r.Body))
			}
			if strings.Contains(string(r.Body), "receiver-secret-42") || strings.Contains(string(r.Body), port) {
				t.Errorf("deliveries as %s leak the URL: %s", role, trim(r.Body))
			}
		}
	})
}
