package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/voxdial/voxdial/store"
)

// finishAs works a contact to done with an outcome and disposition through the
// store's own lease, attempt and finish calls.
func finishAs(t *testing.T, db *store.DB, c *store.Campaign, phone, out, disp string, at time.Time) {
	t.Helper()
	ctx := context.Background()
	leased, err := db.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: c.ID, Holder: "h", Limit: 100, LeaseFor: time.Minute, Now: at})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, l := range leased {
		if l.Phone != phone || found {
			if _, err := db.ContactLeaseRelease(ctx, &store.ContactLeaseReleaseParams{ContactIDs: []int64{l.ID}, Holder: "h", Now: at}); err != nil {
				t.Fatal(err)
			}
			continue
		}
		a, err := db.AttemptStart(ctx, &store.AttemptStartParams{ContactID: l.ID, Holder: "h", CallID: phone + out, Now: at})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.AttemptFinish(ctx, &store.AttemptFinishParams{AttemptID: a.ID, ContactID: l.ID, Holder: "h", Outcome: out,
			Disposition: disp, Final: true, Now: at}); err != nil {
			t.Fatal(err)
		}
		found = true
	}
	if !found {
		t.Fatalf("%s was not due at %s", phone, at)
	}
}

func contactByPhone(t *testing.T, db *store.DB, c *store.Campaign, phone string) *store.Contact {
	t.Helper()
	cs, err := db.ContactList(context.Background(), &store.ContactListParams{CampaignID: c.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, ct := range cs {
		if ct.Phone == phone {
			return ct
		}
	}
	t.Fatalf("no contact %s", phone)
	return nil
}

// testContactReimport: a re-import updates the contacts of earlier imports; with
// RecurAt (a recurring campaign) they start a new cycle, due from RecurAt.
func testContactReimport(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := newCampaign(t, db, "reimport")
	first := []store.ContactRow{
		{Line: 2, Phone: "+14155550101", ExternalID: "D-1", Variables: []byte(`{"due_date":"2026-12-01"}`)},
		{Line: 3, Phone: "+14155550102", ExternalID: "D-2", Variables: []byte(`{"due_date":"2026-12-02"}`)},
	}
	if _, err := db.ContactImport(ctx, &store.ContactImportParams{CampaignID: c.ID, Source: &rows{rs: first}, Now: t0}); err != nil {
		t.Fatal(err)
	}
	finishAs(t, db, c, "+14155550101", "answered", "promise_to_pay", t0)
	// Not recurring: fields change, the final contact stays final.
	second := []store.ContactRow{
		{Line: 2, Phone: "+14155550101", ExternalID: "D-1", Variables: []byte(`{"due_date":"2027-01-01"}`)},
		{Line: 3, Phone: "+14155550101", Variables: []byte(`{"due_date":"2099-01-01"}`)}, // same number again: a duplicate
		{Line: 4, Phone: "+14155550103", Variables: []byte(`{"due_date":"2027-01-03"}`)},
	}
	res, err := db.ContactImport(ctx, &store.ContactImportParams{CampaignID: c.ID, Source: &rows{rs: second}, Now: t0.Add(time.Hour)})
	if err != nil || res.Inserted != 1 || res.Updated != 1 || res.Duplicates != 1 {
		t.Fatalf("re-import: %+v %v", res, err)
	}
	ana := contactByPhone(t, db, c, "+14155550101")
	if ana.State != store.ContactDone || ana.Disposition != "promise_to_pay" || ana.ExternalID != "D-1" || !jsonHas(ana.Variables, "due_date", "2027-01-01") {
		t.Fatalf("updated contact (not recurring): %+v %s", ana, ana.Variables)
	}
	// Recurring: the final contact is due again at the next run, with a fresh count.
	next := t0.Add(24 * time.Hour)
	third := []store.ContactRow{{Line: 2, Phone: "+14155550101", Variables: []byte(`{"due_date":"2027-02-01"}`)}}
	res, err = db.ContactImport(ctx, &store.ContactImportParams{CampaignID: c.ID, Source: &rows{rs: third}, Now: t0.Add(2 * time.Hour), RecurAt: next})
	if err != nil || res.Updated != 1 || res.Inserted != 0 {
		t.Fatalf("recurring re-import: %+v %v", res, err)
	}
	ana = contactByPhone(t, db, c, "+14155550101")
	if ana.State != store.ContactPending || ana.CycleAttempts() != 0 || ana.Attempts != 1 || ana.Disposition != "" || ana.LastOutcome != "" ||
		!ana.NextAttemptAt.Equal(next) || !jsonHas(ana.Variables, "due_date", "2027-02-01") {
		t.Fatalf("recurring: %+v %s", ana, ana.Variables)
	}
	// Not due before the next run; due at it.
	leased, err := db.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: c.ID, Holder: "x", Limit: 10, LeaseFor: time.Minute, Now: next.Add(-time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range leased {
		if l.Phone == "+14155550101" {
			t.Fatal("due before the next run")
		}
	}
	// The attempt history is kept.
	if st, err := db.CampaignStatsGet(ctx, &store.CampaignGetParams{ID: c.ID}); err != nil || st.Attempts != 1 {
		t.Fatalf("stats %+v %v", st, err)
	}
}

func jsonHas(raw json.RawMessage, k, v string) bool {
	var m map[string]string
	return json.Unmarshal(raw, &m) == nil && m[k] == v
}

// testContactRecycle: final contacts matching an outcome or disposition are due again.
func testContactRecycle(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := newCampaign(t, db, "recycle")
	importN(t, db, c, 4)
	finishAs(t, db, c, "+14155550000", "busy", "busy", t0)
	finishAs(t, db, c, "+14155550001", "answered", "no_commitment", t0)
	finishAs(t, db, c, "+14155550002", "answered", "opted_out", t0)
	if _, err := db.ContactRecycle(ctx, &store.ContactRecycleParams{CampaignID: c.ID}); !errors.Is(err, store.ErrInvalidParams) {
		t.Fatalf("nothing named: %v", err)
	}
	at := t0.Add(time.Hour)
	n, err := db.ContactRecycle(ctx, &store.ContactRecycleParams{CampaignID: c.ID, Outcomes: []string{"busy", "answered"},
		Never: []string{"opted_out"}, At: at, Now: at})
	if err != nil || n != 2 {
		t.Fatalf("recycle = %d, %v; want 2", n, err)
	}
	for phone, want := range map[string]string{"+14155550000": store.ContactPending, "+14155550001": store.ContactPending,
		"+14155550002": store.ContactDone, "+14155550003": store.ContactPending} {
		ct := contactByPhone(t, db, c, phone)
		if ct.State != want {
			t.Errorf("%s is %s, want %s", phone, ct.State, want)
		}
		if want == store.ContactPending && phone != "+14155550003" && (ct.CycleAttempts() != 0 || ct.Disposition != "" || !ct.NextAttemptAt.Equal(at)) {
			t.Errorf("recycled %s: %+v", phone, ct)
		}
	}
	// By disposition; only this campaign.
	other := newCampaign(t, db, "recycle-other")
	importN(t, db, other, 1)
	finishAs(t, db, other, "+14155550000", "answered", "no_commitment", t0)
	finishAs(t, db, c, "+14155550001", "answered", "no_commitment", at)
	n, err = db.ContactRecycle(ctx, &store.ContactRecycleParams{CampaignID: c.ID, Dispositions: []string{"no_commitment"}, Now: at})
	if err != nil || n != 1 {
		t.Fatalf("recycle by disposition = %d, %v; want 1", n, err)
	}
	if ct := contactByPhone(t, db, other, "+14155550000"); ct.State != store.ContactDone {
		t.Fatalf("another campaign's contact was recycled: %+v", ct)
	}
}

// testCampaignLifecycle: update, archive (hidden from the default list), copy of
// contacts, gate summary.
func testCampaignLifecycle(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := newCampaign(t, db, "life-a")
	newCampaign(t, db, "life-b")
	name, conc := "life-renamed", 7
	ids := []string{"+12125550000"}
	u, err := db.CampaignUpdate(ctx, &store.CampaignUpdateParams{ID: c.ID, Name: &name, MaxConcurrent: &conc, CallerIDs: &ids,
		Schedule: json.RawMessage(`{"end_date":"2027-01-01"}`), Now: t0.Add(time.Minute)})
	if err != nil || u.Name != name || u.MaxConcurrent != 7 || len(u.CallerIDs) != 1 || !jsonHas(u.Schedule, "end_date", "2027-01-01") ||
		u.MaxAttempts != 3 || !u.UpdatedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("update: %+v %v", u, err)
	}
	taken := "life-b"
	if _, err := db.CampaignUpdate(ctx, &store.CampaignUpdateParams{ID: c.ID, Name: &taken}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("taken name: %v", err)
	}
	if _, err := db.CampaignUpdate(ctx, &store.CampaignUpdateParams{ID: 99999, Name: &name}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("no campaign: %v", err)
	}
	a, err := db.CampaignArchiveSet(ctx, &store.CampaignArchiveSetParams{ID: c.ID, Archived: true, Now: t0})
	if err != nil || !a.ArchivedAt.Equal(t0) {
		t.Fatalf("archive: %+v %v", a, err)
	}
	names := func(f store.ArchivedFilter) (out []string) {
		cs, err := db.CampaignList(ctx, &store.CampaignListParams{Archived: f})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			out = append(out, c.Name)
		}
		return out
	}
	if got := names(store.ArchivedHide); len(got) != 1 || got[0] != "life-b" {
		t.Fatalf("default list %v", got)
	}
	if got := names(store.ArchivedOnly); len(got) != 1 || got[0] != name {
		t.Fatalf("archived list %v", got)
	}
	if got := names(store.ArchivedAll); len(got) != 2 {
		t.Fatalf("all %v", got)
	}
	if r, err := db.CampaignArchiveSet(ctx, &store.CampaignArchiveSetParams{ID: c.ID}); err != nil || !r.ArchivedAt.IsZero() {
		t.Fatalf("restore: %+v %v", r, err)
	}
	// Copy of contacts: fresh, pending.
	importN(t, db, c, 3)
	finishAs(t, db, c, "+14155550000", "busy", "busy", t0)
	d := newCampaign(t, db, "life-copy")
	if n, err := db.ContactCopy(ctx, &store.ContactCopyParams{From: c.ID, To: d.ID, Now: t0}); err != nil || n != 3 {
		t.Fatalf("copy = %d, %v", n, err)
	}
	if ct := contactByPhone(t, db, d, "+14155550000"); ct.State != store.ContactPending || ct.Attempts != 0 || !jsonHas(ct.Variables, "first_name", "n0") {
		t.Fatalf("copied contact %+v", ct)
	}
	// Gate summary: blocks by rule and reason.
	for i, r := range []string{"DNC_INTERNAL", "DNC_INTERNAL", "NO_CONSENT"} {
		if err := db.CallEventAppend(ctx, &store.CallEventAppendParams{CampaignID: c.ID, Type: "gate_block",
			Data: map[string]any{"rules": []string{r}, "reason": "because " + r}, At: t0.Add(time.Duration(i) * time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	sum, err := db.CampaignGateSummary(ctx, &store.CampaignGetParams{ID: c.ID})
	if err != nil || len(sum) != 2 || sum[0] != (store.GateReason{Rule: "DNC_INTERNAL", Reason: "because DNC_INTERNAL", Count: 2}) || sum[1].Count != 1 {
		t.Fatalf("gate summary %+v %v", sum, err)
	}
}
