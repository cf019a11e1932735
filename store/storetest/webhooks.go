package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/voxdial/voxdial/store"
)

// webhookTests are the conformance tests of webhooks on call end.
var webhookTests = []struct {
	name string
	f    func(t *testing.T, db *store.DB)
}{
	{"Webhook", testWebhook},
	{"WebhookDelivery", testWebhookDelivery},
	{"CallEventSeries", testCallEventSeries},
}

// finishAttempts dials and finishes n contacts of c, one attempt each.
func finishAttempts(t *testing.T, db *store.DB, c *store.Campaign, n int, at time.Time) []*store.Attempt {
	t.Helper()
	ctx := context.Background()
	got, err := db.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: c.ID, Holder: "n1", Limit: n, Now: at})
	if err != nil || len(got) != n {
		t.Fatalf("lease %d: %d, %v", n, len(got), err)
	}
	var out []*store.Attempt
	for _, ct := range got {
		a, err := db.AttemptStart(ctx, &store.AttemptStartParams{ContactID: ct.ID, Holder: "n1", CallID: "c", Now: at})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.AttemptFinish(ctx, &store.AttemptFinishParams{AttemptID: a.ID, ContactID: ct.ID, Holder: "n1", Outcome: "busy",
			SIPStatus: 486, Final: true, Disposition: "busy", Streak: 1, Result: json.RawMessage(`{"outcome":"busy"}`), Now: at}); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

func testWebhook(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := newCampaign(t, db, "wh")
	for _, tc := range []struct {
		url, secret string
	}{
		{"ftp://x/y", "0123456789abcdef"},
		{"not a url", "0123456789abcdef"},
		{"http:///nohost", "0123456789abcdef"},
		{"https://crm.example/hook", "short"},
	} {
		if _, err := db.WebhookCreate(ctx, &store.WebhookCreateParams{URL: tc.url, Secret: tc.secret}); !errors.Is(err, store.ErrInvalidParams) {
			t.Errorf("create %q/%q: %v, want ErrInvalidParams", tc.url, tc.secret, err)
		}
	}
	if _, err := db.WebhookCreate(ctx, &store.WebhookCreateParams{CampaignID: 99999, URL: "https://x/", Secret: "0123456789abcdef"}); !errors.Is(err, store.ErrInvalidParams) {
		t.Errorf("create for a missing campaign: %v, want ErrInvalidParams", err)
	}
	all, err := db.WebhookCreate(ctx, &store.WebhookCreateParams{URL: "https://crm.example/all", Secret: "0123456789abcdef", CreatedBy: "ada", Now: t0})
	if err != nil || all.CampaignID != 0 || !all.Active || all.CreatedBy != "ada" || !all.CreatedAt.Equal(t0) {
		t.Fatalf("create: %+v %v", all, err)
	}
	one, err := db.WebhookCreate(ctx, &store.WebhookCreateParams{CampaignID: c.ID, URL: "https://crm.example/one", Secret: "fedcba9876543210", Now: t0})
	if err != nil || one.CampaignID != c.ID {
		t.Fatalf("create: %+v %v", one, err)
	}
	c2 := newCampaign(t, db, "wh2")
	for _, tc := range []struct {
		campaign int64
		inactive bool
		want     []int64
	}{
		{0, false, []int64{all.ID, one.ID}},
		{c.ID, false, []int64{all.ID, one.ID}},
		{c2.ID, false, []int64{all.ID}},
	} {
		ws, err := db.WebhookList(ctx, &store.WebhookListParams{CampaignID: tc.campaign, WithInactive: tc.inactive})
		if err != nil || !sameIDs(webhookIDs(ws), tc.want) {
			t.Errorf("list %d: %v %v, want %v", tc.campaign, webhookIDs(ws), err, tc.want)
		}
	}
	if err := db.WebhookDisable(ctx, &store.WebhookDisableParams{ID: one.ID}); err != nil {
		t.Fatal(err)
	}
	if err := db.WebhookDisable(ctx, &store.WebhookDisableParams{ID: 99999}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("disable missing: %v", err)
	}
	ws, _ := db.WebhookList(ctx, &store.WebhookListParams{})
	if !sameIDs(webhookIDs(ws), []int64{all.ID}) {
		t.Fatalf("active after disable: %v", webhookIDs(ws))
	}
	ws, _ = db.WebhookList(ctx, &store.WebhookListParams{WithInactive: true})
	if !sameIDs(webhookIDs(ws), []int64{all.ID, one.ID}) {
		t.Fatalf("all after disable: %v", webhookIDs(ws))
	}
	got, err := db.WebhookGet(ctx, &store.WebhookGetParams{ID: one.ID})
	if err != nil || got.Active || got.Secret != "fedcba9876543210" {
		t.Fatalf("get: %+v %v", got, err)
	}
	if _, err := db.WebhookGet(ctx, &store.WebhookGetParams{ID: 99999}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("get missing: %v", err)
	}
}

func testWebhookDelivery(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := newCampaign(t, db, "whd")
	other := newCampaign(t, db, "whd-other")
	importN(t, db, c, 4)
	importN(t, db, other, 1)
	before := finishAttempts(t, db, c, 1, t0) // ends before any webhook: never sent
	all, _ := db.WebhookCreate(ctx, &store.WebhookCreateParams{URL: "https://crm.example/all", Secret: "0123456789abcdef", Now: t0})
	mine, _ := db.WebhookCreate(ctx, &store.WebhookCreateParams{CampaignID: c.ID, URL: "https://crm.example/c", Secret: "0123456789abcdef", Now: t0})
	cursor, err := db.WebhookCursor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	finishAttempts(t, db, c, 2, t0.Add(time.Minute))
	otherAtt := finishAttempts(t, db, other, 1, t0.Add(time.Minute))
	n, upto, err := db.WebhookDeliveryEnqueue(ctx, &store.WebhookDeliveryEnqueueParams{AfterEventID: cursor, Now: t0.Add(time.Minute)})
	if err != nil || n != 5 || upto <= cursor { // 2 attempts × 2 webhooks + the other campaign's × the deployment's
		t.Fatalf("enqueue: %d up to %d, %v; want 5", n, upto, err)
	}
	// Idempotent: the same range again (another node, or an overlap) adds nothing.
	if n, _, err := db.WebhookDeliveryEnqueue(ctx, &store.WebhookDeliveryEnqueueParams{AfterEventID: 0, Now: t0.Add(time.Minute)}); err != nil || n != 0 {
		t.Fatalf("enqueue again: %d, %v; want 0", n, err)
	}
	// The cursor moves past what every active webhook has been given.
	if cur, _ := db.WebhookCursor(ctx); cur <= cursor || cur > upto {
		t.Fatalf("cursor after enqueue = %d, want in (%d, %d]", cur, cursor, upto)
	}
	ds, _ := db.WebhookDeliveryList(ctx, &store.WebhookDeliveryListParams{AttemptID: before[0].ID})
	if len(ds) != 0 {
		t.Fatalf("an attempt that ended before the webhooks has deliveries: %+v", ds)
	}
	ds, _ = db.WebhookDeliveryList(ctx, &store.WebhookDeliveryListParams{AttemptID: otherAtt[0].ID})
	if len(ds) != 1 || ds[0].WebhookID != all.ID {
		t.Fatalf("other campaign's deliveries: %+v", ds)
	}
	// Leasing: due ones only, never twice while leased.
	now := t0.Add(time.Minute)
	l1, err := db.WebhookDeliveryLeaseDue(ctx, &store.WebhookDeliveryLeaseDueParams{Holder: "n1", Limit: 3, LeaseFor: time.Minute, Now: now})
	if err != nil || len(l1) != 3 {
		t.Fatalf("lease: %d %v", len(l1), err)
	}
	l2, _ := db.WebhookDeliveryLeaseDue(ctx, &store.WebhookDeliveryLeaseDueParams{Holder: "n2", Limit: 10, LeaseFor: time.Minute, Now: now})
	if len(l2) != 2 {
		t.Fatalf("second lease: %d, want the 2 left", len(l2))
	}
	if l3, _ := db.WebhookDeliveryLeaseDue(ctx, &store.WebhookDeliveryLeaseDueParams{Holder: "n3", Limit: 10, Now: now}); len(l3) != 0 {
		t.Fatalf("leased twice: %d", len(l3))
	}
	d := l1[0]
	if err := db.WebhookDeliveryRecord(ctx, &store.WebhookDeliveryRecordParams{DeliveryID: d.ID, Holder: "n2", Status: 200, Delivered: true}); !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("record by a non-holder: %v, want ErrLeaseLost", err)
	}
	retry := now.Add(10 * time.Second)
	if err := db.WebhookDeliveryRecord(ctx, &store.WebhookDeliveryRecordParams{DeliveryID: d.ID, Holder: "n1", Payload: `{"a":1}`,
		At: now, Status: 500, Error: "HTTP 500", DurationMS: 12, NextTryAt: retry}); err != nil {
		t.Fatal(err)
	}
	if l, _ := db.WebhookDeliveryLeaseDue(ctx, &store.WebhookDeliveryLeaseDueParams{Holder: "n1", Now: now.Add(5 * time.Second)}); len(l) != 0 {
		t.Fatalf("leased before its retry is due: %d", len(l))
	}
	l, _ := db.WebhookDeliveryLeaseDue(ctx, &store.WebhookDeliveryLeaseDueParams{Holder: "n1", Now: retry})
	if len(l) != 1 || l[0].ID != d.ID || l[0].Tries != 1 || l[0].LastStatus != 500 {
		t.Fatalf("retry lease: %+v", l)
	}
	if err := db.WebhookDeliveryRecord(ctx, &store.WebhookDeliveryRecordParams{DeliveryID: d.ID, Holder: "n1", Payload: `{"a":1}`,
		At: retry, Status: 204, DurationMS: 3, Delivered: true}); err != nil {
		t.Fatal(err)
	}
	// Give up: a try with no next time.
	g := l1[1]
	if err := db.WebhookDeliveryRecord(ctx, &store.WebhookDeliveryRecordParams{DeliveryID: g.ID, Holder: "n1", At: now, Error: "connection refused"}); err != nil {
		t.Fatal(err)
	}
	ds, err = db.WebhookDeliveryList(ctx, &store.WebhookDeliveryListParams{WithTries: true, Limit: 10})
	if err != nil || len(ds) != 5 {
		t.Fatalf("list: %d %v", len(ds), err)
	}
	byID := map[int64]*store.WebhookDelivery{}
	for _, x := range ds {
		byID[x.ID] = x
	}
	got := byID[d.ID]
	if got.State != store.DeliveryDelivered || got.Tries != 2 || got.LastStatus != 204 || got.Payload != `{"a":1}` || len(got.TryLog) != 2 ||
		got.TryLog[0].Status != 500 || got.TryLog[0].Error != "HTTP 500" || got.TryLog[0].DurationMS != 12 || got.TryLog[1].TryNo != 2 ||
		!got.TryLog[1].At.Equal(retry) {
		t.Fatalf("delivered: %+v tries %+v", got, got.TryLog)
	}
	if f := byID[g.ID]; f.State != store.DeliveryFailed || f.Tries != 1 || f.LastError != "connection refused" || len(f.TryLog) != 1 {
		t.Fatalf("gave up: %+v", f)
	}
	// Disabling a webhook gives up its pending deliveries.
	if err := db.WebhookDisable(ctx, &store.WebhookDisableParams{ID: mine.ID}); err != nil {
		t.Fatal(err)
	}
	ds, _ = db.WebhookDeliveryList(ctx, &store.WebhookDeliveryListParams{WebhookID: mine.ID})
	for _, x := range ds {
		if x.State == store.DeliveryPending {
			t.Fatalf("pending delivery of a disabled webhook: %+v", x)
		}
	}
}

