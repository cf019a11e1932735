package compliance_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/voxdial/voxdial/compliance"
)

// Concurrent decisions group-commit their audit records: every record is written once,
// the hash chain verifies, and transactions hold more than one record.
func TestAuditBatcher(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db, _ := openBackend(t, backend)
			b := &compliance.AuditBatcher{Audit: &compliance.StoreAudit{DB: db}, MaxBatch: 64}
			const workers, each = 50, 8
			var wg sync.WaitGroup
			errs := make(chan error, workers*each)
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range each {
						a := compliance.Attempt{ID: strconv.Itoa(w*each + i), Number: "+12125550101", Campaign: "1", At: st0}
						d := compliance.Decision{ID: a.ID, NextEligibleAt: st0.Add(time.Hour)}
						if err := b.Append(ctx, &a, &d); err != nil {
							errs <- err
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			n, err := compliance.VerifyStoreAudit(ctx, db)
			if err != nil || n != workers*each {
				t.Fatalf("verify: %d records, %v; want %d", n, err, workers*each)
			}
			batches, records := b.Stats()
			if records != workers*each || batches >= records {
				t.Fatalf("%d records in %d transactions: no group commit", records, batches)
			}
			t.Logf("%d records in %d transactions", records, batches)
		})
	}
}
