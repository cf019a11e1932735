package store_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
)

// BenchmarkResults measures the reads behind a campaign's results over a campaign of
// $VOXDIAL_BENCH_ATTEMPTS (default 1,000,000; $VOXDIAL_BENCH_BACKEND=sqlite or postgres for one backend) finished attempts on 400,000 contacts,
// spread over 30 days: the campaign's counts (CampaignStatsGet), the counters with the
// funnel over all days and over one week, day by day, and the first page of contacts
// with its total. The log line gives the time the triggers took to count the
// attempts as they were closed.
func BenchmarkResults(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("VOXDIAL_BENCH_ATTEMPTS")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	end := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, backend := range []string{"sqlite", "postgres"} {
		if only := os.Getenv("VOXDIAL_BENCH_BACKEND"); only != "" && only != backend {
			continue
		}
		g := storetest.GenerateBigCampaign(b, backend, n, end)
		b.Logf("%s: %d attempts on %d contacts generated in %s; closing them (counted by the triggers) took %s (%.1f µs an attempt)",
			backend, n, g.Contacts, g.Took.Round(time.Millisecond), g.CountDur.Round(time.Millisecond),
			float64(g.CountDur.Microseconds())/float64(n))
		id := g.Campaign.ID
		week := store.Day(end) - 7
		for _, q := range []struct {
			name string
			f    func() error
		}{
			{"stats", func() error {
				st, err := g.DB.CampaignStatsGet(ctx, &store.CampaignGetParams{ID: id})
				if err == nil && st.Attempts != n {
					err = fmt.Errorf("attempts %d, want %d", st.Attempts, n)
				}
				return err
			}},
			{"counters/all-days", func() error {
				_, err := g.DB.CampaignCounters(ctx, &store.CountersParams{CampaignIDs: []int64{id}})
				return err
			}},
			{"counters/overview-week", func() error {
				_, err := g.DB.CampaignCounters(ctx, &store.CountersParams{FromDay: week, ToDay: store.Day(end)})
				return err
			}},
			{"counters/by-day", func() error {
				_, err := g.DB.CampaignCounterDays(ctx, id, 0, 0)
				return err
			}},
			{"contacts/first-page", func() error {
				pg, err := g.DB.ContactPageGet(ctx, &store.ContactPageParams{CampaignID: id, Limit: 50})
				if err == nil && pg.Total != int64(g.Contacts) {
					err = fmt.Errorf("total %d, want %d", pg.Total, g.Contacts)
				}
				return err
			}},
			{"contacts/done-page", func() error {
				_, err := g.DB.ContactPageGet(ctx, &store.ContactPageParams{CampaignID: id, State: "done", AfterID: 200000, Limit: 50})
				return err
			}},
		} {
			b.Run(fmt.Sprintf("%s/attempts=%d/%s", backend, n, q.name), func(b *testing.B) {
				for b.Loop() {
					if err := q.f(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
