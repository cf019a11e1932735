package main

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/voxdial/voxdial/campaign"
	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/internal/app"
	"github.com/voxdial/voxdial/internal/testclock"
	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/sim/simtest"
	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
	"github.com/voxdial/voxdial/voicebot/live"
)

// TestCampaignStoresQuality: a campaign call through the runner (real SIP/RTP to
// the simulator, whose callee gets angry) stores its sentiment and inspection
// with the attempt, and the campaign's figures count it.
func TestCampaignStoresQuality(t *testing.T) {
	if testing.Short() {
		t.Skip("live calls speak whole prompts in real time")
	}
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	db := storetest.OpenSQLite(t)
	far := simtest.Start(t, "anger-campaign-profile.yaml", strings.Replace(angerProfile, "'0100301$'", "'5550100$'", 1))
	clock := media.NewClock(media.ClockOptions{})
	clock.Start(context.Background())
	defer clock.Stop()
	ua, err := dialer.NewUA(dialer.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	if err := ua.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer ua.Close()
	trunk, _ := dialer.ParseTrunk("sip:" + far.Addr().String())
	trunk.Name, trunk.CallerID = "sim", "+12125550000"
	now := app.CallingHourClock(testclock.Now)
	if err := seedDemoCompliance(ctx, db, trunk.CallerID, now(), io.Discard); err != nil {
		t.Fatal(err)
	}
	const number = "+14155550100" // consented in the demo seed; the profile makes this callee angry
	contacts := "phone,first_name,amount,due_date\n" + number + ",Ana,120.50,2026-12-01\n"
	c, err := campaign.Create(ctx, db, campaign.CreateParams{Name: "angry", Script: angerScript(t), Trunk: "sim",
		Purpose: "collections", Seller: demoSeller, CallerIDs: []string{trunk.CallerID}, MaxAttempts: 1, Now: now()})
	if err != nil {
		t.Fatal(err)
	}
	if err := runImport(ctx, db, c, strings.NewReader(contacts), "c.csv", int64(len(contacts)), 10, false, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	comp, err := app.WireCompliance(ctx, db, false, zap.NewNop(), now, nil, live.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	final := make(chan campaign.AttemptReport, 4)
	runner, err := campaign.NewRunner(campaign.RunnerOptions{
		Store: db, Dialer: ua, Gate: comp.Gate, LoadScript: comp.LoadScript, Now: now,
		Trunk:    func(string) (*dialer.Trunk, error) { return trunk, nil },
		MaxCalls: 2, Poll: 100 * time.Millisecond, RingTimeout: 5 * time.Second, DrainTimeout: 5 * time.Second,
		OnAttempt: func(r campaign.AttemptReport) {
			if r.Final {
				final <- r
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- runner.Run(runCtx) }()
	defer func() { stop(); <-done }() //nolint:errcheck // ends with the stop's error
	if _, err := campaign.Start(ctx, db, c.ID, now()); err != nil {
		t.Fatal(err)
	}
	var r campaign.AttemptReport
	select {
	case r = <-final:
	case <-ctx.Done():
		t.Fatal("no final attempt")
	}
	if r.Disposition != "ended_angry" {
		as, err := db.AttemptList(ctx, &store.AttemptListParams{CampaignID: c.ID})
		if err == nil && len(as) == 1 {
			t.Fatalf("report %+v\nstored result %s", r, as[0].Result)
		}
		t.Fatalf("report %+v (attempts %v %v)", r, as, err)
	}
	q, err := db.CampaignQualityGet(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if q.Scored != 1 || q.Angry != 1 || q.MeanSentiment == nil || *q.MeanSentiment >= 0 || q.MeanArousal == nil || q.Inspected != 1 {
		t.Fatalf("campaign figures %+v", q)
	}
	as, err := db.AttemptList(ctx, &store.AttemptListParams{CampaignID: c.ID})
	if err != nil || len(as) != 1 {
		t.Fatalf("attempts %v %v", as, err)
	}
	var doc struct {
		Sentiment *struct {
			OnAnger string `json:"on_anger"`
		} `json:"sentiment"`
		Inspection *struct{ Pass bool } `json:"inspection"`
	}
	if err := json.Unmarshal(as[0].Result, &doc); err != nil || doc.Sentiment == nil || doc.Sentiment.OnAnger != "hangup" || doc.Inspection == nil {
		t.Fatalf("stored result: %v %s", err, as[0].Result)
	}
	t.Logf("figures %+v; inspection pass %v", q, doc.Inspection.Pass)
}
