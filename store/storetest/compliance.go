package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/voxdial/voxdial/store"
)

// complianceTests are the conformance tests of the compliance data.
var complianceTests = []struct {
	name string
	f    func(t *testing.T, db *store.DB)
}{
	{"Seller", testSeller},
	{"CampaignCompliance", testCampaignCompliance},
	{"DNCEntry", testDNCEntry},
	{"DNCSnapshot", testDNCSnapshot},
	{"Consent", testConsent},
	{"OptOutRecord", testOptOutRecord},
	{"ContactCancel", testContactCancel},
	{"AuditAppend", testAuditAppend},
	{"AttemptHistory", testAttemptHistory},
}

func testSeller(t *testing.T, db *store.DB) {
	ctx := context.Background()
	if _, err := db.SellerGet(ctx, &store.SellerGetParams{ID: "S1"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing seller: %v", err)
	}
	s, err := db.SellerPut(ctx, &store.SellerPutParams{ID: "S1", Name: "Acme", CallerIDs: []string{"+12125550000"}, Now: t0})
	if err != nil || s.Name != "Acme" || len(s.CallerIDs) != 1 || s.PlatformSuppression {
		t.Fatalf("put: %+v %v", s, err)
	}
	s, err = db.SellerPut(ctx, &store.SellerPutParams{ID: "S1", CallerIDs: []string{"+1", "+2"}, PlatformSuppression: true, Now: t0.Add(time.Hour)})
	if err != nil || len(s.CallerIDs) != 2 || !s.PlatformSuppression || !s.CreatedAt.Equal(t0) || !s.UpdatedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("replace: %+v %v", s, err)
	}
	if _, err := db.SellerPut(ctx, &store.SellerPutParams{}); !errors.Is(err, store.ErrInvalidParams) {
		t.Fatalf("no id: %v", err)
	}
}

