package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Script is a versioned script: its name, owner and newest version.
type Script struct {
	Name      string    `json:"name"`
	OwnerID   int64     `json:"owner_id,omitempty"` // 0: registered from the script directory, no owner yet
	Latest    int       `json:"latest_version"`
	CreatedAt time.Time `json:"created_at"`
}

// ScriptVersion is one immutable version of a script.
type ScriptVersion struct {
	Name      string    `json:"name"`
	Version   int       `json:"version"`
	Source    string    `json:"-"`
	SHA256    string    `json:"sha256"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// ScriptVersionAddParams add a version of a script. The first version registers the name
// with UserID as its owner (0: no owner, e.g. a file found in the script directory); later
// versions need UserID to be the owner, or AnyOwner (an admin). A script without an owner
// is claimed by the first user who adds a version.
type ScriptVersionAddParams struct {
	Name     string
	Source   string
	UserID   int64
	AnyOwner bool
	By       string
	Now      time.Time
}

// ScriptVersionAdd stores a new version of the script and returns it; when the source is
// that of the newest version, that version is returned and nothing is added. A user who
// does not own the script gets ErrNotOwner.
func (db *DB) ScriptVersionAdd(ctx context.Context, p *ScriptVersionAddParams) (*ScriptVersion, error) {
	if p.Name == "" {
		return nil, fmt.Errorf("add script version: %w: a name is required", ErrInvalidParams)
	}
	sum := sha256.Sum256([]byte(p.Source))
	v := &ScriptVersion{Name: p.Name, Source: p.Source, SHA256: hex.EncodeToString(sum[:]), CreatedBy: p.By,
		CreatedAt: nowOr(p.Now).UTC().Truncate(time.Millisecond)}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		owner := sql.NullInt64{Int64: p.UserID, Valid: p.UserID != 0}
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO scripts (name, owner_id, created_at) VALUES (?, ?, ?)
			ON CONFLICT (name) DO NOTHING`), p.Name, owner, db.ts(v.CreatedAt)); err != nil {
			return translate(err)
		}
		var cur sql.NullInt64
		q := `SELECT owner_id FROM scripts WHERE name = ?`
		if db.backend == Postgres {
			q += ` FOR UPDATE` // one writer per script: versions are numbered without gaps
		}
		if err := tx.QueryRowContext(ctx, db.q(q), p.Name).Scan(&cur); err != nil {
			return translate(err)
		}
		switch {
		case !cur.Valid && p.UserID != 0:
			if _, err := tx.ExecContext(ctx, db.q(`UPDATE scripts SET owner_id = ? WHERE name = ? AND owner_id IS NULL`), p.UserID, p.Name); err != nil {
				return translate(err)
			}
		case cur.Valid && cur.Int64 != p.UserID && !p.AnyOwner:
			return fmt.Errorf("%w: script %q belongs to user %d", ErrNotOwner, p.Name, cur.Int64)
		}
		var latest int
		var latestSum string
		err := tx.QueryRowContext(ctx, db.q(`SELECT version, sha256 FROM script_versions WHERE name = ? ORDER BY version DESC LIMIT 1`),
			p.Name).Scan(&latest, &latestSum)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return translate(err)
		}
		if latestSum == v.SHA256 {
			got, err := scriptVersionGet(ctx, db, tx, p.Name, latest)
			if err == nil {
				*v = *got
			}
			return err
		}
		v.Version = latest + 1
		_, err = tx.ExecContext(ctx, db.q(`INSERT INTO script_versions (name, version, source, sha256, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`), v.Name, v.Version, v.Source, v.SHA256, v.CreatedBy, db.ts(v.CreatedAt))
		return translate(err)
	})
	if err != nil {
		return nil, fmt.Errorf("add version of script %q: %w", p.Name, err)
	}
	return v, nil
}

type queryRower interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func scriptVersionGet(ctx context.Context, db *DB, q queryRower, name string, version int) (*ScriptVersion, error) {
	query, args := `SELECT name, version, source, sha256, created_by, created_at FROM script_versions WHERE name = ?`, []any{name}
	if version > 0 {
		query, args = query+` AND version = ?`, append(args, version)
	}
	var v ScriptVersion
	err := q.QueryRowContext(ctx, db.q(query+` ORDER BY version DESC LIMIT 1`), args...).
		Scan(&v.Name, &v.Version, &v.Source, &v.SHA256, &v.CreatedBy, timeCol{&v.CreatedAt})
	if err != nil {
		return nil, translate(err)
	}
	return &v, nil
}

