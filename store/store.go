package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib" // also the database/sql driver "pgx"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Backend names a database engine.
type Backend string

// Backends.
const (
	Postgres Backend = "postgres"
	SQLite   Backend = "sqlite"
)

// Options configure Open. Zero values take the defaults noted.
type Options struct {
	// Migrate applies pending migrations before Open returns.
	Migrate bool
	// MaxConns bounds the PostgreSQL pool (default 16). SQLite always uses one
	// connection: its writers are serialised anyway, and one connection makes
	// busy errors impossible.
	MaxConns int
	// Tracer, when set, sees every statement sent to PostgreSQL, BEGIN and COMMIT
	// included (`voxdial bench campaign` counts round trips with it); one that also
	// implements pgx.BatchTracer sees batches (NumberFactsGet: one round trip). Nil:
	// none, at no cost. Ignored on SQLite, which has no round trips.
	Tracer pgx.QueryTracer
}

// DB is a voxdial database. It is safe for concurrent use.
type DB struct {
	backend Backend
	sql     *sql.DB
	url     string
	onEvent atomic.Pointer[func(*CallEvent)] // see OnCallEvent
}

// Open connects to the database named by rawURL:
//
//	postgres://user@host:5432/db?sslmode=disable  (also postgresql://)
//	sqlite:/path/to/voxdial.db, sqlite::memory:, file:/path.db, or a plain path ending .db/.sqlite
func Open(ctx context.Context, rawURL string, opts Options) (*DB, error) {
	backend, dsn, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	db := &DB{backend: backend, url: rawURL}
	switch backend {
	case Postgres:
		if opts.Tracer == nil {
			db.sql, err = sql.Open("pgx", dsn)
			if err != nil {
				return nil, fmt.Errorf("open postgres: %w", translate(err))
			}
		} else {
			cc, err := pgx.ParseConfig(dsn)
			if err != nil {
				return nil, fmt.Errorf("open postgres: %w", translate(err))
			}
			cc.Tracer = opts.Tracer
			db.sql = stdlib.OpenDB(*cc)
		}
		n := opts.MaxConns
		if n <= 0 {
			n = 16
		}
		db.sql.SetMaxOpenConns(n)
		db.sql.SetMaxIdleConns(n)
	case SQLite:
		db.sql, err = sql.Open("sqlite", dsn)
		if err != nil {
			return nil, fmt.Errorf("open sqlite: %w", translate(err))
		}
		db.sql.SetMaxOpenConns(1)
		db.sql.SetMaxIdleConns(1)
		db.sql.SetConnMaxLifetime(0)
		db.sql.SetConnMaxIdleTime(0)
	}
	if err := db.sql.PingContext(ctx); err != nil {
		db.sql.Close()
		return nil, fmt.Errorf("connect %s: %w", backend, translate(err))
	}
	if opts.Migrate {
		if _, err := db.Migrate(ctx); err != nil {
			db.sql.Close()
			return nil, err
		}
	}
	return db, nil
}

// parseURL maps a database URL to a backend and a driver DSN.
func parseURL(raw string) (Backend, string, error) {
	switch {
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		return Postgres, raw, nil
	case strings.HasPrefix(raw, "sqlite:"), strings.HasPrefix(raw, "file:"),
		strings.HasSuffix(raw, ".db"), strings.HasSuffix(raw, ".sqlite"), strings.HasSuffix(raw, ".sqlite3"):
		path := strings.TrimPrefix(strings.TrimPrefix(raw, "sqlite:"), "//")
		path = strings.TrimPrefix(path, "file:")
		query := ""
		if i := strings.IndexByte(path, '?'); i >= 0 {
			path, query = path[:i], path[i+1:]
		}
		if path == "" {
			return "", "", fmt.Errorf("%w: %q has no file path", ErrUnsupportedURL, raw)
		}
		q, err := url.ParseQuery(query)
		if err != nil {
			return "", "", fmt.Errorf("%w: %q: %v", ErrUnsupportedURL, raw, err)
		}
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "foreign_keys(1)")
		// Statement journals in memory: a statement over many rows whose triggers write
		// (the results counters, migration 0013) otherwise spills its journal to a temp
		// file and waits on the disk (measured: 2 ms a row instead of 55 µs).
		q.Add("_pragma", "temp_store(2)")
		if path != ":memory:" {
			q.Add("_pragma", "journal_mode(WAL)")
			q.Add("_pragma", "synchronous(NORMAL)")
		}
		q.Set("_txlock", "immediate")
		return SQLite, "file:" + path + "?" + q.Encode(), nil
	}
	return "", "", fmt.Errorf("%w: %q (want postgres://… or sqlite:PATH)", ErrUnsupportedURL, raw)
}

