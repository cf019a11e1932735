package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/voxdial/voxdial/compliance"
	"github.com/voxdial/voxdial/store"
)

func TestComplianceAuditPruneCmd(t *testing.T) {
	t.Parallel()
	dbURL := sqliteURL(t)
	db, err := store.Open(context.Background(), dbURL, store.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().AddDate(-6, 0, 0)
	for i, at := range []time.Time{old, old.Add(time.Hour), time.Now().AddDate(-1, 0, 0)} {
		audit := &compliance.StoreAudit{DB: db, Now: func() time.Time { return at }}
		a := compliance.Attempt{ID: string(rune('a' + i)), Number: "+12125550101", Campaign: "1", At: at}
		if err := audit.Append(context.Background(), &a, &compliance.Decision{}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"prune"}, 2, "--by is required"},
		{[]string{"prune", "--by", "ops", "--retention-years", "2"}, 2, "under the 5-year minimum"},
		{[]string{"prune", "--by", "ops", "--before", time.Now().AddDate(-2, 0, 0).Format(time.DateOnly)}, 2, "younger than the 5-year retention"},
		{[]string{"prune", "--by", "ops", "--before", "yesterday"}, 2, `--before "yesterday"`},
		{[]string{"prune", "--by", "ops", "--dry-run", "--json"}, 0, `"pruned": 2`},
		{[]string{"verify"}, 0, "3 records, chain intact"},
		{[]string{"prune", "--by", "ops"}, 0, "deleted 2 records up to seq 2"},
		{[]string{"verify"}, 0, "1 records, chain intact"},
		{[]string{"prune", "--by", "ops"}, 0, "no record is older than the retention"},
	} {
		code, out, errs := runCLIIn(t, "", append([]string{"compliance", "audit", "--database-url", dbURL}, tc.args...)...)
		if code != tc.code || !strings.Contains(out+errs, tc.want) {
			t.Fatalf("%v: exit %d (want %d)\n%s%s\nwant %q", tc.args, code, tc.code, out, errs, tc.want)
		}
	}
}
