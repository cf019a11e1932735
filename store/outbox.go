package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"
)

// outboxLease takes due rows of a retry queue (webhook deliveries, follow-up texts): rows
// in state pending whose next try is due and whose lease (if any) expired, in
// (next_try_at, id) order, leased to Holder in one statement (FOR UPDATE SKIP LOCKED on
// PostgreSQL), so that a sender that dies leaves leases that expire and another takes over.
type outboxLease struct {
	Holder   string        // required
	Limit    int           // default 10
	LeaseFor time.Duration // default 1 minute: longer than one try
	Now      time.Time
}

// leaseOutbox runs the lease on table, returning its rows' cols.
func (db *DB) leaseOutbox(ctx context.Context, table, cols string, p outboxLease) (*sql.Rows, error) {
	if p.Holder == "" {
		return nil, fmt.Errorf("%w: Holder is required", ErrInvalidParams)
	}
	limit := p.Limit
	if limit <= 0 {
		limit = 10
	}
	leaseFor := p.LeaseFor
	if leaseFor <= 0 {
		leaseFor = time.Minute
	}
	now := nowOr(p.Now)
	var query string
	if db.backend == Postgres {
		query = `WITH due AS (
			SELECT id FROM ` + table + `
			WHERE state = 'pending' AND next_try_at <= $1 AND (lease_expires_at IS NULL OR lease_expires_at <= $1)
			ORDER BY next_try_at, id LIMIT $2
			FOR UPDATE SKIP LOCKED)
		UPDATE ` + table + ` q SET lease_holder = $3, lease_expires_at = $4, updated_at = $1
		FROM due WHERE q.id = due.id
		RETURNING ` + prefixCols("q.", cols)
	} else {
		query = `UPDATE ` + table + ` SET lease_holder = ?3, lease_expires_at = ?4, updated_at = ?1
		WHERE id IN (
			SELECT id FROM ` + table + `
			WHERE state = 'pending' AND next_try_at <= ?1 AND (lease_expires_at IS NULL OR lease_expires_at <= ?1)
			ORDER BY next_try_at, id LIMIT ?2)
		RETURNING ` + cols
	}
	return db.sql.QueryContext(ctx, query, db.ts(now), limit, p.Holder, db.ts(now.Add(leaseFor)))
}

// sortDue orders leased rows as the lease took them (RETURNING keeps no order).
func sortDue[T any](out []*T, key func(*T) (time.Time, int64)) {
	sort.Slice(out, func(i, j int) bool {
		ti, ii := key(out[i])
		tj, ij := key(out[j])
		if !ti.Equal(tj) {
			return ti.Before(tj)
		}
		return ii < ij
	})
}
