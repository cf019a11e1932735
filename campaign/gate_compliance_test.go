package campaign

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/voxdial/voxdial/compliance"
)

type auditCount struct{ n int }

func (a *auditCount) Append(context.Context, *compliance.Attempt, *compliance.Decision) error {
	a.n++
	return nil
}

// A block for reasons outside the contact (stale registry copy, bad caller ID, the
// campaign's abandonment rate, data that could not be read) holds the contact instead of
// finishing it; a block about the contact itself stays final.
func TestComplianceGateCampaignLevelBlocksHold(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 6, 10, 16, 0, 0, 0, time.UTC) // 12:00 in New York, a Wednesday
	mem := compliance.NewMemory()
	mem.PutSeller(compliance.Seller{ID: "S1", CallerIDs: []string{"+12125550199"}})
	base := compliance.Campaign{Seller: "S1", Purpose: compliance.Telemarketing, Voice: compliance.VoiceLive, Subject: "offer",
		CallerID: "+12125550199", Pacing: compliance.PacingOneToOne}
	camps := map[string]func(c *compliance.Campaign){
		"1": func(*compliance.Campaign) {},
		"2": func(c *compliance.Campaign) { c.CallerID = "+12125550100" }, // not the seller's
		"3": func(c *compliance.Campaign) {
			c.Pacing, c.Abandon30d = compliance.PacingPredictive, compliance.AbandonStats{LiveAnswers: 100, Abandoned: 5}
		},
	}
	for id, f := range camps {
		c := base
		c.ID = id
		f(&c)
		mem.PutCampaign(c)
	}
	fresh, stale := compliance.NewDNCIndex(), compliance.NewDNCIndex()
	fresh.SetSnapshot(compliance.ListNational, at.AddDate(0, 0, -3))
	stale.SetSnapshot(compliance.ListNational, at.AddDate(0, 0, -60))
	for _, x := range []*compliance.DNCIndex{fresh, stale} {
		x.Add(compliance.ListInternal, "S1", 12125550142, time.Time{})
	}
	gate := func(dnc *compliance.DNCIndex) *ComplianceGate {
		g, err := compliance.NewGate(compliance.Options{Directory: mem, Consents: mem, History: mem, DNC: dnc})
		if err != nil {
			t.Fatal(err)
		}
		return &ComplianceGate{Gate: g, Audit: &auditCount{}}
	}
	for _, tc := range []struct {
		name     string
		dnc      *compliance.DNCIndex
		campaign int64
		number   string
		at       time.Time
		want     GateDecision
		rule     string
	}{
		{"allowed", fresh, 1, "+12125550123", at, GateAllow, ""},
		{"stale registry copy", stale, 1, "+12125550123", at, GateHold, "DNC_SNAPSHOT_STALE"},
		{"caller id not the seller's", fresh, 2, "+12125550123", at, GateHold, "CALLER_ID_INVALID"},
		{"campaign abandonment at 5 %", fresh, 3, "+12125550123", at, GateHold, "ABANDON_RATE_CAP"},
		{"unknown campaign", fresh, 9, "+12125550123", at, GateHold, "CAMPAIGN_UNKNOWN"},
		{"no planned time", fresh, 1, "+12125550123", time.Time{}, GateHold, "DATA_UNAVAILABLE"},
		{"on the seller's list", fresh, 1, "+12125550142", at, GateBlock, "DNC_INTERNAL"},
		{"on the list, copy stale too", stale, 1, "+12125550142", at, GateBlock, "DNC_INTERNAL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := gate(tc.dnc).Check(ctx, GateRequest{CampaignID: tc.campaign, ContactID: 1, Number: tc.number, At: tc.at, Stage: StageInvite})
			if err != nil {
				t.Fatal(err)
			}
			if v.Decision != tc.want || (tc.rule != "" && !slices.Contains(v.RuleIDs, tc.rule)) {
				t.Fatalf("got %s %v (%s), want %s with %s", v.Decision, v.RuleIDs, v.Reason, tc.want, tc.rule)
			}
		})
	}
}

// failingHistory is a history whose source is down (Redis, the store).
type failingHistory struct{ *compliance.Memory }

func (failingHistory) Attempts(context.Context, uint64, time.Time, time.Time, []compliance.Event) ([]compliance.Event, error) {
	return nil, errors.New("dial tcp 127.0.0.1:6379: connect: connection refused")
}

// Data that could not be read because a source failed is an outage (Unavailable: the
// runner retries in a minute and pauses leasing), not a 15-minute hold; data missing from
// the settings (no planned time) is not.
func TestComplianceGateSourceFailureIsUnavailable(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 6, 10, 16, 0, 0, 0, time.UTC)
	mem := compliance.NewMemory()
	mem.PutSeller(compliance.Seller{ID: "S1", CallerIDs: []string{"+12125550199"}})
	mem.PutCampaign(compliance.Campaign{ID: "1", Seller: "S1", Purpose: compliance.Telemarketing, Voice: compliance.VoiceLive,
		Subject: "offer", CallerID: "+12125550199", Pacing: compliance.PacingOneToOne})
	dnc := compliance.NewDNCIndex()
	dnc.SetSnapshot(compliance.ListNational, at.AddDate(0, 0, -3))
	for _, tc := range []struct {
		name        string
		hist        compliance.History
		at          time.Time
		unavailable bool
	}{
		{"history source down", failingHistory{mem}, at, true},
		{"no planned time", mem, time.Time{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, err := compliance.NewGate(compliance.Options{Directory: mem, Consents: mem, History: tc.hist, DNC: dnc})
			if err != nil {
				t.Fatal(err)
			}
			v, err := (&ComplianceGate{Gate: g, Audit: &auditCount{}}).Check(ctx, GateRequest{CampaignID: 1, ContactID: 1,
				Number: "+12125550123", At: tc.at, Stage: StageInvite})
			if err != nil {
				t.Fatal(err)
			}
			if v.Decision != GateHold || !slices.Contains(v.RuleIDs, "DATA_UNAVAILABLE") || v.Unavailable != tc.unavailable {
				t.Fatalf("got %s %v unavailable=%v, want hold DATA_UNAVAILABLE unavailable=%v", v.Decision, v.RuleIDs, v.Unavailable, tc.unavailable)
			}
		})
	}
}