// Backend says which engine this is.
func (db *DB) Backend() Backend { return db.backend }

// Close closes the connections.
func (db *DB) Close() error { return translate(db.sql.Close()) }

// Ping checks the connection.
func (db *DB) Ping(ctx context.Context) error { return translate(db.sql.PingContext(ctx)) }

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// q rebinds ? placeholders to $n for PostgreSQL. Queries never contain a
// literal question mark.
func (db *DB) q(query string) string {
	if db.backend != Postgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// inTx runs f in a transaction, committing when it returns nil.
func (db *DB) inTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return translate(err)
	}
	if err := f(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return translate(tx.Commit())
}

// ts converts a time for a query argument: timestamptz on PostgreSQL, Unix
// milliseconds on SQLite. Times are truncated to the millisecond so that both
// backends read back what was written.
func (db *DB) ts(t time.Time) any {
	t = t.UTC().Truncate(time.Millisecond)
	if db.backend == SQLite {
		return t.UnixMilli()
	}
	return t
}

// tsNull is ts with the zero time as NULL.
func (db *DB) tsNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return db.ts(t)
}

// timeCol scans a time column of either backend; NULL is the zero time.
type timeCol struct{ t *time.Time }

func (c timeCol) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*c.t = time.Time{}
	case time.Time:
		*c.t = x.UTC()
	case int64:
		*c.t = time.UnixMilli(x).UTC()
	default:
		return fmt.Errorf("scan time: unexpected %T", v)
	}
	return nil
}

// nullStr scans a nullable text column; NULL is "".
type nullStr struct{ s *string }

func (c nullStr) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*c.s = ""
	case string:
		*c.s = x
	case []byte:
		*c.s = string(x)
	default:
		return fmt.Errorf("scan text: unexpected %T", v)
	}
	return nil
}

func strNull(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// translate maps driver errors to the package's sentinels; pgx and SQLite
// error types never leave the package.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) || errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505": // unique_violation
			return fmt.Errorf("%w: %s", ErrConflict, pgErr.Message)
		case "23503", "23514", "22P02": // foreign key, check, invalid text representation
			return fmt.Errorf("%w: %s", ErrInvalidParams, pgErr.Message)
		}
		if pgUnavailable(pgErr.Code) {
			return unavailable(fmt.Sprintf("postgres: %s (SQLSTATE %s)", pgErr.Message, pgErr.Code))
		}
		return fmt.Errorf("postgres: %s (SQLSTATE %s)", pgErr.Message, pgErr.Code)
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		switch sqErr.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %s", ErrConflict, sqErr.Error())
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY, sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
			return fmt.Errorf("%w: %s", ErrInvalidParams, sqErr.Error())
		}
		return fmt.Errorf("sqlite: %s", sqErr.Error())
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var connErr *pgconn.ConnectError
	if errors.As(err, &connErr) {
		return unavailable("postgres: " + connErr.Error())
	}
	// Anything else (network errors, closed pool) as text: no driver types escape.
	return unavailable(err.Error())
}

// pgUnavailable are the SQLSTATE classes and codes of a server that is down, restarting
// or out of connections: the same statement may succeed once it is back.
func pgUnavailable(code string) bool {
	switch {
	case strings.HasPrefix(code, "08"): // connection exception
		return true
	case code == "57P01", code == "57P02", code == "57P03": // admin/crash shutdown, cannot connect now
		return true
	case code == "53300", code == "40001", code == "40P01": // too many connections, serialisation, deadlock
		return true
	}
	return false
}

// unavailableError is a failure to reach the database: its text as the driver said it,
// matching ErrUnavailable.
type unavailableError struct{ msg string }

func unavailable(msg string) error          { return &unavailableError{msg} }
func (e *unavailableError) Error() string   { return e.msg }
func (e *unavailableError) Is(t error) bool { return t == ErrUnavailable }
