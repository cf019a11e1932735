package storetest

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/voxdial/voxdial/store"
)

// testContactImportDuplicates pins the duplicate rule on every backend: the
// rows are taken one by one in file order and a row is a duplicate when its
// number or its external_id belongs to a contact already in the campaign
// (imported earlier, or by an earlier row of this file).
func testContactImportDuplicates(t *testing.T, db *store.DB) {
	// row is "line phone-suffix [external-id]".
	parse := func(spec string) []store.ContactRow {
		var out []store.ContactRow
		for _, r := range strings.Split(spec, ",") {
			f := strings.Fields(r)
			if len(f) == 0 {
				continue
			}
			var line int
			if _, err := fmt.Sscan(f[0], &line); err != nil {
				t.Fatalf("row %q: line: %v", r, err)
			}
			row := store.ContactRow{Line: line, Phone: "+1415555" + f[1]}
			if len(f) > 2 {
				row.ExternalID = f[2]
			}
			out = append(out, row)
		}
		return out
	}
	tests := []struct {
		name   string
		before string // imported first ("" for none)
		file   string
		want   string // lines inserted from file, sorted
		update string // lines that updated a contact of the earlier import, sorted
	}{
		{"no duplicates", "", "2 0001 A, 3 0002 B, 4 0003", "2 3 4", ""},
		{"same number twice: first line wins", "", "2 0001 A, 3 0001 B, 4 0002", "2 4", ""},
		{"same id twice: first line wins", "", "2 0001 A, 3 0002 A, 4 0003", "2 4", ""},
		{"a duplicate does not block a later row", "", "2 0001 A, 3 0002 A, 4 0002 B, 5 0003 B", "2 4", ""},
		{"chain of id and number duplicates", "", "2 0001 A, 3 0002 A, 4 0002 B, 5 0003 B, 6 0003 C, 7 0004 C", "2 4 6", ""},
		{"rows without ids fold by number only", "", "2 0001, 3 0001, 4 0002, 5 0003 A", "2 4 5", ""},
		{"number already in the campaign", "2 0001 A", "2 0001 Z, 3 0002 B", "3", "2"},
		{"id already in the campaign", "2 0001 A", "2 0009 A, 3 0002 B", "3", "2"},
		{"re-import of the same rows", "2 0001 A, 3 0002 B", "2 0001 A, 3 0002 B", "", "2 3"},
		{"an existing number twice in the file: the first row updates", "2 0001 A", "2 0001, 3 0001, 4 0002", "4", "2"},
		{"the number wins over an earlier row with the id", "2 0001 A", "2 0002 A, 3 0001, 4 0003", "4", "3"},
		{"an id match whose number a later row brings is a duplicate", "2 0001 A", "2 0002 A, 3 0002 B", "3", ""},
		{"existing, then a later row freed by a duplicate", "2 0005 X", "2 0005 A, 3 0006 A, 4 0007 B", "3 4", "2"},
	}
	// FoldLimit 2 makes a first import on PostgreSQL leave its in-process
	// fold after two entries and finish through the staging table.
	for _, limit := range []int{0, 2} {
		for i, tc := range tests {
			t.Run(fmt.Sprintf("%s/fold-limit-%d", tc.name, limit), func(t *testing.T) {
				testImportDups(t, db, fmt.Sprintf("dups-%d-%d", limit, i), parse(tc.before), parse(tc.file), tc.want, tc.update, limit)
			})
		}
	}
}

func testImportDups(t *testing.T, db *store.DB, name string, before, src []store.ContactRow, want, update string, limit int) {
	ctx := context.Background()
	c := newCampaign(t, db, name)
	var firstList int64
	if len(before) > 0 {
		res, err := db.ContactImport(ctx, &store.ContactImportParams{CampaignID: c.ID, Source: &rows{rs: before}, Now: t0})
		if err != nil {
			t.Fatal(err)
		}
		firstList = res.ListID
	}
	existing := map[int64]bool{}
	if firstList != 0 {
		cs, _ := db.ContactList(ctx, &store.ContactListParams{CampaignID: c.ID})
		for _, ct := range cs {
			existing[ct.ID] = true
		}
	}
	res, err := db.ContactImport(ctx, &store.ContactImportParams{CampaignID: c.ID, Source: &rows{rs: src}, Now: t0, FoldLimit: limit})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := db.ContactList(ctx, &store.ContactListParams{CampaignID: c.ID})
	if err != nil {
		t.Fatal(err)
	}
	var lines, updated []int
	for _, ct := range cs {
		switch {
		case ct.ListID == res.ListID && existing[ct.ID]:
			updated = append(updated, ct.Line)
		case ct.ListID == res.ListID:
			lines = append(lines, ct.Line)
		}
	}
	sort.Ints(lines)
	sort.Ints(updated)
	if got := strings.Trim(fmt.Sprint(lines), "[]"); got != want {
		t.Fatalf("inserted lines %q, want %q", got, want)
	}
	if got := strings.Trim(fmt.Sprint(updated), "[]"); got != update {
		t.Fatalf("updated lines %q, want %q", got, update)
	}
	n, u := len(strings.Fields(want)), len(strings.Fields(update))
	if res.Inserted != n || res.Updated != u || res.Duplicates != len(src)-n-u || res.Rows != len(src) {
		t.Fatalf("result %+v, want %d inserted, %d updated of %d", res, n, u, len(src))
	}
}
