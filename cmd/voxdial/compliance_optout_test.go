package main

import (
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/voxdial/voxdial/campaign"
	"github.com/voxdial/voxdial/compliance"
	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/internal/app"
	"github.com/voxdial/voxdial/internal/testclock"
	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/sim/simtest"
	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
	"github.com/voxdial/voxdial/voicebot/live"
)

// An opt-out by DTMF 9 in one campaign's call lists the number on the seller's internal DNC
// list and revokes its consent at once; the number's queued contact in the seller's second
// campaign is cancelled (opted_out) there and then, and a campaign that queues the number
// later blocks it with DNC_INTERNAL (and CONSENT_REVOKED) and never calls it.
func TestOptOutBlocksOtherCampaignOfSeller(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	db := storetest.OpenSQLite(t)
	far := simtest.Start(t, "demo profile", demoProfile)
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
	const number = "+13055550103" // the simulator opts out with DTMF 9
	contacts := "phone,first_name,amount,due_date\n" + number + ",Dora,45.00,2026-12-02\n"
	var camps []*store.Campaign
	newCampaign := func(name string) *store.Campaign {
		t.Helper()
		c, err := campaign.Create(ctx, db, campaign.CreateParams{Name: name, Script: "asset:payment-reminder.en.yaml", Trunk: "sim",
			Purpose: "collections", Seller: demoSeller, CallerIDs: []string{trunk.CallerID}, MaxAttempts: 2, Now: now()})
		if err != nil {
			t.Fatal(err)
		}
		if err := runImport(ctx, db, c, strings.NewReader(contacts), "c.csv", int64(len(contacts)), 10, false, io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, name := range []string{"first", "second"} {
		camps = append(camps, newCampaign(name))
	}
	comp, err := app.WireCompliance(ctx, db, false, zap.NewNop(), now, nil, live.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	reports := map[int64]campaign.AttemptReport{}
	runner, err := campaign.NewRunner(campaign.RunnerOptions{
		Store: db, Dialer: ua, Gate: comp.Gate, LoadScript: comp.LoadScript, Now: now,
		Trunk:    func(string) (*dialer.Trunk, error) { return trunk, nil },
		MaxCalls: 4, Poll: 100 * time.Millisecond, RingTimeout: 5 * time.Second, DrainTimeout: 5 * time.Second,
		OnAttempt: func(r campaign.AttemptReport) {
			mu.Lock()
			reports[r.CampaignID] = r
			mu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- runner.Run(runCtx) }()
	defer func() { stop(); <-done }() //nolint:errcheck // ends with the stop's error
	waitFinal := func(c *store.Campaign) campaign.AttemptReport {
		t.Helper()
		for ctx.Err() == nil {
			mu.Lock()
			r, ok := reports[c.ID]
			mu.Unlock()
			if ok && r.Final {
				return r
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("campaign %s: no final report", c.Name)
		return campaign.AttemptReport{}
	}
	if _, err := campaign.Start(ctx, db, camps[0].ID, now()); err != nil {
		t.Fatal(err)
	}
	if r := waitFinal(camps[0]); r.Disposition != "opted_out" || r.Attempt != 1 {
		t.Fatalf("first campaign: %+v", r)
	}
	es, _ := db.DNCEntryList(ctx, &store.DNCEntryListParams{List: "internal", Scope: demoSeller, Phone: number})
	if len(es) != 1 || !strings.HasPrefix(es[0].Source, "call:") || es[0].AddedBy != "voicebot" {
		t.Fatalf("DNC entry after the opt-out: %+v", es)
	}
	cs, _ := db.ConsentList(ctx, &store.ConsentListParams{Phone: number})
	if len(cs) != 1 || cs[0].RevokedVia != "call_opt_out" {
		t.Fatalf("consent after the opt-out: %+v", cs)
	}
	// The second campaign's queued contact was cancelled by the opt-out.
	queued, _ := db.ContactList(ctx, &store.ContactListParams{CampaignID: camps[1].ID})
	if len(queued) != 1 || queued[0].State != "done" || queued[0].Disposition != "opted_out" || queued[0].Attempts != 0 {
		t.Fatalf("second campaign's queued contact after the opt-out: %+v", queued)
	}
	// A campaign that queues the number afterwards is refused by the gate.
	third := newCampaign("third")
	if _, err := campaign.Start(ctx, db, third.ID, now()); err != nil {
		t.Fatal(err)
	}
	r := waitFinal(third)
	if r.Attempt != 0 || r.Disposition != "compliance_blocked" || r.Outcome != "gate_block" ||
		!strings.Contains(r.Reason, "DNC_INTERNAL") || !strings.Contains(r.Reason, "CONSENT_REVOKED") {
		t.Fatalf("third campaign: %+v", r)
	}
	n, err := compliance.VerifyStoreAudit(ctx, db)
	if err != nil || n < 3 {
		t.Fatalf("audit: %d records, %v", n, err)
	}
}
