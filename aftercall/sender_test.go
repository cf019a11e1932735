package aftercall

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/voxdial/voxdial/compliance"
	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// smsGateway is a local SMS gateway: it answers each text with the next status of its
// script for that recipient (then 200), and keeps what it accepted.
type smsGateway struct {
	*httptest.Server
	mu       sync.Mutex
	script   map[string][]int
	accepted []string // "to|body"
	calls    atomic.Int64
}

func newSMSGateway(t *testing.T, script map[string][]int) *smsGateway {
	g := &smsGateway{script: script}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		to, body := r.PostForm.Get("To"), r.PostForm.Get("Body")
		g.calls.Add(1)
		g.mu.Lock()
		status := 200
		if s := g.script[to]; len(s) > 0 {
			status, g.script[to] = s[0], s[1:]
		}
		if status == 200 {
			g.accepted = append(g.accepted, to+"|"+body)
		}
		n := len(g.accepted)
		g.mu.Unlock()
		w.WriteHeader(status)
		if status >= 400 {
			fmt.Fprintf(w, `{"message":"refused with %d"}`, status)
			return
		}
		fmt.Fprintf(w, `{"sid":"SM%d"}`, n)
	}))
	t.Cleanup(g.Close)
	return g
}

func (g *smsGateway) sent() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.accepted...)
}

// manualClock is a clock a test sets.
type manualClock struct{ t atomic.Int64 }

func (c *manualClock) now() time.Time      { return time.Unix(0, c.t.Load()) }
func (c *manualClock) set(t time.Time)     { c.t.Store(t.UnixNano()) }
func (c *manualClock) add(d time.Duration) { c.t.Add(int64(d)) }

// smsWorld is a compliance gate in memory with a consent for each number, a campaign "id".
func smsGate(t *testing.T, campaignID int64, numbers ...string) *compliance.Gate {
	m := compliance.NewMemory()
	m.PutCampaign(compliance.Campaign{ID: fmt.Sprint(campaignID), Seller: "acme", Purpose: compliance.Collections, Voice: compliance.VoiceArtificial})
	for _, n := range numbers {
		num, ok := compliance.ParseNumber(n)
		if !ok {
			t.Fatal(n)
		}
		m.AddConsent(compliance.Consent{Number: num, Seller: "acme", Kind: compliance.ConsentExpress,
			Scope: compliance.PurposeSet(0).With(compliance.Collections), GivenAt: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), ID: "k-" + n})
	}
	g, err := compliance.NewGate(compliance.Options{Directory: m, Consents: m, History: m, DNC: compliance.NewDNCIndex()})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func events(f *store.FollowUp) string {
	var out []string
	for _, e := range f.Log {
		out = append(out, e.Event)
	}
	return strings.Join(out, ",")
}

