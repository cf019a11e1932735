package storetest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/voxdial/voxdial/store"
)

var qualityTests = []struct {
	name string
	f    func(t *testing.T, db *store.DB)
}{
	{"AttemptQuality", testAttemptQuality},
}

func fp(v float64) *float64 { return &v }
func bp(v bool) *bool       { return &v }

// testAttemptQuality: sentiment and inspection written with the attempt, the
// failing calls listed, the campaign figures computed.
func testAttemptQuality(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := newCampaign(t, db, "quality")
	other := newCampaign(t, db, "quality-other")
	importN(t, db, c, 3)
	importN(t, db, other, 1)
	got, err := db.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: c.ID, Holder: "n1", Limit: 3, Now: t0})
	if err != nil || len(got) != 3 {
		t.Fatalf("lease: %d %v", len(got), err)
	}
	qualities := []*store.AttemptQuality{
		{SentimentMean: fp(0.5), SentimentMin: fp(0.2), InspectionPass: bp(true), InspectionFailures: json.RawMessage(`[]`)},
		{SentimentMean: fp(-0.6), SentimentMin: fp(-0.9), Angry: true, Arousal: fp(0.8), InspectionPass: bp(false),
			InspectionRule: "disclosure", InspectionOffsetMS: 2400,
			InspectionFailures: json.RawMessage(`[{"rule":"disclosure","offset_ms":2400,"who":"bot","turn":0,"detail":"cut off"}]`)},
		nil, // not answered: nothing to score
	}
	var failedID int64
	for i, ct := range got {
		a, err := db.AttemptStart(ctx, &store.AttemptStartParams{ContactID: ct.ID, Holder: "n1", CallID: "q" + string(rune('a'+i)), Now: t0})
		if err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			failedID = a.ID
		}
		if err := db.AttemptFinish(ctx, &store.AttemptFinishParams{AttemptID: a.ID, ContactID: ct.ID, Holder: "n1", Outcome: "answered",
			Disposition: "done", Final: true, DurationMS: 30000, EndedAt: t0.Add(time.Minute), Now: t0.Add(time.Minute), Quality: qualities[i]}); err != nil {
			t.Fatal(err)
		}
	}
	// A failure in another campaign, to check the filter.
	og, _ := db.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: other.ID, Holder: "n1", Limit: 1, Now: t0})
	oa, err := db.AttemptStart(ctx, &store.AttemptStartParams{ContactID: og[0].ID, Holder: "n1", CallID: "qo", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.AttemptFinish(ctx, &store.AttemptFinishParams{AttemptID: oa.ID, ContactID: og[0].ID, Holder: "n1", Outcome: "answered", Final: true,
		Now: t0, Quality: &store.AttemptQuality{InspectionPass: bp(false), InspectionRule: "talk_over", InspectionOffsetMS: 900}}); err != nil {
		t.Fatal(err)
	}

	fails, err := db.InspectionFailures(ctx, &store.InspectionFailuresParams{CampaignID: c.ID})
	if err != nil || len(fails) != 1 {
		t.Fatalf("failures of the campaign: %+v %v", fails, err)
	}
	f := fails[0]
	var list []map[string]any
	if f.AttemptID != failedID || f.Rule != "disclosure" || f.OffsetMS != 2400 || f.CampaignName != "quality" || f.Phone == "" ||
		json.Unmarshal(f.Failures, &list) != nil || len(list) != 1 || list[0]["detail"] != "cut off" {
		t.Fatalf("failure %+v (%s)", f, f.Failures)
	}
	all, err := db.InspectionFailures(ctx, &store.InspectionFailuresParams{})
	if err != nil || len(all) != 2 || all[0].Rule != "talk_over" {
		t.Fatalf("every campaign, newest first: %+v %v", all, err)
	}
	if byRule, _ := db.InspectionFailures(ctx, &store.InspectionFailuresParams{Rule: "talk_over"}); len(byRule) != 1 {
		t.Fatalf("by rule: %+v", byRule)
	}
	if page, _ := db.InspectionFailures(ctx, &store.InspectionFailuresParams{BeforeID: all[0].AttemptID}); len(page) != 1 || page[0].AttemptID != failedID {
		t.Fatalf("second page: %+v", page)
	}

	q, err := db.CampaignQualityGet(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if q.Scored != 2 || q.Angry != 1 || q.AngryRate != 0.5 || q.MeanSentiment == nil || *q.MeanSentiment > -0.04 || *q.MeanSentiment < -0.06 ||
		*q.MinSentiment != -0.6 || q.MeanArousal == nil || *q.MeanArousal != 0.8 ||
		q.Inspected != 2 || q.Passed != 1 || q.Failed != 1 || q.PassRate != 0.5 || q.ByRule["disclosure"] != 1 {
		t.Fatalf("figures %+v", q)
	}
	empty, err := db.CampaignQualityGet(ctx, other.ID+1000)
	if err != nil || empty.Scored != 0 || empty.MeanSentiment != nil || empty.Inspected != 0 {
		t.Fatalf("no attempts: %+v %v", empty, err)
	}
}
