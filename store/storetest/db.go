// Package storetest is the conformance suite of package store (Exercise)
// and the helpers that give tests private databases: a fresh PostgreSQL
// database per test (created from a migrated template, dropped at cleanup)
// and a fresh SQLite file.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver for the admin connection

	"github.com/voxdial/voxdial/store"
)

// Environment of the database tests.
const (
	// EnvPostgresURL names the server tests create their databases on
	// (an admin URL; default postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable).
	EnvPostgresURL = "VOXDIAL_TEST_POSTGRES_URL"
	// EnvSkipPostgres=1 lets PostgreSQL tests skip, loudly, when the server is
	// unreachable. Without it they fail: CI never sets it.
	EnvSkipPostgres = "VOXDIAL_SKIP_POSTGRES"
)

// DefaultPostgresURL is the admin URL used when EnvPostgresURL is unset.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

func adminURL() string {
	if u := os.Getenv(EnvPostgresURL); u != "" {
		return u
	}
	return DefaultPostgresURL
}

// UniqueName is a random lower-case name with a prefix, for databases and key prefixes.
func UniqueName(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + "_" + hex.EncodeToString(b[:])
}

var template struct {
	once sync.Once
	name string
	err  error
}

// PostgresURL creates an empty, migrated database with a unique name on the
// test server and drops it when the test ends. It fails the test when the
// server is unreachable, unless VOXDIAL_SKIP_POSTGRES=1.
func PostgresURL(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	admin, err := sql.Open("pgx", adminURL())
	if err == nil {
		err = admin.PingContext(ctx)
	}
	if err != nil {
		if admin != nil {
			admin.Close()
		}
		msg := fmt.Sprintf("PostgreSQL at %s is unreachable (%v); start it with "+
			"`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`, point %s at a server, "+
			"or set %s=1 to skip these tests", redact(adminURL()), err, EnvPostgresURL, EnvSkipPostgres)
		if os.Getenv(EnvSkipPostgres) == "1" {
			t.Skip("SKIPPED: " + msg)
		}
		t.Fatal(msg)
	}
	defer admin.Close()
	template.once.Do(func() { template.name, template.err = makeTemplate(ctx, admin) })
	if template.err != nil {
		t.Fatalf("postgres template database: %v", template.err)
	}
	name := UniqueName("voxdial_test")
	if err := createFromTemplate(ctx, admin, name, template.name); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		admin, err := sql.Open("pgx", adminURL())
		if err != nil {
			t.Errorf("drop database %s: %v", name, err)
			return
		}
		defer admin.Close()
		if _, err := admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	return dbURL(name)
}

// createFromTemplate copies the template; PostgreSQL refuses while another
// session uses the template, so retry briefly.
func createFromTemplate(ctx context.Context, admin *sql.DB, name, tmpl string) error {
	var err error
	for i := 0; i < 50; i++ {
		if _, err = admin.ExecContext(ctx, `CREATE DATABASE `+name+` TEMPLATE `+tmpl); err == nil {
			return nil
		}
		if !strings.Contains(err.Error(), "being accessed by other users") {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
	return err
}

// makeTemplate creates and migrates a template database for this test
// process; it is dropped when the process's last test database is (see
// TemplateCleanup) — or, if the process dies, by the next run's sweep of
// templates older than a day.
func makeTemplate(ctx context.Context, admin *sql.DB) (string, error) {
	sweepOldTemplates(ctx, admin)
	name := UniqueName("voxdial_tmpl")
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		return "", err
	}
	db, err := store.Open(ctx, dbURL(name), store.Options{Migrate: true, MaxConns: 1})
	if err != nil {
		return "", err
	}
	db.Close()
	if _, err := admin.ExecContext(ctx, `COMMENT ON DATABASE `+name+` IS 'voxdial test template `+
		time.Now().UTC().Format(time.RFC3339)+`'`); err != nil {
		return "", err
	}
	return name, nil
}

// DropTemplate drops this process's template database; call it from TestMain after m.Run.
func DropTemplate() {
	if template.name == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := sql.Open("pgx", adminURL())
	if err != nil {
		return
	}
	defer admin.Close()
	_, _ = admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+template.name+` WITH (FORCE)`)
}

// Main runs a test binary's tests and then drops the template database they shared;
// call it as os.Exit(storetest.Main(m)) from TestMain.
func Main(m *testing.M) int {
	code := m.Run()
	DropTemplate()
	return code
}

// Backends runs f as the parallel subtests "sqlite" and "postgres", each on a fresh
// database of its own.
func Backends(t *testing.T, f func(t *testing.T, db *store.DB)) {
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); f(t, OpenSQLite(t)) })
	t.Run("postgres", func(t *testing.T) { t.Parallel(); f(t, OpenPostgres(t)) })
}

// sweepOldTemplates drops templates left behind by test processes that died
// more than a day ago.
func sweepOldTemplates(ctx context.Context, admin *sql.DB) {
	rows, err := admin.QueryContext(ctx, `SELECT d.datname, COALESCE(shobj_description(d.oid, 'pg_database'), '')
		FROM pg_database d WHERE d.datname LIKE 'voxdial_tmpl_%'`)
	if err != nil {
		return
	}
	var old []string
	for rows.Next() {
		var name, comment string
		if rows.Scan(&name, &comment) != nil {
			continue
		}
		ts, err := time.Parse(time.RFC3339, strings.TrimPrefix(comment, "voxdial test template "))
		if err == nil && time.Since(ts) > 24*time.Hour {
			old = append(old, name)
		}
	}
	rows.Close()
	for _, name := range old {
		_, _ = admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
	}
}

func dbURL(name string) string {
	u, err := url.Parse(adminURL())
	if err != nil {
		return adminURL()
	}
	u.Path = "/" + name
	return u.String()
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable url)"
	}
	return u.Redacted()
}

// OpenPostgres opens a fresh PostgreSQL database for the test (see PostgresURL).
func OpenPostgres(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), PostgresURL(t), store.Options{Migrate: true})
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// OpenSQLite opens a fresh, migrated SQLite database in the test's temp dir.
func OpenSQLite(t testing.TB) *store.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "voxdial.db")
	db, err := store.Open(context.Background(), "sqlite:"+path, store.Options{Migrate: true})
	if err != nil {
		t.Fatalf("open sqlite %s: %v", path, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