// TestSender: against a local gateway, on both stores, with the clock in the test's hands:
// 5xx and 429 are retried with back-off, a 4xx fails with the gateway's reason, the tries
// run out, a number without consent is blocked, and quiet hours hold a text until 08:00.
func TestSender(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ny, _ := time.LoadLocation("America/New_York")
		clock := &manualClock{}
		clock.set(time.Date(2026, 3, 10, 14, 0, 0, 0, ny))
		c, err := db.CampaignCreate(ctx, &store.CampaignCreateParams{Name: "fu", Script: "x.yaml", Trunk: "t", Now: clock.now()})
		if err != nil {
			t.Fatal(err)
		}
		const (
			retry    = "+12125550101" // 503, 429, then accepted
			refused  = "+12125550102" // 400: failed
			flaky    = "+12125550103" // 502 every time: gives up
			noConsnt = "+12125550104"
			night    = "+12125550105"
		)
		gw := newSMSGateway(t, map[string][]int{retry: {503, 429}, refused: {400}, flaky: {502, 502, 502}})
		g, err := NewGateway(GatewayOptions{Kind: "twilio", URL: gw.URL, AccountSID: "AC1", Token: "t"})
		if err != nil {
			t.Fatal(err)
		}
		snd, err := NewSender(SenderOptions{Store: db, Gateway: g, Gate: smsGate(t, c.ID, retry, refused, flaky, night), From: "+12125550000",
			Audit: &compliance.StoreAudit{DB: db, Now: clock.now}, Holder: "n1", MaxTries: 3, Backoff: time.Minute, Now: clock.now})
		if err != nil {
			t.Fatal(err)
		}
		var ps []*store.FollowUpEnqueueParams
		for i, to := range []string{retry, refused, flaky, noConsnt} {
			ps = append(ps, &store.FollowUpEnqueueParams{CampaignID: c.ID, ContactID: int64(i + 1), AttemptID: int64(i + 1), Name: "thanks",
				To: to, Body: "hello " + to, Now: clock.now()})
		}
		ps = append(ps, &store.FollowUpEnqueueParams{CampaignID: c.ID, ContactID: 9, AttemptID: 9, Name: "late", To: night, Body: "late",
			NotBefore: time.Date(2026, 3, 10, 22, 30, 0, 0, ny), Now: clock.now()})
		if n, err := db.FollowUpEnqueue(ctx, ps); err != nil || n != 5 {
			t.Fatalf("enqueue: %d %v", n, err)
		}
		// Queued twice (a replayed record): nothing more.
		if n, err := db.FollowUpEnqueue(ctx, ps[:1]); err != nil || n != 0 {
			t.Fatalf("enqueue again: %d %v", n, err)
		}
		tick := func() {
			t.Helper()
			if _, err := snd.Tick(ctx); err != nil {
				t.Fatal(err)
			}
		}
		for range 4 { // 14:00, +1m, +3m, +7m: the back-offs are 1m, 2m
			tick()
			clock.add(2 * time.Minute)
		}
		clock.set(time.Date(2026, 3, 10, 22, 31, 0, 0, ny))
		tick() // the late text: quiet hours
		clock.set(time.Date(2026, 3, 11, 7, 59, 0, 0, ny))
		tick() // still quiet: not even due
		clock.set(time.Date(2026, 3, 11, 8, 0, 0, 0, ny))
		tick()
		all, err := db.FollowUpList(ctx, &store.FollowUpListParams{CampaignID: c.ID, WithLog: true})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]struct{ state, log, errPart string }{
			retry:    {store.FollowUpSent, "queued,retried,retried,sent", ""},
			refused:  {store.FollowUpFailed, "queued,failed", "HTTP 400: refused with 400"},
			flaky:    {store.FollowUpFailed, "queued,retried,retried,failed", "gave up after 3 tries"},
			noConsnt: {store.FollowUpBlocked, "queued,blocked", "SMS_CONSENT_REQUIRED"},
			night:    {store.FollowUpSent, "queued,blocked,sent", ""},
		}
		if len(all) != len(want) {
			t.Fatalf("%d follow-ups", len(all))
		}
		for _, f := range all {
			w := want[f.To]
			if f.State != w.state || events(f) != w.log || !strings.Contains(f.LastError, w.errPart) {
				t.Errorf("%s: %s %s %q, want %s %s %q", f.To, f.State, events(f), f.LastError, w.state, w.log, w.errPart)
			}
		}
		for _, f := range all {
			if f.To == night && !strings.Contains(f.Log[1].Detail, "SMS_QUIET_HOURS") {
				t.Errorf("night block: %q", f.Log[1].Detail)
			}
			if f.To == retry && (f.Log[1].Status != 503 || f.Log[2].Status != 429 || f.GatewayID == "" || f.Tries != 3) {
				t.Errorf("retry log %+v %+v, gateway id %q, tries %d", f.Log[1], f.Log[2], f.GatewayID, f.Tries)
			}
		}
		// Every decision is in the audit log: one per gate check (3+1+3+1 tries, 2 for the late text).
		audit, err := db.AuditList(ctx, &store.AuditListParams{})
		if err != nil || len(audit) != 10 {
			t.Fatalf("audit: %d records, %v", len(audit), err)
		}
		blocks := 0
		for _, a := range audit {
			if a.Decision == "block" {
				blocks++
			}
		}
		if blocks != 2 {
			t.Fatalf("audit: %d blocks, want 2 (no consent, quiet hours)", blocks)
		}
		if got := gw.sent(); len(got) != 2 {
			t.Fatalf("gateway accepted %v", got)
		}
		if n := gw.calls.Load(); n != 3+1+3+1 {
			t.Fatalf("gateway asked %d times", n)
		}
	})
}

