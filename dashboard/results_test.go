package dashboard_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/voxdial/voxdial/compliance"
	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
)

var resultsNow = time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)

// resultsWorld: campaign a (marketing's) with 6 contacts, 4 of them called (one
// promise_to_pay, one opted_out, one answered by a machine, one busy and retried),
// and campaign b (collections') with 2 contacts, one of them claims_paid.
type resultsWorld struct {
	b      *bundle
	a, bID int64
	phones []string
}

func newResultsWorld(t *testing.T, db *store.DB) *resultsWorld {
	t.Helper()
	ctx := context.Background()
	b := setupClock(t, db, func() time.Time { return resultsNow })
	w := &resultsWorld{b: b}
	mk := func(role, name, csvText string) int64 {
		r := b.do(role, "POST", "/api/campaigns", map[string]any{"name": name, "script": "asset:hello.yaml"})
		var c struct {
			ID int64 `json:"id"`
		}
		r.json(t, &c)
		if r := b.do(role, "POST", fmt.Sprintf("/api/campaigns/%d/contacts?file=f.csv", c.ID), csvText); r.Code != 200 {
			t.Fatalf("upload: %d %s", r.Code, r.Body)
		}
		return c.ID
	}
	var file strings.Builder
	file.WriteString("phone,first_name,amount\n")
	for i := range 6 {
		p := fmt.Sprintf("+1415555%04d", 100+i)
		w.phones = append(w.phones, p)
		fmt.Fprintf(&file, "%s,Ana%d Lima,%d.50\n", p, i, 10+i)
	}
	w.a = mk(store.RoleMarketing, "res-a", file.String())
	w.bID = mk(store.RoleCollections, "res-b", "phone,first_name,amount\n+14155550900,Bo,1\n+14155550901,Cy,2\n")
	call := func(campaignID int64, n int, plan []string) {
		leased, err := db.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: campaignID, Holder: "h", Limit: n, Now: resultsNow})
		if err != nil || len(leased) != n {
			t.Fatalf("lease: %d %v", len(leased), err)
		}
		for i, ct := range leased {
			a, err := db.AttemptStart(ctx, &store.AttemptStartParams{ContactID: ct.ID, Holder: "h", Now: resultsNow})
			if err != nil {
				t.Fatal(err)
			}
			oc, disp, verdict := "answered", plan[i], "human"
			switch plan[i] {
			case "busy":
				oc, disp = "busy", ""
			case "machine":
				disp, verdict = "voicemail_left", "machine"
			}
			res := fmt.Sprintf(`{"outcome":%q,"sip_status":200,"sip_reason":"OK","tags":["A","B"],"amd":{"verdict":%q},
				"variables":{"first_name":"Ana","said":"friday"},"captured":{"promise_date":"2026-12-24"}}`, oc, verdict)
			if oc == "busy" {
				res = `{"outcome":"busy","sip_status":486,"sip_reason":"Busy Here"}`
			}
			final := oc == "answered" && disp != "voicemail_left"
			if err := db.AttemptFinish(ctx, &store.AttemptFinishParams{AttemptID: a.ID, ContactID: ct.ID, Holder: "h", Outcome: oc,
				Disposition: disp, AnsweredAt: resultsNow.Add(time.Second), EndedAt: resultsNow.Add(time.Minute), DurationMS: 59000,
				Result: json.RawMessage(res), Final: final, NextAttemptAt: resultsNow.Add(time.Hour), RetryReason: "busy", Streak: 1,
				Now: resultsNow.Add(time.Minute)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	call(w.a, 4, []string{"promise_to_pay", "opted_out", "machine", "busy"})
	call(w.bID, 1, []string{"claims_paid"})
	// A gate decision on the first number, recorded in the audit trail.
	sg, err := compliance.NewStoreGate(ctx, db, compliance.StoreSourceOptions{CacheFor: -1, Now: func() time.Time { return resultsNow }})
	if err != nil {
		t.Fatal(err)
	}
	at := compliance.Attempt{ID: "x1", Number: w.phones[0], Campaign: strconv.FormatInt(w.a, 10), At: resultsNow}
	d := sg.Check(ctx, at)
	if err := sg.Audit.Append(ctx, &at, &d); err != nil {
		t.Fatal(err)
	}
	return w
}

type figuresDoc struct {
	Attempts, Answered, Human, Goal, Contacts, Done int64
	OptOuts                                         int64   `json:"opt_outs"`
	AnswerRate                                      float64 `json:"answer_rate"`
}

func TestResultsAPI(t *testing.T) {
	t.Parallel()
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		w := newResultsWorld(t, db)
		b := w.b
		// The overview over the day, by a manager: every campaign and the totals.
		var ov struct {
			Campaigns []struct {
				ID      int64
				Name    string
				Figures figuresDoc
			}
			Total  int
			Totals figuresDoc
			Funnel []struct {
				Step  string
				Count int64
			}
		}
		r := b.do(store.RoleManager, "GET", "/api/overview?from=2026-11-20&to=2026-11-20", nil)
		if r.Code != 200 {
			t.Fatalf("overview: %d %s", r.Code, r.Body)
		}
		r.json(t, &ov)
		if ov.Total != 2 || ov.Totals.Attempts != 5 || ov.Totals.Answered != 4 || ov.Totals.Human != 3 || ov.Totals.Goal != 2 ||
			ov.Totals.OptOuts != 1 || ov.Totals.Contacts != 8 || ov.Totals.Done != 3 {
			t.Fatalf("overview totals: %+v (total %d)", ov.Totals, ov.Total)
		}
		if got := []int64{ov.Funnel[0].Count, ov.Funnel[1].Count, ov.Funnel[2].Count, ov.Funnel[3].Count}; !slices.Equal(got, []int64{5, 4, 3, 2}) ||
			ov.Funnel[3].Step != "goal" {
			t.Fatalf("funnel %+v", ov.Funnel)
		}
		// Another day: no attempts, the contacts still there.
		r = b.do(store.RoleManager, "GET", "/api/overview?from=2026-11-21&to=2026-11-30&limit=1&sort=attempts", nil)
		r.json(t, &ov)
		if r.Code != 200 || ov.Totals.Attempts != 0 || ov.Totals.Contacts != 8 || len(ov.Campaigns) != 1 || ov.Total != 2 {
			t.Fatalf("overview of an empty range: %d %s", r.Code, r.Body)
		}
		r = b.do(store.RoleManager, "GET", "/api/overview?offset=5", nil)
		r.json(t, &ov)
		if r.Code != 200 || len(ov.Campaigns) != 0 || ov.Total != 2 {
			t.Fatalf("overview past the end: %d %s", r.Code, r.Body)
		}
		for _, bad := range []string{"from=2026-13-01", "from=2026-11-21&to=2026-11-20", "limit=0", "limit=501", "offset=-1",
			"sort=phone", "from=2000-01-01&to=2026-01-01", "to=yesterday"} {
			if r := b.do(store.RoleManager, "GET", "/api/overview?"+bad, nil); r.Code != 400 {
				t.Errorf("overview?%s = %d %s, want 400", bad, r.Code, r.Body)
			}
		}
		// A campaign's report and a comparison.
		var rep struct {
			Report struct {
				Campaign struct{ Figures figuresDoc }
				Goal     struct {
					Dispositions []string
					Own          bool
				}
				Days []struct {
					Date     string
					Attempts int64
				}
			}
		}
		r = b.do(store.RoleManager, "GET", fmt.Sprintf("/api/campaigns/%d/report", w.a), nil)
		r.json(t, &rep)
		if f := rep.Report.Campaign.Figures; r.Code != 200 || f.Attempts != 4 || f.Goal != 1 || f.Human != 2 || rep.Report.Goal.Own ||
			len(rep.Report.Days) != 1 || rep.Report.Days[0].Date != "2026-11-20" {
			t.Fatalf("report: %d %s", r.Code, r.Body)
		}
		var cmp struct {
			Campaigns []struct {
				Campaign struct {
					ID      int64
					Figures figuresDoc
				}
			}
		}
		r = b.do(store.RoleManager, "GET", fmt.Sprintf("/api/compare?a=%d&b=%d&from=2026-11-01", w.a, w.bID), nil)
		r.json(t, &cmp)
		if r.Code != 200 || len(cmp.Campaigns) != 2 || cmp.Campaigns[0].Campaign.ID != w.a || cmp.Campaigns[1].Campaign.Figures.Goal != 1 {
			t.Fatalf("compare: %d %s", r.Code, r.Body)
		}
		for q, code := range map[string]int{fmt.Sprintf("a=%d", w.a): 400, "a=x&b=1": 400, fmt.Sprintf("a=%d&b=999", w.a): 404} {
			if r := b.do(store.RoleManager, "GET", "/api/compare?"+q, nil); r.Code != code {
				t.Errorf("compare?%s = %d, want %d", q, r.Code, code)
			}
		}
		// The goal: the owner sets it (opted_out is no goal, but a test may say so); others may not.
		goalPath := fmt.Sprintf("/api/campaigns/%d/goal", w.a)
		for _, role := range []string{store.RoleManager, store.RoleCollections, store.RoleCompliance} {
			if r := b.do(role, "PUT", goalPath, map[string]any{"dispositions": []string{"opted_out"}}); r.Code != 403 {
				t.Errorf("PUT goal as %s = %d, want 403", role, r.Code)
			}
		}
		if r := b.do(store.RoleMarketing, "PUT", goalPath, map[string]any{"dispositions": []string{"bad code!"}}); r.Code != 400 {
			t.Errorf("PUT a bad goal = %d, want 400", r.Code)
		}
		if r := b.do(store.RoleMarketing, "PUT", goalPath, map[string]any{"dispositions": []string{"promise_to_pay", "opted_out"}}); r.Code != 200 {
			t.Fatalf("PUT goal: %d %s", r.Code, r.Body)
		}
		r = b.do(store.RoleManager, "GET", fmt.Sprintf("/api/campaigns/%d/report", w.a), nil)
		r.json(t, &rep)
		if rep.Report.Campaign.Figures.Goal != 2 || !rep.Report.Goal.Own {
			t.Fatalf("report after the goal changed: %s", r.Body)
		}
		// The campaign list carries the key figures.
		var list struct {
			Campaigns []struct {
				ID      int64
				Figures *figuresDoc
			}
		}
		b.do(store.RoleManager, "GET", "/api/campaigns", nil).json(t, &list)
		for _, c := range list.Campaigns {
			if c.Figures == nil || c.ID == w.a && (c.Figures.Attempts != 4 || c.Figures.AnswerRate != 0.75) {
				t.Fatalf("campaign list figures: %+v", c.Figures)
			}
		}
	})
}

