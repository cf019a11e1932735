package dashboard_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/voxdial/voxdial/dashboard"
	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
)

// BenchmarkResultsAPI times the HTTP responses a manager's screens ask for over a
// campaign of $VOXDIAL_BENCH_ATTEMPTS (default 1,000,000; $VOXDIAL_BENCH_BACKEND=sqlite or postgres for one backend) finished attempts on 400,000
// contacts over 30 days (storetest.GenerateBigCampaign), on SQLite and PostgreSQL: the
// results endpoint (counts, dispositions, outcomes, pacing), the report (funnel, days),
// the overview over a week, the campaign list with key figures and the first page of
// contacts with its total. Each op is one whole request through the server's handler.
func BenchmarkResultsAPI(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("VOXDIAL_BENCH_ATTEMPTS")); err == nil && v > 0 {
		n = v
	}
	end := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, backend := range []string{"sqlite", "postgres"} {
		if only := os.Getenv("VOXDIAL_BENCH_BACKEND"); only != "" && only != backend {
			continue
		}
		g := storetest.GenerateBigCampaign(b, backend, n, end)
		b.Logf("%s: %d attempts on %d contacts generated in %s; closing them (counted by the triggers) took %s (%.1f µs an attempt)",
			backend, n, g.Contacts, g.Took.Round(time.Millisecond), g.CountDur.Round(time.Millisecond),
			float64(g.CountDur.Microseconds())/float64(n))
		srv, err := dashboard.New(dashboard.Options{Store: g.DB, BcryptCost: bcrypt.MinCost, Now: func() time.Time { return end }})
		if err != nil {
			b.Fatal(err)
		}
		ts := httptest.NewServer(srv.Handler())
		u, err := dashboard.UserAdd(context.Background(), g.DB, "max", store.RoleManager, password, bcrypt.MinCost)
		if err != nil {
			b.Fatal(err)
		}
		token, _, err := dashboard.TokenIssue(context.Background(), g.DB, u.ID, "bench", 0)
		if err != nil {
			b.Fatal(err)
		}
		id := g.Campaign.ID
		for _, q := range []struct{ name, path string }{
			{"results", fmt.Sprintf("/api/campaigns/%d/results", id)},
			{"report", fmt.Sprintf("/api/campaigns/%d/report", id)},
			{"overview-week", "/api/overview?from=2026-11-24&to=2026-11-30"},
			{"campaign-list", "/api/campaigns"},
			{"contacts-page", fmt.Sprintf("/api/campaigns/%d/contacts?limit=50", id)},
		} {
			b.Run(fmt.Sprintf("%s/attempts=%d/%s", backend, n, q.name), func(b *testing.B) {
				req, _ := http.NewRequest("GET", ts.URL+q.path, nil)
				req.Header.Set("Authorization", "Bearer "+token)
				for b.Loop() {
					res, err := ts.Client().Do(req)
					if err != nil {
						b.Fatal(err)
					}
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode != 200 {
						b.Fatalf("%s: %d", q.path, res.StatusCode)
					}
				}
			})
		}
		ts.Close()
	}
}
