package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// AuditRow is one gate decision of the hash-chained audit log. Record is the full record
// (JSON, its hash included); the other columns are copies for queries.
type AuditRow struct {
	Seq       int64
	DecidedAt time.Time
	Phone     string
	Campaign  string
	Decision  string
	ConsentID string
	Record    string
	Prev      string
	Hash      string
}

// AuditAppendParams append decisions. Seal is called inside the transaction for each new
// record, in order, with its sequence number and the previous record's hash; it returns the
// sealed row (Seq and Prev as given).
type AuditAppendParams struct {
	N    int
	Seal func(i int, seq int64, prev string) (*AuditRow, error)
}

// AuditAppend appends N records in one transaction. On PostgreSQL an advisory lock
// serialises appenders of every node, so the chain has one order.
func (db *DB) AuditAppend(ctx context.Context, p *AuditAppendParams) error {
	if db.backend == Postgres {
		if err := db.auditAppendPG(ctx, p); err != nil {
			return fmt.Errorf("append audit records: %w", err)
		}
		return nil
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if db.backend == Postgres {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, advisoryLockKey+6); err != nil {
				return translate(err)
			}
		}
		var seq int64
		var prev string
		err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM compliance_audit ORDER BY seq DESC LIMIT 1`).Scan(&seq, &prev)
		if err != nil && translate(err) != ErrNotFound {
			return translate(err)
		}
		if err != nil { // empty: continue after the latest prune anchor, if any
			err = tx.QueryRowContext(ctx, `SELECT seq, hash FROM compliance_audit_anchors ORDER BY id DESC LIMIT 1`).Scan(&seq, &prev)
			if err != nil && translate(err) != ErrNotFound {
				return translate(err)
			}
		}
		// Sealed first, then written many rows per statement: one round trip for a
		// group commit's records rather than one each.
		const perStmt = 500 // 9 parameters a row, far below either backend's limit
		args := make([]any, 0, 9*min(p.N, perStmt))
		flush := func() error {
			if len(args) == 0 {
				return nil
			}
			var b strings.Builder
			b.WriteString(`INSERT INTO compliance_audit (seq, decided_at, phone_e164, campaign, decision,
			consent_id, record, prev, hash) VALUES `)
			for i := 0; i < len(args)/9; i++ {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?)")
			}
			if _, err := tx.ExecContext(ctx, db.q(b.String()), args...); err != nil {
				return translate(err)
			}
			args = args[:0]
			return nil
		}
		for i := 0; i < p.N; i++ {
			seq++
			r, err := p.Seal(i, seq, prev)
			if err != nil {
				return err
			}
			args = append(args, seq, db.ts(r.DecidedAt), r.Phone, r.Campaign, r.Decision, r.ConsentID, r.Record, prev, r.Hash)
			prev = r.Hash
			if len(args) == 9*perStmt {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if err := flush(); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("append audit records: %w", err)
	}
	return nil
}

// auditHeadSQL is the chain's head: the newest record, or on an empty log the latest
// prune anchor (the chain continues after it), or nothing.
const auditHeadSQL = `SELECT seq, hash FROM (
	(SELECT seq, hash, 0 AS o FROM compliance_audit ORDER BY seq DESC LIMIT 1)
	UNION ALL (SELECT seq, hash, 1 AS o FROM compliance_audit_anchors ORDER BY id DESC LIMIT 1)) h ORDER BY o LIMIT 1`

// auditAppendPG is AuditAppend on PostgreSQL in two round trips instead of five: BEGIN,
// the advisory lock and the chain head go in one pipeline, the INSERTs and COMMIT in a
// second. The lock is taken before the head is read, as in the transaction it replaces.
func (db *DB) auditAppendPG(ctx context.Context, p *AuditAppendParams) error {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return translate(err)
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("driver connection %T is not pgx's", dc)
		}
		c := sc.Conn()
		open := false
		rollback := func(err error) error {
			if open {
				// A fresh context: the caller's may be what failed.
				rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
				defer cancel()
				if _, rerr := c.Exec(rctx, "ROLLBACK"); rerr != nil {
					_ = c.Close(rctx) // the connection's state is unknown: drop it
				}
			}
			return err
		}
		b := &pgx.Batch{}
		b.Queue("BEGIN")
		b.Queue("SELECT pg_advisory_xact_lock($1)", advisoryLockKey+6)
		b.Queue(auditHeadSQL)
		br := c.SendBatch(ctx, b)
		open = true
		var seq int64
		var prev string
		_, err := br.Exec()
		if err == nil {
			_, err = br.Exec()
		}
		if err == nil {
			err = br.QueryRow().Scan(&seq, &prev)
			if errors.Is(err, pgx.ErrNoRows) {
				err = nil // an empty log with no anchor: the chain starts here
			}
		}
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return rollback(translate(err))
		}
		// Sealed first, then written many rows per statement.
		const perStmt = 500 // 9 parameters a row, far below the protocol's limit
		b = &pgx.Batch{}
		args := make([]any, 0, 9*min(p.N, perStmt))
		queue := func() {
			if len(args) == 0 {
				return
			}
			var q strings.Builder
			q.WriteString(`INSERT INTO compliance_audit (seq, decided_at, phone_e164, campaign, decision,
			consent_id, record, prev, hash) VALUES `)
			for i := 0; i < len(args)/9; i++ {
				if i > 0 {
					q.WriteString(", ")
				}
				q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?)")
			}
			b.Queue(db.q(q.String()), args...)
			args = make([]any, 0, cap(args))
		}
		for i := 0; i < p.N; i++ {
			seq++
			r, err := p.Seal(i, seq, prev)
			if err != nil {
				return rollback(err)
			}
			args = append(args, seq, db.ts(r.DecidedAt), r.Phone, r.Campaign, r.Decision, r.ConsentID, r.Record, prev, r.Hash)
			prev = r.Hash
			if len(args) == 9*perStmt {
				queue()
			}
		}
		queue()
		b.Queue("COMMIT")
		br = c.SendBatch(ctx, b)
		for range b.Len() {
			if _, err = br.Exec(); err != nil {
				break
			}
		}
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return rollback(translate(err))
		}
		return nil
	})
}

// AuditListParams page through the audit log in sequence order.
type AuditListParams struct {
	Phone    string // "" every number
	AfterSeq int64
	Until    time.Time // zero: no bound on decided_at
	Limit    int       // default 10,000
	Desc     bool      // newest first (AfterSeq is then ignored)
}

// AuditList returns audit rows.
func (db *DB) AuditList(ctx context.Context, p *AuditListParams) ([]*AuditRow, error) {
	q, args := `SELECT seq, decided_at, phone_e164, campaign, decision, consent_id, record, prev, hash FROM compliance_audit WHERE 1 = 1`, []any{}
	if !p.Desc {
		q += ` AND seq > ?`
		args = append(args, p.AfterSeq)
	}
	if p.Phone != "" {
		q += ` AND phone_e164 = ?`
		args = append(args, p.Phone)
	}
	if !p.Until.IsZero() {
		q += ` AND decided_at <= ?`
		args = append(args, db.ts(p.Until))
	}
	order := "ASC"
	if p.Desc {
		order = "DESC"
	}
	limit := p.Limit
	if limit <= 0 {
		limit = 10000
	}
	rows, err := db.sql.QueryContext(ctx, db.q(q+fmt.Sprintf(` ORDER BY seq %s LIMIT %d`, order, limit)), args...)
	if err != nil {
		return nil, fmt.Errorf("list audit records: %w", translate(err))
	}
	defer rows.Close()
	var out []*AuditRow
	for rows.Next() {
		var r AuditRow
		if err := rows.Scan(&r.Seq, timeCol{&r.DecidedAt}, &r.Phone, &r.Campaign, &r.Decision, &r.ConsentID, &r.Record,
			&r.Prev, &r.Hash); err != nil {
			return nil, fmt.Errorf("list audit records: %w", translate(err))
		}
		out = append(out, &r)
	}
	return out, translate(rows.Err())
}

// AuditAnchor records one prune of the audit log: the last pruned record's seq and hash (the
// next record's prev), so the remaining chain verifies from it, and who pruned, when, why.
type AuditAnchor struct {
	ID        int64     `json:"id"`
	Seq       int64     `json:"seq"`
	Hash      string    `json:"hash"`
	DecidedAt time.Time `json:"decided_at"`
	Pruned    int64     `json:"pruned"`
	Retention string    `json:"retention"`
	PrunedBy  string    `json:"pruned_by"`
	PrunedAt  time.Time `json:"pruned_at"`
}

// AuditPruneParams prune the audit log's records decided before Before.
type AuditPruneParams struct {
	Before    time.Time // records decided before this instant go (the caller enforces retention)
	Retention string    // recorded in the anchor
	By        string    // required
	DryRun    bool      // count only
	Now       time.Time
}

// AuditPrune deletes the oldest records of the chain, up to (not past) the first record
// decided at or after Before, and records an anchor with the last deleted record's seq and
// hash, in one transaction (serialised with appenders on PostgreSQL). It returns the anchor
// (nil when nothing was old enough; with DryRun, the anchor it would write, unsaved).
func (db *DB) AuditPrune(ctx context.Context, p *AuditPruneParams) (*AuditAnchor, error) {
	if p.By == "" || p.Before.IsZero() {
		return nil, fmt.Errorf("prune audit records: %w: before and who (by) are required", ErrInvalidParams)
	}
	var a *AuditAnchor
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if db.backend == Postgres {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, advisoryLockKey+6); err != nil {
				return translate(err)
			}
		}
		// The chain is cut before the first record that must stay, so that a record decided
		// late (clock skew between nodes) never leaves a hole behind the anchor.
		var lo, keep sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT min(seq) FROM compliance_audit`).Scan(&lo); err != nil {
			return translate(err)
		}
		if !lo.Valid {
			return nil
		}
		if err := tx.QueryRowContext(ctx, db.q(`SELECT min(seq) FROM compliance_audit WHERE decided_at >= ?`), db.ts(p.Before)).Scan(&keep); err != nil {
			return translate(err)
		}
		last := int64(-1)
		if keep.Valid {
			last = keep.Int64 - 1
		} else if err := tx.QueryRowContext(ctx, `SELECT max(seq) FROM compliance_audit`).Scan(&last); err != nil {
			return translate(err)
		}
		if last < lo.Int64 {
			return nil
		}
		a = &AuditAnchor{Seq: last, Pruned: last - lo.Int64 + 1, Retention: p.Retention, PrunedBy: p.By, PrunedAt: nowOr(p.Now).UTC().Truncate(time.Millisecond)}
		if err := tx.QueryRowContext(ctx, db.q(`SELECT hash, decided_at FROM compliance_audit WHERE seq = ?`), last).
			Scan(&a.Hash, timeCol{&a.DecidedAt}); err != nil {
			return translate(err)
		}
		if p.DryRun {
			return nil
		}
		if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM compliance_audit WHERE seq <= ?`), last); err != nil {
			return translate(err)
		}
		return translate(tx.QueryRowContext(ctx, db.q(`INSERT INTO compliance_audit_anchors (seq, hash, decided_at, pruned, retention, pruned_by, pruned_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`), a.Seq, a.Hash, db.ts(a.DecidedAt), a.Pruned, a.Retention, a.PrunedBy, db.ts(a.PrunedAt)).Scan(&a.ID))
	})
	if err != nil {
		return nil, fmt.Errorf("prune audit records: %w", err)
	}
	return a, nil
}

// AuditAnchorLatest returns the latest prune anchor (nil, nil when the log was never pruned).
func (db *DB) AuditAnchorLatest(ctx context.Context) (*AuditAnchor, error) {
	var a AuditAnchor
	err := db.sql.QueryRowContext(ctx, `SELECT id, seq, hash, decided_at, pruned, retention, pruned_by, pruned_at
		FROM compliance_audit_anchors ORDER BY id DESC LIMIT 1`).Scan(&a.ID, &a.Seq, &a.Hash, timeCol{&a.DecidedAt}, &a.Pruned,
		&a.Retention, &a.PrunedBy, timeCol{&a.PrunedAt})
	if err != nil {
		if err = translate(err); err == ErrNotFound {
			return nil, nil
		}
		return nil, fmt.Errorf("latest audit anchor: %w", err)
	}
	return &a, nil
}
