package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/voxdial/voxdial/store"
)

func TestCampaignComplianceCmd(t *testing.T) {
	t.Parallel()
	dbURL := sqliteURL(t)
	db, err := store.Open(context.Background(), dbURL, store.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CampaignCreate(context.Background(), &store.CampaignCreateParams{Name: "remind", CallerIDs: []string{"+12125550000"}}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	run := func(args ...string) (int, string, string) {
		return runCLIIn(t, "", append([]string{"campaign", "compliance", "--database-url", dbURL, "remind"}, args...)...)
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string // in stdout (JSON) or stderr
	}{
		{"defaults", []string{"--json"}, 0, `"voice": "artificial"`},
		{"unknown seller", []string{"--seller", "S9", "--purpose", "collections"}, 2, `--seller "S9": no such seller`},
		{"bad purpose", []string{"--purpose", "marketing"}, 2, `--purpose "marketing"`},
		{"bad pack", []string{"--packs", "us,mars"}, 2, `unknown rule pack "mars"`},
		{"bad pacing", []string{"--pacing", "fast"}, 2, `--pacing "fast"`},
		{"set", []string{"--seller", "S9", "--create-seller", "--purpose", "collections", "--packs", "us, uk", "--voice", "live",
			"--pacing", "predictive", "--subject", "debt", "--json"}, 0, `"rule_packs": "us,uk"`},
		{"kept", []string{"--json"}, 0, `"purpose": "collections"`},
		{"packs by country", []string{"--packs", "", "--json"}, 0, `"rule_packs": ""`},
		{"text", nil, 0, `seller "S9", purpose collections, voice live, rule packs (by the number's country), subject "debt", pacing predictive`},
	} {
		code, out, errs := run(tc.args...)
		if code != tc.code || !strings.Contains(out+errs, tc.want) {
			t.Fatalf("%s: exit %d (want %d)\nstdout %s\nstderr %s\nwant %q", tc.name, code, tc.code, out, errs, tc.want)
		}
		if tc.code == 0 && strings.Contains(strings.Join(tc.args, " "), "--json") {
			var v map[string]any
			if err := json.Unmarshal([]byte(out), &v); err != nil {
				t.Fatalf("%s: not one JSON document: %v", tc.name, err)
			}
		}
	}
}
