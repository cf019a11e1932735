package compliance

import (
	"context"
	"sync"
	"time"
)

// AuditBatcher group-commits audit appends. Every decision still gets its own record before
// anyone acts on it: Append returns once the record is in the store. But concurrent callers
// share transactions: the first caller to find no write under way becomes the writer and
// appends everything queued meanwhile, up to MaxBatch records per transaction, sealed in
// queue order so the hash chain stays one sequence. One transaction (and, on PostgreSQL,
// one advisory lock and one fsync) then serves many decisions.
type AuditBatcher struct {
	Audit    *StoreAudit
	MaxBatch int // records per transaction (default 512)
	Now      func() time.Time

	mu       sync.Mutex
	queue    []*auditReq
	flushing bool
	batches  int64
	records  int64
}

type auditReq struct {
	rec  AuditRecord
	done chan error
}

// Append records one decision (campaign.ComplianceAuditor).
func (b *AuditBatcher) Append(ctx context.Context, a *Attempt, d *Decision) error {
	now := time.Now
	if b.Now != nil {
		now = b.Now
	}
	req := &auditReq{rec: NewAuditRecord(a, d, now()), done: make(chan error, 1)}
	b.mu.Lock()
	b.queue = append(b.queue, req)
	if b.flushing {
		b.mu.Unlock()
		select {
		case err := <-req.done:
			return err
		case <-ctx.Done():
			return ctx.Err() // the record is still written: a decision nobody acts on
		}
	}
	b.flushing = true
	limit := b.MaxBatch
	if limit <= 0 {
		limit = 512
	}
	// The writer: one caller's context must not fail the others' records.
	wctx := context.WithoutCancel(ctx)
	for len(b.queue) > 0 {
		n := min(len(b.queue), limit)
		batch := make([]*auditReq, n)
		copy(batch, b.queue)
		b.queue = append(b.queue[:0], b.queue[n:]...)
		b.mu.Unlock()
		recs := make([]AuditRecord, n)
		for i, r := range batch {
			recs[i] = r.rec
		}
		err := b.Audit.AppendRecords(wctx, recs)
		for _, r := range batch {
			r.done <- err
		}
		b.mu.Lock()
		b.batches++
		b.records += int64(n)
	}
	b.flushing = false
	b.mu.Unlock()
	return <-req.done
}

// Stats returns the transactions written and the records they held.
func (b *AuditBatcher) Stats() (batches, records int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.batches, b.records
}
