package dashboard_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"
	"golang.org/x/crypto/bcrypt"

	"github.com/voxdial/voxdial/campaign"
	"github.com/voxdial/voxdial/compliance"
	"github.com/voxdial/voxdial/dashboard"
	"github.com/voxdial/voxdial/dashboard/webhook"
	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/internal/testclock"
	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/sim"
	"github.com/voxdial/voxdial/sim/simtest"
	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
	"github.com/voxdial/voxdial/voicebot/live"
)

// EnvSkipBrowser=1 lets the browser test skip when node, Chromium or
// playwright-core is missing; CI never sets it.
const EnvSkipBrowser = "VOXDIAL_SKIP_BROWSER"

// EnvScreenshots names the directory the browser test saves a screenshot
// of every page to (default testdata/e2e/screenshots).
const EnvScreenshots = "VOXDIAL_SCREENSHOTS"

// browserProfile: the sample contacts by last digit. 1, 3, 4 and 9 are
// people who answer (the step script plays a prompt: RTP and a recording),
// 2 is busy, 5 rings out.
const browserProfile = `
defaults: {end_of_speech: 200ms, max_wait: 1s, max_duration: 20s}
behaviours:
  person: {kind: person, answer_after: 200ms, turns: [{silence: 2s}], after_turns: wait}
  busy: {kind: busy, ring: 300ms}
  ring_out: {kind: ring_out}
routes:
  - {match: '[13489]$', behaviour: person}
  - {match: '2$', behaviour: busy}
  - {match: '[05-7]$', behaviour: ring_out}
`

const browserScript = `name: short
max_call: 15s
steps:
  - play: asset:hello.wav
  - listen: 1s
  - hangup: true
`

// browserSeller is the seller of the browser test's campaigns; its consents
// cover every sample number so that the gate lets them through.
const browserSeller = "acme"