// ScriptVersionGet reads a version of a script (0: the newest); ErrNotFound when there is none.
func (db *DB) ScriptVersionGet(ctx context.Context, name string, version int) (*ScriptVersion, error) {
	v, err := scriptVersionGet(ctx, db, db.sql, name, version)
	if err != nil {
		if version > 0 {
			return nil, fmt.Errorf("script %q version %d: %w", name, version, err)
		}
		return nil, fmt.Errorf("script %q: %w", name, err)
	}
	return v, nil
}

// ScriptList lists the versioned scripts by name.
func (db *DB) ScriptList(ctx context.Context) ([]*Script, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT s.name, s.owner_id, s.created_at, COALESCE(max(v.version), 0)
		FROM scripts s LEFT JOIN script_versions v ON v.name = s.name GROUP BY s.name, s.owner_id, s.created_at ORDER BY s.name`)
	if err != nil {
		return nil, fmt.Errorf("list scripts: %w", translate(err))
	}
	defer rows.Close()
	var out []*Script
	for rows.Next() {
		var s Script
		var owner sql.NullInt64
		if err := rows.Scan(&s.Name, &owner, timeCol{&s.CreatedAt}, &s.Latest); err != nil {
			return nil, fmt.Errorf("list scripts: %w", translate(err))
		}
		s.OwnerID = owner.Int64
		out = append(out, &s)
	}
	return out, translate(rows.Err())
}

// CampaignScript is the script version a campaign is bound to.
type CampaignScript struct {
	CampaignID int64     `json:"campaign_id"`
	Name       string    `json:"name"`
	Version    int       `json:"version"`
	BoundBy    string    `json:"bound_by"`
	BoundAt    time.Time `json:"bound_at"`
}

// CampaignScriptSetParams bind a campaign to a script version. Path is where this node
// loads that version from (the campaign's script); Requires, when non-nil, replaces the
// campaign's required contact fields.
type CampaignScriptSetParams struct {
	CampaignID int64
	Name       string
	Version    int
	Path       string
	Requires   []string
	By         string
	Now        time.Time
}

// CampaignScriptSet binds the campaign to the script version and points its script at
// Path, bumping updated_at so every node's runner loads it; ErrNotFound when the campaign
// or the version does not exist.
func (db *DB) CampaignScriptSet(ctx context.Context, p *CampaignScriptSetParams) error {
	if p.Name == "" || p.Version <= 0 || p.Path == "" {
		return fmt.Errorf("bind campaign %d script: %w: name, version and path are required", p.CampaignID, ErrInvalidParams)
	}
	now := db.ts(nowOr(p.Now))
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, db.q(`SELECT count(*) FROM script_versions WHERE name = ? AND version = ?`), p.Name, p.Version).Scan(&n); err != nil {
			return translate(err)
		}
		if n == 0 {
			return fmt.Errorf("script %q version %d: %w", p.Name, p.Version, ErrNotFound)
		}
		set, args := []string{"script = ?", "updated_at = ?"}, []any{p.Path, now}
		if p.Requires != nil {
			set, args = append(set, "requires = ?"), append(args, jsonList(p.Requires))
		}
		res, err := tx.ExecContext(ctx, db.q(`UPDATE campaigns SET `+strings.Join(set, ", ")+` WHERE id = ?`), append(args, p.CampaignID)...)
		if err != nil {
			return translate(err)
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return fmt.Errorf("campaign %d: %w", p.CampaignID, ErrNotFound)
		}
		_, err = tx.ExecContext(ctx, db.q(`INSERT INTO campaign_scripts (campaign_id, name, version, bound_by, bound_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (campaign_id) DO UPDATE SET name = excluded.name, version = excluded.version,
			bound_by = excluded.bound_by, bound_at = excluded.bound_at`), p.CampaignID, p.Name, p.Version, p.By, now)
		return translate(err)
	})
	if err != nil {
		return fmt.Errorf("bind campaign %d to script %q version %d: %w", p.CampaignID, p.Name, p.Version, err)
	}
	return nil
}

// CampaignScriptList maps campaign ids to their script bindings (campaigns on a built-in
// script, or created before scripts were versioned, have none).
func (db *DB) CampaignScriptList(ctx context.Context) (map[int64]*CampaignScript, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT campaign_id, name, version, bound_by, bound_at FROM campaign_scripts`)
	if err != nil {
		return nil, fmt.Errorf("list campaign scripts: %w", translate(err))
	}
	defer rows.Close()
	out := map[int64]*CampaignScript{}
	for rows.Next() {
		var b CampaignScript
		if err := rows.Scan(&b.CampaignID, &b.Name, &b.Version, &b.BoundBy, timeCol{&b.BoundAt}); err != nil {
			return nil, fmt.Errorf("list campaign scripts: %w", translate(err))
		}
		out[b.CampaignID] = &b
	}
	return out, translate(rows.Err())
}
