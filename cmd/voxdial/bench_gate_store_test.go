package main

import (
	"encoding/json"
	"testing"
)

// bench gate --store runs the store-backed gate end to end on a scratch database: three
// phases, every audited decision in a verified chain, group commit sharing transactions.
func TestBenchGateStore(t *testing.T) {
	t.Parallel()
	db := sqliteURL(t)
	code, out, errs := runCLIIn(t, "", "bench", "gate", "--store", db, "--store-contacts", "50", "--store-dnc", "1000",
		"--store-concurrency", "4", "--duration", "300ms", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	var verified int
	_ = json.Unmarshal(raw["audit_records_verified"], &verified)
	audited := 0
	for _, name := range []string{"no_audit", "audit_per_decision", "audit_group_commit"} {
		var p struct {
			Decisions int     `json:"decisions"`
			Allowed   int     `json:"allowed"`
			PerCore   float64 `json:"decisions_per_second_per_core"`
			Tx        int     `json:"audit_transactions"`
		}
		if err := json.Unmarshal(raw[name], &p); err != nil || p.Decisions == 0 || p.Allowed != p.Decisions || p.PerCore <= 0 {
			t.Fatalf("phase %s: %+v %v", name, p, err)
		}
		if name != "no_audit" {
			audited += p.Decisions
		}
		if name == "audit_group_commit" && (p.Tx == 0 || p.Tx > p.Decisions) {
			t.Fatalf("group commit: %d transactions for %d decisions", p.Tx, p.Decisions)
		}
	}
	if verified != audited {
		t.Fatalf("verified %d audit records, want %d", verified, audited)
	}
}
