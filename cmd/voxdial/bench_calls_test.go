package main

import (
	"encoding/json"
	"testing"
)

func TestBenchCallsReportsContractKeys(t *testing.T) {
	code, out, errOut := runCLI(t, "bench", "calls", "--calls", "20", "--concurrency", "5", "--hold", "100ms", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	for _, k := range []string{"go_version", "gomaxprocs", "duration_s", "cpu_cores", "calls", "calls_per_second", "failed"} {
		if _, ok := r[k]; !ok {
			t.Errorf("missing key %q", k)
		}
	}
	if r["calls"].(float64) != 20 || r["failed"].(float64) != 0 {
		t.Fatalf("calls %v failed %v", r["calls"], r["failed"])
	}
	if r["packets_received"].(float64) == 0 {
		t.Fatal("no RTP flowed during the bench calls")
	}
}
