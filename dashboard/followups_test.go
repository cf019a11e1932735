package dashboard_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
)

// TestFollowUpList: the follow-up log through the API, by role: the campaign's owner and
// the full-number roles see the text; the others see it masked and redacted.
func TestFollowUpList(t *testing.T) {
	t.Parallel()
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		b := setup(t, db)
		camp, att := b.seedCampaign("texts", store.RoleMarketing)
		ctx := context.Background()
		a, err := db.AttemptGet(ctx, &store.AttemptGetParams{ID: att})
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		body := "Thanks Ana: pay at https://pay.example.com/p?ref=1-2-3&exp=9&sig=SECRET"
		if _, err := db.FollowUpEnqueue(ctx, []*store.FollowUpEnqueueParams{
			{CampaignID: camp, ContactID: a.ContactID, AttemptID: att, Name: "thanks", To: "+14155550123", Body: body, Now: now},
			{CampaignID: camp, ContactID: a.ContactID, AttemptID: att, Name: "bad", To: "+14155550123", Body: "{{x}}", Now: now,
				Failed: "follow-up bad: {{x}}: missing template variable"},
		}); err != nil {
			t.Fatal(err)
		}
		leased, err := db.FollowUpLeaseDue(ctx, &store.FollowUpLeaseDueParams{Holder: "n1", Now: now.Add(time.Second)})
		if err != nil || len(leased) != 1 {
			t.Fatalf("lease %v %v", leased, err)
		}
		if err := db.FollowUpRecord(ctx, &store.FollowUpRecordParams{ID: leased[0].ID, Holder: "n1", At: now.Add(time.Second),
			Event: store.FollowUpEventSent, State: store.FollowUpSent, Status: 200, GatewayID: "SM1", Try: true}); err != nil {
			t.Fatal(err)
		}
		type fu struct {
			To, Body, State, Name string
			Masked                bool
			Log                   []struct{ Event string }
		}
		get := func(role, query string) (int, []fu) {
			r := b.do(role, "GET", "/api/follow-ups"+query, nil)
			var out struct {
				FollowUps []fu `json:"follow_ups"`
			}
			if r.Code == 200 {
				r.json(t, &out)
			}
			return r.Code, out.FollowUps
		}
		for _, role := range []string{store.RoleMarketing, store.RoleAdmin, store.RoleCompliance} {
			code, fus := get(role, fmt.Sprintf("?campaign=%d", camp))
			if code != 200 || len(fus) != 2 || fus[0].Name != "bad" || fus[0].State != "failed" || fus[1].Body != body ||
				fus[1].To != "+14155550123" || fus[1].Masked || fus[1].State != "sent" || len(fus[1].Log) != 2 || fus[1].Log[1].Event != "sent" {
				t.Fatalf("%s: %d %+v", role, code, fus)
			}
		}
		for _, role := range []string{store.RoleManager, store.RoleCollections} {
			code, fus := get(role, fmt.Sprintf("?attempt=%d&state=sent", att))
			if code != 200 || len(fus) != 1 || !fus[0].Masked || fus[0].To == "+14155550123" || strings.Contains(fus[0].Body, "Ana") ||
				strings.Contains(fus[0].Body, "SECRET") {
				t.Fatalf("%s: %d %+v", role, code, fus)
			}
		}
		if code, _ := get(store.RoleAdmin, "?state=lost"); code != 400 {
			t.Fatalf("bad state: %d", code)
		}
		if code, _ := get("", ""); code != 401 {
			t.Fatalf("anonymous: %d", code)
		}
	})
}
