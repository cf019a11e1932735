package compliance_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/voxdial/voxdial/compliance"
	"github.com/voxdial/voxdial/store"
)

// recentList is a RecentAttempts over a slice (the cluster's log is package numbers').
type recentList struct {
	list []compliance.RecentAttempt
	err  error
}

func (r *recentList) RecentAttempts(_ context.Context, _ uint64, since, until time.Time, buf []compliance.RecentAttempt) ([]compliance.RecentAttempt, error) {
	if r.err != nil {
		return buf, r.err
	}
	for _, a := range r.list {
		if !a.At.Before(since) && !a.At.After(until) {
			buf = append(buf, a)
		}
	}
	return buf, nil
}

// The cluster's recent attempts join the store's history: an attempt both have counts once
// (the store's), one only the cluster has counts as an attempt of unknown outcome of its
// campaign's seller and subject, and the frequency caps see them. A log that cannot be read
// fails the gate closed.
func TestStoreSourceRecent(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db, _ := openBackend(t, backend)
			camp := storeWorld(t, db)
			const num = "+12125550101" // consented; in Massachusetts: ≤ 2 collection calls per 7 days
			rows := []store.ContactRow{{Line: 2, Phone: num, Region: "US-MA", DebtIDs: []string{"D1"}}}
			if _, err := db.ContactImport(ctx, &store.ContactImportParams{CampaignID: camp, ListName: "ma", Source: &rowSource{rows: rows}, Now: st0.Add(-4 * time.Hour)}); err != nil {
				t.Fatal(err)
			}
			leased, err := db.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: camp, Holder: "n1", Limit: 1, Now: st0.Add(-3 * time.Hour)})
			if err != nil || len(leased) != 1 {
				t.Fatal(leased, err)
			}
			inStore := st0.Add(-2 * time.Hour)
			if _, err := db.AttemptStart(ctx, &store.AttemptStartParams{ContactID: leased[0].ID, Holder: "n1", CallID: "k1",
				CallerID: "+12125550000", Now: inStore}); err != nil {
				t.Fatal(err)
			}
			n, _ := compliance.ParseNumber(num)
			cid := itoa(camp)
			dup := compliance.RecentAttempt{CallID: "k1", At: inStore, Campaign: cid, Seller: "S1", CallerID: "+12125550000"}
			other := compliance.RecentAttempt{CallID: "k2", At: st0.Add(-time.Hour), Campaign: cid, CallerID: "+12125550000"}
			old := compliance.RecentAttempt{CallID: "k0", At: st0.Add(-40 * 24 * time.Hour), Campaign: cid, Seller: "S1"}
			cases := []struct {
				name    string
				recent  []compliance.RecentAttempt
				calls   []string // call ids of History.Attempts, oldest first
				verdict compliance.Verdict
			}{
				{"store only", nil, []string{"k1"}, compliance.Allow},
				{"the same attempt in both counts once", []compliance.RecentAttempt{dup}, []string{"k1"}, compliance.Allow},
				{"an attempt only the cluster has counts", []compliance.RecentAttempt{other, dup}, []string{"k1", "k2"}, compliance.Block},
				{"outside the look-back", []compliance.RecentAttempt{old, dup}, []string{"k1"}, compliance.Allow},
			}
			dnc, err := compliance.NewStoreDNC(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range cases {
				src := compliance.NewStoreSource(db, compliance.StoreSourceOptions{CacheFor: -1, Recent: &recentList{list: c.recent}})
				evs, err := src.Attempts(ctx, n, st0.Add(-32*24*time.Hour), st0, nil)
				if err != nil {
					t.Fatal(err)
				}
				var ids []string
				for i, e := range evs {
					ids = append(ids, fmt.Sprint(e.At.Sub(st0)))
					if e.Seller != "S1" || e.Subject != "pay" || e.Campaign != cid {
						t.Fatalf("%s: event %d %+v lacks its campaign's seller and subject", c.name, i, e)
					}
				}
				if len(evs) != len(c.calls) {
					t.Fatalf("%s: %d attempts at %v, want %v", c.name, len(evs), ids, c.calls)
				}
				g, err := compliance.NewGate(compliance.Options{Directory: src, Consents: src, History: src, DNC: dnc})
				if err != nil {
					t.Fatal(err)
				}
				d := g.Check(ctx, compliance.Attempt{Number: num, Campaign: cid, At: st0})
				if d.Verdict != c.verdict || (c.verdict == compliance.Block && !d.Rules.Has(compliance.USStateDCCap)) {
					t.Fatalf("%s: %v %v %s; want %v", c.name, d.Verdict, d.Rules, d.Reason(), c.verdict)
				}
			}
			// The cluster's log unreadable: no call.
			src := compliance.NewStoreSource(db, compliance.StoreSourceOptions{CacheFor: -1, Recent: &recentList{err: errors.New("redis: connection refused")}})
			if _, err := src.Attempts(ctx, n, st0.Add(-time.Hour), st0, nil); err == nil {
				t.Fatal("Attempts with an unreadable log: no error")
			}
			g, err := compliance.NewGate(compliance.Options{Directory: src, Consents: src, History: src, DNC: dnc})
			if err != nil {
				t.Fatal(err)
			}
			if d := g.Check(ctx, compliance.Attempt{Number: num, Campaign: cid, At: st0}); d.Verdict == compliance.Allow {
				t.Fatalf("allowed with the attempt log unreadable: %v", d.Rules)
			}
		})
	}
}
