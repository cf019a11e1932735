package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
)

// statements counts the statements sent to PostgreSQL (each a round trip).
type statements struct{ n atomic.Int64 }

func (s *statements) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	s.n.Add(1)
	return ctx
}
func (s *statements) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// A batch is one round trip.
func (s *statements) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	s.n.Add(1)
	return ctx
}
func (s *statements) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (s *statements) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

type oneRow struct {
	r    store.ContactRow
	done bool
}

func (o *oneRow) Next() bool {
	more := !o.done
	o.done = true
	return more
}
func (o *oneRow) Row() *store.ContactRow { return &o.r }
func (o *oneRow) Err() error             { return nil }

// The call path's writes on PostgreSQL: an attempt starts in one round trip and a final
// attempt finishes in one (a retry and a transcript included); audit
// records go many to a statement.
func TestCallPathRoundTrips(t *testing.T) {
	ctx := context.Background()
	tr := &statements{}
	db, err := store.Open(ctx, storetest.PostgresURL(t), store.Options{Migrate: true, Tracer: tr})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)
	_, got := leasedContact(t, db, "rt", "+12125550100", 1, now)
	count := func(name string, want int64, f func() error) {
		t.Helper()
		before := tr.n.Load()
		if err := f(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if n := tr.n.Load() - before; n != want {
			t.Errorf("%s: %d round trips, want %d", name, n, want)
		}
	}
	var a *store.Attempt
	count("AttemptStart", 1, func() (err error) {
		a, err = db.AttemptStart(ctx, &store.AttemptStartParams{ContactID: got[0].ID, Holder: "n1", CallID: "call-1", Now: now})
		return err
	})
	count("AttemptFinish", 1, func() error {
		return db.AttemptFinish(ctx, &store.AttemptFinishParams{AttemptID: a.ID, ContactID: got[0].ID, Holder: "n1",
			Outcome: "answered", Disposition: "completed", EndedAt: now, Final: true, Now: now})
	})
	// BEGIN, lock and chain head in one pipeline; the INSERT and COMMIT in another.
	count("AuditAppend of 50", 2, func() error {
		return db.AuditAppend(ctx, &store.AuditAppendParams{N: 50, Seal: func(i int, seq int64, prev string) (*store.AuditRow, error) {
			return &store.AuditRow{Seq: seq, DecidedAt: now, Phone: "+12125550100", Campaign: "1", Decision: "allow",
				Record: "{}", Prev: prev, Hash: strings.Repeat("0", 63) + string(rune('a'+i%6))}, nil
		}})
	})
}

// Finishing an attempt whose contact the holder lost fails with ErrLeaseLost and changes
// nothing: the attempt stays dialling (the rescue closes it), the contact keeps its lease.
func TestAttemptFinishLeaseLostChangesNothing(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)
		c, got := leasedContact(t, db, "lost", "+12125550101", 1, now)
		a, err := db.AttemptStart(ctx, &store.AttemptStartParams{ContactID: got[0].ID, Holder: "n1", CallID: "call-lost", Now: now})
		if err != nil {
			t.Fatal(err)
		}
		err = db.AttemptFinish(ctx, &store.AttemptFinishParams{AttemptID: a.ID, ContactID: got[0].ID, Holder: "n2",
			Outcome: "answered", Disposition: "completed", EndedAt: now, Final: true, Now: now})
		if !errors.Is(err, store.ErrLeaseLost) {
			t.Fatalf("finish by another holder: %v, want ErrLeaseLost", err)
		}
		as, err := db.AttemptList(ctx, &store.AttemptListParams{CampaignID: c.ID})
		if err != nil || len(as) != 1 || as[0].State != store.AttemptDialing || as[0].Outcome != "" {
			t.Fatalf("attempt after the failed finish: %+v %v", as, err)
		}
		cs, err := db.ContactList(ctx, &store.ContactListParams{CampaignID: c.ID})
		if err != nil || len(cs) != 1 || cs[0].State != store.ContactLeased || cs[0].LeaseHolder != "n1" {
			t.Fatalf("contact after the failed finish: %+v %v", cs, err)
		}
		evs, err := db.CallEventList(ctx, &store.CallEventListParams{CampaignID: c.ID})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			if e.Type == "attempt_finished" {
				t.Fatalf("an attempt_finished event was kept: %+v", e)
			}
		}
		// The holder's own finish still goes through.
		if err := db.AttemptFinish(ctx, &store.AttemptFinishParams{AttemptID: a.ID, ContactID: got[0].ID, Holder: "n1",
			Outcome: "answered", Disposition: "completed", EndedAt: now, Final: true, Now: now}); err != nil {
			t.Fatal(err)
		}
	})
}