// TestBrowser drives the embedded UI in headless Chromium (playwright-core)
// against a real runner, compliance gate and callee simulator on loopback:
// every role logs in; collections creates a campaign with the wizard,
// uploads a CSV and sees its bad rows, starts it and watches the live
// counters move, opens an answered call and plays its recording; admin adds
// a webhook and sees its deliveries; compliance adds a number to the DNC
// list and sees the next gate decision block it; the manager finds no way to
// change anything. testdata/e2e/dashboard.mjs is the browser side; a
// screenshot of every page goes to $VOXDIAL_SCREENSHOTS.
func TestBrowser(t *testing.T) {
	e2e, _ := filepath.Abs("testdata/e2e")
	missing := ""
	if _, err := exec.LookPath("node"); err != nil {
		missing = "node (Debian nodejs)"
	} else if _, err := os.Stat("/usr/bin/chromium"); err != nil && os.Getenv("CHROMIUM") == "" {
		missing = "/usr/bin/chromium (Debian chromium)"
	} else if _, err := os.Stat(filepath.Join(e2e, "node_modules", "playwright-core")); err != nil {
		missing = "playwright-core (npm ci --prefix dashboard/testdata/e2e)"
	}
	if missing != "" {
		if os.Getenv(EnvSkipBrowser) == "1" {
			t.Skip("SKIPPED: " + missing + " is missing")
		}
		t.Fatalf("%s is missing; install it or set %s=1", missing, EnvSkipBrowser)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := storetest.OpenSQLite(t)
	log := zaptest.NewLogger(t).Named("e2e")
	dir := t.TempDir()
	scripts, rec := filepath.Join(dir, "scripts"), filepath.Join(dir, "rec")
	for _, d := range []string{scripts, rec} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(scripts, "reminder.yaml"), []byte(readFile(t, "payment-reminder.en.yaml")), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(scripts, "short.yaml"), []byte(browserScript), 0o644); err != nil {
		t.Fatal(err)
	}
	// One clock for every component that decides time (HTTP server, gate, runner, webhook
	// dispatcher, the store rows they stamp): a working day's afternoon in New York, whatever
	// the hour and zone the test runs in.
	now := testclock.Daytime()
	srv, err := dashboard.New(dashboard.Options{Store: db, ScriptDir: scripts, RecordDir: rec, BcryptCost: bcrypt.MinCost, Outbound: allowLoopback(t),
		Poll: 100 * time.Millisecond, Logger: log.Named("http"), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Run(ctx)
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	users := map[string]string{store.RoleAdmin: "ada", store.RoleMarketing: "mark", store.RoleCollections: "mia",
		store.RoleCompliance: "cora", store.RoleManager: "max"}
	for role, name := range users {
		if _, err := dashboard.UserAdd(ctx, db, name, role, password, bcrypt.MinCost); err != nil {
			t.Fatal(err)
		}
	}

	// The far end, the runner (with the real compliance gate) and the webhook dispatcher.
	far, trunkURI := startSim(t)
	dncNumber := "+14155550199"
	seedCompliance(t, db, now(), "+12125550000", "+14155550101", "+12125550102", "+13125550103", "+442079460104", "+8613800138005", dncNumber)
	sg, err := compliance.NewStoreGate(ctx, db, compliance.StoreSourceOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	go sg.DNC.Run(ctx, 100*time.Millisecond, func(err error) { t.Logf("dnc refresh: %v", err) })
	clock := media.NewClock(media.ClockOptions{})
	clock.Start(ctx)
	defer clock.Stop()
	ua, err := dialer.NewUA(dialer.Options{Clock: clock, Logger: log.Named("dialer")})
	if err != nil {
		t.Fatal(err)
	}
	if err := ua.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer ua.Close()
	host := live.NewHost(live.Options{Logger: log.Named("script")}) // the script host a node gives its runner
	runner, err := campaign.NewRunner(campaign.RunnerOptions{Store: db, Dialer: ua, Gate: &campaign.ComplianceGate{Gate: sg.Gate, Audit: sg.Audit},
		Trunk: func(name string) (*dialer.Trunk, error) {
			tr, err := dialer.ParseTrunk(name)
			if err == nil {
				tr.Name, tr.CallerID = "sim", "+12125550000"
			}
			return tr, err
		},
		MaxCalls: 10, Poll: 100 * time.Millisecond, RingTimeout: 2 * time.Second, DrainTimeout: 5 * time.Second, RecordDir: rec,
		Now: now, Logger: log.Named("runner"), OnAttempt: srv.Metrics.ObserveAttempt,
		LoadScript: func(p string) (campaign.Script, error) { return host.Load(p) }, Speak: host.SpeakText})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stopRunner := context.WithCancel(ctx)
	runDone := make(chan error, 1)
	go func() { runDone <- runner.Run(runCtx) }()
	defer func() { stopRunner(); <-runDone }() //nolint:errcheck // Run ends with the cancel's error
	var hookMu sync.Mutex
	var hooks []webhook.Payload
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var p webhook.Payload
		_ = json.Unmarshal(body, &p)
		hookMu.Lock()
		hooks = append(hooks, p)
		hookMu.Unlock()
	}))
	defer recv.Close()
	disp, err := webhook.New(webhook.Options{Store: db, Policy: allowLoopback(t), Poll: 200 * time.Millisecond, Logger: log.Named("webhook"), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	go disp.Run(ctx)
	_ = far

	shots := os.Getenv(EnvScreenshots)
	if shots == "" {
		shots = filepath.Join(e2e, "screenshots")
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	csv, _ := filepath.Abs("testdata/contacts.csv")
	dncCSV := filepath.Join(dir, "dnc-check.csv")
	if err := os.WriteFile(dncCSV, []byte("phone,first_name,amount\n"+dncNumber+",Zoe,10.00\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bulk := filepath.Join(dir, "bulk-dnc.txt")
	if err := os.WriteFile(bulk, []byte("phone\n+14155550901\n(415) 555-0902\nnot a number\n+14155550903\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	consentCSV := filepath.Join(dir, "consents.csv")
	if err := os.WriteFile(consentCSV, []byte("phone,seller,kind,scope,given_at,source,evidence_text,artificial_voice\n"+
		"+14155550801,acme,written,collections;informational,"+now().AddDate(0, -2, 0).UTC().Format(time.RFC3339)+",web form,\"I agree, call me\",yes\n"+
		"(415) 555-0802,acme,express,collections,"+now().AddDate(0, -2, 1).Format(time.DateOnly)+",paper,,no\n"+
		"555-nope,acme,express,collections,"+now().AddDate(0, -2, 1).Format(time.DateOnly)+",paper,,no\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, _ := json.Marshal(map[string]any{"consent_csv": consentCSV, "base": ts.URL, "password": password, "users": users, "csv": csv, "dnc_csv": dncCSV,
		"bulk_dnc": bulk, "dnc_number": dncNumber, "trunk": trunkURI, "seller": browserSeller, "caller_id": "+12125550000",
		"hook_url": recv.URL + "/voxdial", "shots": shots})
	cctx, ccancel := context.WithTimeout(ctx, 6*time.Minute) // the main flow and every flows/*.mjs, on a busy machine
	defer ccancel()
	out, err := exec.CommandContext(cctx, "node", filepath.Join(e2e, "dashboard.mjs"), string(cfg)).CombinedOutput()
	t.Logf("node:\n%s", out)
	if err != nil {
		t.Fatalf("browser test: %v", err)
	}
	// The webhook the admin added in the browser received the campaign's calls.
	hookMu.Lock()
	defer hookMu.Unlock()
	if len(hooks) == 0 {
		t.Fatal("the webhook added in the browser received nothing")
	}
	for _, p := range hooks {
		if p.Event != webhook.EventCallFinished || p.Attempt == nil || p.Campaign.Name == "" {
			t.Errorf("webhook payload %+v", p)
		}
	}
}

func startSim(t *testing.T) (*sim.Server, string) {
	t.Helper()
	far := simtest.Start(t, "browser-profile", browserProfile)
	return far, "sip:" + far.Addr().String()
}

// seedCompliance registers the seller, its caller ID and an express consent
// (collections, artificial voice) for each number.
func seedCompliance(t *testing.T, db *store.DB, now time.Time, callerID string, phones ...string) {
	t.Helper()
	ctx := context.Background()
	if _, err := db.SellerPut(ctx, &store.SellerPutParams{ID: browserSeller, Name: "Acme Lending", CallerIDs: []string{callerID}, Now: now}); err != nil {
		t.Fatal(err)
	}
	var cs []store.Consent
	for _, ph := range phones {
		c := store.Consent{Phone: ph, Seller: browserSeller, Kind: "express", Scope: []string{"collections"}, ArtificialVoice: true,
			Source: "loan application", EvidenceText: "You may call me about my account.", GivenAt: now.AddDate(0, -2, 0), RecordedBy: "e2e"}
		c.RecordHash = compliance.ConsentRecordHash(&c)
		cs = append(cs, c)
	}
	if _, err := db.ConsentAdd(ctx, &store.ConsentAddParams{Consents: cs, Now: now}); err != nil {
		t.Fatal(err)
	}
}