// jsonGatewayServer is a local gateway of the generic JSON form.
type jsonGatewayServer struct {
	*httptest.Server
	mu       sync.Mutex
	statuses []int
	accepted []jsonSMS
}

type jsonSMS struct{ To, From, Body, Reference string }

func newSMSGatewayJSON(t *testing.T, statuses []int) *jsonGatewayServer {
	g := &jsonGatewayServer{statuses: statuses}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m jsonSMS
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			w.WriteHeader(400)
			return
		}
		g.mu.Lock()
		status := 200
		if len(g.statuses) > 0 {
			status, g.statuses = g.statuses[0], g.statuses[1:]
		}
		if status == 200 {
			g.accepted = append(g.accepted, m)
		}
		g.mu.Unlock()
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"id":%q}`, m.Reference)
	}))
	t.Cleanup(g.Close)
	return g
}

func (g *jsonGatewayServer) sent() []jsonSMS {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]jsonSMS(nil), g.accepted...)
}

// TestSenderRestart: the queue is the store: a text leased by a node that died is sent by
// another once the lease expires, and a sender started later finds what was queued.
func TestSenderRestart(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock := &manualClock{}
		clock.set(time.Date(2026, 3, 10, 18, 0, 0, 0, time.UTC)) // 14:00 in New York
		c, err := db.CampaignCreate(ctx, &store.CampaignCreateParams{Name: "restart", Script: "x.yaml", Trunk: "t", Now: clock.now()})
		if err != nil {
			t.Fatal(err)
		}
		const to = "+12125550111"
		if _, err := db.FollowUpEnqueue(ctx, []*store.FollowUpEnqueueParams{{CampaignID: c.ID, ContactID: 1, AttemptID: 1, Name: "a",
			To: to, Body: "hi", Now: clock.now()}}); err != nil {
			t.Fatal(err)
		}
		// A node leases it and dies before sending.
		if got, err := db.FollowUpLeaseDue(ctx, &store.FollowUpLeaseDueParams{Holder: "dead", LeaseFor: time.Minute, Now: clock.now()}); err != nil || len(got) != 1 {
			t.Fatalf("lease: %v %v", got, err)
		}
		gw := newSMSGatewayJSON(t, nil)
		g, _ := NewGateway(GatewayOptions{URL: gw.URL})
		snd, err := NewSender(SenderOptions{Store: db, Gateway: g, Gate: smsGate(t, c.ID, to), Holder: "new", Now: clock.now})
		if err != nil {
			t.Fatal(err)
		}
		if n, err := snd.Tick(ctx); err != nil || n != 0 {
			t.Fatalf("leased by the dead node, yet taken: %d %v", n, err)
		}
		clock.add(time.Minute)
		if n, err := snd.Tick(ctx); err != nil || n != 1 {
			t.Fatalf("after the lease expired: %d %v", n, err)
		}
		// The dead node's record comes too late: its lease is lost.
		err = db.FollowUpRecord(ctx, &store.FollowUpRecordParams{ID: 1, Holder: "dead", Event: store.FollowUpEventSent, State: store.FollowUpSent})
		if !errors.Is(err, store.ErrLeaseLost) {
			t.Fatalf("late record: %v", err)
		}
		if s := gw.sent(); len(s) != 1 || s[0].To != to || s[0].Reference != "fu-1" {
			t.Fatalf("sent %+v", s)
		}
	})
}
