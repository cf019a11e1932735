package dashboard_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
)

// TestInspectionAPI: compliance and admin see the failing calls with their rule and
// offset; other roles are refused; every role reads a campaign's figures.
func TestInspectionAPI(t *testing.T) {
	t.Parallel()
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		b := setup(t, db)
		camp, _ := b.seedCampaign("inspected", store.RoleMarketing)
		failed := b.seedInspected(camp, false)
		b.seedInspected(camp, true)
		for _, role := range []string{store.RoleAdmin, store.RoleCompliance} {
			r := b.do(role, "GET", "/api/inspection", nil)
			var out struct {
				Failures []struct {
					AttemptID int64  `json:"attempt_id"`
					Rule      string `json:"rule"`
					OffsetMS  int64  `json:"offset_ms"`
					Phone     string `json:"phone"`
					Failures  []struct{ Rule, Detail string }
				}
			}
			r.json(t, &out)
			if r.Code != 200 || len(out.Failures) != 1 || out.Failures[0].AttemptID != failed || out.Failures[0].Rule != "disclosure" ||
				out.Failures[0].OffsetMS != 2400 || len(out.Failures[0].Failures) != 2 || out.Failures[0].Phone == "" {
				t.Fatalf("%s: %d %s", role, r.Code, r.Body)
			}
		}
		if r := b.do(store.RoleCompliance, "GET", fmt.Sprintf("/api/inspection?campaign=%d&rule=talk_over", camp), nil); r.Code != 200 || string(r.Body) != "{\"failures\":[]}\n" {
			t.Fatalf("filtered: %d %s", r.Code, r.Body)
		}
		for _, role := range []string{store.RoleMarketing, store.RoleCollections, store.RoleManager} {
			if r := b.do(role, "GET", "/api/inspection", nil); r.Code != 403 {
				t.Fatalf("%s sees the inspection list: %d", role, r.Code)
			}
		}
		if r := b.do("", "GET", "/api/inspection", nil); r.Code != 401 {
			t.Fatalf("anonymous: %d", r.Code)
		}
		for _, role := range roles {
			r := b.do(role, "GET", fmt.Sprintf("/api/campaigns/%d/quality", camp), nil)
			var q struct {
				Scored, Angry, Inspected, Passed, Failed int
				ByRule                                   map[string]int `json:"by_rule"`
				MeanSentiment                            *float64       `json:"mean_sentiment"`
			}
			r.json(t, &q)
			if r.Code != 200 || q.Scored != 2 || q.Angry != 1 || q.Inspected != 2 || q.Failed != 1 || q.ByRule["disclosure"] != 1 || q.MeanSentiment == nil {
				t.Fatalf("%s quality: %d %s", role, r.Code, r.Body)
			}
		}
		if r := b.do(store.RoleAdmin, "GET", "/api/campaigns/99999/quality", nil); r.Code != 404 {
			t.Fatalf("missing campaign: %d", r.Code)
		}
	})
}

// seedInspected adds an answered, inspected call to the campaign: passing, or
// failing its disclosure (barged over at 2.4 s) and its opt-out offer.
func (b *bundle) seedInspected(camp int64, pass bool) int64 {
	t := b.t
	t.Helper()
	ctx := context.Background()
	phone := "+14155550124"
	if pass {
		phone = "+14155550125"
	}
	r := b.do(store.RoleMarketing, "POST", fmt.Sprintf("/api/campaigns/%d/contacts?file=%s.csv", camp, phone[1:]), "phone,first_name\n"+phone+",Bo\n")
	if r.Code != 200 {
		t.Fatalf("upload: %d %s", r.Code, r.Body)
	}
	now := time.Now()
	got, err := b.db.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: camp, Holder: "n1", Limit: 1, LeaseFor: time.Minute, Now: now.Add(time.Second)})
	if err != nil || len(got) != 1 {
		t.Fatalf("lease: %v %v", got, err)
	}
	a, err := b.db.AttemptStart(ctx, &store.AttemptStartParams{ContactID: got[0].ID, Holder: "n1", CallID: "insp-" + phone, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	mean, low := 0.4, 0.1
	q := &store.AttemptQuality{SentimentMean: &mean, SentimentMin: &low, InspectionPass: &pass, InspectionFailures: json.RawMessage(`[]`)}
	if !pass {
		mean, low = -0.7, -0.9
		q.Angry, q.InspectionRule, q.InspectionOffsetMS = true, "disclosure", 2400
		q.InspectionFailures = json.RawMessage(`[{"rule":"disclosure","offset_ms":2400,"who":"bot","turn":0,"detail":"the disclosure was cut off (barge_in)"},
			{"rule":"opt_out_offer","offset_ms":2400,"who":"bot","turn":0,"detail":"no opt-out offer was spoken in full"}]`)
	}
	if err := b.db.AttemptFinish(ctx, &store.AttemptFinishParams{AttemptID: a.ID, ContactID: got[0].ID, Holder: "n1",
		Outcome: "answered", SIPStatus: 200, Disposition: "reminded", HangupBy: "bot", AnsweredAt: now, EndedAt: now.Add(20 * time.Second),
		DurationMS: 20000, Result: json.RawMessage(`{"outcome":"answered"}`), Final: true, Streak: 1, Now: now.Add(20 * time.Second), Quality: q}); err != nil {
		t.Fatal(err)
	}
	return a.ID
}
