package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
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
		st, err := tx.PrepareContext(ctx, db.q(`INSERT INTO compliance_audit (seq, decided_at, phone_e164, campaign, decision,
			consent_id, record, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`))
		if err != nil {
			return translate(err)
		}
		defer st.Close()
		for i := 0; i < p.N; i++ {
			seq++
			r, err := p.Seal(i, seq, prev)
			if err != nil {
				return err
			}
			if _, err := st.ExecContext(ctx, seq, db.ts(r.DecidedAt), r.Phone, r.Campaign, r.Decision, r.ConsentID,
				r.Record, prev, r.Hash); err != nil {
				return translate(err)
			}
			prev = r.Hash
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("append audit records: %w", err)
	}
	return nil
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
