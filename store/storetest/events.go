package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/voxdial/voxdial/store"
)

// testCallEventHook: OnCallEvent sees every event the DB appends, once committed, with the
// id, times and data the log keeps; a failed write emits nothing.
func testCallEventHook(t *testing.T, db *store.DB) {
	ctx := context.Background()
	var mu sync.Mutex
	var seen []*store.CallEvent
	db.OnCallEvent(func(e *store.CallEvent) {
		mu.Lock()
		seen = append(seen, e)
		mu.Unlock()
	})
	defer db.OnCallEvent(nil)
	c, err := db.CampaignCreate(ctx, &store.CampaignCreateParams{Name: "hook", Seller: "S9", Now: t0, MaxAttempts: 3})
	if err != nil {
		t.Fatal(err)
	}
	importN(t, db, c, 4)
	if err := db.CallEventAppend(ctx, &store.CallEventAppendParams{CampaignID: c.ID, Type: "gate_hold", Data: map[string]string{"rule": "r"},
		At: t0.Add(1500 * time.Microsecond)}); err != nil {
		t.Fatal(err)
	}
	got, err := db.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: c.ID, Holder: "n1", Limit: 4, LeaseFor: time.Minute, Now: t0})
	if err != nil || len(got) != 4 {
		t.Fatal(got, err)
	}
	a, err := db.AttemptStart(ctx, &store.AttemptStartParams{ContactID: got[0].ID, Holder: "n1", CallID: "h1", Now: t0.Add(time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AttemptStart(ctx, &store.AttemptStartParams{ContactID: got[1].ID, Holder: "not-the-holder", CallID: "h2"}); !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("start by another holder: %v", err)
	}
	if err := db.AttemptFinish(ctx, &store.AttemptFinishParams{AttemptID: a.ID, ContactID: got[0].ID, Holder: "n1", Outcome: "busy",
		NextAttemptAt: t0.Add(time.Hour), Now: t0.Add(2 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	if err := db.ContactFinish(ctx, &store.ContactFinishParams{ContactID: got[1].ID, Holder: "n1", Disposition: "compliance_blocked",
		Reason: "gate", Now: t0.Add(3 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ContactCancel(ctx, &store.ContactCancelParams{Phone: got[2].Phone, Seller: "S9", Now: t0.Add(4 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	if ids, err := db.ContactLeaseRescue(ctx, &store.ContactLeaseRescueParams{Now: t0.Add(2 * time.Minute)}); err != nil || len(ids) != 1 {
		t.Fatalf("rescue %v %v", ids, err)
	}
	logged, err := db.CallEventList(ctx, &store.CallEventListParams{CampaignID: c.ID})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	types := []string{"gate_hold", "attempt_started", "attempt_finished", "contact_finished", "contact_finished", "lease_rescued"}
	if len(seen) != len(types) || len(logged) != len(types) {
		t.Fatalf("%d events seen, %d logged; want %d", len(seen), len(logged), len(types))
	}
	for i, e := range seen {
		l := logged[i]
		if e.Type != types[i] || e.ID != l.ID || e.Type != l.Type || e.CampaignID != l.CampaignID || e.ContactID != l.ContactID ||
			e.AttemptID != l.AttemptID || !e.At.Equal(l.At) || !jsonEqual(e.Data, l.Data) {
			t.Fatalf("event %d: seen %+v (data %s), logged %+v (data %s)", i, e, e.Data, l, l.Data)
		}
	}
	if seen[1].AttemptID != a.ID || seen[3].ContactID != got[1].ID || seen[4].ContactID != got[2].ID || seen[5].ContactID != got[3].ID {
		t.Fatalf("events name the wrong rows: %+v", seen)
	}
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return bytes.Equal(a, b)
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}