// A retried attempt with a transcript also finishes in one round trip on PostgreSQL, and
// the statement writes the retry and every turn.
func TestAttemptFinishRetryTranscriptOneRoundTrip(t *testing.T) {
	ctx := context.Background()
	tr := &statements{}
	db, err := store.Open(ctx, storetest.PostgresURL(t), store.Options{Migrate: true, Tracer: tr})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)
	c, got := leasedContact(t, db, "rt2", "+12125550102", 3, now)
	a, err := db.AttemptStart(ctx, &store.AttemptStartParams{ContactID: got[0].ID, Holder: "n1", CallID: "call-2", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	turns := []store.TranscriptTurn{{Role: "bot", Text: "Hello, is this Ann?", StartMS: 0, EndMS: 1500},
		{Role: "caller", Text: "call me later", Intent: "callback", StartMS: 1800, EndMS: 2600}, {Role: "caller", DTMF: "1", StartMS: 3000, EndMS: 3000}}
	before := tr.n.Load()
	if err := db.AttemptFinish(ctx, &store.AttemptFinishParams{AttemptID: a.ID, ContactID: got[0].ID, Holder: "n1", Outcome: "answered",
		Disposition: "callback", EndedAt: now, NextAttemptAt: now.Add(time.Hour), RetryReason: "callback", Transcript: turns, Now: now}); err != nil {
		t.Fatal(err)
	}
	if n := tr.n.Load() - before; n != 1 {
		t.Errorf("finish with retry and transcript: %d round trips, want 1", n)
	}
	tt, err := db.TranscriptGet(ctx, &store.TranscriptGetParams{AttemptID: a.ID})
	if err != nil || len(tt) != 3 || tt[1].Intent != "callback" || tt[2].DTMF != "1" || tt[0].EndMS != 1500 {
		t.Fatalf("transcript: %+v %v", tt, err)
	}
	cs, err := db.ContactList(ctx, &store.ContactListParams{CampaignID: c.ID})
	if err != nil || len(cs) != 1 || cs[0].State != store.ContactPending || !cs[0].NextAttemptAt.Equal(now.Add(time.Hour)) || cs[0].LeaseHolder != "" {
		t.Fatalf("contact after a retried finish: %+v %v", cs, err)
	}
	// Finishing it again is refused and changes nothing.
	err = db.AttemptFinish(ctx, &store.AttemptFinishParams{AttemptID: a.ID, ContactID: got[0].ID, Holder: "n1", Outcome: "failed", EndedAt: now, Final: true, Now: now})
	if !errors.Is(err, store.ErrAttemptClosed) {
		t.Fatalf("second finish: %v, want ErrAttemptClosed", err)
	}
}

// The gate's reads of one decision: one round trip on PostgreSQL, and the same facts as
// the one-by-one reads on both backends.
func TestNumberFactsGet(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)
		phone := "+12125550103"
		c, err := db.CampaignCreate(ctx, &store.CampaignCreateParams{Name: "facts", Seller: "acme", Now: now, MaxAttempts: 5})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ContactImport(ctx, &store.ContactImportParams{CampaignID: c.ID, ListName: "t",
			Source: &oneRow{r: store.ContactRow{Phone: phone, TimeZone: "America/New_York", LineType: "wireless", Region: "US-NY", DebtIDs: []string{"d1", "d2"}}}, Now: now.Add(-72 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		cons := store.Consent{Phone: phone, Seller: "acme", Kind: "express", Scope: []string{"collections"}, GivenAt: now.AddDate(0, -1, 0), RecordedBy: "t"}
		if _, err := db.ConsentAdd(ctx, &store.ConsentAddParams{Consents: []store.Consent{cons}, Now: now}); err != nil {
			t.Fatal(err)
		}
		if err := db.EBRAdd(ctx, &store.EBR{Phone: phone, Seller: "acme", Kind: "purchase", At: now.AddDate(0, -2, 0)}); err != nil {
			t.Fatal(err)
		}
		for _, r := range []store.ReassignedCheck{{Phone: phone, Answer: "no", CheckedAt: now.Add(-48 * time.Hour)}, {Phone: phone, Answer: "yes", CheckedAt: now.Add(time.Hour)}} {
			if err := db.ReassignedAdd(ctx, &r); err != nil {
				t.Fatal(err)
			}
		}
		// Two attempts: one finished with an opt-out two days ago, one still dialling now.
		for i, disp := range []string{"opted_out", ""} {
			at := now.Add(time.Duration(i-1) * 48 * time.Hour)
			got, err := db.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: c.ID, Holder: "n1", Now: at})
			if err != nil || len(got) != 1 {
				t.Fatalf("lease %d: %v %v", i, got, err)
			}
			a, err := db.AttemptStart(ctx, &store.AttemptStartParams{ContactID: got[0].ID, Holder: "n1", CallID: "facts-" + disp, Now: at})
			if err != nil {
				t.Fatal(err)
			}
			if disp != "" {
				if err := db.AttemptFinish(ctx, &store.AttemptFinishParams{AttemptID: a.ID, ContactID: got[0].ID, Holder: "n1", Outcome: "answered",
					Disposition: disp, EndedAt: at, NextAttemptAt: at.Add(time.Hour), Now: at}); err != nil {
					t.Fatal(err)
				}
			}
		}
		p := &store.NumberFactsParams{Phone: phone, Since: now.Add(-24 * time.Hour), Until: now, At: now}
		f, err := db.NumberFactsGet(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if f.Contact != (store.ContactFacts{TimeZone: "America/New_York", LineType: "wireless", Region: "US-NY"}) {
			t.Errorf("contact facts %+v", f.Contact)
		}
		if len(f.Consents) != 1 || f.Consents[0].Seller != "acme" || len(f.EBRs) != 1 || f.EBRs[0].Kind != "purchase" {
			t.Errorf("consents %+v, EBRs %+v", f.Consents, f.EBRs)
		}
		if f.Reassigned == nil || f.Reassigned.Answer != "no" {
			t.Errorf("reassigned as of now: %+v, want the answer checked before now (no)", f.Reassigned)
		}
		if len(f.History) != 1 || f.History[0].CallID != "facts-" || len(f.History[0].DebtIDs) != 2 {
			t.Errorf("history of the last day: %+v, want the dialling attempt only", f.History)
		}
		if len(f.Refusals) != 1 || f.Refusals[0].Disposition != "opted_out" {
			t.Errorf("refusals: %+v", f.Refusals)
		}
		// The one-by-one reads agree.
		h, err := db.AttemptHistory(ctx, &store.AttemptHistoryParams{Phone: phone, Since: p.Since, Until: p.Until})
		if err != nil || len(h) != len(f.History) || h[0].AttemptID != f.History[0].AttemptID || !h[0].StartedAt.Equal(f.History[0].StartedAt) {
			t.Errorf("AttemptHistory %+v %v", h, err)
		}
		// Nothing known: empty facts, no error.
		empty, err := db.NumberFactsGet(ctx, &store.NumberFactsParams{Phone: "+12125559999", Since: p.Since, Until: now, At: now})
		if err != nil || empty.Reassigned != nil || len(empty.History)+len(empty.Consents)+len(empty.Refusals) != 0 {
			t.Errorf("unknown number: %+v %v", empty, err)
		}
	})
	ctx := context.Background()
	tr := &statements{}
	db, err := store.Open(ctx, storetest.PostgresURL(t), store.Options{Migrate: true, Tracer: tr})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	before := tr.n.Load()
	now := time.Now()
	if _, err := db.NumberFactsGet(ctx, &store.NumberFactsParams{Phone: "+12125550104", Since: now.Add(-time.Hour), Until: now, At: now}); err != nil {
		t.Fatal(err)
	}
	if n := tr.n.Load() - before; n != 1 {
		t.Errorf("NumberFactsGet: %d round trips, want 1", n)
	}
}