func TestResultsContactsSearchHistory(t *testing.T) {
	t.Parallel()
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		w := newResultsWorld(t, db)
		b := w.b
		type page struct {
			Contacts []struct {
				ID        int64
				Phone     string
				Campaign  string
				State     string
				Variables map[string]string
				Masked    bool
			}
			Total int64
			Next  int64
		}
		// Pages of 4: the total, the cursor, the end.
		var p1, p2 page
		path := fmt.Sprintf("/api/campaigns/%d/contacts", w.a)
		b.do(store.RoleManager, "GET", path+"?limit=4", nil).json(t, &p1)
		if p1.Total != 6 || len(p1.Contacts) != 4 || p1.Next == 0 || !p1.Contacts[0].Masked || p1.Contacts[0].Variables != nil ||
			strings.HasSuffix(w.phones[0], p1.Contacts[0].Phone[1:]) {
			t.Fatalf("first page as manager: %+v", p1)
		}
		b.do(store.RoleManager, "GET", fmt.Sprintf("%s?limit=4&after=%d", path, p1.Next), nil).json(t, &p2)
		if len(p2.Contacts) != 2 || p2.Next != 0 || p2.Contacts[0].ID <= p1.Contacts[3].ID {
			t.Fatalf("second page: %+v", p2)
		}
		var own page
		b.do(store.RoleMarketing, "GET", path+"?state=done", nil).json(t, &own)
		if own.Total != 2 || len(own.Contacts) != 2 || own.Contacts[0].Masked || own.Contacts[0].Variables["first_name"] == "" {
			t.Fatalf("done contacts as the owner: %+v", own)
		}
		for _, bad := range []string{"limit=0", "limit=501", "after=-1", "after=x", "state=gone", "phone=123"} {
			if r := b.do(store.RoleManager, "GET", path+"?"+bad, nil); r.Code != 400 {
				t.Errorf("contacts?%s = %d, want 400", bad, r.Code)
			}
		}
		if r := b.do(store.RoleManager, "GET", "/api/campaigns/999/contacts", nil); r.Code != 404 {
			t.Errorf("contacts of no campaign = %d", r.Code)
		}
		// Search by number, masked for the manager, then the contact's history in words.
		var found page
		if r := b.do(store.RoleManager, "GET", "/api/search?phone=%2B14155550999", nil); r.Code != 200 {
			t.Fatalf("search for an unknown number: %d", r.Code)
		}
		b.do(store.RoleManager, "GET", "/api/search?phone="+strings.Replace(w.phones[0], "+", "%2B", 1), nil).json(t, &found)
		if len(found.Contacts) != 1 || found.Contacts[0].Campaign != "res-a" || found.Contacts[0].Phone == w.phones[0] {
			t.Fatalf("search: %+v", found)
		}
		for _, bad := range []string{"", "phone=4155550100", "phone=%2B1"} {
			if r := b.do(store.RoleManager, "GET", "/api/search?"+bad, nil); r.Code != 400 {
				t.Errorf("search?%s = %d, want 400", bad, r.Code)
			}
		}
		var hist struct {
			Contact struct {
				Phone    string
				Campaign string
			}
			History []struct {
				Kind, Code, Text, Reason string
				Rules                    []string
			}
		}
		r := b.do(store.RoleManager, "GET", fmt.Sprintf("/api/contacts/%d/history", found.Contacts[0].ID), nil)
		r.json(t, &hist)
		var attempt, gate bool
		for _, h := range hist.History {
			if h.Text == "" {
				t.Errorf("history entry without words: %+v", h)
			}
			attempt = attempt || h.Kind == "attempt" && strings.Contains(h.Text, "attempt 1")
			gate = gate || h.Kind == "gate" && h.Reason != "" && strings.Contains(h.Text, "compliance gate")
		}
		if !attempt || !gate || hist.Contact.Phone == w.phones[0] || strings.Contains(string(r.Body), w.phones[0]) ||
			strings.Contains(string(r.Body), "Ana0") {
			t.Fatalf("history as manager: %s", r.Body)
		}
		r = b.do(store.RoleMarketing, "GET", fmt.Sprintf("/api/contacts/%d/history", found.Contacts[0].ID), nil)
		if r.Code != 200 || !strings.Contains(string(r.Body), w.phones[0]) {
			t.Fatalf("history as the owner: %d %s", r.Code, r.Body)
		}
		if r := b.do(store.RoleManager, "GET", "/api/contacts/999999/history", nil); r.Code != 404 {
			t.Errorf("history of no contact = %d", r.Code)
		}
	})
}

