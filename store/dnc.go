package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// DNCEntry is one listing of a number on a do-not-call list (a row of dnc_entries).
type DNCEntry struct {
	ID            int64     `json:"id"`
	List          string    `json:"list"`
	Scope         string    `json:"scope,omitempty"` // seller (internal) or region (state)
	Phone         string    `json:"phone"`
	ListedAt      time.Time `json:"listed_at"`
	AddedBy       string    `json:"added_by"`
	Reason        string    `json:"reason,omitempty"`
	Source        string    `json:"source,omitempty"`
	RemovedAt     time.Time `json:"removed_at,omitzero"`
	RemovedBy     string    `json:"removed_by,omitempty"`
	RemovedReason string    `json:"removed_reason,omitempty"`
}

const dncCols = `id, list, scope, phone_e164, listed_at, added_by, reason, source, removed_at, removed_by, removed_reason`

func scanDNC(row interface{ Scan(...any) error }) (*DNCEntry, error) {
	var e DNCEntry
	err := row.Scan(&e.ID, &e.List, &e.Scope, &e.Phone, timeCol{&e.ListedAt}, &e.AddedBy, &e.Reason, &e.Source,
		timeCol{&e.RemovedAt}, nullStr{&e.RemovedBy}, nullStr{&e.RemovedReason})
	if err != nil {
		return nil, translate(err)
	}
	return &e, nil
}

// DNCEntryAddParams list numbers. By (who) is required; Reason says why.
type DNCEntryAddParams struct {
	List   string
	Scope  string
	Phones []string // E.164
	By     string
	Reason string
	Source string
	Now    time.Time // the listing time
}

