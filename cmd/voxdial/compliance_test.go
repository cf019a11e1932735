package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const complianceState = `{
  "sellers": {"S1": {"caller_ids": ["+12125550000"]}},
  "campaigns": {"c1": {"seller": "S1", "purpose": "telemarketing", "voice": "artificial",
                       "subject": "solar-offer", "caller_id": "+12125550000", "pacing": "one_to_one"}},
  "consents": [{"number": "+12125550123", "seller": "S1", "kind": "written", "scope": ["telemarketing"],
                "artificial_voice": true, "given_at": "2026-01-01T00:00:00Z"}],
  "dnc": [{"number": "+12125550999", "list": "internal", "seller": "S1", "listed_at": "2026-05-01T00:00:00Z"}],
  "dnc_snapshots": {"national": "2026-06-01"}
}`

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestComplianceCheckContract(t *testing.T) {
	t.Parallel()
	state := writeFile(t, "state.json", complianceState)
	in := `{"id": "a1", "number": "+12125550123", "campaign": "c1", "at": "2026-06-10T11:59:59Z"}
{"id": "a2", "number": "+12125550123", "campaign": "c1", "at": "2026-06-10T12:00:00Z"}
{"id": "a3", "number": "+12125550999", "campaign": "c1", "at": "2026-06-10T12:00:00Z"}
`
	for _, viaFile := range []bool{false, true} {
		args := []string{"compliance", "check", "--state", state, "--json"}
		var stdin *strings.Reader
		if viaFile {
			args = append(args, "--attempts", writeFile(t, "attempts.jsonl", in))
			stdin = strings.NewReader("")
		} else {
			stdin = strings.NewReader(in)
		}
		var out, errb bytes.Buffer
		if code := run(context.Background(), args, stdin, &out, &errb); code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if len(lines) != 3 {
			t.Fatalf("%d lines: %s", len(lines), out.String())
		}
		var ds []map[string]any
		for _, l := range lines {
			var m map[string]any
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				t.Fatalf("line %q: %v", l, err)
			}
			ds = append(ds, m)
		}
		if ds[0]["id"] != "a1" || ds[0]["decision"] != "block" || ds[0]["reason"] != "07:59:59 EDT in America/New_York is before 08:00" ||
			ds[0]["next_eligible_at"] != "2026-06-10T12:00:00Z" {
			t.Errorf("a1 = %v", ds[0])
		}
		if ds[1]["decision"] != "allow" || ds[2]["decision"] != "block" {
			t.Errorf("a2, a3 = %v, %v", ds[1], ds[2])
		}
	}
}

func TestComplianceCheckBadInput(t *testing.T) {
	t.Parallel()
	state := writeFile(t, "state.json", complianceState)
	bad := writeFile(t, "bad-state.json", strings.Replace(complianceState, `"voice": "artificial"`, `"voice": "robot"`, 1))
	good := `{"id": "a1", "number": "+12125550123", "campaign": "c1", "at": "2026-06-10T12:00:00Z"}` + "\n"
	tests := []struct {
		name  string
		args  []string
		stdin string
		want  []string // in the message
	}{
		{"no --state", []string{"compliance", "check", "--json"}, good, []string{"--state"}},
		{"missing state file", []string{"compliance", "check", "--state", "/nonexistent/state.json", "--json"}, good, []string{"--state"}},
		{"bad state field", []string{"compliance", "check", "--state", bad, "--json"}, good, []string{bad, "campaigns.c1.voice"}},
		{"bad attempt line", []string{"compliance", "check", "--state", state, "--json"},
			good + `{"id": "a2", "number": "12125550123", "campaign": "c1", "at": "2026-06-10T12:00:00Z"}` + "\n",
			[]string{"stdin", "line 2", "field number"}},
		{"bad time", []string{"compliance", "check", "--state", state, "--json"},
			`{"id": "a1", "number": "+12125550123", "campaign": "c1", "at": "tomorrow"}`, []string{"line 1", "field at"}},
		{"not JSON", []string{"compliance", "check", "--state", state, "--json"}, good + good + "nope\n", []string{"line 3", "invalid JSON"}},
		{"unknown campaign", []string{"compliance", "check", "--state", state, "--json"},
			`{"id": "a1", "number": "+12125550123", "campaign": "zz", "at": "2026-06-10T12:00:00Z"}`, []string{"line 1", "field campaign"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out, errb bytes.Buffer
			code := run(context.Background(), tc.args, strings.NewReader(tc.stdin), &out, &errb)
			if code != 2 {
				t.Fatalf("exit %d, want 2 (stderr %q)", code, errb.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(errb.String(), w) {
					t.Errorf("stderr %q lacks %q", errb.String(), w)
				}
			}
		})
	}
}

func TestComplianceCheckHuman(t *testing.T) {
	t.Parallel()
	state := writeFile(t, "state.json", complianceState)
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"compliance", "check", "--state", state},
		strings.NewReader(`{"id": "a1", "number": "+12125550123", "campaign": "c1", "at": "2026-06-10T11:59:59Z"}`), &out, &errb)
	if code != 0 || !strings.Contains(out.String(), "a1\tblock\tUS_TCPA_HOURS\tnext 2026-06-10T12:00:00Z") {
		t.Fatalf("exit %d, out %q, err %q", code, out.String(), errb.String())
	}
}

func TestBenchGateSmall(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"bench", "gate", "--dnc-numbers", "100000", "--contacts", "5000",
		"--attempts", "1024", "--duration", "200ms", "--json"}, strings.NewReader(""), &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var m map[string]any
	if err := json.Unmarshal(out.Bytes(), &m); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	for _, k := range []string{"go_version", "gomaxprocs", "duration_s", "cpu_cores", "decisions_per_second_per_core",
		"dnc_numbers", "dnc_bytes_per_number", "allocs_per_decision"} {
		if _, ok := m[k]; !ok {
			t.Errorf("missing %s in %s", k, out.String())
		}
	}
	if m["dnc_numbers"].(float64) < 90_000 {
		t.Errorf("dnc_numbers = %v", m["dnc_numbers"])
	}
}
