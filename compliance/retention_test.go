package compliance_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/voxdial/voxdial/compliance"
)

// Pruning keeps every record younger than the retention (5 years by default and at least),
// leaves an anchor so the rest of the chain verifies, and appends continue the chain after
// it, even when every record was pruned.
func TestAuditRetention(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db, raw := openBackend(t, backend)
			var at time.Time
			audit := &compliance.StoreAudit{DB: db, Now: func() time.Time { return at }}
			appendAt := func(ts ...string) {
				for _, s := range ts {
					at, _ = time.Parse(time.DateOnly, s)
					a := compliance.Attempt{ID: s, Number: "+12125550101", Campaign: "1", At: at}
					d := compliance.Decision{ID: s}
					if err := audit.Append(ctx, &a, &d); err != nil {
						t.Fatal(err)
					}
				}
			}
			verify := func(want int) {
				t.Helper()
				if n, err := compliance.VerifyStoreAudit(ctx, db); err != nil || n != want {
					t.Fatalf("verify: %d %v, want %d records", n, err, want)
				}
			}
			appendAt("2019-01-10", "2019-06-10", "2020-01-10", "2021-06-10", "2024-01-10", "2026-01-10")
			now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
			for _, tc := range []struct {
				name string
				o    compliance.AuditPruneOptions
			}{
				{"retention under 5 years", compliance.AuditPruneOptions{RetentionYears: 3, By: "ops", Now: now}},
				{"before inside the retention", compliance.AuditPruneOptions{Before: now.AddDate(-4, 0, 0), By: "ops", Now: now}},
			} {
				if _, err := compliance.PruneStoreAudit(ctx, db, tc.o); !errors.Is(err, compliance.ErrRetention) {
					t.Fatalf("%s: %v, want ErrRetention", tc.name, err)
				}
			}
			verify(6)
			dry, err := compliance.PruneStoreAudit(ctx, db, compliance.AuditPruneOptions{By: "ops", DryRun: true, Now: now})
			if err != nil || dry == nil || dry.Seq != 4 || dry.Pruned != 4 {
				t.Fatalf("dry run: %+v %v", dry, err)
			}
			verify(6)
			a, err := compliance.PruneStoreAudit(ctx, db, compliance.AuditPruneOptions{By: "ops", Now: now})
			if err != nil || a == nil || a.Seq != 4 || a.Pruned != 4 || a.Retention != "5y" || a.PrunedBy != "ops" {
				t.Fatalf("prune: %+v %v", a, err)
			}
			verify(2)
			appendAt("2026-11-25")
			verify(3)
			// Nothing more is old enough.
			if a, err := compliance.PruneStoreAudit(ctx, db, compliance.AuditPruneOptions{By: "ops", Now: now}); err != nil || a != nil {
				t.Fatalf("second prune: %+v %v", a, err)
			}
			// Years later every record goes; the chain continues after the anchor.
			if a, err := compliance.PruneStoreAudit(ctx, db, compliance.AuditPruneOptions{By: "ops", Now: now.AddDate(10, 0, 0)}); err != nil || a == nil || a.Seq != 7 {
				t.Fatalf("prune all: %+v %v", a, err)
			}
			verify(0)
			appendAt("2036-12-01")
			verify(1)
			// Deleting a record behind the anchor's back is still detected.
			appendAt("2036-12-02")
			if _, err := raw.Exec(`DELETE FROM compliance_audit WHERE seq = 8`); err != nil {
				t.Fatal(err)
			}
			var ae *compliance.AuditError
			if _, err := compliance.VerifyStoreAudit(ctx, db); !errors.As(err, &ae) || ae.Line != 9 {
				t.Fatalf("deleted record: %v", err)
			}
		})
	}
}