func webhookIDs(ws []*store.Webhook) []int64 {
	var out []int64
	for _, w := range ws {
		out = append(out, w.ID)
	}
	return out
}

func sameIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func testCallEventSeries(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := newCampaign(t, db, "series")
	other := newCampaign(t, db, "series-other")
	importN(t, db, c, 3)
	importN(t, db, other, 1)
	finishAttempts(t, db, c, 2, t0.Add(10*time.Second))     // bucket t0: 2 started, 2 busy
	finishAttempts(t, db, other, 1, t0.Add(10*time.Second)) // another campaign: not counted
	for _, e := range []struct {
		typ  string
		data any
		at   time.Duration
	}{
		{"gate_block", map[string]any{"rules": []string{"DNC_INTERNAL", "X"}, "reason": "listed"}, 70 * time.Second},
		{"gate_block", map[string]any{"rules": []string{"DNC_INTERNAL"}}, 80 * time.Second},
		{"gate_hold", map[string]any{"rules": []string{}, "reason": "quiet hours"}, 90 * time.Second},
		{"campaign_start", nil, 90 * time.Second},
	} {
		if err := db.CallEventAppend(ctx, &store.CallEventAppendParams{CampaignID: c.ID, Type: e.typ, Data: e.data, At: t0.Add(e.at)}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.CallEventSeries(ctx, &store.CallEventSeriesParams{CampaignID: c.ID, Bucket: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	want := []store.EventCount{
		{Bucket: t0, Type: "attempt_finished", Key: "busy", Count: 2},
		{Bucket: t0, Type: "attempt_started", Key: "", Count: 2},
		{Bucket: t0.Add(time.Minute), Type: "gate_block", Key: "DNC_INTERNAL", Count: 2},
		{Bucket: t0.Add(time.Minute), Type: "gate_hold", Key: "quiet hours", Count: 1},
	}
	if len(got) != len(want) {
		t.Fatalf("series %+v, want %+v", got, want)
	}
	for i := range want {
		if !got[i].Bucket.Equal(want[i].Bucket) || got[i].Type != want[i].Type || got[i].Key != want[i].Key || got[i].Count != want[i].Count {
			t.Errorf("series[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
	got, _ = db.CallEventSeries(ctx, &store.CallEventSeriesParams{CampaignID: c.ID, Bucket: time.Minute, Since: t0.Add(time.Minute)})
	if len(got) != 2 {
		t.Errorf("since: %+v", got)
	}
	got, _ = db.CallEventSeries(ctx, &store.CallEventSeriesParams{CampaignID: c.ID, Bucket: time.Hour, Types: []string{"gate_block"}})
	if len(got) != 1 || got[0].Type != "gate_block" || got[0].Count != 2 {
		t.Errorf("gate blocks only: %+v", got)
	}
	if _, err := db.CallEventSeries(ctx, &store.CallEventSeriesParams{CampaignID: c.ID, Types: []string{"campaign_start"}}); !errors.Is(err, store.ErrInvalidParams) {
		t.Errorf("unknown type: %v", err)
	}
}
