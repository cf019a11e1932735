package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// bench import streams a generated file into a fresh campaign and prints the figures with
// the keys every bench carries; --rows 0 is refused before a database is opened.
func TestBenchImport(t *testing.T) {
	t.Parallel()
	code, out, errOut := runCLI(t, "bench", "import", "--rows", "500", "--database-url", sqliteURL(t), "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	for _, k := range []string{"go_version", "gomaxprocs", "duration_s", "cpu_cores", "rows", "imported", "rows_per_second", "backend", "campaign"} {
		if _, ok := r[k]; !ok {
			t.Errorf("missing key %q", k)
		}
	}
	if r["rows"].(float64) != 500 || r["imported"].(float64) != 500 || r["backend"] != "sqlite" {
		t.Errorf("rows %v imported %v backend %v", r["rows"], r["imported"], r["backend"])
	}
	if code, _, errOut := runCLI(t, "bench", "import", "--rows", "0", "--database-url", "bogus:x"); code != exitUsage || !strings.Contains(errOut, "--rows 0: must be positive") {
		t.Errorf("--rows 0: exit %d, want %d and the --rows error: %s", code, exitUsage, errOut)
	}
}
