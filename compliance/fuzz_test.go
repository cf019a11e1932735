package compliance

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func FuzzParseAttempt(f *testing.F) {
	for _, s := range []string{
		`{"id": "a1", "number": "+12125550123", "campaign": "c1", "at": "2026-06-10T11:59:59Z", "debt_ids": ["D1"]}`,
		`{"id": 7, "number": "+442079460000", "campaign": "c1", "at": "2026-06-10T11:59:59.123+01:00"}`,
		`{"number": "+1", "campaign": "", "at": ""}`,
		`{"id": null}`, `[]`, `{`, `{"at": 5}`, `{"debt_ids": "x"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		a, err := ParseAttempt(line, 3)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) || ie.File != "attempts" || ie.Line < 3 {
				t.Fatalf("error %v is not an attempts InputError with a line", err)
			}
			return
		}
		if _, ok := ParseNumber(a.Number); !ok {
			t.Fatalf("accepted number %q", a.Number)
		}
		if a.Campaign == "" || a.At.IsZero() && !strings.Contains(string(line), "0001-01-01") {
			t.Fatalf("accepted attempt without campaign or time: %+v", a)
		}
	})
}

func FuzzLoadState(f *testing.F) {
	f.Add([]byte(contractState))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"campaigns": {"c1": {"seller": "S1", "purpose": "collections", "voice": "live", "rule_packs": ["cn"]}}}`))
	f.Add([]byte(`{"history": [{"number": "+8613800138000", "at": "2026-06-10T00:00:00Z", "refusal": {"confidence": 0.5}}]}`))
	f.Add([]byte(`{"dnc": [{"number": "+12125550123", "list": "state", "region": "US-TX"}], "dnc_snapshots": {"national": "2026-06-01"}}`))
	f.Add([]byte(`{"contacts": {"+12125550123": {"address_timezone": "Nowhere/City"}}}`))
	g0, _ := NewGate(Options{Directory: NewMemory(), Consents: NewMemory(), History: NewMemory(), DNC: NewDNCIndex()})
	_ = g0
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := LoadState(strings.NewReader(string(data)))
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) || ie.File != "state" {
				t.Fatalf("error %v is not a state InputError", err)
			}
			return
		}
		g, err := st.Gate()
		if err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 6, 10, 15, 0, 0, 0, time.UTC)
		for _, c := range []string{"c1", "c0", "tm"} {
			for _, n := range []string{"+12125550123", "+8613800138000", "+18005550100"} {
				d := g.Check(context.Background(), Attempt{ID: "f", Number: n, Campaign: c, At: at, DebtIDs: []string{"D1"}})
				if (d.Verdict == Allow) != (d.Rules == 0) || d.Rules&d.Passed != 0 {
					t.Fatalf("inconsistent decision %v rules=%v passed=%v", d.Verdict, d.Rules, d.Passed)
				}
				if d.Verdict != Block && !d.NextEligibleAt.IsZero() {
					t.Fatalf("next_eligible_at on %v", d.Verdict)
				}
				if !d.NextEligibleAt.IsZero() && !d.NextEligibleAt.After(at) {
					t.Fatalf("next_eligible_at %v not after %v", d.NextEligibleAt, at)
				}
				_ = d.Reason()
			}
		}
	})
}
