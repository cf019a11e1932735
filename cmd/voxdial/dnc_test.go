package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
)

// runCLIIn runs the command line with stdin. It calls run (the binary's entry point); until
// main.go attaches the dnc and consent commands, it runs a root with them attached and the
// same exit-code mapping.
func runCLIIn(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	root := newRootCmd()
	have := map[string]bool{}
	for _, c := range root.Commands() {
		have[c.Name()] = true
	}
	if have["dnc"] && have["consent"] {
		code = run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
		return code, out.String(), errb.String()
	}
	for _, c := range []*cobra.Command{newDNCCmd(), newConsentCmd()} {
		if !have[c.Name()] {
			root.AddCommand(c)
		}
	}
	root.SetArgs(args)
	root.SetIn(strings.NewReader(stdin))
	root.SetOut(&out)
	root.SetErr(&errb)
	err := root.ExecuteContext(context.Background())
	code = exitOK
	if err != nil {
		fmt.Fprintf(&errb, "voxdial: %v\n", err)
		code = exitUsage
		var ee *exitError
		if errors.As(err, &ee) {
			code = ee.code
		}
	}
	return code, out.String(), errb.String()
}

func sqliteURL(t *testing.T) string {
	t.Helper()
	return "sqlite:" + filepath.Join(t.TempDir(), "v.db")
}

