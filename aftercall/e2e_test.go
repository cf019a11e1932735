package aftercall

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/voxdial/voxdial/campaign"
	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/internal/testclock"
	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/sim/simtest"
	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
	"github.com/voxdial/voxdial/voicebot/live"
)

// e2eProfile: a debtor who confirms who they are and promises to pay, with keys.
const e2eProfile = `
defaults: {end_of_speech: 700ms, max_wait: 20s, max_duration: 2m}
behaviours:
  promises:
    kind: person
    answer_after: 50ms
    turns: [{dtmf: "1"}, {dtmf: "1"}]
    after_turns: wait
routes:
  - {match: '.', behaviour: promises}
`

// jumpClock runs at the speed of real time from a start the test chooses, and jumps
// forward when told.
type jumpClock struct {
	start  time.Time
	origin time.Time
	jump   atomic.Int64
}

func (c *jumpClock) now() time.Time {
	return c.start.Add(time.Since(c.origin) + time.Duration(c.jump.Load()))
}

// to jumps to t (forward only).
func (c *jumpClock) to(t time.Time) {
	if d := t.Sub(c.now()); d > 0 {
		c.jump.Add(int64(d))
	}
}

// TestFollowUpEndToEnd: a real campaign call on the simulator (SIP, RTP, synthesis, keys)
// ends with a promise to pay; the attempt is stored with its grade and summary, and two
// follow-up texts are queued. The sender, on an injected clock, sends the first through a
// local gateway (a 503 first: retried, then sent, with a payment link that verifies) and
// holds the second, due at 21:20 local, for quiet hours until 08:00, then sends it.
func TestFollowUpEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: a real call")
	}
	ctx := context.Background()
	ny, _ := time.LoadLocation("America/New_York")
	// 20:50 in New York on a working day in the future of the wall clock.
	day := testclock.NextDaytime(testclock.Now()).In(ny)
	clock := &jumpClock{start: time.Date(day.Year(), day.Month(), day.Day(), 20, 50, 0, 0, ny), origin: time.Now()}
	log := zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))

	db := storetest.OpenSQLite(t)
	far := simtest.Start(t, "e2e-profile", e2eProfile)
	trunk, err := dialer.ParseTrunk("sip:" + far.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	trunk.Name, trunk.CallerID = "sim", "+12125550000"
	ref, err := os.ReadFile("../voicebot/testdata/payment-reminder.en.yaml")
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(t.TempDir(), "reminder.yaml")
	if err := os.WriteFile(script, append(ref, afterCallYAML...), 0o644); err != nil {
		t.Fatal(err)
	}
	// The campaign names a registered seller (creation refuses an unknown one).
	if _, err := db.SellerPut(ctx, &store.SellerPutParams{ID: "acme", Name: "Acme Lending", CallerIDs: []string{"+12125550000"}, Now: clock.now()}); err != nil {
		t.Fatal(err)
	}
	c, err := campaign.Create(ctx, db, campaign.CreateParams{Name: "fu-e2e", Script: script, Trunk: "sim", MaxAttempts: 1,
		Purpose: "collections", Seller: "acme", TimeZone: "America/New_York"})
	if err != nil {
		t.Fatal(err)
	}
	const phone = "+12125550142"
	rep, err := campaign.Import(ctx, db, strings.NewReader("phone,first_name,amount,due_date\n"+phone+",Ana,120.50,2026-12-20\n"),
		campaign.ImportOptions{Campaign: c, File: "c.csv"})
	if err != nil || rep.Imported != 1 {
		t.Fatalf("import %+v %v", rep, err)
	}
	if _, err := campaign.Start(ctx, db, c.ID, clock.now()); err != nil {
		t.Fatal(err)
	}
	secret := []byte("e2e-payment-secret-0123")
	pay, err := NewPayLink("https://pay.example.com/p", secret, 72*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	an := New(Options{Store: db, PayLink: pay, Logger: log})

	mclock := media.NewClock(media.ClockOptions{})
	mclock.Start(ctx)
	t.Cleanup(mclock.Stop)
	ua, err := dialer.NewUA(dialer.Options{Clock: mclock, Logger: log.Named("dialer")})
	if err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	if err := ua.Start(rctx); err != nil {
		t.Fatal(err)
	}
	desk := campaign.NewTransferDesk()
	host := live.NewHost(live.Options{Logger: log, Transfers: func(id string) live.TransferAdmitter { return desk.For(id) }})
	reports := make(chan campaign.AttemptReport, 4)
	runner, err := campaign.NewRunner(campaign.RunnerOptions{Store: db, Dialer: ua, Gate: &campaign.AllowAllGate{}, Holder: "node",
		Trunk:      func(string) (*dialer.Trunk, error) { return trunk, nil },
		LoadScript: func(path string) (campaign.Script, error) { return host.Load(path) }, Speak: host.SpeakText, Transfers: desk,
		MaxCalls: 2, Poll: 100 * time.Millisecond, RingTimeout: 5 * time.Second, Now: clock.now, Logger: log,
		AfterCall: an, OnAttempt: func(r campaign.AttemptReport) { reports <- r }})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- runner.Run(rctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("runner: %v", err)
		}
		ua.Close()
	})
	var r campaign.AttemptReport
	select {
	case r = <-reports:
	case <-time.After(90 * time.Second):
		t.Fatal("no attempt in 90 s")
	}
	if r.Disposition != "promise_to_pay" {
		t.Fatalf("attempt %+v", r)
	}

	// The attempt carries the insight: in the store, as the API and webhooks show it.
	atts, err := db.AttemptList(ctx, &store.AttemptListParams{CampaignID: c.ID, Limit: 10})
	if err != nil || len(atts) != 1 {
		t.Fatalf("attempts %v %v", atts, err)
	}
	var res dialer.Result
	if err := json.Unmarshal(atts[0].Result, &res); err != nil {
		t.Fatal(err)
	}
	ins := res.Insight
	if ins == nil || ins.Grade != "B" || ins.GradeRule != "rules[1]" || ins.FollowUps != 2 || ins.SummarySource != "rules" ||
		!strings.HasPrefix(ins.Summary, "Spoke with Ana for ") || !strings.Contains(ins.Summary, "Outcome: promised to pay (amount 120.50, due 2026-12-20)") {
		t.Fatalf("insight %+v", ins)
	}

	// The sender: a 503 first, then accepted.
	gw := newSMSGatewayJSON(t, []int{503})
	g, err := NewGateway(GatewayOptions{Kind: "json", URL: gw.URL + "/send"})
	if err != nil {
		t.Fatal(err)
	}
	snd, err := NewSender(SenderOptions{Store: db, Gateway: g, Gate: smsGate(t, c.ID, phone), From: "+12125550000", Holder: "node",
		Backoff: time.Second, Now: clock.now, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	tick := func() {
		t.Helper()
		if _, err := snd.Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
	tick() // thanks: 503 → retried in 1 s
	clock.to(clock.now().Add(2 * time.Second))
	tick() // thanks: sent
	clock.to(time.Date(day.Year(), day.Month(), day.Day(), 21, 25, 0, 0, ny))
	tick() // reminder (due 30 min after the call): quiet hours
	next := time.Date(day.Year(), day.Month(), day.Day()+1, 8, 0, 0, 0, ny)
	clock.to(next.Add(-time.Minute))
	tick() // still quiet: not due
	clock.to(next)
	tick() // reminder: sent

	fus, err := db.FollowUpList(ctx, &store.FollowUpListParams{AttemptID: atts[0].ID, WithLog: true})
	if err != nil || len(fus) != 2 {
		t.Fatalf("follow-ups %v %v", fus, err)
	}
	byName := map[string]*store.FollowUp{}
	for _, f := range fus {
		byName[f.Name] = f
	}
	thanks, reminder := byName["thanks"], byName["reminder"]
	if thanks.State != store.FollowUpSent || events(thanks) != "queued,retried,sent" || thanks.Log[1].Status != 503 {
		t.Fatalf("thanks: %s %s %+v", thanks.State, events(thanks), thanks.Log)
	}
	if reminder.State != store.FollowUpSent || events(reminder) != "queued,blocked,sent" ||
		!strings.Contains(reminder.Log[1].Detail, "SMS_QUIET_HOURS") || !strings.Contains(reminder.Log[1].Detail, "next try "+next.UTC().Format(time.RFC3339)) ||
		reminder.Log[2].At.Before(next) || reminder.Log[2].At.After(next.Add(time.Minute)) {
		t.Fatalf("reminder: %s %s %+v %+v %+v", reminder.State, events(reminder), *reminder.Log[0], *reminder.Log[1], *reminder.Log[2])
	}
	sent := gw.sent()
	if len(sent) != 2 || !strings.HasPrefix(sent[0].Body, "Thanks Ana: pay one hundred twenty dollars and fifty cents at https://pay.example.com/p?") ||
		sent[1].Body != "Reminder: 120.50 due 2026-12-20." || sent[0].To != phone {
		t.Fatalf("gateway got %+v", sent)
	}
	link := sent[0].Body[strings.Index(sent[0].Body, "https://"):]
	if got, err := pay.Verify(link, clock.now()); err != nil || got == "" {
		t.Fatalf("payment link %q: %v", link, err)
	}
}
