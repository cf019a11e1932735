package compliance

import "testing"

// Every rule has a complete row, ids are unique and parse back, and the derived sets say
// what the table says.
func TestRuleTable(t *testing.T) {
	seen := map[string]RuleID{}
	for r := RuleID(1); r < numRules; r++ {
		m := rules[r]
		if m.id == "" || m.title == "" {
			t.Errorf("rule %d: incomplete row %+v", r, m)
		}
		if o, dup := seen[m.id]; dup {
			t.Errorf("rule id %s used by %d and %d", m.id, o, r)
		}
		seen[m.id] = r
		if got, ok := ParseRuleID(m.id); !ok || got != r {
			t.Errorf("ParseRuleID(%q) = %d, %v", m.id, got, ok)
		}
		if r.Title() != m.title || r.String() != m.id {
			t.Errorf("rule %s: Title/String disagree with the table", m.id)
		}
		var one RuleSet
		one.Add(r)
		if timeRules.Has(r) != (m.kind == kindTime) || one.CampaignLevel() != (m.kind == kindCampaign) {
			t.Errorf("rule %s: derived sets disagree with kind %d", m.id, m.kind)
		}
	}
	if _, ok := ParseRuleID(""); ok {
		t.Error("the empty id parses")
	}
	if RuleID(200).Title() != "" || RuleID(200).String() != "RULE_200" {
		t.Error("an unknown rule has a title or a canonical id")
	}
}

func TestRuleSetCampaignLevel(t *testing.T) {
	for _, tc := range []struct {
		rules []RuleID
		want  bool
	}{
		{nil, false},
		{[]RuleID{DNCSnapshotStale}, true},
		{[]RuleID{DNCSnapshotStale, CallerIDInvalid, DataUnavailable}, true},
		{[]RuleID{DNCSnapshotStale, DNCNational}, false},
		{[]RuleID{USTCPAHours}, false},
	} {
		var s RuleSet
		for _, r := range tc.rules {
			s.Add(r)
		}
		if got := s.CampaignLevel(); got != tc.want {
			t.Errorf("%s.CampaignLevel() = %v, want %v", s, got, tc.want)
		}
	}
}
