package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
)

// Captured slots are stored on the attempt as a JSON object, and unanswered questions
// are listed per campaign, the same question grouped, most asked first (both backends).
func TestCaptureStore(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)
		c, err := db.CampaignCreate(ctx, &store.CampaignCreateParams{Name: "cap", Now: now, MaxAttempts: 1})
		if err != nil {
			t.Fatal(err)
		}
		questions := [][]string{{"What's the interest rate?", "can I pay by card"}, {"what's the  interest rate"}, nil}
		for i, qs := range questions {
			phone := fmt.Sprintf("+1212555010%d", i)
			if _, err := db.ContactImport(ctx, &store.ContactImportParams{CampaignID: c.ID, ListName: "t",
				Source: &oneRow{r: store.ContactRow{Phone: phone}}, Now: now}); err != nil {
				t.Fatal(err)
			}
			got, err := db.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: c.ID, Holder: "n1", Now: now})
			if err != nil || len(got) != 1 {
				t.Fatalf("lease: %v %v", got, err)
			}
			a, err := db.AttemptStart(ctx, &store.AttemptStartParams{ContactID: got[0].ID, Holder: "n1", CallID: phone, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			var captured json.RawMessage
			if i == 0 {
				captured = json.RawMessage(`{"pay_date":"2026-12-11","pay_amount":"200.00"}`)
			}
			at := now.Add(time.Duration(i) * time.Minute)
			if err := db.AttemptFinish(ctx, &store.AttemptFinishParams{AttemptID: a.ID, ContactID: got[0].ID, Holder: "n1",
				Outcome: "answered", Disposition: "promise_to_pay", EndedAt: at, Final: true, Now: at,
				Captured: captured, Unanswered: qs}); err != nil {
				t.Fatal(err)
			}
		}
		as, err := db.AttemptList(ctx, &store.AttemptListParams{CampaignID: c.ID})
		if err != nil || len(as) != 3 {
			t.Fatalf("%v %v", as, err)
		}
		var m map[string]string
		if err := json.Unmarshal(as[0].Captured, &m); err != nil || m["pay_date"] != "2026-12-11" || m["pay_amount"] != "200.00" {
			t.Errorf("captured %s: %v", as[0].Captured, err)
		}
		if string(as[1].Captured) != "{}" {
			t.Errorf("nothing captured: %s, want {}", as[1].Captured)
		}
		qs, err := db.UnansweredList(ctx, &store.UnansweredListParams{CampaignID: c.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(qs) != 2 || qs[0].Count != 2 || qs[0].Normalized != "what's the interest rate" || qs[0].Text != "what's the  interest rate" ||
			qs[0].LastAttemptID != as[1].ID || !qs[0].LastAt.Equal(now.Add(time.Minute)) || qs[1].Count != 1 {
			t.Errorf("unanswered %+v", qs)
		}
		other, err := db.UnansweredList(ctx, &store.UnansweredListParams{CampaignID: c.ID + 100})
		if err != nil || len(other) != 0 {
			t.Errorf("another campaign: %v %v", other, err)
		}
	})
}
