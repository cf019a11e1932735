package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
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

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

var t0 = time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)

type rows struct {
	rs []store.ContactRow
	i  int
}

func (r *rows) Next() bool             { r.i++; return r.i <= len(r.rs) }
func (r *rows) Row() *store.ContactRow { return &r.rs[r.i-1] }
func (r *rows) Err() error             { return nil }
func phone(i int) string               { return fmt.Sprintf("+1415555%04d", i) }

// finishedAttempt makes a campaign with one contact and records one
// answered, final attempt on it, after the webhooks exist.
func finishedAttempt(t *testing.T, db *store.DB, name string) *store.Attempt {
	t.Helper()
	ctx := context.Background()
	c, err := db.CampaignCreate(ctx, &store.CampaignCreateParams{Name: name, Now: t0, MaxAttempts: 3, Purpose: "collections"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ContactImport(ctx, &store.ContactImportParams{CampaignID: c.ID, ListName: "t",
		Source: &rows{rs: []store.ContactRow{{Line: 2, Phone: phone(1), Variables: []byte(`{"first_name":"Ana"}`)}}}, Now: t0}); err != nil {
		t.Fatal(err)
	}
	got, err := db.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: c.ID, Holder: "n1", Now: t0})
	if err != nil || len(got) != 1 {
		t.Fatal(got, err)
	}
	a, err := db.AttemptStart(ctx, &store.AttemptStartParams{ContactID: got[0].ID, Holder: "n1", CallID: "call-" + name, Trunk: "sim", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.AttemptFinish(ctx, &store.AttemptFinishParams{AttemptID: a.ID, ContactID: got[0].ID, Holder: "n1", Outcome: "answered",
		SIPStatus: 200, Disposition: "promise_to_pay", HangupBy: "bot", AnsweredAt: t0.Add(2 * time.Second), EndedAt: t0.Add(9 * time.Second),
		DurationMS: 7000, Result: json.RawMessage(`{"outcome":"answered","disposition":"promise_to_pay","sip_status":200}`),
		Transcript: []store.TranscriptTurn{{Role: "bot", Text: "Hello Ana", EndMS: 900}, {Role: "caller", Text: "yes", Intent: "yes", StartMS: 1000, EndMS: 1300}},
		Final:      true, Streak: 1, Now: t0.Add(9 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	return a
}

// receiver is a webhook endpoint answering with a scripted list of
// statuses (the last one repeats) and keeping what it was sent.
type receiver struct {
	secret   string
	statuses []int
	mu       sync.Mutex
	got      []received
}

type received struct {
	body      []byte
	delivery  string
	event     string
	verifyErr error
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	// Signed "now" is the dispatcher's fake clock: check the MAC, not the age.
	err := webhook.Verify(rc.secret, r.Header.Get(webhook.SignatureHeader), body, time.Now(), -1)
	rc.got = append(rc.got, received{body: body, delivery: r.Header.Get(webhook.DeliveryHeader), event: r.Header.Get(webhook.EventHeader), verifyErr: err})
	st := rc.statuses[min(len(rc.got), len(rc.statuses))-1]
	w.WriteHeader(st)
}

func TestDispatcher(t *testing.T) {
	t.Parallel()
	closedURL := func() string { // a port nobody listens on
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		u := "http://" + ln.Addr().String() + "/hook"
		ln.Close()
		return u
	}
	for _, backend := range []string{"sqlite", "postgres"} {
		for _, tc := range []struct {
			name      string
			statuses  []int // nil: nothing listens
			maxTries  int
			wantState string
			wantTries []int  // status of each try (0: no response)
			allow     string // the operator's allowlist ("": loopback is refused)
			wantError string // the last error recorded ("": any)
		}{
			{"first try", []int{200}, 5, store.DeliveryDelivered, []int{200}, "127.0.0.0/8", ""},
			{"retries after 500s", []int{500, 502, 204}, 5, store.DeliveryDelivered, []int{500, 502, 204}, "127.0.0.1", ""},
			{"gives up after N", []int{503}, 3, store.DeliveryFailed, []int{503, 503, 503}, "127.0.0.0/8", "HTTP 5xx"},
			{"redirect is a failure", []int{302}, 2, store.DeliveryFailed, []int{302, 302}, "127.0.0.0/8", "HTTP 3xx (redirects are not followed)"},
			{"nothing listening", nil, 2, store.DeliveryFailed, []int{0, 0}, "127.0.0.0/8", "connection failed"},
			{"loopback refused without allowlist", []int{200}, 2, store.DeliveryFailed, []int{0, 0}, "", "refused: loopback address not allowed"},
			{"loopback allowed by name", []int{200}, 5, store.DeliveryDelivered, []int{200}, "localhost:{port}", ""},
		} {
			t.Run(backend+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				var db *store.DB
				if backend == "sqlite" {
					db = storetest.OpenSQLite(t)
				} else {
					db = storetest.OpenPostgres(t)
				}
				ctx := context.Background()
				rc := &receiver{secret: "s3cr3t-0123456789", statuses: tc.statuses}
				url := closedURL()
				if tc.statuses != nil {
					ts := httptest.NewServer(rc)
					defer ts.Close()
					url = ts.URL + "/hook"
				}
				_, port, _ := net.SplitHostPort(strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/hook"))
				if strings.Contains(tc.allow, "localhost") {
					url = "http://localhost:" + port + "/hook"
				}
				url += "?token=receiver-token-XYZ" // the receiver's own secret: never in the log
				policy, err := safehttp.ParsePolicy([]string{strings.ReplaceAll(tc.allow, "{port}", port)})
				if err != nil {
					t.Fatal(err)
				}
				wh, err := db.WebhookCreate(ctx, &store.WebhookCreateParams{URL: url, Secret: rc.secret, Now: t0})
				if err != nil {
					t.Fatal(err)
				}
				a := finishedAttempt(t, db, "c")
				var now atomic.Int64
				now.Store(t0.Add(time.Minute).UnixNano())
				clock := func() time.Time { return time.Unix(0, now.Load()).UTC() }
				var tries []webhook.Try
				var triesMu sync.Mutex
				d, err := webhook.New(webhook.Options{Store: db, Policy: policy, Holder: "n1", MaxTries: tc.maxTries, Backoff: time.Second,
					MaxBackoff: 4 * time.Second, Timeout: 5 * time.Second, Now: clock,
					OnTry: func(tr webhook.Try) { triesMu.Lock(); tries = append(tries, tr); triesMu.Unlock() }})
				if err != nil {
					t.Fatal(err)
				}
				var ds []*store.WebhookDelivery
				for i := 0; i < 20; i++ {
					if _, err := d.Step(ctx); err != nil {
						t.Fatal(err)
					}
					ds, err = db.WebhookDeliveryList(ctx, &store.WebhookDeliveryListParams{WebhookID: wh.ID, WithTries: true})
					if err != nil {
						t.Fatal(err)
					}
					if len(ds) == 1 && ds[0].State != store.DeliveryPending {
						break
					}
					// Not due before its back-off: one step now sends nothing.
					if n, _ := d.Step(ctx); n != 0 {
						t.Fatalf("step %d sent %d deliveries before the back-off passed", i, n)
					}
					now.Add(int64(5 * time.Second)) // past any back-off (≤ 4 s + 25 %)
				}
				if len(ds) != 1 {
					t.Fatalf("deliveries: %d, want 1", len(ds))
				}
				dl := ds[0]
				if dl.State != tc.wantState || dl.AttemptID != a.ID || dl.Tries != len(tc.wantTries) || len(dl.TryLog) != len(tc.wantTries) {
					t.Fatalf("delivery %+v (tries %d), want %s after %d tries", dl, len(dl.TryLog), tc.wantState, len(tc.wantTries))
				}
				for i, tr := range dl.TryLog {
					if tr.Status != tc.wantTries[i] || tr.TryNo != i+1 || (tr.Status/100 != 2) != (tr.Error != "") {
						t.Errorf("try %d: %+v, want status %d", i+1, tr, tc.wantTries[i])
					}
				}
				// Back-off: each retry waited at least base·2^(n-1).
				for i := 1; i < len(dl.TryLog); i++ {
					gap := dl.TryLog[i].At.Sub(dl.TryLog[i-1].At)
					if want := webhook.Backoff(time.Second, 4*time.Second, i); gap < want {
						t.Errorf("try %d came %s after try %d, want ≥ %s", i+1, gap, i, want)
					}
				}
				if len(tries) != len(tc.wantTries) || tries[len(tries)-1].Result != map[string]string{store.DeliveryDelivered: "delivered", store.DeliveryFailed: "failed"}[tc.wantState] {
					t.Errorf("OnTry heard %+v", tries)
				}
				if tc.wantError != "" && dl.LastError != tc.wantError {
					t.Errorf("last error %q, want %q", dl.LastError, tc.wantError)
				}
				for _, tr := range dl.TryLog {
					if strings.Contains(tr.Error, "XYZ") || strings.Contains(tr.Error, port) || strings.Contains(tr.Error, "127.") {
						t.Errorf("try %d error %q leaks the URL or address", tr.TryNo, tr.Error)
					}
				}
				rc.mu.Lock()
				defer rc.mu.Unlock()
				if tc.statuses == nil || tc.wantTries[0] == 0 {
					if len(rc.got) != 0 {
						t.Fatalf("receiver got %d requests, want none", len(rc.got))
					}
					return
				}
				if len(rc.got) != len(tc.wantTries) {
					t.Fatalf("receiver got %d requests, want %d", len(rc.got), len(tc.wantTries))
				}
				for i, g := range rc.got {
					if g.verifyErr != nil || g.event != webhook.EventCallFinished || g.delivery != fmt.Sprint(dl.ID) {
						t.Errorf("request %d: verify %v, event %q, delivery %q", i, g.verifyErr, g.event, g.delivery)
					}
					if string(g.body) != string(rc.got[0].body) {
						t.Errorf("request %d sent a different body than the first", i)
					}
					if err := webhook.Verify("another secret!!", "t=1,v1=00", g.body, time.Now(), -1); !errors.Is(err, webhook.ErrBadSignature) {
						t.Errorf("a wrong secret verified: %v", err)
					}
				}
				var p webhook.Payload
				if err := json.Unmarshal(rc.got[0].body, &p); err != nil {
					t.Fatal(err)
				}
				var res map[string]any
				_ = json.Unmarshal(p.Attempt.Result, &res)
				if p.Event != "call.finished" || p.Campaign.Name != "c" || p.Attempt.ID != a.ID || p.Attempt.Outcome != "answered" ||
					p.Attempt.Disposition != "promise_to_pay" || p.Attempt.Phone != phone(1) || res["sip_status"] != 200.0 ||
					len(p.Transcript) != 2 || p.Transcript[1].Intent != "yes" || p.WebhookID != wh.ID || p.DeliveryID != dl.ID {
					t.Errorf("payload: %s", rc.got[0].body)
				}
				if dl.Payload != string(rc.got[0].body) {
					t.Errorf("recorded payload differs from the one sent")
				}
			})
		}
	}
}

func TestSignVerify(t *testing.T) {
	t.Parallel()
	body := []byte(`{"event":"call.finished"}`)
	at := time.Unix(1_800_000_000, 0)
	good := webhook.Sign("secret", at, body)
	if !strings.HasPrefix(good, "t=1800000000,v1=") || len(good) != len("t=1800000000,v1=")+64 {
		t.Fatalf("Sign = %q", good)
	}
	for _, tc := range []struct {
		name, secret, header string
		body                 []byte
		now                  time.Time
		want                 error
	}{
		{"good", "secret", good, body, at.Add(time.Minute), nil},
		{"second v1 matches (secret rotation)", "secret", "t=1800000000,v1=" + strings.Repeat("0", 64) + "," + good[len("t=1800000000,"):], body, at, nil},
		{"tampered body", "secret", good, []byte(`{"event":"call.finishes"}`), at, webhook.ErrBadSignature},
		{"wrong secret", "secre7", good, body, at, webhook.ErrBadSignature},
		{"timestamp changed", "secret", strings.Replace(good, "t=1800000000", "t=1800000001", 1), body, at, webhook.ErrBadSignature},
		{"too old", "secret", good, body, at.Add(6 * time.Minute), webhook.ErrStale},
		{"from the future", "secret", good, body, at.Add(-6 * time.Minute), webhook.ErrStale},
		{"no v1", "secret", "t=1800000000", body, at, webhook.ErrMalformed},
		{"garbage", "secret", "sha256=abc", body, at, webhook.ErrMalformed},
		{"empty", "secret", "", body, at, webhook.ErrMalformed},
	} {
		if err := webhook.Verify(tc.secret, tc.header, tc.body, tc.now, 0); !errors.Is(err, tc.want) {
			t.Errorf("%s: Verify = %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		n    int
		want time.Duration
	}{{1, 10 * time.Second}, {2, 20 * time.Second}, {3, 40 * time.Second}, {8, 1280 * time.Second}, {9, 2560 * time.Second}, {10, time.Hour}, {60, time.Hour}} {
		if got := webhook.Backoff(10*time.Second, time.Hour, tc.n); got != tc.want {
			t.Errorf("Backoff(10s, 1h, %d) = %s, want %s", tc.n, got, tc.want)
		}
	}
}

// TestDispatcherTwoNodes: two nodes' dispatchers share PostgreSQL; the
// leases keep every delivery to one request.
func TestDispatcherTwoNodes(t *testing.T) {
	t.Parallel()
	db := storetest.OpenPostgres(t)
	ctx := context.Background()
	var mu sync.Mutex
	got := map[string]int{}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got[r.Header.Get(webhook.DeliveryHeader)]++
		mu.Unlock()
	}))
	defer ts.Close()
	allowLoopback, _ := safehttp.ParsePolicy([]string{"127.0.0.0/8"})
	if _, err := db.WebhookCreate(ctx, &store.WebhookCreateParams{URL: ts.URL, Secret: "0123456789abcdef", Now: t0}); err != nil {
		t.Fatal(err)
	}
	const calls = 12
	for i := 0; i < calls; i++ {
		finishedAttempt(t, db, fmt.Sprintf("c%d", i))
	}
	var nodes []*webhook.Dispatcher
	for _, name := range []string{"n1", "n2"} {
		d, err := webhook.New(webhook.Options{Store: db, Policy: allowLoopback, Holder: name, Batch: 4})
		if err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, d)
	}
	for round := 0; round < 10; round++ {
		var wg sync.WaitGroup
		for _, d := range nodes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := d.Step(ctx); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n == calls {
			break
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != calls {
		t.Fatalf("%d deliveries received, want %d", len(got), calls)
	}
	for id, n := range got {
		if n != 1 {
			t.Errorf("delivery %s sent %d times", id, n)
		}
	}
	ds, _ := db.WebhookDeliveryList(ctx, &store.WebhookDeliveryListParams{Limit: 100})
	for _, d := range ds {
		if d.State != store.DeliveryDelivered || d.Tries != 1 {
			t.Errorf("delivery %+v", d)
		}
	}
}