// Appenders on two nodes (two pools on one database) at once keep one chain: sequence
// numbers without gaps or repeats, each record's prev the hash before it. A seal that
// fails writes nothing and leaves the connection usable.
func TestAuditAppendConcurrentChainPG(t *testing.T) {
	ctx := context.Background()
	url := storetest.PostgresURL(t)
	var nodes [2]*store.DB
	for i := range nodes {
		db, err := store.Open(ctx, url, store.Options{Migrate: i == 0, MaxConns: 4})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		nodes[i] = db
	}
	now := time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)
	seal := func(i int, seq int64, prev string) (*store.AuditRow, error) {
		return &store.AuditRow{Seq: seq, DecidedAt: now, Phone: "+12125550100", Campaign: "1", Decision: "allow",
			Record: "{}", Prev: prev, Hash: fmt.Sprintf("h%d-%s", seq, prev[:min(len(prev), 8)])}, nil
	}
	errc := make(chan error, 16)
	for w := range 16 {
		go func() {
			var err error
			for k := 0; k < 10 && err == nil; k++ {
				err = nodes[w%2].AuditAppend(ctx, &store.AuditAppendParams{N: 1 + (w+k)%4, Seal: seal})
			}
			errc <- err
		}()
	}
	for range 16 {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	bad := errors.New("seal refused")
	if err := nodes[0].AuditAppend(ctx, &store.AuditAppendParams{N: 3, Seal: func(i int, seq int64, prev string) (*store.AuditRow, error) {
		if i == 2 {
			return nil, bad
		}
		return seal(i, seq, prev)
	}}); !errors.Is(err, bad) {
		t.Fatalf("failing seal: %v", err)
	}
	if err := nodes[0].AuditAppend(ctx, &store.AuditAppendParams{N: 1, Seal: seal}); err != nil {
		t.Fatalf("append after a failed one: %v", err)
	}
	rows, err := nodes[1].AuditList(ctx, &store.AuditListParams{})
	if err != nil {
		t.Fatal(err)
	}
	want := 1
	for w := range 16 {
		for k := range 10 {
			want += 1 + (w+k)%4
		}
	}
	if len(rows) != want {
		t.Fatalf("%d records, want %d", len(rows), want)
	}
	prev := ""
	for i, r := range rows {
		if r.Seq != int64(i+1) || r.Prev != prev {
			t.Fatalf("record %d: seq %d prev %q, want seq %d prev %q", i, r.Seq, r.Prev, i+1, prev)
		}
		prev = r.Hash
	}
}

// leasedContact creates a campaign with one contact and leases it to holder n1.
func leasedContact(t *testing.T, db *store.DB, name, phone string, maxAttempts int, now time.Time) (*store.Campaign, []*store.Contact) {
	t.Helper()
	ctx := context.Background()
	c, err := db.CampaignCreate(ctx, &store.CampaignCreateParams{Name: name, Now: now, MaxAttempts: maxAttempts})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ContactImport(ctx, &store.ContactImportParams{CampaignID: c.ID, ListName: "t",
		Source: &oneRow{r: store.ContactRow{Phone: phone}}, Now: now}); err != nil {
		t.Fatal(err)
	}
	got, err := db.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: c.ID, Holder: "n1", Now: now})
	if err != nil || len(got) != 1 {
		t.Fatalf("lease: %v %v", got, err)
	}
	return c, got
}
