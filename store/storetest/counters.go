package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/voxdial/voxdial/store"
)

var resultsTests = []struct {
	name string
	f    func(t *testing.T, db *store.DB)
}{
	{"CountersMatchRecount", testCountersMatchRecount},
	{"ContactPageSearch", testContactPageSearch},
	{"ImportJob", testImportJob},
}

// testCountersMatchRecount drives random attempts (retries, finals, machines, lost
// attempts, gate finishes) over two campaigns and several days, and checks after
// each round that the trigger-kept counters equal a recount of the rows.
func testCountersMatchRecount(t *testing.T, db *store.DB) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, uint64(db.Backend()[0])))
	cs := []*store.Campaign{newCampaign(t, db, "cnt-a"), newCampaign(t, db, "cnt-b")}
	for _, c := range cs {
		importN(t, db, c, 40)
	}
	if err := db.GoalSet(ctx, cs[1].ID, []string{"claims_paid", "reminded"}); err != nil {
		t.Fatal(err)
	}
	check := func(round int) {
		t.Helper()
		for _, c := range cs {
			want, wantC, err := db.CountersRecount(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			got, err := db.CampaignCounters(ctx, &store.CountersParams{CampaignIDs: []int64{c.ID}})
			if err != nil {
				t.Fatal(err)
			}
			g := got[c.ID]
			if g == nil {
				g = &store.Counts{Outcomes: map[string]int64{}, Dispositions: map[string]int64{}}
			}
			if !reflect.DeepEqual(g, want) {
				t.Fatalf("round %d campaign %s: counters\n %+v\nrecount\n %+v", round, c.Name, g, want)
			}
			gotC, err := db.CampaignContactCounts(ctx, []int64{c.ID})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(gotC[c.ID], wantC) {
				t.Fatalf("round %d campaign %s: contact counters %+v, recount %+v", round, c.Name, gotC[c.ID], wantC)
			}
			// The days add up to the whole, and a one-day range reads that day alone.
			days, err := db.CampaignCounterDays(ctx, c.ID, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			var sum int64
			for _, d := range days {
				sum += d.Attempts
				one, err := db.CampaignCounters(ctx, &store.CountersParams{CampaignIDs: []int64{c.ID}, FromDay: d.Day, ToDay: d.Day})
				if err != nil || one[c.ID] == nil || one[c.ID].Attempts != d.Attempts || one[c.ID].Goal != d.Goal {
					t.Fatalf("day %d: %+v %v, want %+v", d.Day, one[c.ID], err, d.Counts)
				}
			}
			if sum != want.Attempts {
				t.Fatalf("round %d: days sum to %d, want %d", round, sum, want.Attempts)
			}
		}
	}
	check(0)
	outcomes := []string{"busy", "no_answer", "answered", "answered", "answered", "voicemail", "congestion", "failed", "abandoned"}
	dispositions := []string{"", "promise_to_pay", "claims_paid", "opted_out", "voicemail_left", "reminded", "no_commitment"}
	now := t0
	for round := 1; round <= 6; round++ {
		now = now.Add(13 * time.Hour) // rounds fall on several UTC days
		for ci, c := range cs {
			holder := "h" + string(rune('a'+ci))
			leased, err := db.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: c.ID, Holder: holder, Limit: 12, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			for i, ct := range leased {
				if i%9 == 8 { // a gate block: finished without a call
					if err := db.ContactFinish(ctx, &store.ContactFinishParams{ContactID: ct.ID, Holder: holder,
						Disposition: "compliance_blocked", Now: now}); err != nil {
						t.Fatal(err)
					}
					continue
				}
				a, err := db.AttemptStart(ctx, &store.AttemptStartParams{ContactID: ct.ID, Holder: holder, Now: now})
				if err != nil {
					t.Fatal(err)
				}
				if i%7 == 6 {
					continue // left open: the rescue below closes it as lost
				}
				oc := outcomes[rng.IntN(len(outcomes))]
				disp, res, dur := "", `{}`, int64(0)
				var answered time.Time
				if oc == "answered" || oc == "voicemail" || oc == "abandoned" {
					answered, dur = now.Add(2*time.Second), int64(1000+rng.IntN(60000))
					disp = dispositions[rng.IntN(len(dispositions))]
					verdict := []string{"human", "machine", "not_sure"}[rng.IntN(3)]
					res = `{"amd":{"verdict":"` + verdict + `"}}`
					if rng.IntN(4) == 0 {
						res = `{"amd":null}`
					}
				}
				final := disp != "" && disp != "voicemail_left" || oc == "invalid_number" || rng.IntN(5) == 0
				if final && disp == "" {
					disp = "max_attempts"
				}
				end := now.Add(time.Duration(3+rng.IntN(120)) * time.Second)
				err = db.AttemptFinish(ctx, &store.AttemptFinishParams{AttemptID: a.ID, ContactID: ct.ID, Holder: holder,
					Outcome: oc, Disposition: disp, AnsweredAt: answered, EndedAt: end, DurationMS: dur,
					Result: json.RawMessage(res), Final: final, NextAttemptAt: now.Add(time.Hour), Streak: 1, Now: end})
				if err != nil {
					t.Fatal(err)
				}
			}
		}
		// Expired leases come back; their open attempts close as lost.
		if _, err := db.ContactLeaseRescue(ctx, &store.ContactLeaseRescueParams{Now: now.Add(11 * time.Minute)}); err != nil {
			t.Fatal(err)
		}
		check(round)
	}
	for _, c := range cs { // over every day, the counters' abandonment is the exact one
		l1, a1, err1 := db.AbandonCounts(ctx, &store.AbandonCountsParams{CampaignID: c.ID, Since: t0.Add(-48 * time.Hour)})
		l2, a2, err2 := db.AbandonCountsDays(ctx, &store.AbandonCountsParams{CampaignID: c.ID, Since: t0.Add(-48 * time.Hour)})
		if err1 != nil || err2 != nil || l1 != l2 || a1 != a2 || l1 == 0 {
			t.Fatalf("abandon counts: exact %d/%d %v, from the counters %d/%d %v", a1, l1, err1, a2, l2, err2)
		}
	}
	c, _, err := db.CountersRecount(ctx, cs[0].ID)
	if err != nil || c.Attempts < 20 || c.Outcomes["lost"] == 0 || c.Human == 0 || c.Answered <= c.Human || c.Goal == 0 {
		t.Fatalf("the random campaign did not cover the cases: %+v %v", c, err)
	}
	// Deleting a campaign takes its counters with it; the other's stay right.
	if err := db.CampaignDelete(ctx, &store.CampaignGetParams{ID: cs[0].ID}); err != nil {
		t.Fatal(err)
	}
	got, err := db.CampaignCounters(ctx, &store.CountersParams{})
	if err != nil || got[cs[0].ID] != nil || got[cs[1].ID] == nil {
		t.Fatalf("after delete: %v %v", got, err)
	}
	cs = cs[1:]
	check(99)
	// Stopping closes every pending contact in one statement.
	if _, err := db.ContactFinishPending(ctx, &store.ContactFinishPendingParams{CampaignID: cs[0].ID, Disposition: "stopped", Now: now}); err != nil {
		t.Fatal(err)
	}
	check(100)
}

func testContactPageSearch(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := newCampaign(t, db, "page")
	importN(t, db, c, 25)
	leased, err := db.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: c.ID, Holder: "h", Limit: 5, Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	for i, ct := range leased {
		a, err := db.AttemptStart(ctx, &store.AttemptStartParams{ContactID: ct.ID, Holder: "h", Now: t0})
		if err != nil {
			t.Fatal(err)
		}
		disp := "promise_to_pay"
		if i%2 == 1 {
			disp = "opted_out"
		}
		res := `{"variables":{"amount":"12","said":"yes"},"captured":{"promise_date":"2026-12-24"},"tags":["A"]}`
		if err := db.AttemptFinish(ctx, &store.AttemptFinishParams{AttemptID: a.ID, ContactID: ct.ID, Holder: "h", Outcome: "answered",
			Disposition: disp, Final: true, Result: json.RawMessage(res), Now: t0.Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	// Every page in order, with the total, and the cursor ends.
	var seen int
	for after, pages := int64(0), 0; ; pages++ {
		pg, err := db.ContactPageGet(ctx, &store.ContactPageParams{CampaignID: c.ID, AfterID: after, Limit: 10})
		if err != nil || pg.Total != 25 {
			t.Fatalf("page: %+v %v", pg, err)
		}
		seen += len(pg.Contacts)
		if pg.Next == 0 {
			if pages != 2 || len(pg.Contacts) != 5 {
				t.Fatalf("last page %d with %d contacts", pages, len(pg.Contacts))
			}
			break
		}
		after = pg.Next
	}
	if seen != 25 {
		t.Fatalf("paged %d contacts, want 25", seen)
	}
	for _, tc := range []struct {
		p    store.ContactPageParams
		want int64
	}{
		{store.ContactPageParams{State: "done"}, 5},
		{store.ContactPageParams{State: "open"}, 20},
		{store.ContactPageParams{Disposition: "promise_to_pay"}, 3},
		{store.ContactPageParams{Phone: leased[0].Phone}, 1},
	} {
		tc.p.CampaignID = c.ID
		pg, err := db.ContactPageGet(ctx, &tc.p)
		if err != nil || pg.Total != tc.want || int64(len(pg.Contacts)) != tc.want {
			t.Fatalf("%+v: total %d, %d contacts, %v; want %d", tc.p, pg.Total, len(pg.Contacts), err, tc.want)
		}
	}
	for _, bad := range []store.ContactPageParams{{CampaignID: c.ID, State: "weird"}, {CampaignID: c.ID, Limit: 1001}} {
		if _, err := db.ContactPageGet(ctx, &bad); !errors.Is(err, store.ErrInvalidParams) {
			t.Fatalf("%+v: %v, want ErrInvalidParams", bad, err)
		}
	}
	found, err := db.ContactSearch(ctx, leased[0].Phone, 10)
	if err != nil || len(found) != 1 || found[0].ID != leased[0].ID {
		t.Fatalf("search: %v %v", found, err)
	}
	exp, err := db.ContactExportPage(ctx, c.ID, 0, 100)
	if err != nil || len(exp) != 25 {
		t.Fatalf("export: %d %v", len(exp), err)
	}
	var withResult int
	for _, r := range exp {
		if string(r.LastResult) != "{}" {
			withResult++
		}
	}
	if withResult != 5 {
		t.Fatalf("export: %d rows with a result, want 5", withResult)
	}
	ck, callk, err := db.VariableKeys(ctx, c.ID)
	if err != nil || len(ck) == 0 || !reflect.DeepEqual(callk, []string{"amount", "promise_date", "said"}) {
		t.Fatalf("variable keys: %v %v %v", ck, callk, err)
	}
}

func testImportJob(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := newCampaign(t, db, "jobs")
	j, err := db.ImportJobCreate(ctx, &store.ImportJob{CampaignID: c.ID, File: "a.csv", BytesTotal: 100, CreatedBy: "ana", StartedAt: t0})
	if err != nil || j.State != store.ImportRunning || j.ID == 0 {
		t.Fatalf("create: %+v %v", j, err)
	}
	j.State, j.RowsRead, j.Imported, j.Rejected, j.Report, j.FinishedAt = store.ImportDone, 10, 8, 2, json.RawMessage(`{"rows":10}`), t0.Add(time.Second)
	if err := db.ImportJobFinish(ctx, j); err != nil {
		t.Fatal(err)
	}
	got, err := db.ImportJobGet(ctx, j.ID)
	if err != nil || got.State != store.ImportDone || got.Imported != 8 || string(got.Report) != `{"rows":10}` && string(got.Report) != `{"rows": 10}` {
		t.Fatalf("get: %+v %v", got, err)
	}
	list, err := db.ImportJobList(ctx, c.ID, 5)
	if err != nil || len(list) != 1 {
		t.Fatalf("list: %v %v", list, err)
	}
	if _, err := db.ImportJobGet(ctx, j.ID+100); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing job: %v", err)
	}
}
