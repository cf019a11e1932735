package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations/postgres/*.sql migrations/sqlite/*.sql
var migrationFS embed.FS

// Migration is one versioned schema change.
type Migration struct {
	Version int    `json:"version"`
	Name    string `json:"name"`
	SQL     string `json:"-"`
}

// advisoryLockKey serialises migrations across nodes on PostgreSQL
// ("voxdial" in ASCII, read as a number).
const advisoryLockKey = 0x766f786469616c

// Migrations lists the embedded migrations of a backend, in version order.
func Migrations(b Backend) ([]Migration, error) {
	dir := "migrations/" + string(b)
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		num, rest, ok := strings.Cut(strings.TrimSuffix(name, ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: want NNNN_name.sql", name)
		}
		data, err := migrationFS.ReadFile(path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		out = append(out, Migration{Version: v, Name: rest, SQL: string(data)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("migrations: version %d appears twice", out[i].Version)
		}
	}
	return out, nil
}

// Migrate applies the pending migrations in order, each in its own
// transaction, and returns the ones it applied.
func (db *DB) Migrate(ctx context.Context) ([]Migration, error) {
	all, err := Migrations(db.backend)
	if err != nil {
		return nil, err
	}
	created := "created_at " + map[Backend]string{Postgres: "timestamptz", SQLite: "INTEGER"}[db.backend]
	if _, err := db.sql.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version integer PRIMARY KEY, name text NOT NULL, `+created+` NOT NULL)`); err != nil {
		return nil, fmt.Errorf("migrate: %w", translate(err))
	}
	var applied []Migration
	for _, m := range all {
		done := false
		err := db.inTx(ctx, func(tx *sql.Tx) error {
			if db.backend == Postgres {
				if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, advisoryLockKey); err != nil {
					return translate(err)
				}
			}
			var n int
			if err := tx.QueryRowContext(ctx, db.q(`SELECT count(*) FROM schema_migrations WHERE version = ?`), m.Version).Scan(&n); err != nil {
				return translate(err)
			}
			if n > 0 {
				done = true
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, translate(err))
			}
			if step := db.migrationStep(m.Version); step != nil {
				if err := step(ctx, tx); err != nil {
					return fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
				}
			}
			_, err := tx.ExecContext(ctx, db.q(`INSERT INTO schema_migrations (version, name, created_at) VALUES (?, ?, ?)`),
				m.Version, m.Name, db.ts(time.Now()))
			return translate(err)
		})
		if err != nil {
			return applied, fmt.Errorf("migrate: %w", err)
		}
		if !done {
			applied = append(applied, m)
		}
	}
	return applied, nil
}

// migrationStep is the Go part of a migration, run after its SQL in the same transaction:
// changes SQL cannot express on both backends (such as computing a SHA-256 seal).
func (db *DB) migrationStep(version int) func(context.Context, *sql.Tx) error {
	switch version {
	case 10:
		return db.sealConsents
	}
	return nil
}

// MigrationVersion is the highest applied migration (0 when none).
func (db *DB) MigrationVersion(ctx context.Context) (int, error) {
	var v sql.NullInt64
	err := db.sql.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("migration version: %w", translate(err))
	}
	return int(v.Int64), nil
}