func testCampaignCompliance(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := newCampaign(t, db, "cc")
	got, err := db.CampaignComplianceGet(ctx, &store.CampaignComplianceGetParams{ID: c.ID})
	if err != nil || got.Voice != "artificial" || got.Pacing != "one_to_one" || got.RulePacks != "" || got.Name != "cc" {
		t.Fatalf("defaults: %+v %v", got, err)
	}
	packs := "us"
	if err := db.CampaignComplianceSet(ctx, &store.CampaignComplianceSetParams{ID: c.ID, Seller: "S1", Purpose: "collections",
		Voice: "live", Subject: "debt", RulePacks: &packs}); err != nil {
		t.Fatal(err)
	}
	got, _ = db.CampaignComplianceGet(ctx, &store.CampaignComplianceGetParams{ID: c.ID})
	if got.Seller != "S1" || got.Purpose != "collections" || got.Voice != "live" || got.Subject != "debt" || got.RulePacks != "us" {
		t.Fatalf("set: %+v", got)
	}
	if err := db.CampaignComplianceSet(ctx, &store.CampaignComplianceSetParams{ID: c.ID + 1000, Seller: "x"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown campaign: %v", err)
	}
	if _, err := db.CampaignComplianceGet(ctx, &store.CampaignComplianceGetParams{ID: c.ID + 1000}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown campaign: %v", err)
	}
}

func testDNCEntry(t *testing.T, db *store.DB) {
	ctx := context.Background()
	n, err := db.DNCEntryAdd(ctx, &store.DNCEntryAddParams{List: "internal", Scope: "S1", Phones: []string{"+12125550101", "+12125550102", "+12125550101"},
		By: "alice", Reason: "asked by phone", Source: "cli", Now: t0})
	if err != nil || n != 2 {
		t.Fatalf("add: %d %v", n, err)
	}
	if n, _ := db.DNCEntryAdd(ctx, &store.DNCEntryAddParams{List: "internal", Scope: "S1", Phones: []string{"+12125550101"}, By: "bob", Now: t0}); n != 0 {
		t.Fatalf("re-adding an active entry added %d", n)
	}
	if _, err := db.DNCEntryAdd(ctx, &store.DNCEntryAddParams{List: "internal", Phones: []string{"+1"}}); !errors.Is(err, store.ErrInvalidParams) {
		t.Fatalf("add without who: %v", err)
	}
	if _, err := db.DNCEntryAdd(ctx, &store.DNCEntryAddParams{List: "bogus", Phones: []string{"+1"}, By: "x"}); !errors.Is(err, store.ErrInvalidParams) {
		t.Fatalf("unknown list: %v", err)
	}
	if err := db.DNCEntryRemove(ctx, &store.DNCEntryRemoveParams{List: "internal", Scope: "S1", Phone: "+12125550101", By: "carol", Reason: "added by mistake",
		Now: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := db.DNCEntryRemove(ctx, &store.DNCEntryRemoveParams{List: "internal", Scope: "S1", Phone: "+12125550101", By: "carol"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second remove: %v", err)
	}
	act, _ := db.DNCEntryList(ctx, &store.DNCEntryListParams{List: "internal", Scope: "S1"})
	if len(act) != 1 || act[0].Phone != "+12125550102" || act[0].AddedBy != "alice" || act[0].Reason != "asked by phone" || !act[0].ListedAt.Equal(t0) {
		t.Fatalf("active: %+v", act)
	}
	all, _ := db.DNCEntryList(ctx, &store.DNCEntryListParams{Phone: "+12125550101", WithRemoved: true})
	if len(all) != 1 || all[0].RemovedBy != "carol" || all[0].RemovedReason != "added by mistake" || !all[0].RemovedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("history: %+v", all)
	}
	// Listed again after removal: a new row.
	if n, _ := db.DNCEntryAdd(ctx, &store.DNCEntryAddParams{List: "internal", Scope: "S1", Phones: []string{"+12125550101"}, By: "dave", Now: t0.Add(2 * time.Hour)}); n != 1 {
		t.Fatalf("relist added %d", n)
	}
	chs, err := db.DNCChangeList(ctx, &store.DNCChangeListParams{})
	if err != nil || len(chs) != 4 {
		t.Fatalf("changes: %+v %v", chs, err)
	}
	ops := ""
	for _, c := range chs {
		ops += c.Op + ":" + c.Phone[len(c.Phone)-1:] + " "
	}
	if ops != "add:1 add:2 remove:1 add:1 " || chs[0].Seq >= chs[3].Seq {
		t.Fatalf("change order %q", ops)
	}
	rest, _ := db.DNCChangeList(ctx, &store.DNCChangeListParams{After: chs[1].Seq})
	if len(rest) != 2 || rest[0].Op != "remove" {
		t.Fatalf("after: %+v", rest)
	}
}

func testDNCSnapshot(t *testing.T, db *store.DB) {
	ctx := context.Background()
	big := bytes.Repeat([]byte{1, 2, 3, 4, 5, 6, 7}, (9<<20)/7) // more than one chunk
	s1, err := db.DNCSnapshotPut(ctx, &store.DNCSnapshotPutParams{List: "national", AsOf: "2026-11-01", Numbers: 3, Source: "a.txt", SHA256: "aa", By: "ops", Data: big, Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.DNCSnapshotPut(ctx, &store.DNCSnapshotPutParams{List: "state", Scope: "US-TX", AsOf: "2026-11-01", Numbers: 1, Data: []byte{9}, Now: t0}); err != nil {
		t.Fatal(err)
	}
	data, err := db.DNCSnapshotData(ctx, s1.ID)
	if err != nil || !bytes.Equal(data, big) {
		t.Fatalf("data: %d bytes %v", len(data), err)
	}
	s2, err := db.DNCSnapshotPut(ctx, &store.DNCSnapshotPutParams{List: "national", AsOf: "2026-12-01", Numbers: 2, Data: []byte{7, 7}, Now: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	cur, err := db.DNCSnapshotCurrent(ctx)
	if err != nil || len(cur) != 2 || cur[0].ID != s2.ID || cur[0].AsOf != "2026-12-01" || cur[1].Scope != "US-TX" {
		t.Fatalf("current: %+v %v", cur, err)
	}
	if _, err := db.DNCSnapshotData(ctx, s1.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("replaced copy's data must be gone: %v", err)
	}
	if d, _ := db.DNCSnapshotData(ctx, s2.ID); !bytes.Equal(d, []byte{7, 7}) {
		t.Fatalf("new data %v", d)
	}
}

func testConsent(t *testing.T, db *store.DB) {
	ctx := context.Background()
	ids, err := db.ConsentAdd(ctx, &store.ConsentAddParams{Consents: []store.Consent{
		{Phone: "+12125550101", Seller: "S1", Kind: "written", Scope: []string{"telemarketing"}, ArtificialVoice: true,
			Source: "web", EvidenceText: "I agree", EvidenceIP: "192.0.2.1", GivenAt: t0, ExpiresAt: t0.AddDate(1, 0, 0), RecordHash: "h1"},
		{Phone: "+12125550101", Seller: "S2", Kind: "express", Scope: []string{"collections"}, GivenAt: t0},
	}, Now: t0})
	if err != nil || len(ids) != 2 {
		t.Fatal(ids, err)
	}
	if _, err := db.ConsentAdd(ctx, &store.ConsentAddParams{Consents: []store.Consent{{Phone: "+1", Seller: "S", Kind: "maybe", GivenAt: t0}}}); !errors.Is(err, store.ErrInvalidParams) {
		t.Fatalf("bad kind: %v", err)
	}
	n, err := db.ConsentRevoke(ctx, &store.ConsentRevokeParams{Phone: "+12125550101", Seller: "S1", Via: "sms", By: "api", At: t0.Add(time.Hour)})
	if err != nil || n != 1 {
		t.Fatal(n, err)
	}
	if n, _ := db.ConsentRevoke(ctx, &store.ConsentRevokeParams{Phone: "+12125550101", Seller: "S1", Via: "sms", By: "api"}); n != 0 {
		t.Fatalf("second revoke revoked %d", n)
	}
	cs, err := db.ConsentList(ctx, &store.ConsentListParams{Phone: "+12125550101"})
	if err != nil || len(cs) != 2 {
		t.Fatal(cs, err)
	}
	c := cs[0]
	if c.Kind != "written" || !c.ArtificialVoice || c.Scope[0] != "telemarketing" || c.EvidenceIP != "192.0.2.1" || !c.GivenAt.Equal(t0) ||
		!c.ExpiresAt.Equal(t0.AddDate(1, 0, 0)) || !c.RevokedAt.Equal(t0.Add(time.Hour)) || c.RevokedVia != "sms" {
		t.Fatalf("consent: %+v", c)
	}
	// The ledger seals every record with the hash of its content: a caller's hash ("h1") is
	// not kept, and a record without one is sealed all the same.
	for _, c := range cs {
		if c.RecordHash == "h1" || c.RecordHash != store.ConsentRecordHash(c) {
			t.Fatalf("consent %d sealed with %q, want %q", c.ID, c.RecordHash, store.ConsentRecordHash(c))
		}
	}
	if !cs[1].RevokedAt.IsZero() || !cs[1].ExpiresAt.IsZero() {
		t.Fatalf("other seller's consent: %+v", cs[1])
	}
	// EBRs and reassigned answers.
	if err := db.EBRAdd(ctx, &store.EBR{Phone: "+12125550101", Seller: "S1", Kind: "purchase", At: t0}); err != nil {
		t.Fatal(err)
	}
	if es, _ := db.EBRList(ctx, "+12125550101"); len(es) != 1 || es[0].Kind != "purchase" {
		t.Fatalf("ebrs %+v", es)
	}
	_ = db.ReassignedAdd(ctx, &store.ReassignedCheck{Phone: "+12125550101", Answer: "no", CheckedAt: t0})
	_ = db.ReassignedAdd(ctx, &store.ReassignedCheck{Phone: "+12125550101", Answer: "yes", CheckedAt: t0.Add(48 * time.Hour)})
	if r, err := db.ReassignedLatest(ctx, "+12125550101", t0.Add(time.Hour)); err != nil || r.Answer != "no" {
		t.Fatalf("reassigned %+v %v", r, err)
	}
	if _, err := db.ReassignedLatest(ctx, "+12125550101", t0.Add(-time.Hour)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("before any check: %v", err)
	}
}

func testOptOutRecord(t *testing.T, db *store.DB) {
	ctx := context.Background()
	_, _ = db.ConsentAdd(ctx, &store.ConsentAddParams{Consents: []store.Consent{
		{Phone: "+12125550109", Seller: "S1", Kind: "express", Scope: []string{"collections"}, GivenAt: t0}}})
	listed, revoked, err := db.OptOutRecord(ctx, &store.OptOutRecordParams{Phone: "+12125550109", Seller: "S1", Via: "call_opt_out",
		By: "voicebot", Reason: "pressed 9", Source: "call:x", Now: t0.Add(time.Minute)})
	if err != nil || !listed || revoked != 1 {
		t.Fatalf("opt-out: %v %d %v", listed, revoked, err)
	}
	listed, revoked, err = db.OptOutRecord(ctx, &store.OptOutRecordParams{Phone: "+12125550109", Seller: "S1", By: "voicebot"})
	if err != nil || listed || revoked != 0 {
		t.Fatalf("second opt-out: %v %d %v", listed, revoked, err)
	}
	es, _ := db.DNCEntryList(ctx, &store.DNCEntryListParams{List: "internal", Scope: "S1", Phone: "+12125550109"})
	if len(es) != 1 || es[0].Source != "call:x" || es[0].AddedBy != "voicebot" {
		t.Fatalf("entry %+v", es)
	}
	cs, _ := db.ConsentList(ctx, &store.ConsentListParams{Phone: "+12125550109"})
	if len(cs) != 1 || cs[0].RevokedVia != "call_opt_out" || !cs[0].RevokedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("consent %+v", cs)
	}
	if chs, _ := db.DNCChangeList(ctx, &store.DNCChangeListParams{}); len(chs) != 1 {
		t.Fatalf("changes %+v", chs)
	}
}

func testAuditAppend(t *testing.T, db *store.DB) {
	ctx := context.Background()
	seal := func(prefix string) func(i int, seq int64, prev string) (*store.AuditRow, error) {
		return func(i int, seq int64, prev string) (*store.AuditRow, error) {
			return &store.AuditRow{DecidedAt: t0, Phone: "+1212555010" + fmt.Sprint(i), Decision: "allow", Record: prefix,
				Hash: fmt.Sprintf("%s-%d<%s", prefix, seq, prev)}, nil
		}
	}
	if err := db.AuditAppend(ctx, &store.AuditAppendParams{N: 2, Seal: seal("a")}); err != nil {
		t.Fatal(err)
	}
	// Concurrent appenders keep one chain.
	errs := make(chan error, 4)
	for i := 0; i < 4; i++ {
		go func() { errs <- db.AuditAppend(ctx, &store.AuditAppendParams{N: 3, Seal: seal("b")}) }()
	}
	for i := 0; i < 4; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	rows, err := db.AuditList(ctx, &store.AuditListParams{})
	if err != nil || len(rows) != 14 {
		t.Fatalf("%d rows %v", len(rows), err)
	}
	for i, r := range rows {
		if r.Seq != int64(i+1) {
			t.Fatalf("seq %d at %d", r.Seq, i)
		}
		if i > 0 && r.Prev != rows[i-1].Hash {
			t.Fatalf("row %d prev %q, want %q", r.Seq, r.Prev, rows[i-1].Hash)
		}
	}
	if rows[0].Hash != "a-1<" || rows[1].Prev != "a-1<" {
		t.Fatalf("first rows %+v %+v", rows[0], rows[1])
	}
	// A failing seal appends nothing.
	err = db.AuditAppend(ctx, &store.AuditAppendParams{N: 2, Seal: func(i int, seq int64, prev string) (*store.AuditRow, error) {
		if i == 1 {
			return nil, errors.New("boom")
		}
		return seal("c")(i, seq, prev)
	}})
	if err == nil {
		t.Fatal("failing seal")
	}
	last, _ := db.AuditList(ctx, &store.AuditListParams{Desc: true, Limit: 1})
	if len(last) != 1 || last[0].Seq != 14 {
		t.Fatalf("after a failed append: %+v", last)
	}
	one, _ := db.AuditList(ctx, &store.AuditListParams{Phone: "+12125550100", AfterSeq: 2})
	if len(one) != 4 {
		t.Fatalf("by phone: %d", len(one))
	}
}

func testAttemptHistory(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := newCampaign(t, db, "hist")
	if err := db.CampaignComplianceSet(ctx, &store.CampaignComplianceSetParams{ID: c.ID, Seller: "S1", Subject: "solar"}); err != nil {
		t.Fatal(err)
	}
	importN(t, db, c, 1)
	got, _ := db.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: c.ID, Holder: "n1", Limit: 1, Now: t0})
	a, _ := db.AttemptStart(ctx, &store.AttemptStartParams{ContactID: got[0].ID, Holder: "n1", CallID: "k1", CallerID: "+1999", Now: t0})
	_ = db.AttemptFinish(ctx, &store.AttemptFinishParams{AttemptID: a.ID, ContactID: got[0].ID, Holder: "n1", Outcome: "answered",
		Disposition: "opted_out", AnsweredAt: t0.Add(time.Second), Final: true, Now: t0.Add(time.Minute)})
	phone := got[0].Phone
	hs, err := db.AttemptHistory(ctx, &store.AttemptHistoryParams{Phone: phone, Since: t0.Add(-time.Hour), Until: t0})
	if err != nil || len(hs) != 1 || hs[0].Seller != "S1" || hs[0].Subject != "solar" || hs[0].Outcome != "answered" ||
		hs[0].CallerID != "+1999" || !hs[0].StartedAt.Equal(t0) || hs[0].CampaignID != c.ID || hs[0].CallID != "k1" {
		t.Fatalf("history %+v %v", hs, err)
	}
	if hs, _ := db.AttemptHistory(ctx, &store.AttemptHistoryParams{Phone: phone, Since: t0.Add(time.Millisecond), Until: t0.Add(time.Hour)}); len(hs) != 0 {
		t.Fatalf("since is inclusive of later only: %+v", hs)
	}
	if hs, _ := db.AttemptHistory(ctx, &store.AttemptHistoryParams{Phone: phone, Until: t0, OptedOut: true}); len(hs) != 1 {
		t.Fatalf("refusals %+v", hs)
	}
	if _, seller, ph, err := db.CallAttempt(ctx, &store.CallAttemptParams{CallID: "k1"}); err != nil || seller != "S1" || ph != phone {
		t.Fatalf("call attempt %q %q %v", seller, ph, err)
	}
	if tz, err := db.ContactZone(ctx, &store.ContactZoneParams{Phone: "+19999999999"}); err != nil || tz != "" {
		t.Fatalf("zone of unknown %q %v", tz, err)
	}
	if l, ab, err := db.AbandonCounts(ctx, &store.AbandonCountsParams{CampaignID: c.ID, Since: t0.Add(-time.Hour)}); err != nil || l != 1 || ab != 0 {
		t.Fatalf("abandon counts %d %d %v", l, ab, err)
	}
}

// An opt-out closes the number's queued contacts in every campaign of the seller (pending
// and leased), not other sellers' nor other numbers, nor a contact whose call is under way.
func testContactCancel(t *testing.T, db *store.DB) {
	ctx := context.Background()
	const num = "+14155550001"
	camp := func(name, seller string) *store.Campaign {
		c, err := db.CampaignCreate(ctx, &store.CampaignCreateParams{Name: name, Seller: seller, Now: t0, MaxAttempts: 3})
		if err != nil {
			t.Fatal(err)
		}
		importN(t, db, c, 3) // +14155550000 … 0002
		return c
	}
	a, b, other, busy := camp("a", "S1"), camp("b", "S1"), camp("c", "S2"), camp("d", "S1")
	lease := func(c *store.Campaign) map[string]*store.Contact {
		cs, err := db.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: c.ID, Holder: "h1", Limit: 10, Now: t0.Add(time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]*store.Contact{}
		for _, c := range cs {
			m[c.Phone] = c
		}
		return m
	}
	leasedB := lease(b)[num]
	busyC := lease(busy)[num]
	if _, err := db.AttemptStart(ctx, &store.AttemptStartParams{ContactID: busyC.ID, Holder: "h1", CallID: "call-busy", Now: t0.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	ids, err := db.ContactCancel(ctx, &store.ContactCancelParams{Phone: num, Seller: "S1", Reason: "opted out in call x", Now: t0.Add(2 * time.Minute)})
	if err != nil || len(ids) != 2 {
		t.Fatalf("cancel: %v %v, want a's pending and b's leased contact", ids, err)
	}
	for _, tc := range []struct {
		c     *store.Campaign
		phone string
		state string
		disp  string
	}{
		{a, num, "done", "opted_out"},
		{b, num, "done", "opted_out"},
		{other, num, "pending", ""},
		{busy, num, "leased", ""},
		{a, "+14155550000", "pending", ""},
	} {
		cs, err := db.ContactList(ctx, &store.ContactListParams{CampaignID: tc.c.ID})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, c := range cs {
			if c.Phone == tc.phone {
				found = true
				if c.State != tc.state || c.Disposition != tc.disp {
					t.Errorf("campaign %s %s: %s/%q, want %s/%q", tc.c.Name, tc.phone, c.State, c.Disposition, tc.state, tc.disp)
				}
			}
		}
		if !found {
			t.Fatalf("campaign %s: %s missing", tc.c.Name, tc.phone)
		}
	}
	// The holder of b's lease can no longer dial it.
	if _, err := db.AttemptStart(ctx, &store.AttemptStartParams{ContactID: leasedB.ID, Holder: "h1", CallID: "call-b", Now: t0.Add(3 * time.Minute)}); !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("dialling a cancelled contact: %v, want ErrLeaseLost", err)
	}
	if _, err := db.ContactCancel(ctx, &store.ContactCancelParams{Phone: num}); !errors.Is(err, store.ErrInvalidParams) {
		t.Fatalf("no seller: %v", err)
	}
}