// DNCEntryAdd lists the numbers in one transaction and logs each change; numbers already
// listed (active) are left as they are. It returns how many were newly listed.
func (db *DB) DNCEntryAdd(ctx context.Context, p *DNCEntryAddParams) (int, error) {
	if p.List == "" || p.By == "" {
		return 0, fmt.Errorf("add do-not-call entries: %w: list and who (by) are required", ErrInvalidParams)
	}
	now := db.ts(nowOr(p.Now))
	added := 0
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		ins, err := tx.PrepareContext(ctx, db.q(`INSERT INTO dnc_entries (list, scope, phone_e164, listed_at, added_by, reason, source)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (list, scope, phone_e164) WHERE removed_at IS NULL DO NOTHING`))
		if err != nil {
			return translate(err)
		}
		defer ins.Close()
		chg, err := tx.PrepareContext(ctx, db.q(`INSERT INTO dnc_changes (op, list, scope, phone_e164, at) VALUES ('add', ?, ?, ?, ?)`))
		if err != nil {
			return translate(err)
		}
		defer chg.Close()
		for _, ph := range p.Phones {
			res, err := ins.ExecContext(ctx, p.List, p.Scope, ph, now, p.By, p.Reason, p.Source)
			if err != nil {
				return translate(err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue
			}
			added++
			if _, err := chg.ExecContext(ctx, p.List, p.Scope, ph, now); err != nil {
				return translate(err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("add do-not-call entries to %s %q: %w", p.List, p.Scope, err)
	}
	return added, nil
}

// DNCEntryRemoveParams unlist a number; By and Reason are kept with the entry.
type DNCEntryRemoveParams struct {
	List, Scope, Phone string
	By, Reason         string
	Now                time.Time
}

// DNCEntryRemove ends the number's active listing (the row is kept); ErrNotFound when it is
// not listed.
func (db *DB) DNCEntryRemove(ctx context.Context, p *DNCEntryRemoveParams) error {
	if p.By == "" {
		return fmt.Errorf("remove do-not-call entry: %w: who (by) is required", ErrInvalidParams)
	}
	now := db.ts(nowOr(p.Now))
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.q(`UPDATE dnc_entries SET removed_at = ?, removed_by = ?, removed_reason = ?
			WHERE list = ? AND scope = ? AND phone_e164 = ? AND removed_at IS NULL`), now, p.By, p.Reason, p.List, p.Scope, p.Phone)
		if err != nil {
			return translate(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		_, err = tx.ExecContext(ctx, db.q(`INSERT INTO dnc_changes (op, list, scope, phone_e164, at) VALUES ('remove', ?, ?, ?, ?)`),
			p.List, p.Scope, p.Phone, now)
		return translate(err)
	})
	if err != nil {
		return fmt.Errorf("remove %s from %s %q: %w", p.Phone, p.List, p.Scope, err)
	}
	return nil
}

// DNCEntryListParams select entries; empty fields match everything.
type DNCEntryListParams struct {
	List, Scope, Phone string
	WithRemoved        bool  // include ended listings
	AfterID            int64 // keyset paging
	Limit              int   // default 10,000
}

// DNCEntryList lists entries in id order.
func (db *DB) DNCEntryList(ctx context.Context, p *DNCEntryListParams) ([]*DNCEntry, error) {
	q := `SELECT ` + dncCols + ` FROM dnc_entries WHERE id > ?`
	args := []any{p.AfterID}
	if p.List != "" {
		q += ` AND list = ?`
		args = append(args, p.List)
	}
	if p.Scope != "" {
		q += ` AND scope = ?`
		args = append(args, p.Scope)
	}
	if p.Phone != "" {
		q += ` AND phone_e164 = ?`
		args = append(args, p.Phone)
	}
	if !p.WithRemoved {
		q += ` AND removed_at IS NULL`
	}
	limit := p.Limit
	if limit <= 0 {
		limit = 10000
	}
	rows, err := db.sql.QueryContext(ctx, db.q(q+fmt.Sprintf(` ORDER BY id LIMIT %d`, limit)), args...)
	if err != nil {
		return nil, fmt.Errorf("list do-not-call entries: %w", translate(err))
	}
	defer rows.Close()
	var out []*DNCEntry
	for rows.Next() {
		e, err := scanDNC(rows)
		if err != nil {
			return nil, fmt.Errorf("list do-not-call entries: %w", err)
		}
		out = append(out, e)
	}
	return out, translate(rows.Err())
}

// DNCChange is one add or remove, in commit order.
type DNCChange struct {
	Seq   int64
	Op    string // add | remove
	List  string
	Scope string
	Phone string
	At    time.Time
}

// DNCChangeListParams page through changes after a sequence number.
type DNCChangeListParams struct {
	After int64
	Limit int // default 10,000
}

// DNCChangeList returns changes with seq > After in seq order.
func (db *DB) DNCChangeList(ctx context.Context, p *DNCChangeListParams) ([]DNCChange, error) {
	limit := p.Limit
	if limit <= 0 {
		limit = 10000
	}
	rows, err := db.sql.QueryContext(ctx, db.q(fmt.Sprintf(`SELECT seq, op, list, scope, phone_e164, at FROM dnc_changes
		WHERE seq > ? ORDER BY seq LIMIT %d`, limit)), p.After)
	if err != nil {
		return nil, fmt.Errorf("list do-not-call changes: %w", translate(err))
	}
	defer rows.Close()
	var out []DNCChange
	for rows.Next() {
		var c DNCChange
		if err := rows.Scan(&c.Seq, &c.Op, &c.List, &c.Scope, &c.Phone, timeCol{&c.At}); err != nil {
			return nil, fmt.Errorf("list do-not-call changes: %w", translate(err))
		}
		out = append(out, c)
	}
	return out, translate(rows.Err())
}

// DNCSnapshot describes a registry copy (the numbers are in its chunks).
type DNCSnapshot struct {
	ID         int64     `json:"id"`
	List       string    `json:"list"`
	Scope      string    `json:"scope,omitempty"`
	AsOf       string    `json:"as_of"`
	Numbers    int64     `json:"numbers"`
	Source     string    `json:"source"`
	SHA256     string    `json:"sha256"`
	ImportedBy string    `json:"imported_by"`
	ImportedAt time.Time `json:"imported_at"`
	Bytes      int64     `json:"bytes"`
}

// DNCSnapshotPutParams store a registry copy. Data is the list's numbers as one serialized
// bitmap (package compliance owns the format); it is stored in chunks.
type DNCSnapshotPutParams struct {
	List, Scope, AsOf  string
	Numbers            int64
	Source, SHA256, By string
	Data               []byte
	Now                time.Time
}

// snapshotChunk keeps each bytea/BLOB parameter well under every driver's limits.
const snapshotChunk = 8 << 20

// DNCSnapshotPut stores a registry copy in one transaction; it replaces the previous copy of
// the list and scope, which is deleted (its metadata row stays for the record).
func (db *DB) DNCSnapshotPut(ctx context.Context, p *DNCSnapshotPutParams) (*DNCSnapshot, error) {
	now := nowOr(p.Now)
	s := &DNCSnapshot{List: p.List, Scope: p.Scope, AsOf: p.AsOf, Numbers: p.Numbers, Source: p.Source, SHA256: p.SHA256,
		ImportedBy: p.By, ImportedAt: now.UTC().Truncate(time.Millisecond), Bytes: int64(len(p.Data))}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, db.q(`INSERT INTO dnc_snapshots (list, scope, as_of, numbers, source, sha256, imported_by, imported_at, bytes)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`), p.List, p.Scope, p.AsOf, p.Numbers, p.Source, p.SHA256, p.By,
			db.ts(now), len(p.Data)).Scan(&s.ID)
		if err != nil {
			return translate(err)
		}
		for i, off := 0, 0; off < len(p.Data) || i == 0; i, off = i+1, off+snapshotChunk {
			end := min(off+snapshotChunk, len(p.Data))
			if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO dnc_snapshot_chunks (snapshot_id, chunk_no, data) VALUES (?, ?, ?)`),
				s.ID, i, p.Data[off:end]); err != nil {
				return translate(err)
			}
		}
		_, err = tx.ExecContext(ctx, db.q(`DELETE FROM dnc_snapshot_chunks WHERE snapshot_id IN
			(SELECT id FROM dnc_snapshots WHERE list = ? AND scope = ? AND id < ?)`), p.List, p.Scope, s.ID)
		return translate(err)
	})
	if err != nil {
		return nil, fmt.Errorf("store %s registry copy: %w", p.List, err)
	}
	return s, nil
}

// DNCSnapshotCurrent returns the newest copy of every list and scope.
func (db *DB) DNCSnapshotCurrent(ctx context.Context) ([]*DNCSnapshot, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT id, list, scope, as_of, numbers, source, sha256, imported_by, imported_at, bytes
		FROM dnc_snapshots s WHERE id = (SELECT max(id) FROM dnc_snapshots t WHERE t.list = s.list AND t.scope = s.scope)
		ORDER BY list, scope`)
	if err != nil {
		return nil, fmt.Errorf("current registry copies: %w", translate(err))
	}
	defer rows.Close()
	var out []*DNCSnapshot
	for rows.Next() {
		var s DNCSnapshot
		if err := rows.Scan(&s.ID, &s.List, &s.Scope, &s.AsOf, &s.Numbers, &s.Source, &s.SHA256, &s.ImportedBy,
			timeCol{&s.ImportedAt}, &s.Bytes); err != nil {
			return nil, fmt.Errorf("current registry copies: %w", translate(err))
		}
		out = append(out, &s)
	}
	return out, translate(rows.Err())
}

// DNCSnapshotData returns a copy's serialized numbers.
func (db *DB) DNCSnapshotData(ctx context.Context, id int64) ([]byte, error) {
	rows, err := db.sql.QueryContext(ctx, db.q(`SELECT data FROM dnc_snapshot_chunks WHERE snapshot_id = ? ORDER BY chunk_no`), id)
	if err != nil {
		return nil, fmt.Errorf("registry copy %d: %w", id, translate(err))
	}
	defer rows.Close()
	var out []byte
	n := 0
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, fmt.Errorf("registry copy %d: %w", id, translate(err))
		}
		out = append(out, b...)
		n++
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("registry copy %d: %w", id, translate(err))
	}
	if n == 0 {
		return nil, fmt.Errorf("registry copy %d: %w", id, ErrNotFound)
	}
	return out, nil
}
