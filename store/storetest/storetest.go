package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/voxdial/voxdial/store"
)

// Exercise runs the store conformance suite. newDB returns an empty,
// migrated database private to the calling test; each subtest gets its own.
// Every backend must pass every test: the behaviour is defined here, not by
// either backend's SQL.
func Exercise(t *testing.T, newDB func(t *testing.T) *store.DB) {
	tests := []struct {
		name string
		f    func(t *testing.T, db *store.DB)
	}{
		{"Migrations", testMigrations},
		{"Campaign", testCampaign},
		{"CampaignStateSet", testCampaignStateSet},
		{"ContactImport", testContactImport},
		{"ContactImportAbort", testContactImportAbort},
		{"ContactImportDuplicates", testContactImportDuplicates},
		{"ContactReimport", testContactReimport},
		{"ContactRecycle", testContactRecycle},
		{"CampaignLifecycle", testCampaignLifecycle},
		{"ContactLeaseDue", testContactLeaseDue},
		{"ContactLeaseDueConcurrent", testContactLeaseDueConcurrent},
		{"ContactLeaseRescue", testContactLeaseRescue},
		{"ContactLeaseExtendRelease", testContactLeaseExtendRelease},
		{"ContactLeaseExtendSome", testContactLeaseExtendSome},
		{"Attempt", testAttempt},
		{"ContactRescheduleFinish", testContactRescheduleFinish},
		{"CallEvent", testCallEvent},
		{"CallEventHook", testCallEventHook},
		{"Dispositions", testDispositions},
		{"Errors", testErrors},
	}
	tests = append(tests, complianceTests...)
	tests = append(tests, webhookTests...)
	tests = append(tests, paceTests...)
	tests = append(tests, qualityTests...)
	tests = append(tests, resultsTests...)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.f(t, newDB(t))
		})
	}
}

var t0 = time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)

func newCampaign(t *testing.T, db *store.DB, name string) *store.Campaign {
	t.Helper()
	c, err := db.CampaignCreate(context.Background(), &store.CampaignCreateParams{Name: name, Now: t0, MaxAttempts: 3})
	if err != nil {
		t.Fatalf("CampaignCreate: %v", err)
	}
	return c
}

// rows is a ContactSource over a slice; failAt > 0 makes it fail after that many rows.
type rows struct {
	rs     []store.ContactRow
	i      int
	failAt int
	err    error
}

func (r *rows) Next() bool {
	if r.failAt > 0 && r.i >= r.failAt {
		r.err = errors.New("source broke")
		return false
	}
	r.i++
	return r.i <= len(r.rs)
}
func (r *rows) Row() *store.ContactRow { return &r.rs[r.i-1] }
func (r *rows) Err() error             { return r.err }

func contactRows(n int) []store.ContactRow {
	out := make([]store.ContactRow, n)
	for i := range out {
		out[i] = store.ContactRow{Line: i + 2, Phone: fmt.Sprintf("+1415555%04d", i),
			Variables: []byte(fmt.Sprintf(`{"first_name":"n%d"}`, i))}
	}
	return out
}

func importN(t *testing.T, db *store.DB, c *store.Campaign, n int) {
	t.Helper()
	res, err := db.ContactImport(context.Background(), &store.ContactImportParams{CampaignID: c.ID, ListName: "t", Source: &rows{rs: contactRows(n)}, Now: t0})
	if err != nil {
		t.Fatalf("ContactImport: %v", err)
	}
	if res.Inserted != n {
		t.Fatalf("ContactImport inserted %d, want %d", res.Inserted, n)
	}
}

func testMigrations(t *testing.T, db *store.DB) {
	ctx := context.Background()
	applied, err := db.Migrate(ctx)
	if err != nil || len(applied) != 0 {
		t.Fatalf("second Migrate = %v, %v; want nothing applied", applied, err)
	}
	all, err := store.Migrations(db.Backend())
	if err != nil {
		t.Fatal(err)
	}
	v, err := db.MigrationVersion(ctx)
	if err != nil || v != all[len(all)-1].Version {
		t.Fatalf("MigrationVersion = %d, %v; want %d", v, err, all[len(all)-1].Version)
	}
	// Both backends carry the same versions.
	other := store.SQLite
	if db.Backend() == store.SQLite {
		other = store.Postgres
	}
	all2, _ := store.Migrations(other)
	if len(all) != len(all2) {
		t.Fatalf("%s has %d migrations, %s %d", db.Backend(), len(all), other, len(all2))
	}
	for i := range all {
		if all[i].Version != all2[i].Version || all[i].Name != all2[i].Name {
			t.Fatalf("migration %d differs: %v vs %v", i, all[i], all2[i])
		}
	}
}