func TestResultsExportAndImports(t *testing.T) {
	t.Parallel()
	w := newResultsWorld(t, storetest.OpenSQLite(t))
	b := w.b
	read := func(role string) (map[string]int, [][]string) {
		r := b.do(role, "GET", fmt.Sprintf("/api/campaigns/%d/results?format=csv", w.a), nil)
		rows, err := csv.NewReader(strings.NewReader(string(r.Body))).ReadAll()
		if r.Code != 200 || err != nil || len(rows) != 7 {
			t.Fatalf("export as %s: %d %v %s", role, r.Code, err, r.Body)
		}
		col := map[string]int{}
		for i, h := range rows[0] {
			col[h] = i
		}
		for _, h := range []string{"phone", "tags", "disposition", "disposition_text", "last_outcome", "last_outcome_text",
			"last_reason", "attempts", "goal", "first_name", "amount", "call.promise_date", "call.said"} {
			if _, ok := col[h]; !ok {
				t.Fatalf("export as %s: no column %q in %v", role, h, rows[0])
			}
		}
		return col, rows[1:]
	}
	col, rows := read(store.RoleMarketing)
	var promised bool
	for _, row := range rows {
		if row[col["disposition"]] == "promise_to_pay" {
			promised = row[col["tags"]] == "A;B" && row[col["call.promise_date"]] == "2026-12-24" && row[col["goal"]] == "yes" &&
				strings.HasPrefix(row[col["first_name"]], "Ana") && row[col["last_outcome_text"]] != "" && row[col["attempts"]] == "1"
		}
		if row[col["last_outcome"]] == "busy" && row[col["last_reason"]] != "SIP 486 Busy Here" {
			t.Errorf("busy row's reason %q", row[col["last_reason"]])
		}
	}
	if !promised {
		t.Fatalf("the owner's export lacks the promise row's tags, variables or goal: %v", rows)
	}
	col, rows = read(store.RoleManager)
	for _, row := range rows {
		if slices.Contains(w.phones, row[col["phone"]]) || strings.HasPrefix(row[col["first_name"]], "Ana") ||
			row[col["disposition"]] == "promise_to_pay" && (row[col["call.promise_date"]] != "[hidden]" || row[col["tags"]] != "A;B") {
			t.Fatalf("the manager's export shows what it must hide: %v", row)
		}
	}
	// Uploads are import jobs, listed with their counts once done.
	r := b.do(store.RoleMarketing, "POST", fmt.Sprintf("/api/campaigns/%d/contacts?file=more.csv", w.a),
		"phone,first_name,amount\n+14155557001,Di,1\nnot a number,Ed,2\n")
	job := r.Header.Get("X-Voxdial-Import-Job")
	if r.Code != 200 || job == "" {
		t.Fatalf("upload: %d %s (job %q)", r.Code, r.Body, job)
	}
	var jobs struct {
		Imports []struct {
			ID                 int64
			State, File        string
			RowsRead           int `json:"rows_read"`
			Imported, Rejected int
			Report             struct{ Errors []struct{ Line int } }
		}
	}
	b.do(store.RoleManager, "GET", fmt.Sprintf("/api/campaigns/%d/imports", w.a), nil).json(t, &jobs)
	if len(jobs.Imports) != 2 || strconv.FormatInt(jobs.Imports[0].ID, 10) != job || jobs.Imports[0].State != "done" ||
		jobs.Imports[0].Imported != 1 || jobs.Imports[0].Rejected != 1 || jobs.Imports[0].RowsRead != 2 ||
		len(jobs.Imports[0].Report.Errors) != 1 || jobs.Imports[0].Report.Errors[0].Line != 3 {
		t.Fatalf("imports: %+v", jobs)
	}
	if r := b.do(store.RoleManager, "GET", "/api/imports/"+job, nil); r.Code != 200 || !strings.Contains(string(r.Body), `"more.csv"`) {
		t.Fatalf("import job: %d %s", r.Code, r.Body)
	}
	if r := b.do(store.RoleManager, "GET", "/api/imports/99999", nil); r.Code != 404 {
		t.Fatalf("no such job: %d", r.Code)
	}
	if r := b.do(store.RoleManager, "GET", fmt.Sprintf("/api/campaigns/%d/imports?limit=0", w.a), nil); r.Code != 400 {
		t.Fatalf("imports?limit=0: %d", r.Code)
	}
}
