package compliance

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

const contractState = `{
  "sellers": {"S1": {"caller_ids": ["+12125550000"], "platform_suppression": false}},
  "campaigns": {
    "c1": {"seller": "S1", "purpose": "telemarketing", "voice": "artificial", "rule_packs": ["us"],
           "subject": "solar-offer", "caller_id": "+12125550000", "live_operator_guaranteed": false,
           "pacing": "predictive", "abandon_30d": {"live_answers": 1000, "abandoned": 20},
           "abandon_24h": {"live_answers": 0, "abandoned": 0}}
  },
  "contacts": {"+12125550123": {"address_timezone": "America/New_York", "address_region": "US-NY", "line_type": "wireless"}},
  "consents": [{"number": "+12125550123", "seller": "S1", "kind": "written", "scope": ["telemarketing"],
                "artificial_voice": true, "given_at": "2026-01-01T00:00:00Z", "expires_at": null, "revoked_at": null, "revoked_via": null}],
  "dnc": [{"number": "+12125550999", "list": "internal", "seller": "S1", "listed_at": "2026-05-01T00:00:00Z"}],
  "dnc_snapshots": {"national": "2026-06-01", "tps": "2026-06-01"},
  "ebr": [{"number": "+12125550123", "seller": "S1", "kind": "purchase", "at": "2026-01-01T00:00:00Z"}],
  "reassigned": [{"number": "+12125550123", "answer": "no", "checked_at": "2026-06-01T00:00:00Z"}],
  "history": [{"number": "+12125550123", "seller": "S1", "campaign": "c0", "subject": "solar-offer",
               "debt_ids": [], "at": "2026-06-09T15:00:00Z", "caller_id": "+12125550000",
               "outcome": "no_answer", "conversation": false, "refusal": null, "exempt": false}]
}`

func runStream(t *testing.T, state, attempts string) ([]DecisionJSON, error) {
	t.Helper()
	var out strings.Builder
	err := CheckStream(context.Background(), strings.NewReader(state), strings.NewReader(attempts), &out)
	var ds []DecisionJSON
	sc := bufio.NewScanner(strings.NewReader(out.String()))
	for sc.Scan() {
		var d DecisionJSON
		if jerr := json.Unmarshal(sc.Bytes(), &d); jerr != nil {
			t.Fatalf("output line %q: %v", sc.Text(), jerr)
		}
		ds = append(ds, d)
	}
	return ds, err
}