func testCampaign(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c, err := db.CampaignCreate(ctx, &store.CampaignCreateParams{
		Name: "reminders", Script: "s.yaml", Trunk: "carrier-a", CallerIDs: []string{"+12125550000"},
		Requires: []string{"first_name"}, Region: "US", TimeZone: "America/New_York", Purpose: "collections",
		Seller: "acme", MaxAttempts: 5, MaxConcurrent: 10,
		Schedule: json.RawMessage(`{"days":["mon"]}`), RetryPolicy: json.RawMessage(`{"busy":"30m"}`), Now: t0,
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.ID == 0 || c.State != store.CampaignDraft || !c.CreatedAt.Equal(t0) || c.Trunk != "carrier-a" ||
		len(c.CallerIDs) != 1 || c.Requires[0] != "first_name" || c.MaxConcurrent != 10 || !c.StartedAt.IsZero() {
		t.Fatalf("created %+v", c)
	}
	var sched map[string][]string
	if err := json.Unmarshal(c.Schedule, &sched); err != nil || sched["days"][0] != "mon" {
		t.Fatalf("schedule %s: %v", c.Schedule, err)
	}
	byName, err := db.CampaignGet(ctx, &store.CampaignGetParams{Name: "reminders"})
	if err != nil || byName.ID != c.ID {
		t.Fatalf("get by name: %v %v", byName, err)
	}
	byID, err := db.CampaignGet(ctx, &store.CampaignGetParams{ID: c.ID})
	if err != nil || byID.Name != "reminders" || byID.Seller != "acme" {
		t.Fatalf("get by id: %v %v", byID, err)
	}
	if _, err := db.CampaignCreate(ctx, &store.CampaignCreateParams{Name: "reminders"}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate name: %v, want ErrConflict", err)
	}
	if _, err := db.CampaignCreate(ctx, &store.CampaignCreateParams{Name: ""}); !errors.Is(err, store.ErrInvalidParams) {
		t.Fatalf("empty name: %v, want ErrInvalidParams", err)
	}
	if _, err := db.CampaignGet(ctx, &store.CampaignGetParams{Name: "nope"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing: %v, want ErrNotFound", err)
	}
	if _, err := db.CampaignGet(ctx, &store.CampaignGetParams{ID: 9999}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing id: %v, want ErrNotFound", err)
	}
	newCampaign(t, db, "second")
	all, err := db.CampaignList(ctx, &store.CampaignListParams{})
	if err != nil || len(all) != 2 || all[0].Name != "reminders" {
		t.Fatalf("list: %v %v", all, err)
	}
	none, err := db.CampaignList(ctx, &store.CampaignListParams{States: []string{store.CampaignRunning}})
	if err != nil || len(none) != 0 {
		t.Fatalf("list running: %v %v", none, err)
	}
	importN(t, db, all[1], 3)
	if err := db.CampaignDelete(ctx, &store.CampaignGetParams{ID: all[1].ID}); err != nil {
		t.Fatal(err)
	}
	if err := db.CampaignDelete(ctx, &store.CampaignGetParams{ID: all[1].ID}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("delete twice: %v", err)
	}
	if cs, _ := db.ContactList(ctx, &store.ContactListParams{CampaignID: all[1].ID}); len(cs) != 0 {
		t.Fatalf("contacts of a deleted campaign remain: %d", len(cs))
	}
}

func testCampaignStateSet(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := newCampaign(t, db, "c")
	t1 := t0.Add(time.Hour)
	got, err := db.CampaignStateSet(ctx, &store.CampaignStateSetParams{ID: c.ID, From: []string{store.CampaignDraft}, To: store.CampaignRunning, Now: t1})
	if err != nil || got.State != store.CampaignRunning || !got.StartedAt.Equal(t1) {
		t.Fatalf("draft→running: %+v %v", got, err)
	}
	_, err = db.CampaignStateSet(ctx, &store.CampaignStateSetParams{ID: c.ID, From: []string{store.CampaignDraft}, To: store.CampaignScheduled})
	if !errors.Is(err, store.ErrStateConflict) {
		t.Fatalf("from wrong state: %v, want ErrStateConflict", err)
	}
	got, err = db.CampaignStateSet(ctx, &store.CampaignStateSetParams{ID: c.ID, From: []string{store.CampaignRunning}, To: store.CampaignPaused, Now: t1.Add(time.Hour)})
	if err != nil || got.State != store.CampaignPaused {
		t.Fatal(got, err)
	}
	got, err = db.CampaignStateSet(ctx, &store.CampaignStateSetParams{ID: c.ID, From: []string{store.CampaignPaused}, To: store.CampaignRunning, Now: t1.Add(2 * time.Hour)})
	if err != nil || !got.StartedAt.Equal(t1) {
		t.Fatalf("started_at must stay the first start: %+v %v", got, err)
	}
	t2 := t1.Add(3 * time.Hour)
	got, err = db.CampaignStateSet(ctx, &store.CampaignStateSetParams{ID: c.ID, From: []string{store.CampaignRunning}, To: store.CampaignStopped, Now: t2})
	if err != nil || !got.FinishedAt.Equal(t2) {
		t.Fatalf("stop: %+v %v", got, err)
	}
	if _, err := db.CampaignStateSet(ctx, &store.CampaignStateSetParams{ID: 424242, From: []string{"draft"}, To: "running"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing campaign: %v", err)
	}
	// Concurrent compare-and-set: exactly one wins.
	c2 := newCampaign(t, db, "c2")
	var wins, conflicts int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := db.CampaignStateSet(ctx, &store.CampaignStateSetParams{ID: c2.ID, From: []string{store.CampaignDraft}, To: store.CampaignScheduled})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case errors.Is(err, store.ErrStateConflict):
				conflicts++
			default:
				t.Errorf("CampaignStateSet: %v", err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 || conflicts != 7 {
		t.Fatalf("wins %d conflicts %d, want 1 and 7", wins, conflicts)
	}
}

func testContactImport(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := newCampaign(t, db, "imp")
	src := []store.ContactRow{
		{Line: 2, Phone: "+14155550101", ExternalID: "L-1", TimeZone: "America/Los_Angeles", Variables: []byte(`{"first_name":"Ana","amount":"120.50"}`)},
		{Line: 3, Phone: "+12125550102", ExternalID: "L-2"},
		{Line: 4, Phone: "+14155550101", ExternalID: "L-9", Variables: []byte(`{"first_name":"Later"}`)}, // same number: folded
		{Line: 5, Phone: "+13125550103", ExternalID: "L-2"},                                              // same external id: folded
		{Line: 6, Phone: "+13055550107"},
	}
	res, err := db.ContactImport(ctx, &store.ContactImportParams{CampaignID: c.ID, ListName: "a.csv", Source: &rows{rs: src}, Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 5 || res.Inserted != 3 || res.Duplicates != 2 || res.ListID == 0 {
		t.Fatalf("import: %+v, want 5 rows, 3 inserted, 2 duplicates", res)
	}
	got, err := db.ContactList(ctx, &store.ContactListParams{CampaignID: c.ID})
	if err != nil || len(got) != 3 {
		t.Fatalf("list: %d %v", len(got), err)
	}
	byPhone := map[string]*store.Contact{}
	for _, ct := range got {
		byPhone[ct.Phone] = ct
	}
	ana := byPhone["+14155550101"]
	if ana == nil || ana.Line != 2 || ana.ExternalID != "L-1" || ana.TimeZone != "America/Los_Angeles" ||
		ana.State != store.ContactPending || !ana.NextAttemptAt.Equal(t0) || ana.ListID != res.ListID {
		t.Fatalf("first row must win: %+v", ana)
	}
	var vars map[string]string
	if err := json.Unmarshal(ana.Variables, &vars); err != nil || vars["first_name"] != "Ana" || vars["amount"] != "120.50" {
		t.Fatalf("variables %s: %v", ana.Variables, err)
	}
	if b := byPhone["+12125550102"]; b == nil || string(b.Variables) != "{}" && !jsonEmpty(b.Variables) {
		t.Fatalf("row without variables: %+v", b)
	}
	// Re-import: the three contacts are updated (same values), the two rows that
	// repeat a number or id of the file are duplicates.
	res, err = db.ContactImport(ctx, &store.ContactImportParams{CampaignID: c.ID, ListName: "a.csv", Source: &rows{rs: src}, Now: t0.Add(time.Hour)})
	if err != nil || res.Inserted != 0 || res.Updated != 3 || res.Duplicates != 2 {
		t.Fatalf("re-import: %+v %v", res, err)
	}
	// Another campaign may hold the same numbers.
	c2 := newCampaign(t, db, "imp2")
	res, err = db.ContactImport(ctx, &store.ContactImportParams{CampaignID: c2.ID, Source: &rows{rs: src}})
	if err != nil || res.Inserted != 3 {
		t.Fatalf("other campaign: %+v %v", res, err)
	}
	// Empty source.
	res, err = db.ContactImport(ctx, &store.ContactImportParams{CampaignID: c.ID, Source: &rows{}})
	if err != nil || res.Rows != 0 || res.Inserted != 0 {
		t.Fatalf("empty: %+v %v", res, err)
	}
	// Bigger batch, paged listing.
	c3 := newCampaign(t, db, "imp3")
	importN(t, db, c3, 2500)
	var n int
	var after int64
	for {
		page, err := db.ContactList(ctx, &store.ContactListParams{CampaignID: c3.ID, AfterID: after, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		n += len(page)
		after = page[len(page)-1].ID
	}
	if n != 2500 {
		t.Fatalf("paged %d contacts, want 2500", n)
	}
	st, err := db.CampaignStatsGet(ctx, &store.CampaignGetParams{ID: c3.ID})
	if err != nil || st.Total != 2500 || st.Contacts[store.ContactPending] != 2500 {
		t.Fatalf("stats %+v %v", st, err)
	}
}

func jsonEmpty(b []byte) bool {
	var m map[string]any
	return json.Unmarshal(b, &m) == nil && len(m) == 0
}

func testContactImportAbort(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := newCampaign(t, db, "abort")
	_, err := db.ContactImport(ctx, &store.ContactImportParams{CampaignID: c.ID, Source: &rows{rs: contactRows(100), failAt: 60}})
	if err == nil {
		t.Fatal("import with a failing source succeeded")
	}
	got, err := db.ContactList(ctx, &store.ContactListParams{CampaignID: c.ID})
	if err != nil || len(got) != 0 {
		t.Fatalf("a failed import left %d contacts (%v): nothing may be half-imported", len(got), err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := db.ContactImport(cctx, &store.ContactImportParams{CampaignID: c.ID, Source: &rows{rs: contactRows(10)}}); err == nil {
		t.Fatal("import with a cancelled context succeeded")
	}
	if _, err := db.ContactImport(ctx, &store.ContactImportParams{CampaignID: 987654, Source: &rows{rs: contactRows(1)}}); err == nil {
		t.Fatal("import into a missing campaign succeeded")
	}
}

func leaseIDs(cs []*store.Contact) []int64 {
	out := make([]int64, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

func testContactLeaseDue(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := newCampaign(t, db, "lease")
	importN(t, db, c, 10)
	all, _ := db.ContactList(ctx, &store.ContactListParams{CampaignID: c.ID})
	// Make contact 0 due later and contact 9 due earliest.
	late, early := all[0], all[9]
	mustLeaseAndReschedule(t, db, c, late.ID, t0.Add(time.Hour))
	mustLeaseAndReschedule(t, db, c, early.ID, t0.Add(-time.Hour))

	got, err := db.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: c.ID, Holder: "n1", Limit: 4, LeaseFor: time.Minute, Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	want := []int64{early.ID, all[1].ID, all[2].ID, all[3].ID}
	if fmt.Sprint(leaseIDs(got)) != fmt.Sprint(want) {
		t.Fatalf("leased %v, want %v (next_attempt_at, id order)", leaseIDs(got), want)
	}
	for _, ct := range got {
		if ct.State != store.ContactLeased || ct.LeaseHolder != "n1" || !ct.LeaseExpiresAt.Equal(t0.Add(time.Minute)) {
			t.Fatalf("leased contact %+v", ct)
		}
	}
	rest, err := db.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: c.ID, Holder: "n2", Limit: 100, Now: t0})
	if err != nil || len(rest) != 5 {
		t.Fatalf("second lease got %d (%v), want the 5 due and unleased", len(rest), err)
	}
	none, err := db.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: c.ID, Holder: "n3", Limit: 100, Now: t0})
	if err != nil || len(none) != 0 {
		t.Fatalf("nothing due: got %d %v", len(none), err)
	}
	// An expired lease does not come back through the lease itself: the rescue returns it.
	again, err := db.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: c.ID, Holder: "n3", Limit: 100, Now: t0.Add(2 * time.Hour)})
	if err != nil || len(again) != 1 || again[0].ID != late.ID {
		t.Fatalf("later: got %v %v, want only the late contact", leaseIDs(again), err)
	}
	if _, err := db.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: c.ID}); !errors.Is(err, store.ErrInvalidParams) {
		t.Fatalf("no holder: %v", err)
	}
}

func mustLeaseAndReschedule(t *testing.T, db *store.DB, c *store.Campaign, id int64, at time.Time) {
	t.Helper()
	ctx := context.Background()
	got, err := db.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: c.ID, Holder: "setup", Limit: 100, Now: t0.Add(48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	for _, ct := range got {
		next := ct.NextAttemptAt
		if ct.ID == id {
			next = at
		}
		if err := db.ContactReschedule(ctx, &store.ContactRescheduleParams{ContactID: ct.ID, Holder: "setup", NextAttemptAt: next, Reason: "test", Now: t0}); err != nil {
			t.Fatal(err)
		}
	}
}

func testContactLeaseDueConcurrent(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := newCampaign(t, db, "race")
	const n = 300
	importN(t, db, c, n)
	var mu sync.Mutex
	seen := map[int64]string{}
	var wg sync.WaitGroup
	for w := 0; w < 6; w++ {
		holder := fmt.Sprintf("w%d", w)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				got, err := db.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: c.ID, Holder: holder, Limit: 7, Now: t0})
				if err != nil {
					t.Errorf("lease: %v", err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, ct := range got {
					if prev, dup := seen[ct.ID]; dup {
						t.Errorf("contact %d leased by %s and %s", ct.ID, prev, holder)
					}
					seen[ct.ID] = holder
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != n {
		t.Fatalf("leased %d distinct contacts, want %d", len(seen), n)
	}
}

func testContactLeaseRescue(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := newCampaign(t, db, "rescue")
	importN(t, db, c, 3)
	got, err := db.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: c.ID, Holder: "dead", Limit: 3, LeaseFor: time.Minute, Now: t0})
	if err != nil || len(got) != 3 {
		t.Fatal(got, err)
	}
	// The dead node had started dialling the first contact.
	a, err := db.AttemptStart(ctx, &store.AttemptStartParams{ContactID: got[0].ID, Holder: "dead", CallID: "x", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	ids, err := db.ContactLeaseRescue(ctx, &store.ContactLeaseRescueParams{Now: t0.Add(30 * time.Second)})
	if err != nil || len(ids) != 0 {
		t.Fatalf("rescue before expiry: %v %v", ids, err)
	}
	at := t0.Add(time.Minute)
	ids, err = db.ContactLeaseRescue(ctx, &store.ContactLeaseRescueParams{Now: at})
	if err != nil || len(ids) != 3 {
		t.Fatalf("rescue: %v %v, want 3", ids, err)
	}
	ct, _ := db.ContactGet(ctx, &store.ContactGetParams{ID: got[0].ID})
	if ct.State != store.ContactPending || ct.LeaseHolder != "" || ct.Attempts != 1 || !ct.NextAttemptAt.Equal(at) {
		t.Fatalf("rescued contact %+v", ct)
	}
	atts, _ := db.AttemptList(ctx, &store.AttemptListParams{CampaignID: c.ID})
	if len(atts) != 1 || atts[0].State != store.AttemptLost || atts[0].Outcome != "lost" || !atts[0].EndedAt.Equal(at) {
		t.Fatalf("the open attempt must be closed as lost: %+v", atts)
	}
	// The dead node wakes up: its result is refused, nothing recorded twice.
	err = db.AttemptFinish(ctx, &store.AttemptFinishParams{AttemptID: a.ID, ContactID: got[0].ID, Holder: "dead", Outcome: "answered", Final: true})
	if !errors.Is(err, store.ErrAttemptClosed) {
		t.Fatalf("finish after rescue: %v, want ErrAttemptClosed", err)
	}
	// Another holder takes them again.
	again, err := db.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: c.ID, Holder: "alive", Limit: 10, Now: at})
	if err != nil || len(again) != 3 {
		t.Fatalf("lease after rescue: %d %v", len(again), err)
	}
	a2, err := db.AttemptStart(ctx, &store.AttemptStartParams{ContactID: got[0].ID, Holder: "alive", Now: at})
	if err != nil || a2.AttemptNo != 2 {
		t.Fatalf("next attempt: %+v %v", a2, err)
	}
	evs, _ := db.CallEventList(ctx, &store.CallEventListParams{CampaignID: c.ID, ContactID: got[0].ID})
	found := false
	for _, e := range evs {
		found = found || e.Type == "lease_rescued"
	}
	if !found {
		t.Fatalf("no lease_rescued event in %+v", evs)
	}
}

// A holder extends only the leases of the contacts it names (those it still works): the
// others run out and are rescued.
func testContactLeaseExtendSome(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := newCampaign(t, db, "extend-some")
	importN(t, db, c, 3)
	got, _ := db.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: c.ID, Holder: "n1", Limit: 3, LeaseFor: time.Minute, Now: t0})
	if len(got) != 3 {
		t.Fatalf("leased %d", len(got))
	}
	n, err := db.ContactLeaseExtend(ctx, &store.ContactLeaseExtendParams{Holder: "n1", ContactIDs: []int64{got[0].ID, got[2].ID},
		Until: t0.Add(10 * time.Minute), Now: t0.Add(30 * time.Second)})
	if err != nil || n != 2 {
		t.Fatalf("extend two: %d %v", n, err)
	}
	if n, err := db.ContactLeaseExtend(ctx, &store.ContactLeaseExtendParams{Holder: "n1", ContactIDs: []int64{},
		Until: t0.Add(10 * time.Minute), Now: t0.Add(30 * time.Second)}); err != nil || n != 0 {
		t.Fatalf("extend none: %d %v", n, err)
	}
	ids, err := db.ContactLeaseRescue(ctx, &store.ContactLeaseRescueParams{Now: t0.Add(2 * time.Minute)})
	if err != nil || len(ids) != 1 || ids[0] != got[1].ID {
		t.Fatalf("rescued %v %v, want only the contact not extended (%d)", ids, err, got[1].ID)
	}
}

func testContactLeaseExtendRelease(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := newCampaign(t, db, "extend")
	importN(t, db, c, 4)
	got, _ := db.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: c.ID, Holder: "n1", Limit: 4, LeaseFor: time.Minute, Now: t0})
	n, err := db.ContactLeaseExtend(ctx, &store.ContactLeaseExtendParams{Holder: "n1", Until: t0.Add(10 * time.Minute), Now: t0.Add(30 * time.Second)})
	if err != nil || n != 4 {
		t.Fatalf("extend: %d %v", n, err)
	}
	if ids, _ := db.ContactLeaseRescue(ctx, &store.ContactLeaseRescueParams{Now: t0.Add(5 * time.Minute)}); len(ids) != 0 {
		t.Fatalf("extended leases rescued: %v", ids)
	}
	// An expired lease is not revived by an extension.
	n, err = db.ContactLeaseExtend(ctx, &store.ContactLeaseExtendParams{Holder: "n1", Until: t0.Add(time.Hour), Now: t0.Add(11 * time.Minute)})
	if err != nil || n != 0 {
		t.Fatalf("extend expired: %d %v", n, err)
	}
	if _, err := db.AttemptStart(ctx, &store.AttemptStartParams{ContactID: got[0].ID, Holder: "n1", Now: t0}); err != nil {
		t.Fatal(err)
	}
	n, err = db.ContactLeaseRelease(ctx, &store.ContactLeaseReleaseParams{Holder: "n1", ContactIDs: []int64{got[0].ID, got[1].ID}})
	if err != nil || n != 1 {
		t.Fatalf("release: %d %v, want 1 (the dialling contact stays leased)", n, err)
	}
	n, err = db.ContactLeaseRelease(ctx, &store.ContactLeaseReleaseParams{Holder: "n1"})
	if err != nil || n != 2 {
		t.Fatalf("release all: %d %v", n, err)
	}
	ct, _ := db.ContactGet(ctx, &store.ContactGetParams{ID: got[1].ID})
	if ct.State != store.ContactPending || ct.Attempts != 0 || ct.LeaseHolder != "" {
		t.Fatalf("released %+v", ct)
	}
}

func testAttempt(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := newCampaign(t, db, "att")
	importN(t, db, c, 2)
	got, _ := db.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: c.ID, Holder: "n1", Limit: 2, Now: t0})
	if _, err := db.AttemptStart(ctx, &store.AttemptStartParams{ContactID: got[0].ID, Holder: "other"}); !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("start by another holder: %v, want ErrLeaseLost", err)
	}
	a, err := db.AttemptStart(ctx, &store.AttemptStartParams{ContactID: got[0].ID, Holder: "n1", CallID: "call-1", Trunk: "sim", CallerID: "+1212", Now: t0})
	if err != nil || a.AttemptNo != 1 || a.State != store.AttemptDialing || a.Phone != got[0].Phone || a.CallID != "call-1" {
		t.Fatalf("start: %+v %v", a, err)
	}
	next := t0.Add(30 * time.Minute)
	err = db.AttemptFinish(ctx, &store.AttemptFinishParams{AttemptID: a.ID, ContactID: got[0].ID, Holder: "n1", Outcome: "busy",
		SIPStatus: 486, EndedAt: t0.Add(time.Second), NextAttemptAt: next, RetryReason: "busy", Streak: 1,
		Result: json.RawMessage(`{"outcome":"busy"}`), Now: t0.Add(time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	ct, _ := db.ContactGet(ctx, &store.ContactGetParams{ID: got[0].ID})
	if ct.State != store.ContactPending || !ct.NextAttemptAt.Equal(next) || ct.LastOutcome != "busy" || ct.Attempts != 1 || ct.Streak != 1 || ct.LeaseHolder != "" {
		t.Fatalf("after retryable finish: %+v", ct)
	}
	if err := db.AttemptFinish(ctx, &store.AttemptFinishParams{AttemptID: a.ID, ContactID: got[0].ID, Holder: "n1", Outcome: "busy"}); !errors.Is(err, store.ErrAttemptClosed) {
		t.Fatalf("second finish: %v, want ErrAttemptClosed", err)
	}
	// Second attempt, answered, final, with a transcript.
	got2, _ := db.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: c.ID, Holder: "n1", Limit: 1, Now: next})
	if len(got2) != 1 || got2[0].ID != got[0].ID {
		t.Fatalf("retry due: %v", leaseIDs(got2))
	}
	a2, err := db.AttemptStart(ctx, &store.AttemptStartParams{ContactID: got[0].ID, Holder: "n1", Now: next})
	if err != nil || a2.AttemptNo != 2 {
		t.Fatal(a2, err)
	}
	ans := next.Add(2 * time.Second)
	err = db.AttemptFinish(ctx, &store.AttemptFinishParams{AttemptID: a2.ID, ContactID: got[0].ID, Holder: "n1", Outcome: "answered",
		SIPStatus: 200, Disposition: "promise_to_pay", HangupBy: "bot", AnsweredAt: ans, EndedAt: ans.Add(10 * time.Second), DurationMS: 10000,
		Transcript: []store.TranscriptTurn{{Role: "bot", Text: "hello", EndMS: 900}, {Role: "caller", Text: "yes", Intent: "yes", StartMS: 1000, EndMS: 1400}},
		Final:      true, Streak: 1, Now: ans.Add(10 * time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	ct, _ = db.ContactGet(ctx, &store.ContactGetParams{ID: got[0].ID})
	if ct.State != store.ContactDone || ct.Disposition != "promise_to_pay" || ct.Attempts != 2 {
		t.Fatalf("final: %+v", ct)
	}
	atts, err := db.AttemptList(ctx, &store.AttemptListParams{CampaignID: c.ID, ContactID: got[0].ID})
	if err != nil || len(atts) != 2 || atts[1].Outcome != "answered" || atts[1].HangupBy != "bot" || !atts[1].AnsweredAt.Equal(ans) ||
		atts[1].DurationMS != 10000 || atts[0].SIPStatus != 486 || atts[1].State != store.AttemptDone {
		t.Fatalf("attempts %+v %v", atts, err)
	}
	tr, err := db.TranscriptGet(ctx, &store.TranscriptGetParams{AttemptID: a2.ID})
	if err != nil || len(tr) != 2 || tr[1].Intent != "yes" {
		t.Fatalf("transcript %+v %v", tr, err)
	}
	st, err := db.CampaignStatsGet(ctx, &store.CampaignGetParams{ID: c.ID})
	if err != nil || st.Attempts != 2 || st.Outcomes["busy"] != 1 || st.Outcomes["answered"] != 1 ||
		st.Dispositions["promise_to_pay"] != 1 || st.Contacts[store.ContactDone] != 1 || st.Contacts[store.ContactLeased] != 1 {
		t.Fatalf("stats %+v %v", st, err)
	}
	// Finishing under a lost lease changes nothing.
	a3, _ := db.AttemptStart(ctx, &store.AttemptStartParams{ContactID: got[1].ID, Holder: "n1", Now: t0})
	err = db.AttemptFinish(ctx, &store.AttemptFinishParams{AttemptID: a3.ID, ContactID: got[1].ID, Holder: "impostor", Outcome: "busy"})
	if !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("finish by another holder: %v, want ErrLeaseLost", err)
	}
	atts, _ = db.AttemptList(ctx, &store.AttemptListParams{CampaignID: c.ID, ContactID: got[1].ID})
	if len(atts) != 1 || atts[0].State != store.AttemptDialing {
		t.Fatalf("a refused finish must roll back: %+v", atts)
	}
}

func testContactRescheduleFinish(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := newCampaign(t, db, "resched")
	importN(t, db, c, 3)
	got, _ := db.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: c.ID, Holder: "n1", Limit: 3, Now: t0})
	at := t0.Add(5 * time.Hour)
	if err := db.ContactReschedule(ctx, &store.ContactRescheduleParams{ContactID: got[0].ID, Holder: "n2", NextAttemptAt: at}); !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("reschedule by another holder: %v", err)
	}
	if err := db.ContactReschedule(ctx, &store.ContactRescheduleParams{ContactID: got[0].ID, Holder: "n1", NextAttemptAt: at, Reason: "window", Now: t0}); err != nil {
		t.Fatal(err)
	}
	ct, _ := db.ContactGet(ctx, &store.ContactGetParams{ID: got[0].ID})
	if ct.State != store.ContactPending || !ct.NextAttemptAt.Equal(at) || ct.Attempts != 0 {
		t.Fatalf("rescheduled %+v", ct)
	}
	if err := db.ContactFinish(ctx, &store.ContactFinishParams{ContactID: got[1].ID, Holder: "n1", Disposition: "compliance_blocked", Reason: "dnc"}); err != nil {
		t.Fatal(err)
	}
	ct, _ = db.ContactGet(ctx, &store.ContactGetParams{ID: got[1].ID})
	if ct.State != store.ContactDone || ct.Disposition != "compliance_blocked" {
		t.Fatalf("finished %+v", ct)
	}
	if err := db.ContactFinish(ctx, &store.ContactFinishParams{ContactID: got[1].ID, Holder: "n1", Disposition: "x"}); !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("finish twice: %v", err)
	}
	n, err := db.ContactFinishPending(ctx, &store.ContactFinishPendingParams{CampaignID: c.ID, Disposition: "stopped"})
	if err != nil || n != 1 {
		t.Fatalf("finish pending: %d %v (only the rescheduled contact is pending)", n, err)
	}
}

