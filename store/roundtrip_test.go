package store_test

import (
	"context"
	"errors"
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
// attempt without transcript finishes in three (BEGIN, one statement, COMMIT); audit
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
	c, err := db.CampaignCreate(ctx, &store.CampaignCreateParams{Name: "rt", Now: now, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ContactImport(ctx, &store.ContactImportParams{CampaignID: c.ID, ListName: "t",
		Source: &oneRow{r: store.ContactRow{Phone: "+12125550100"}}, Now: now}); err != nil {
		t.Fatal(err)
	}
	got, err := db.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: c.ID, Holder: "n1", Now: now})
	if err != nil || len(got) != 1 {
		t.Fatalf("lease: %v %v", got, err)
	}
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
	count("AttemptFinish", 3, func() error {
		return db.AttemptFinish(ctx, &store.AttemptFinishParams{AttemptID: a.ID, ContactID: got[0].ID, Holder: "n1",
			Outcome: "answered", Disposition: "completed", EndedAt: now, Final: true, Now: now})
	})
	// BEGIN, lock, chain head (and the prune anchor on an empty log), one INSERT, COMMIT.
	count("AuditAppend of 50", 6, func() error {
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
		c, err := db.CampaignCreate(ctx, &store.CampaignCreateParams{Name: "lost", Now: now, MaxAttempts: 1})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ContactImport(ctx, &store.ContactImportParams{CampaignID: c.ID, ListName: "t",
			Source: &oneRow{r: store.ContactRow{Phone: "+12125550101"}}, Now: now}); err != nil {
			t.Fatal(err)
		}
		got, err := db.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: c.ID, Holder: "n1", Now: now})
		if err != nil || len(got) != 1 {
			t.Fatalf("lease: %v %v", got, err)
		}
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
