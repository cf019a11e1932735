package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCampaignCommands drives create, import, start/pause/resume/stop, show,
// list and results through the command line on one database (SQLite and
// PostgreSQL), in order; each step's exit code, JSON and error text count.
func TestCampaignCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	example, err := filepath.Abs(filepath.Join("..", "..", "campaign", "testdata", "contacts.csv"))
	if err != nil {
		t.Fatal(err)
	}
	script, _ := filepath.Abs(filepath.Join("..", "..", "campaign", "testdata", "payment-reminder.en.yaml"))
	empty := write("empty.csv", "")
	nophone := write("nophone.csv", "name,amount\nAna,1\n")
	steps := []struct {
		name     string
		args     []string
		wantCode int
		want     []string // substrings of stdout (JSON) or, on failure, of the error
		check    func(t *testing.T, out map[string]any)
	}{
		{name: "create", args: []string{"campaign", "create", "rem", "--script", script, "--trunk", "sip:127.0.0.1:5070",
			"--caller-id", "(212) 555-0100", "--caller-id", "+13125550101", "--window", "09:00-20:00", "--json"},
			check: func(t *testing.T, out map[string]any) {
				ids, _ := out["caller_ids"].([]any)
				if out["state"] != "draft" || len(ids) != 2 || ids[0] != "+12125550100" {
					t.Fatalf("created %v: want a draft with caller IDs normalised to E.164", out)
				}
			}},
		{name: "create twice", args: []string{"campaign", "create", "rem", "--trunk", "sim"}, wantCode: 2, want: []string{`"rem" already exists`}},
		{name: "bad time zone", args: []string{"campaign", "create", "tz", "--time-zone", "Mars/Olympus"}, wantCode: 2, want: []string{"Mars/Olympus"}},
		{name: "bad caller ID", args: []string{"campaign", "create", "cid", "--caller-id", "anonymous"}, wantCode: 2, want: []string{`caller ID "anonymous"`}},
		{name: "bad window", args: []string{"campaign", "create", "win", "--window", "nine-five"}, wantCode: 2, want: []string{`window.start: "nine"`}},
		{name: "window without a dash", args: []string{"campaign", "create", "win", "--window", "0900"}, wantCode: 2, want: []string{"--window \"0900\": want HH:MM-HH:MM"}},
		{name: "bad retry", args: []string{"campaign", "create", "rt", "--retry", "{"}, wantCode: 2, want: []string{"--retry"}},
		{name: "predictive with agents", args: []string{"campaign", "create", "pred", "--script", script, "--trunk", "sim", "--pacing", "predictive",
			"--max-dial-ratio", "2.5", "--agents", "4", "--agent-handle-time", "90s", "--json"},
			check: func(t *testing.T, out map[string]any) {
				pace, _ := out["pace"].(map[string]any)
				if out["pacing"] != "predictive" || pace["max_dial_ratio"] != 2.5 || pace["agents"] != float64(4) || pace["agent_handle"] != "1m30s" ||
					pace["abandon_target"] != 0.02 {
					t.Fatalf("created %v: want predictive pacing with its options", out)
				}
			}},
		{name: "bad pacing", args: []string{"campaign", "create", "pc", "--pacing", "aggressive"}, wantCode: 2, want: []string{`pacing "aggressive"`}},
		{name: "abandon target over 3 %", args: []string{"campaign", "create", "pc", "--pacing", "predictive", "--abandon-target", "0.05"},
			wantCode: 2, want: []string{"abandon target 0.05"}},
		{name: "bad agents url", args: []string{"campaign", "create", "pc", "--agents-url", "queue.local"}, wantCode: 2, want: []string{`agents url "queue.local"`}},
		{name: "show pacing", args: []string{"campaign", "show", "pred", "--json"},
			check: func(t *testing.T, out map[string]any) {
				pr, _ := out["pacing"].(map[string]any)
				ab, _ := pr["abandon_24h"].(map[string]any)
				if pr["mode"] != "predictive" || ab == nil || ab["total"] != float64(0) {
					t.Fatalf("show: %v, want the pacing mode and 24 h abandonment", out)
				}
			}},
		{name: "pace: change the agents and the ratio, keep the rest", args: []string{"campaign", "pace", "pred", "--agents", "6", "--max-dial-ratio", "1.5", "--json"},
			check: func(t *testing.T, out map[string]any) {
				pr, _ := out["pacing"].(map[string]any)
				o, _ := pr["options"].(map[string]any)
				if pr["mode"] != "predictive" || o["agents"] != float64(6) || o["max_dial_ratio"] != 1.5 || o["agent_handle"] != "1m30s" {
					t.Fatalf("pace: %v, want agents 6, ratio 1.5, handle time kept", out)
				}
			}},
		{name: "pace: back to one to one", args: []string{"campaign", "pace", "pred", "--pacing", "one_to_one"},
			want: []string{`campaign "pred" (draft)`, "pacing one_to_one (max dial ratio 1.5", "agents 6"}},
		{name: "pace: bad target", args: []string{"campaign", "pace", "pred", "--transfer-target", "0.2"}, wantCode: 2, want: []string{"transfer target 0.2"}},
		{name: "pace: bad mode", args: []string{"campaign", "pace", "pred", "--pacing", "turbo"}, wantCode: 2, want: []string{`pacing "turbo"`}},
		{name: "pace: unknown campaign", args: []string{"campaign", "pace", "nope", "--agents", "2"}, wantCode: 2, want: []string{`campaign "nope": no such campaign`}},
		{name: "import", args: []string{"campaign", "import", "rem", example, "--json"},
			want: []string{`"imported":5`, `"duplicates":1`, `"rejected":2`, `"line":7,"field":"phone"`, `"line":9,"field":"amount"`}},
		{name: "re-import updates the contacts", args: []string{"campaign", "import", "rem", example, "--json"},
			want: []string{`"imported":0`, `"updated":5`, `"duplicates":1`, `"rejected":2`}},
		{name: "edit while draft", args: []string{"campaign", "edit", "rem", "--max-concurrent", "3", "--days", "mon,tue", "--json"},
			want: []string{`"max_concurrent":3`, `"days":["mon","tue"]`}},
		{name: "edit: unknown seller", args: []string{"campaign", "edit", "rem", "--seller", "Ghost"}, wantCode: 2, want: []string{`seller "Ghost" is not registered`}},
		{name: "recycle: nothing named", args: []string{"campaign", "recycle", "rem"}, wantCode: 2, want: []string{"name at least one outcome or disposition"}},
		{name: "recycle: opted_out refused", args: []string{"campaign", "recycle", "rem", "--dispositions", "opted_out"}, wantCode: 2, want: []string{"never called again"}},
		{name: "recycle: none final yet", args: []string{"campaign", "recycle", "rem", "--outcomes", "busy,no_answer", "--json"}, want: []string{`"recycled":0`}},
		{name: "clone with contacts", args: []string{"campaign", "clone", "rem", "rem-2", "--contacts", "--json"}, want: []string{`"contacts_copied":5`, `"state":"draft"`}},
		{name: "clone to a taken name", args: []string{"campaign", "clone", "rem", "rem-2"}, wantCode: 2, want: []string{"clone"}},
		{name: "archive a draft", args: []string{"campaign", "archive", "rem-2"}, want: []string{`campaign "rem-2" archived`}},
		{name: "archived: hidden from the list", args: []string{"campaign", "list", "--archived", "--json"}, want: []string{`"name":"rem-2"`}},
		{name: "archived: read-only", args: []string{"campaign", "start", "rem-2"}, wantCode: 2, want: []string{"archived"}},
		{name: "empty file", args: []string{"campaign", "import", "rem", empty, "--json"}, wantCode: 2, want: []string{"empty.csv:1", "the file is empty"}},
		{name: "no phone column", args: []string{"campaign", "import", "rem", nophone}, wantCode: 2, want: []string{"nophone.csv:1: phone: header: no phone column"}},
		{name: "missing file", args: []string{"campaign", "import", "rem", filepath.Join(dir, "nope.csv")}, wantCode: 2, want: []string{"nope.csv"}},
		{name: "unknown campaign", args: []string{"campaign", "import", "nope", example}, wantCode: 2, want: []string{`campaign "nope": no such campaign`}},
		{name: "pause a draft", args: []string{"campaign", "pause", "rem"}, wantCode: 2, want: []string{"pause"}},
		{name: "start", args: []string{"campaign", "start", "rem", "--json"}, want: []string{`"state":"scheduled"`}}, // running at the next scheduler tick
		{name: "pause", args: []string{"campaign", "pause", "rem", "--json"}, want: []string{`"state":"paused"`}},
		{name: "resume", args: []string{"campaign", "resume", "rem", "--json"}, want: []string{`"state":"scheduled"`}},
		{name: "start twice", args: []string{"campaign", "start", "rem"}, wantCode: 2, want: []string{"start"}},
		{name: "show", args: []string{"campaign", "show", "rem", "--json"},
			check: func(t *testing.T, out map[string]any) {
				st, _ := out["stats"].(map[string]any)
				if st == nil || st["total"] != float64(5) {
					t.Fatalf("show: %v, want 5 contacts", out)
				}
			}},
		{name: "list", args: []string{"campaign", "list", "--json"}, want: []string{`"name":"rem"`}},
		{name: "stop", args: []string{"campaign", "stop", "rem", "--json"}, want: []string{`"state":"stopped"`, `"contacts_closed":5`}},
		{name: "results", args: []string{"campaign", "results", "rem", "--contacts", "--json"},
			check: func(t *testing.T, out map[string]any) {
				rows, _ := out["rows"].([]any)
				if out["state"] != "stopped" || out["contacts"] != float64(5) || out["final"] != float64(5) || len(rows) != 5 {
					t.Fatalf("results: %v", out)
				}
			}},
	}
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			url := "sqlite:" + filepath.Join(t.TempDir(), "c.db")
			if backend == "postgres" {
				url = pgTestURL(t)
			}
			if code, _, _ := runCLI(t, "migrate", "--database-url", url); code != 0 {
				t.Fatalf("migrate: exit %d", code)
			}
			for _, st := range steps {
				code, stdout, stderr := runCLI(t, append(st.args, "--database-url", url)...)
				if code != st.wantCode {
					t.Fatalf("%s: exit %d, want %d\nstdout %s\nstderr %s", st.name, code, st.wantCode, stdout, stderr)
				}
				text := stdout
				if code != 0 {
					text = stderr
				}
				for _, w := range st.want {
					// JSON is indented: compare without white space.
					if !strings.Contains(strings.Join(strings.Fields(text), ""), strings.Join(strings.Fields(w), "")) {
						t.Fatalf("%s: want %q in\n%s", st.name, w, text)
					}
				}
				if st.check != nil {
					var out map[string]any
					if err := json.Unmarshal([]byte(stdout), &out); err != nil {
						t.Fatalf("%s: stdout is not one JSON document: %v\n%s", st.name, err, stdout)
					}
					st.check(t, out)
				}
			}
		})
	}
}