func testCallEvent(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := newCampaign(t, db, "ev")
	for i := 0; i < 3; i++ {
		if err := db.CallEventAppend(ctx, &store.CallEventAppendParams{CampaignID: c.ID, Type: "gate_hold",
			Data: map[string]any{"rule": fmt.Sprint("r", i)}, At: t0.Add(time.Duration(i) * time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	evs, err := db.CallEventList(ctx, &store.CallEventListParams{CampaignID: c.ID})
	if err != nil || len(evs) != 3 || evs[2].Type != "gate_hold" || !evs[2].At.Equal(t0.Add(2*time.Second)) {
		t.Fatalf("events %+v %v", evs, err)
	}
	var d map[string]string
	if err := json.Unmarshal(evs[1].Data, &d); err != nil || d["rule"] != "r1" {
		t.Fatalf("event data %s %v", evs[1].Data, err)
	}
	if err := db.CallEventAppend(ctx, &store.CallEventAppendParams{CampaignID: c.ID, Type: "x", Data: func() {}}); !errors.Is(err, store.ErrInvalidParams) {
		t.Fatalf("unmarshalable data: %v", err)
	}
}

func testDispositions(t *testing.T, db *store.DB) {
	ds, err := db.DispositionList(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	terminal := map[string]bool{}
	for _, d := range ds {
		terminal[d.Code] = d.Terminal
	}
	for _, code := range []string{"opted_out", "wrong_party", "invalid_number"} {
		if !terminal[code] {
			t.Errorf("%s must be a terminal disposition", code)
		}
	}
	if v, ok := terminal["callback_requested"]; !ok || v {
		t.Errorf("callback_requested must be present and not terminal")
	}
	if !sort.SliceIsSorted(ds, func(i, j int) bool { return ds[i].Code < ds[j].Code }) {
		t.Error("dispositions not in code order")
	}
}

func testErrors(t *testing.T, db *store.DB) {
	ctx := context.Background()
	if _, err := db.ContactGet(ctx, &store.ContactGetParams{ID: 12345}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("ContactGet missing: %v", err)
	}
	if err := db.AttemptFinish(ctx, &store.AttemptFinishParams{AttemptID: 1, ContactID: 1, Holder: "x"}); !errors.Is(err, store.ErrAttemptClosed) {
		t.Fatalf("AttemptFinish missing: %v", err)
	}
	if _, err := db.CampaignCreate(ctx, &store.CampaignCreateParams{Name: "bad", Schedule: json.RawMessage(`{`)}); !errors.Is(err, store.ErrInvalidParams) {
		t.Fatalf("bad JSON: %v", err)
	}
}