func TestDNCCommands(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			db := sqliteURL(t)
			if backend == "postgres" {
				db = storetest.PostgresURL(t)
			}
			file := filepath.Join(t.TempDir(), "national.txt")
			if err := os.WriteFile(file, []byte("phone\n+12125550101\n212-555-0102\n212,5550103\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			code, out, errs := runCLIIn(t, "", "dnc", "import", "--database-url", db, "--list", "national", "--as-of", "2026-11-20", "--json", file)
			var imp dncImportResult
			if code != 0 || json.Unmarshal([]byte(out), &imp) != nil || imp.Numbers != 3 || imp.Distinct != 3 || imp.SnapshotID == 0 {
				t.Fatalf("import: %d %s %s", code, out, errs)
			}
			if !strings.Contains(errs, "3 numbers") {
				t.Errorf("no progress on stderr: %q", errs)
			}
			// Bad input names the file, line and field; exit 2.
			bad := filepath.Join(t.TempDir(), "bad.txt")
			_ = os.WriteFile(bad, []byte("+12125550101\nnot a number\n"), 0o644)
			code, _, errs = runCLIIn(t, "", "dnc", "import", "--database-url", db, "--list", "national", "--as-of", "2026-11-20", bad)
			if code != 2 || !strings.Contains(errs, bad+" line 2 field number") {
				t.Fatalf("bad file: %d %s", code, errs)
			}
			if code, _, errs = runCLIIn(t, "", "dnc", "import", "--database-url", db, "--list", "national", file); code != 2 || !strings.Contains(errs, "--as-of") {
				t.Fatalf("no --as-of: %d %s", code, errs)
			}
			// add, check, remove, export.
			if code, _, errs = runCLIIn(t, "", "dnc", "add", "--database-url", db, "--seller", "S1", "+12125550109"); code != 2 || !strings.Contains(errs, "--by") {
				t.Fatalf("add without who: %d %s", code, errs)
			}
			// A queued contact of the seller's campaign for a listed number is cancelled.
			sdb, err := store.Open(context.Background(), db, store.Options{Migrate: true})
			if err != nil {
				t.Fatal(err)
			}
			camp, err := sdb.CampaignCreate(context.Background(), &store.CampaignCreateParams{Name: "q", Seller: "S1"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := sdb.ContactImport(context.Background(), &store.ContactImportParams{CampaignID: camp.ID, ListName: "q",
				Source: &sliceSource{rows: []store.ContactRow{{Line: 2, Phone: "+12125550109"}}}}); err != nil {
				t.Fatal(err)
			}
			code, out, errs = runCLIIn(t, "", "dnc", "add", "--database-url", db, "--seller", "S1", "--by", "alice", "--reason", "asked on the phone", "--json", "+12125550109", "+12125550101")
			if code != 0 || !strings.Contains(out, `"added": 2`) || !strings.Contains(out, `"queued_contacts_cancelled": 1`) {
				t.Fatalf("add: %d %s %s", code, out, errs)
			}
			if cs, _ := sdb.ContactList(context.Background(), &store.ContactListParams{CampaignID: camp.ID}); len(cs) != 1 || cs[0].State != "done" {
				t.Fatalf("queued contact after dnc add: %+v", cs)
			}
			sdb.Close()
			code, out, _ = runCLIIn(t, "", "dnc", "check", "--database-url", db, "--json", "+12125550101")
			var chk dncCheckResult
			if code != 0 || json.Unmarshal([]byte(out), &chk) != nil || strings.Join(chk.Listed, " ") != "national internal/S1" ||
				chk.Registry["national"] != "2026-11-20" || len(chk.Entries) != 1 || chk.Entries[0].AddedBy != "alice" {
				t.Fatalf("check: %d %s", code, out)
			}
			code, out, errs = runCLIIn(t, "", "dnc", "remove", "--database-url", db, "--seller", "S1", "--by", "bob", "--reason", "listed by mistake", "+12125550109")
			if code != 0 {
				t.Fatalf("remove: %d %s %s", code, out, errs)
			}
			if code, _, errs = runCLIIn(t, "", "dnc", "remove", "--database-url", db, "--seller", "S1", "--by", "bob", "--reason", "again", "+12125550109"); code != 1 {
				t.Fatalf("second remove: %d %s", code, errs)
			}
			code, out, _ = runCLIIn(t, "", "dnc", "check", "--database-url", db, "+12125550109")
			if code != 0 || !strings.Contains(out, "on no do-not-call list") || !strings.Contains(out, "removed") || !strings.Contains(out, "listed by mistake") {
				t.Fatalf("check after remove: %s", out)
			}
			code, out, _ = runCLIIn(t, "", "dnc", "export", "--database-url", db, "--list", "national")
			if code != 0 || out != "+12125550101\n+12125550102\n+12125550103\n" {
				t.Fatalf("export: %d %q", code, out)
			}
			code, out, _ = runCLIIn(t, "", "dnc", "export", "--database-url", db, "--seller", "S1", "--json")
			if code != 0 || strings.Count(out, "\n") != 1 || !strings.Contains(out, `"added_by":"alice"`) {
				t.Fatalf("export internal: %d %q", code, out)
			}
			// An internal import from standard input.
			code, out, errs = runCLIIn(t, "+13055550100\n+13055550101\n", "dnc", "import", "--database-url", db, "--list", "internal", "--seller", "S2", "--by", "ops", "--json", "-")
			if code != 0 || !strings.Contains(out, `"added": 2`) {
				t.Fatalf("internal import: %d %s %s", code, out, errs)
			}
		})
	}
}

func TestConsentAndComplianceCommands(t *testing.T) {
	t.Parallel()
	db := sqliteURL(t)
	code, out, errs := runCLIIn(t, "", "consent", "add", "--database-url", db, "--number", "+12125550101", "--seller", "S1", "--kind", "written",
		"--scope", "telemarketing,collections", "--artificial-voice", "--text", "I agree", "--ip", "192.0.2.1", "--given-at", "2026-01-02T15:04:05Z", "--json")
	if code != 0 || !strings.Contains(out, `"consent_id": "1#`) {
		t.Fatalf("add: %d %s %s", code, out, errs)
	}
	if code, _, errs = runCLIIn(t, "", "consent", "add", "--database-url", db, "--number", "+12125550101", "--seller", "S1", "--kind", "maybe",
		"--scope", "collections", "--given-at", "2026-01-02T15:04:05Z"); code != 2 || !strings.Contains(errs, "--kind") {
		t.Fatalf("bad kind: %d %s", code, errs)
	}
	// The one intake (compliance.ConsentIntake): a consent given in the future, an unknown
	// purpose and a record hash of the caller's are refused, naming the field.
	if code, _, errs = runCLIIn(t, "", "consent", "add", "--database-url", db, "--number", "+12125550101", "--seller", "S1", "--kind", "written",
		"--scope", "collections", "--given-at", "2999-01-02T15:04:05Z"); code != 2 || !strings.Contains(errs, "--given-at") || !strings.Contains(errs, "future") {
		t.Fatalf("future given_at: %d %s", code, errs)
	}
	for _, bad := range []string{
		`{"number": "+12125550104", "seller": "S1", "kind": "express", "scope": ["sales"], "given_at": "2026-01-02T15:04:05Z"}`,
		`{"number": "+12125550104", "seller": "S1", "kind": "express", "scope": ["collections"], "given_at": "2026-01-02T15:04:05Z", "record_hash": "x"}`,
	} {
		if code, _, errs = runCLIIn(t, bad+"\n", "consent", "import", "--database-url", db, "-"); code != 2 || !strings.Contains(errs, "- line 1") {
			t.Fatalf("import %s: %d %s", bad, code, errs)
		}
	}
	lines := `{"number": "+12125550102", "seller": "S1", "kind": "express", "scope": ["collections"], "given_at": "2026-01-02T15:04:05Z"}
{"number": "+12125550103", "seller": "S1", "kind": "express", "scope": ["collections"], "given_at": "yesterday"}
`
	code, _, errs = runCLIIn(t, lines, "consent", "import", "--database-url", db, "-")
	if code != 2 || !strings.Contains(errs, "- line 2 field given_at") {
		t.Fatalf("bad import: %d %s", code, errs)
	}
	code, out, errs = runCLIIn(t, lines[:strings.IndexByte(lines, '\n')+1], "consent", "import", "--database-url", db, "--json", "-")
	if code != 0 || !strings.Contains(out, `"imported": 1`) {
		t.Fatalf("import: %d %s %s", code, out, errs)
	}
	code, out, errs = runCLIIn(t, "", "consent", "revoke", "--database-url", db, "--number", "+12125550101", "--seller", "S1", "--via", "sms", "--by", "api")
	if code != 0 || !strings.Contains(out, "1 consent(s)") {
		t.Fatalf("revoke: %d %s %s", code, out, errs)
	}
	if code, _, _ = runCLIIn(t, "", "consent", "revoke", "--database-url", db, "--number", "+12125550101", "--seller", "S1", "--via", "sms", "--by", "api"); code != 1 {
		t.Fatalf("second revoke: %d", code)
	}
	code, out, _ = runCLIIn(t, "", "consent", "show", "--database-url", db, "--json", "+12125550101")
	var shown []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &shown) != nil || len(shown) != 1 || shown[0]["revoked_via"] != "sms" || shown[0]["hash_ok"] != true {
		t.Fatalf("show: %d %s", code, out)
	}
	// compliance why and audit verify (empty log: intact; decisions come from the gate).
	code, out, _ = runCLIIn(t, "", "compliance", "why", "--database-url", db, "+12125550101")
	if code != 0 || !strings.Contains(out, "no gate decision recorded") || !strings.Contains(out, "revoked") {
		t.Fatalf("why: %d %s", code, out)
	}
	if code, _, errs = runCLIIn(t, "", "compliance", "why", "--database-url", db, "--at", "noon", "+12125550101"); code != 2 {
		t.Fatalf("why --at: %d %s", code, errs)
	}
	code, out, _ = runCLIIn(t, "", "compliance", "audit", "verify", "--database-url", db, "--json")
	if code != 0 || !strings.Contains(out, `"ok": true`) {
		t.Fatalf("verify: %d %s", code, out)
	}
	code, out, _ = runCLIIn(t, "", "compliance", "seller", "S1", "--database-url", db, "--caller-id", "+12125550000")
	if code != 0 || !strings.Contains(out, "+12125550000") {
		t.Fatalf("seller: %d %s", code, out)
	}
	_ = io.Discard
}

// sliceSource is a store.ContactSource over a slice.
type sliceSource struct {
	rows []store.ContactRow
	i    int
}

func (s *sliceSource) Next() bool             { s.i++; return s.i <= len(s.rows) }
func (s *sliceSource) Row() *store.ContactRow { return &s.rows[s.i-1] }
func (s *sliceSource) Err() error             { return nil }
