package campaign

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/voxdial/voxdial/sim"
	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
)

// TestImportTypedFields: typed `requires` are checked at import with line, field and
// reason, and stored normalised.
func TestImportTypedFields(t *testing.T) {
	db := storetest.OpenSQLite(t)
	requires := []string{"first_name", "due_date:date", "amount:amount:USD", "plan:enum:gold|silver", "visits:integer", "callback:phone"}
	const header = "phone,first_name,due_date,amount,plan,visits,callback\n"
	cases := []struct {
		name   string
		region string
		row    string
		errs   string // fmt of the errors; "" when the row is imported
		vars   string // the stored variables of an imported row (subset, k=v;k=v)
	}{
		{"all good", "US", "+14155550101,Ana,12/01/2026,\"$1,250.5\",GOLD,\"1,200\",(415) 555-0102", "",
			"due_date=2026-12-01;amount=1250.50 USD;plan=gold;visits=1200;callback=+14155550102"},
		{"iso date kept", "US", "+14155550101,Ana,2026-12-01,10,silver,0,+12125550100", "", "due_date=2026-12-01;amount=10.00 USD"},
		{"day first outside the NANP", "GB", "+14155550101,Ana,01/12/2026,10,gold,1,+12125550100", "", "due_date=2026-12-01"},
		{"tomorrow", "US", "+14155550101,Ana,tomorrow,10,gold,1,+12125550100",
			`[{2 due_date date: relative date: "tomorrow" means a different day depending on when it is read; write the date itself (e.g. 2026-12-01)}]`, ""},
		{"two-digit year", "US", "+14155550101,Ana,12/01/26,10,gold,1,+12125550100",
			`[{2 due_date date: "12/01/26": write the year in full (e.g. 2026)}]`, ""},
		{"no such day", "US", "+14155550101,Ana,02/30/2026,10,gold,1,+12125550100",
			`[{2 due_date date: "02/30/2026": February 2026 has no day 30}]`, ""},
		{"other currency", "US", "+14155550101,Ana,2026-12-01,€10,gold,1,+12125550100",
			`[{2 amount amount: "€10" is in EUR, the script wants USD}]`, ""},
		{"every field wrong", "US", "+14155550101,Ana,next friday,ten,bronze,1.5,none",
			`[{2 due_date date: relative date: "next friday" means a different day depending on when it is read; write the date itself (e.g. 2026-12-01)} ` +
				`{2 amount amount: "ten" is not an amount (write e.g. 1250.50)} {2 plan enum: "bronze" is not one of gold, silver} ` +
				`{2 visits integer: "1.5" is not a whole number} {2 callback phone: "none": not a phone number}]`, ""},
		{"empty typed field", "US", "+14155550101,Ana,,10,gold,1,+12125550100", `[{2 due_date required by the script, but empty}]`, ""},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := db.CampaignCreate(context.Background(), &store.CampaignCreateParams{Name: fmt.Sprint("typed", i), Region: tc.region, Requires: requires})
			if err != nil {
				t.Fatal(err)
			}
			rep, err := importString(t, db, c, header+tc.row+"\n")
			if err != nil {
				t.Fatal(err)
			}
			if tc.errs != "" {
				if rep.Imported != 0 || rep.Rejected != 1 || fmt.Sprint(rep.Errors) != tc.errs {
					t.Fatalf("imported %d rejected %d errors %v\nwant %s", rep.Imported, rep.Rejected, rep.Errors, tc.errs)
				}
				return
			}
			if rep.Imported != 1 {
				t.Fatalf("report %+v", rep)
			}
			cs, _ := db.ContactList(context.Background(), &store.ContactListParams{CampaignID: c.ID})
			var vars map[string]string
			if err := json.Unmarshal(cs[0].Variables, &vars); err != nil {
				t.Fatal(err)
			}
			for _, kv := range strings.Split(tc.vars, ";") {
				k, v, _ := strings.Cut(kv, "=")
				if vars[k] != v {
					t.Errorf("%s = %q, want %q (%v)", k, vars[k], v, vars)
				}
			}
		})
	}
}

// TestImportRecurring: in a cron campaign a re-imported contact is due again at the
// next run, with the file's new values; in a one-off campaign it stays final.
func TestImportRecurring(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC) // a Tuesday, after the 10:00 run
		c, err := Create(ctx, db, CreateParams{Name: "daily", Requires: []string{"due_date:date"},
			Schedule: Schedule{Cron: "0 10 * * *", RunFor: Duration(4 * time.Hour)}, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		imp := func(csv string, at time.Time) *ImportReport {
			t.Helper()
			rep, err := Import(ctx, db, strings.NewReader(csv), ImportOptions{Campaign: c, File: "d.csv", Now: at})
			if err != nil {
				t.Fatal(err)
			}
			return rep
		}
		imp("phone,due_date\n+14155550101,2026-12-01\n+12125550102,2026-12-01\n", now)
		// Work one contact to a final disposition.
		leased, err := db.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: c.ID, Holder: "n", Limit: 10, LeaseFor: time.Minute, Now: now})
		if err != nil || len(leased) != 2 {
			t.Fatalf("lease %d %v", len(leased), err)
		}
		for _, l := range leased {
			a, err := db.AttemptStart(ctx, &store.AttemptStartParams{ContactID: l.ID, Holder: "n", CallID: l.Phone, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.AttemptFinish(ctx, &store.AttemptFinishParams{AttemptID: a.ID, ContactID: l.ID, Holder: "n", Outcome: "answered",
				Disposition: "promise_to_pay", Final: true, Now: now}); err != nil {
				t.Fatal(err)
			}
		}
		rep := imp("phone,due_date\n+14155550101,Jan 5 2027\n+14155550101,2027-01-09\n+13125550103,2027-01-05\n", now.Add(time.Hour))
		next := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
		if rep.Imported != 1 || rep.Updated != 1 || rep.Duplicates != 1 || !rep.DueAgainAt.Equal(next) {
			t.Fatalf("report %+v", rep)
		}
		cs, _ := db.ContactList(ctx, &store.ContactListParams{CampaignID: c.ID})
		for _, ct := range cs {
			switch ct.Phone {
			case "+14155550101":
				if ct.State != store.ContactPending || !ct.NextAttemptAt.Equal(next) || ct.CycleAttempts() != 0 || ct.Disposition != "" ||
					!strings.Contains(string(ct.Variables), "2027-01-05") {
					t.Errorf("re-imported: %+v %s", ct, ct.Variables)
				}
			case "+12125550102":
				if ct.State != store.ContactDone {
					t.Errorf("not in the file, stays final: %+v", ct)
				}
			}
		}
	})
}

// TestImportSimulatorNumbers: the simulator's documented example numbers import into a
// campaign, so a test campaign can use them (README, "Simulator").
func TestImportSimulatorNumbers(t *testing.T) {
	db := storetest.OpenSQLite(t)
	var csv strings.Builder
	csv.WriteString("phone\n")
	n := 0
	for _, line := range strings.Split(string(sim.DefaultProfileYAML()), "\n") {
		if f := strings.Fields(strings.TrimPrefix(line, "#")); strings.HasPrefix(line, "#") && len(f) > 1 && strings.HasPrefix(f[0], "+1") {
			csv.WriteString(f[0] + "\n")
			n++
		}
	}
	rep, err := importString(t, db, mkCampaign(t, db, "sim-numbers"), csv.String())
	if err != nil || n != 9 || rep.Imported != n || rep.Rejected != 0 {
		t.Fatalf("%d documented numbers: %+v %v", n, rep, err)
	}
}
