package store_test

import (
	"testing"

	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
)

func TestUsersSQLite(t *testing.T) {
	t.Parallel()
	storetest.ExerciseUsers(t, func(t *testing.T) *store.DB { return storetest.OpenSQLite(t) })
}

func TestUsersPostgres(t *testing.T) {
	t.Parallel()
	storetest.ExerciseUsers(t, func(t *testing.T) *store.DB { return storetest.OpenPostgres(t) })
}
