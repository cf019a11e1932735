package store_test

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

func TestSQLite(t *testing.T) {
	t.Parallel()
	storetest.Exercise(t, func(t *testing.T) *store.DB { return storetest.OpenSQLite(t) })
}

func TestPostgres(t *testing.T) {
	t.Parallel()
	storetest.Exercise(t, func(t *testing.T) *store.DB { return storetest.OpenPostgres(t) })
}

func TestOpenURLs(t *testing.T) {
	ctx := context.Background()
	for _, u := range []string{"mysql://x", "", "sqlite:"} {
		if _, err := store.Open(ctx, u, store.Options{}); !errors.Is(err, store.ErrUnsupportedURL) {
			t.Errorf("Open(%q) = %v, want ErrUnsupportedURL", u, err)
		}
	}
	db, err := store.Open(ctx, "sqlite::memory:", store.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.Backend() != store.SQLite {
		t.Fatal(db.Backend())
	}
	if _, err := store.Open(ctx, "postgres://nobody@127.0.0.1:1/x?sslmode=disable&connect_timeout=2", store.Options{}); err == nil {
		t.Fatal("connecting to a closed port succeeded")
	}
}

func TestMigrationSealsConsents(t *testing.T) {
	t.Parallel()
	storetest.ExerciseConsentSeal(t)
}