func TestCheckStreamContract(t *testing.T) {
	t.Parallel()
	in := `{"id": "a1", "number": "+12125550123", "campaign": "c1", "at": "2026-06-10T11:59:59Z", "debt_ids": ["D1"]}

{"id": "a2", "number": "+12125550123", "campaign": "c1", "at": "2026-06-10T12:00:00Z"}
{"id": "a3", "number": "+12125550999", "campaign": "c1", "at": "2026-06-10T12:00:00Z"}
{"id": "a4", "number": "+18005550100", "campaign": "c1", "at": "2026-06-10T12:00:00Z"}`
	ds, err := runStream(t, contractState, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 4 {
		t.Fatalf("%d decisions, want 4 (blank lines skipped)", len(ds))
	}
	a1 := ds[0]
	if a1.ID != "a1" || a1.Decision != "block" || strings.Join(a1.Rules, ",") != "US_TCPA_HOURS" ||
		a1.Reason != "07:59:59 EDT in America/New_York is before 08:00" || a1.NextEligibleAt != "2026-06-10T12:00:00Z" ||
		strings.Join(a1.Zones, ",") != "America/New_York" {
		t.Errorf("a1 = %+v", a1)
	}
	if ds[1].ID != "a2" || ds[1].Decision != "allow" || len(ds[1].Rules) != 0 || ds[1].NextEligibleAt != "" {
		t.Errorf("a2 = %+v", ds[1])
	}
	if ds[2].Decision != "block" || strings.Join(ds[2].Rules, ",") != "US_PEWC_REQUIRED,DNC_INTERNAL" || ds[2].NextEligibleAt != "" {
		t.Errorf("a3 = %+v", ds[2])
	}
	if ds[3].Decision != "block" || strings.Join(ds[3].Rules, ",") != "TZ_UNRESOLVED,US_PEWC_REQUIRED" {
		t.Errorf("a4 = %+v", ds[3])
	}
	// The raw line keeps rules as [] (not null) and omits next_eligible_at on allow.
	var out strings.Builder
	if err := CheckStream(context.Background(), strings.NewReader(contractState),
		strings.NewReader(`{"id":"x","number":"+12125550123","campaign":"c1","at":"2026-06-10T12:00:00Z"}`), &out); err != nil {
		t.Fatal(err)
	}
	if s := out.String(); !strings.Contains(s, `"rules":[]`) || strings.Contains(s, "next_eligible_at") || !strings.HasSuffix(s, "}\n") {
		t.Errorf("allow line = %s", s)
	}
}

func TestCheckStreamMalformed(t *testing.T) {
	t.Parallel()
	good := `{"id":"a1","number":"+12125550123","campaign":"c1","at":"2026-06-10T12:00:00Z"}` + "\n"
	tests := []struct {
		name, state, attempts string
		file                  string
		line                  int
		field                 string
		decided               int
	}{
		{"invalid JSON", contractState, good + `{"id": "a2", "number": ` + "\n", "attempts", 2, "", 1},
		{"number missing", contractState, good + good + `{"id":"a3","campaign":"c1","at":"2026-06-10T12:00:00Z"}`, "attempts", 3, "number", 2},
		{"number not E.164", contractState, `{"id":"a","number":"2125550123","campaign":"c1","at":"2026-06-10T12:00:00Z"}`, "attempts", 1, "number", 0},
		{"at not RFC 3339", contractState, `{"id":"a","number":"+12125550123","campaign":"c1","at":"2026-06-10 12:00"}`, "attempts", 1, "at", 0},
		{"at wrong type", contractState, `{"id":"a","number":"+12125550123","campaign":"c1","at":5}`, "attempts", 1, "at", 0},
		{"debt_ids wrong type", contractState, `{"id":"a","number":"+12125550123","campaign":"c1","at":"2026-06-10T12:00:00Z","debt_ids":"D1"}`, "attempts", 1, "debt_ids", 0},
		{"unknown campaign", contractState, good + `{"id":"a","number":"+12125550123","campaign":"nope","at":"2026-06-10T12:00:00Z"}`, "attempts", 2, "campaign", 1},
		{"two values on a line", contractState, `{"id":"a"} {"id":"b"}`, "attempts", 1, "", 0},
		{"state: bad purpose", strings.Replace(contractState, `"purpose": "telemarketing"`, `"purpose": "sales"`, 1), good, "state", 0, "campaigns.c1.purpose", 0},
		{"state: missing voice", strings.Replace(contractState, `"voice": "artificial",`, ``, 1), good, "state", 0, "campaigns.c1.voice", 0},
		{"state: bad time", strings.Replace(contractState, `"given_at": "2026-01-01T00:00:00Z"`, `"given_at": "yesterday"`, 1), good, "state", 0, "consents[0].given_at", 0},
		{"state: wrong type", strings.Replace(contractState, `"artificial_voice": true`, `"artificial_voice": "yes"`, 1), good, "state", 11, "consents.artificial_voice", 0},
		{"state: syntax", contractState[:200], good, "state", 0, "", 0},
		{"state: bad list", strings.Replace(contractState, `"list": "internal"`, `"list": "global"`, 1), good, "state", 0, "dnc[0].list", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ds, err := runStream(t, tc.state, tc.attempts)
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("err = %v, want *InputError", err)
			}
			if ie.File != tc.file || (tc.line != 0 && ie.Line != tc.line) || ie.Field != tc.field {
				t.Errorf("err = %v (file %q line %d field %q), want %s line %d field %q", err, ie.File, ie.Line, ie.Field, tc.file, tc.line, tc.field)
			}
			if len(ds) != tc.decided {
				t.Errorf("%d decisions written before the error, want %d", len(ds), tc.decided)
			}
		})
	}
}

func TestOptOutBlocksQueuedCallOfAnotherCampaign(t *testing.T) {
	t.Parallel()
	st, err := LoadState(strings.NewReader(contractState))
	if err != nil {
		t.Fatal(err)
	}
	st.Memory.PutCampaign(Campaign{ID: "c2", Seller: "S1", Purpose: Informational, Voice: VoiceLive, CallerID: "+12125550000", Pacing: PacingOneToOne})
	g, err := st.Gate()
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 6, 10, 15, 0, 0, 0, time.UTC)
	queued := Attempt{ID: "q", Number: "+12125550123", Campaign: "c2", At: at.Add(time.Minute)}
	if d := g.Check(context.Background(), queued); d.Verdict != Allow {
		t.Fatalf("before opt-out: %v %v", d.Verdict, d.Reason())
	}
	// The consumer opts out during a call of campaign c1: internal DNC + revocation at once.
	n, _ := ParseNumber("+12125550123")
	st.DNC.Add(ListInternal, "S1", n, at)
	st.Memory.RevokeConsent(n, "S1", at, "bot:opt_out")
	d := g.Check(context.Background(), queued)
	if d.Verdict != Block || !d.Rules.Has(DNCInternal) {
		t.Fatalf("after opt-out: %v %v %s", d.Verdict, d.Rules, d.Reason())
	}
}
