package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/voxdial/voxdial/store"
)

var paceTests = []struct {
	name string
	f    func(t *testing.T, db *store.DB)
}{
	{"CampaignPace", testCampaignPace},
	{"AbandonTransferCounts", testAbandonTransferCounts},
}

// testCampaignPace: a campaign's pacing mode and options round-trip; the
// defaults are one_to_one and {}.
func testCampaignPace(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := newCampaign(t, db, "pace-default")
	if c.Pacing != "one_to_one" || string(c.Pace) != "{}" {
		t.Fatalf("defaults: pacing %q pace %s", c.Pacing, c.Pace)
	}
	p, err := db.CampaignCreate(ctx, &store.CampaignCreateParams{Name: "pace-set", Pacing: "predictive",
		Pace: json.RawMessage(`{"agents": 2, "max_dial_ratio": 2.5}`)})
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.CampaignGet(ctx, &store.CampaignGetParams{ID: p.ID})
	if err != nil {
		t.Fatal(err)
	}
	var opts map[string]float64
	if err := json.Unmarshal(got.Pace, &opts); err != nil || got.Pacing != "predictive" || opts["agents"] != 2 || opts["max_dial_ratio"] != 2.5 {
		t.Fatalf("round trip: pacing %q pace %s (%v)", got.Pacing, got.Pace, err)
	}
	if _, err := db.CampaignCreate(ctx, &store.CampaignCreateParams{Name: "pace-bad", Pace: json.RawMessage(`{`)}); err == nil {
		t.Fatal("invalid pace JSON accepted")
	}
	// Changed later: the mode alone keeps the options, the options alone keep the mode, and
	// updated_at moves (runners re-read the campaign by it).
	later := got.UpdatedAt.Add(time.Minute)
	if err := db.CampaignPaceSet(ctx, &store.CampaignPaceSetParams{ID: p.ID, Pacing: "one_to_one", Now: later}); err != nil {
		t.Fatal(err)
	}
	if err := db.CampaignPaceSet(ctx, &store.CampaignPaceSetParams{ID: p.ID, Pace: json.RawMessage(`{"agents": 5}`), Now: later}); err != nil {
		t.Fatal(err)
	}
	got, err = db.CampaignGet(ctx, &store.CampaignGetParams{ID: p.ID})
	if err != nil {
		t.Fatal(err)
	}
	opts = nil
	if err := json.Unmarshal(got.Pace, &opts); err != nil || got.Pacing != "one_to_one" || opts["agents"] != 5 || len(opts) != 1 || !got.UpdatedAt.Equal(later) {
		t.Fatalf("after set: pacing %q pace %s updated %s (%v)", got.Pacing, got.Pace, got.UpdatedAt, err)
	}
	if err := db.CampaignPaceSet(ctx, &store.CampaignPaceSetParams{ID: p.ID, Pace: json.RawMessage(`{`)}); !errors.Is(err, store.ErrInvalidParams) {
		t.Fatalf("invalid pace JSON: %v", err)
	}
	if err := db.CampaignPaceSet(ctx, &store.CampaignPaceSetParams{ID: 1 << 40, Pacing: "predictive"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("no such campaign: %v", err)
	}
}

// testAbandonTransferCounts: an abandoned call is a live answer and an
// abandonment; machines are neither; transfers come from call events; both
// count only since the instant asked.
func testAbandonTransferCounts(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := newCampaign(t, db, "abandon")
	importN(t, db, c, 5)
	got, _ := db.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: c.ID, Holder: "n1", Limit: 5, Now: t0})
	outcomes := []string{"answered", "answered", "abandoned", "voicemail", "answered"}
	for i, ct := range got {
		at := t0.Add(time.Duration(i) * time.Hour)
		a, err := db.AttemptStart(ctx, &store.AttemptStartParams{ContactID: ct.ID, Holder: "n1", Now: at})
		if err != nil {
			t.Fatal(err)
		}
		disp := ""
		if outcomes[i] == "abandoned" {
			disp = "abandoned"
		}
		if err := db.AttemptFinish(ctx, &store.AttemptFinishParams{AttemptID: a.ID, ContactID: ct.ID, Holder: "n1", Outcome: outcomes[i],
			Disposition: disp, AnsweredAt: at, EndedAt: at, Final: true, Now: at}); err != nil {
			t.Fatal(err)
		}
		if i < 3 {
			typ := "transfer_admitted"
			if i == 1 {
				typ = "transfer_abandoned"
			}
			if err := db.CallEventAppend(ctx, &store.CallEventAppendParams{CampaignID: c.ID, ContactID: ct.ID, AttemptID: a.ID, Type: typ, At: at}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, tc := range []struct {
		since                 time.Time
		live, abandoned       int64
		transfers, xAbandoned int64
	}{
		{t0, 4, 1, 3, 1},
		{t0.Add(time.Hour), 3, 1, 2, 1},
		{t0.Add(3 * time.Hour), 1, 0, 0, 0},
	} {
		l, a, err := db.AbandonCounts(ctx, &store.AbandonCountsParams{CampaignID: c.ID, Since: tc.since})
		if err != nil || l != tc.live || a != tc.abandoned {
			t.Errorf("AbandonCounts since %s = %d live, %d abandoned (%v); want %d, %d", tc.since, l, a, err, tc.live, tc.abandoned)
		}
		x, xa, err := db.TransferCounts(ctx, &store.AbandonCountsParams{CampaignID: c.ID, Since: tc.since})
		if err != nil || x != tc.transfers || xa != tc.xAbandoned {
			t.Errorf("TransferCounts since %s = %d, %d abandoned (%v); want %d, %d", tc.since, x, xa, err, tc.transfers, tc.xAbandoned)
		}
	}
}
