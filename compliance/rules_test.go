package compliance

import (
	"testing"
	"time"
)

func evs(number, campaign, outcome string, at ...string) []eventJSON {
	var out []eventJSON
	for _, t := range at {
		out = append(out, eventJSON{Number: number, Campaign: campaign, At: t, Outcome: outcome, DebtIDs: []string{"D1"}})
	}
	return out
}

func TestRegF(t *testing.T) {
	t.Parallel()
	week := []string{"2026-06-04T14:00:00Z", "2026-06-05T14:00:00Z", "2026-06-06T14:00:00Z", "2026-06-07T14:00:00Z",
		"2026-06-08T14:00:00Z", "2026-06-09T14:00:00Z", "2026-06-10T14:00:00Z"}
	const at = "2026-06-10T16:00:00Z"
	tests := []struct {
		name  string
		at    string
		debts []string
		mod   func(s *stateJSON)
		want  want
	}{
		{"7 attempts in 7 local days: the 8th is blocked", at, []string{"D1"},
			func(s *stateJSON) { s.History = evs(ny, "dc", "no_answer", week...) },
			want{"block", []string{"US_REGF_7IN7"}, "2026-06-11T12:00:00Z", nil, nil}},
		{"the day before the window does not count", at, []string{"D1"},
			func(s *stateJSON) {
				s.History = evs(ny, "dc", "no_answer", append([]string{"2026-06-04T03:59:59Z"}, week[1:]...)...) // 23:59:59 EDT June 3
			}, want{decision: "allow", passed: []string{"US_REGF_7IN7"}}},
		{"not-connected calls are excluded", at, []string{"D1"},
			func(s *stateJSON) {
				s.History = evs(ny, "dc", "no_answer", week[1:]...)
				s.History = append(s.History, evs(ny, "dc", "not_connected", week[0])...)
			}, want{decision: "allow"}},
		{"calls under direct consent (≤ 7 days, day 1 = consent day) are excluded", at, []string{"D1"},
			func(s *stateJSON) {
				s.History = evs(ny, "dc", "no_answer", week...)
				s.Consents = append(s.Consents, consentJSON{Number: ny, Seller: "S1", Kind: "direct", Scope: &[]string{"collections"},
					ArtificialVoice: true, GivenAt: sp("2026-06-03T13:00:00Z")})
			}, want{decision: "allow"}},
		{"an attempt under direct consent is outside the presumption", at, []string{"D1"},
			func(s *stateJSON) {
				s.History = evs(ny, "dc", "no_answer", week...)
				s.Consents = append(s.Consents, consentJSON{Number: ny, Seller: "S1", Kind: "direct", Scope: &[]string{"collections"},
					ArtificialVoice: true, GivenAt: sp("2026-06-10T13:00:00Z")})
			}, want{decision: "allow"}},
		{"per debt: another debt has its own count", at, []string{"D2"},
			func(s *stateJSON) { s.History = evs(ny, "dc", "no_answer", week...) },
			want{decision: "allow"}},
		{"a call about several debts counts toward each", at, []string{"D2", "D1"},
			func(s *stateJSON) { s.History = evs(ny, "dc", "no_answer", week...) },
			want{"block", []string{"US_REGF_7IN7"}, "2026-06-11T12:00:00Z", nil, nil}},
		{"post-conversation week (conversation day = day 1)", at, []string{"D1"},
			func(s *stateJSON) {
				s.History = []eventJSON{{Number: ny, Campaign: "dc", At: "2026-06-05T15:00:00Z", Outcome: "answered", Conversation: true, DebtIDs: []string{"D1"}}}
			}, want{"block", []string{"US_REGF_POST_CONVERSATION"}, "2026-06-12T12:00:00Z", nil, nil}},
		{"post-conversation week over", "2026-06-12T12:00:00Z", []string{"D1"},
			func(s *stateJSON) {
				s.History = []eventJSON{{Number: ny, Campaign: "dc", At: "2026-06-05T15:00:00Z", Outcome: "answered", Conversation: true, DebtIDs: []string{"D1"}}}
			}, want{decision: "allow", passed: []string{"US_REGF_POST_CONVERSATION"}}},
		{"post-conversation: another debt", at, []string{"D2"},
			func(s *stateJSON) {
				s.History = []eventJSON{{Number: ny, Campaign: "dc", At: "2026-06-05T15:00:00Z", Outcome: "answered", Conversation: true, DebtIDs: []string{"D1"}}}
			}, want{decision: "allow"}},
		{"MA: 2 collector calls per 7 days per debt", at, []string{"D1"},
			func(s *stateJSON) {
				s.Contacts[ny] = contactJSON{AddressRegion: "US-MA"}
				s.History = evs(ny, "dc", "no_answer", "2026-06-03T16:00:00Z", "2026-06-08T16:00:00Z")
			}, want{"block", []string{"US_STATE_DC_CAP"}, "2026-06-10T16:00:01Z", nil, nil}},
		{"WA: 3 per week", at, []string{"D1"},
			func(s *stateJSON) {
				s.Contacts[ny] = contactJSON{AddressRegion: "US-WA"}
				s.History = evs(ny, "dc", "no_answer", "2026-06-04T16:00:00Z", "2026-06-08T16:00:00Z", "2026-06-09T16:00:00Z")
			}, want{"block", []string{"US_STATE_DC_CAP"}, "2026-06-11T16:00:01Z", nil, nil}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := base().consentAll(ny)
			tc.mod(s)
			check(t, decide(t, s, ny, "dc", tc.at, tc.debts...), tc.want)
		})
	}
}

const (
	london  = "+442079460000"
	paris   = "+33142685300"
	beijing = "+8613800138000"
)

func TestUK(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		campaign string
		at       string
		mod      func(s *stateJSON)
		want     want
	}{
		{"no statutory hours", "tm", "2026-06-10T02:00:00Z", nil, want{decision: "allow", zones: []string{"Europe/London"}}},
		{"PECR: automated marketing call needs consent", "tm", "2026-06-10T12:00:00Z",
			func(s *stateJSON) { s.Consents = nil }, want{decision: "block", rules: []string{"UK_PECR_CONSENT"}}},
		{"TPS", "tmlive", "2026-06-10T12:00:00Z",
			func(s *stateJSON) { s.Consents = nil; s.DNC = []dncJSON{{Number: london, List: "tps"}} },
			want{decision: "block", rules: []string{"UK_TPS"}}},
		{"TPS with a specific non-objection", "tmlive", "2026-06-10T12:00:00Z",
			func(s *stateJSON) { s.DNC = []dncJSON{{Number: london, List: "tps"}} }, want{decision: "allow", passed: []string{"UK_TPS"}}},
		{"TPS copy 29 days old is stale", "tmlive", "2026-06-10T12:00:00Z",
			func(s *stateJSON) { s.DNCSnapshots["tps"] = "2026-05-12" }, want{decision: "block", rules: []string{"DNC_SNAPSHOT_STALE"}}},
		{"TPS copy 28 days old is fresh", "tmlive", "2026-06-10T12:00:00Z",
			func(s *stateJSON) { s.DNCSnapshots["tps"] = "2026-05-13" }, want{decision: "allow"}},
		{"Ofcom: AMD machine exactly 24 h ago", "info", "2026-06-10T12:00:00Z",
			func(s *stateJSON) { s.History = evs(london, "info", "machine", "2026-06-09T12:00:00Z") },
			want{"block", []string{"UK_OFCOM_AMD_24H"}, "2026-06-10T12:00:01Z", nil, nil}},
		{"Ofcom: AMD repeat allowed with a guaranteed live operator", "info", "2026-06-10T12:00:00Z",
			func(s *stateJSON) {
				s.campaign("info", func(c *campaignJSON) { c.LiveOperatorGuaranteed = true })
				s.History = evs(london, "info", "machine", "2026-06-09T12:00:00Z")
			}, want{decision: "allow"}},
		{"Ofcom: 72 h after an abandoned call", "info", "2026-06-10T12:00:00Z",
			func(s *stateJSON) { s.History = evs(london, "info", "abandoned", "2026-06-08T12:00:00Z") },
			want{"block", []string{"UK_OFCOM_ABANDON_72H"}, "2026-06-11T12:00:01Z", nil, nil}},
		{"Ofcom: abandonment 3 % over 24 h", "info", "2026-06-10T12:00:00Z",
			func(s *stateJSON) {
				s.campaign("info", func(c *campaignJSON) {
					c.Pacing = "predictive"
					c.Abandon24h = &abandonJSON{LiveAnswers: 100, Abandoned: 3}
				})
			}, want{decision: "block", rules: []string{"ABANDON_RATE_CAP"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := base().consentAll(london)
			if tc.mod != nil {
				tc.mod(s)
			}
			check(t, decide(t, s, london, tc.campaign, tc.at), tc.want)
		})
	}
}

func TestFrance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		campaign string
		at       string
		mod      func(s *stateJSON)
		want     want
	}{
		{"09:59:59 CEST", "tmlive", "2026-06-10T07:59:59Z", nil,
			want{"block", []string{"FR_WINDOW"}, "2026-06-10T08:00:00Z", []string{"Europe/Paris"}, nil}},
		{"10:00 CEST", "tmlive", "2026-06-10T08:00:00Z", nil, want{decision: "allow", passed: []string{"FR_WINDOW", "FR_DAY", "FR_HOLIDAY"}}},
		{"lunch break 13:00–14:00", "tmlive", "2026-06-10T11:30:00Z", nil,
			want{"block", []string{"FR_WINDOW"}, "2026-06-10T12:00:00Z", nil, nil}},
		{"20:00 closes", "tmlive", "2026-06-10T18:00:00Z", nil,
			want{"block", []string{"FR_WINDOW"}, "2026-06-11T08:00:00Z", nil, nil}},
		{"Friday evening: next is Monday", "tmlive", "2026-06-12T18:30:00Z", nil,
			want{"block", []string{"FR_WINDOW"}, "2026-06-15T08:00:00Z", nil, nil}},
		{"Saturday", "tmlive", "2026-06-13T09:00:00Z", nil,
			want{"block", []string{"FR_DAY"}, "2026-06-15T08:00:00Z", nil, nil}},
		{"14 July", "tmlive", "2026-07-14T09:00:00Z", nil,
			want{"block", []string{"FR_HOLIDAY"}, "2026-07-15T08:00:00Z", nil, nil}},
		{"Ascension (Easter + 39)", "tmlive", "2026-05-14T09:00:00Z", nil,
			want{"block", []string{"FR_HOLIDAY"}, "2026-05-15T08:00:00Z", nil, nil}},
		{"DST: 10:00 CET in winter is 09:00Z", "tmlive", "2026-01-14T08:30:00Z", nil,
			want{"block", []string{"FR_WINDOW"}, "2026-01-14T09:00:00Z", nil, nil}},
		{"4 attempts in 30 calendar days", "tmlive", "2026-06-10T09:00:00Z",
			func(s *stateJSON) {
				s.History = evs(paris, "tmlive", "no_answer", "2026-05-12T09:00:00Z", "2026-05-20T09:00:00Z", "2026-06-01T09:00:00Z", "2026-06-09T09:00:00Z")
			}, want{"block", []string{"FR_4_PER_30D"}, "2026-06-11T08:00:00Z", nil, nil}},
		{"the 31st day back does not count", "tmlive", "2026-06-10T09:00:00Z",
			func(s *stateJSON) {
				s.History = evs(paris, "tmlive", "no_answer", "2026-05-11T09:00:00Z", "2026-05-20T09:00:00Z", "2026-06-01T09:00:00Z", "2026-06-09T09:00:00Z")
			}, want{decision: "allow", passed: []string{"FR_4_PER_30D"}}},
		{"60 days after a refusal", "tmlive", "2026-06-10T09:00:00Z",
			func(s *stateJSON) {
				s.History = []eventJSON{{Number: paris, Campaign: "tmlive", At: "2026-05-01T10:00:00Z", Outcome: "answered", Refusal: &refusalJSON{Confidence: new(0.95)}}}
			}, want{"block", []string{"FR_REFUSAL_60D"}, "2026-06-30T10:00:01Z", nil, nil}},
		{"ePrivacy: automated call needs consent", "tm", "2026-06-10T09:00:00Z",
			func(s *stateJSON) { s.Consents = nil }, want{decision: "block", rules: []string{"EU_AUTOMATED_CONSENT"}}},
		{"French rules are for telemarketing", "info", "2026-06-13T09:00:00Z", nil, want{decision: "allow"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := base().consentAll(paris)
			if tc.mod != nil {
				tc.mod(s)
			}
			check(t, decide(t, s, paris, tc.campaign, tc.at), tc.want)
		})
	}
}

func TestChina(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		campaign string
		at       string
		mod      func(s *stateJSON)
		want     want
	}{
		{"08:00 Beijing opens", "tm", "2026-06-10T00:00:00Z", nil, want{decision: "allow", zones: []string{"Asia/Shanghai"}}},
		{"21:00 Beijing closes", "tm", "2026-06-10T13:00:00Z", nil,
			want{"block", []string{"CN_HOURS"}, "2026-06-11T00:00:00Z", nil, nil}},
		{"commercial call without consent", "tmlive", "2026-06-10T02:00:00Z",
			func(s *stateJSON) { s.Consents = nil }, want{decision: "block", rules: []string{"CN_CONSENT_REQUIRED"}}},
		{"collections at 21:30: carrier hours", "dclive", "2026-06-10T13:30:00Z", nil,
			want{"block", []string{"CN_HOURS"}, "2026-06-11T00:00:00Z", nil, []string{"CN_DC_HOURS"}}},
		{"collections at 22:00: quiet time too", "dclive", "2026-06-10T14:00:00Z", nil,
			want{"block", []string{"CN_HOURS", "CN_DC_HOURS"}, "2026-06-11T00:00:00Z", nil, nil}},
		{"3 effective conversations today, any collector", "dclive", "2026-06-10T08:00:00Z",
			func(s *stateJSON) {
				s.Campaigns["other"] = campaignJSON{Seller: sp("S2"), Purpose: sp("collections"), Voice: sp("live"), CallerID: "+13125550000"}
				for _, at := range []string{"2026-06-10T01:00:00Z", "2026-06-10T02:00:00Z", "2026-06-10T03:00:00Z"} {
					s.History = append(s.History, eventJSON{Number: beijing, Campaign: "other", At: at, Outcome: "answered", Conversation: true})
				}
			}, want{"block", []string{"CN_DC_DAILY_CAP"}, "2026-06-11T00:00:00Z", nil, nil}},
		{"platform: 3 calls in 5 minutes across caller ids", "tm", "2026-06-10T02:05:00Z",
			func(s *stateJSON) {
				s.Campaigns["other"] = campaignJSON{Seller: sp("S2"), Purpose: sp("informational"), Voice: sp("live"), CallerID: "+13125550000"}
				s.History = evs(beijing, "other", "no_answer", "2026-06-10T02:00:00Z", "2026-06-10T02:01:00Z", "2026-06-10T02:04:00Z")
			}, want{"block", []string{"CN_PLATFORM_CAP"}, "2026-06-10T02:05:01Z", nil, nil}},
		{"platform: 5 calls in 24 hours", "tm", "2026-06-10T06:00:00Z",
			func(s *stateJSON) {
				s.History = evs(beijing, "tm", "no_answer", "2026-06-09T06:00:00Z", "2026-06-09T07:00:00Z", "2026-06-10T01:00:00Z", "2026-06-10T02:00:00Z", "2026-06-10T03:00:00Z")
			}, want{"block", []string{"CN_PLATFORM_CAP"}, "2026-06-10T06:00:01Z", nil, nil}}, // exactly 24 h old still counts
		{"refused", "tm", "2026-06-10T02:00:00Z",
			func(s *stateJSON) {
				s.History = []eventJSON{{Number: beijing, Campaign: "tm", At: "2026-06-01T02:00:00Z", Outcome: "answered", Refusal: &refusalJSON{Confidence: new(0.9)}}}
			}, want{decision: "block", rules: []string{"CN_REFUSED"}}},
		{"refusal below 0.8: hold for review", "tm", "2026-06-10T02:00:00Z",
			func(s *stateJSON) {
				s.History = []eventJSON{{Number: beijing, Campaign: "tm", At: "2026-06-01T02:00:00Z", Outcome: "answered", Refusal: &refusalJSON{Confidence: new(0.79)}}}
			}, want{decision: "hold", rules: []string{"REFUSAL_REVIEW"}}},
		{"decline registry", "tm", "2026-06-10T02:00:00Z",
			func(s *stateJSON) { s.DNC = []dncJSON{{Number: beijing, List: "decline"}} },
			want{decision: "block", rules: []string{"CN_REFUSED"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := base().consentAll(beijing)
			if tc.mod != nil {
				tc.mod(s)
			}
			check(t, decide(t, s, beijing, tc.campaign, tc.at), tc.want)
		})
	}
}

func TestPacks(t *testing.T) {
	t.Parallel()
	s := base().consentAll("+4930123456")
	check(t, decide(t, s, "+4930123456", "tmlive", "2026-06-10T10:00:00Z"), want{decision: "block", rules: []string{"NO_RULE_PACK"}})
	// A campaign naming its packs: US rules apply to a UK number too (hours in London).
	s = base().consentAll(london).campaign("tm", func(c *campaignJSON) { c.RulePacks = []string{"us", "uk"} })
	check(t, decide(t, s, london, "tm", "2026-06-10T06:00:00Z"),
		want{"block", []string{"US_TCPA_HOURS"}, "2026-06-10T07:00:00Z", []string{"Europe/London"}, nil})
}

// readClock and localDay agree with the time package on every zone's wall clock, across DST
// changes, year ends and leap days.
func TestReadClockMatchesTime(t *testing.T) {
	zones := []string{"America/New_York", "America/Phoenix", "Europe/London", "Asia/Shanghai", "Australia/Lord_Howe", "Pacific/Chatham", "UTC"}
	for _, z := range zones {
		loc, err := time.LoadLocation(z)
		if err != nil {
			t.Fatal(err)
		}
		for ts := time.Date(1969, 12, 25, 0, 0, 0, 0, time.UTC); ts.Year() < 2031; ts = ts.Add(7*time.Hour + 13*time.Minute + 17*time.Second) {
			lt := ts.In(loc)
			c := readClock(ts, loc)
			y, m, d := lt.Date()
			h, mi, s := lt.Clock()
			if c.year != y || c.month != m || c.day != d || c.yday != lt.YearDay() || c.wd != lt.Weekday() || c.sec != h*3600+mi*60+s {
				t.Fatalf("%s %v: readClock %+v, time says %v", z, ts, c, lt)
			}
			if got, want := localDay(ts, loc), daysFromCivil(y, m, d); got != want {
				t.Fatalf("%s %v: localDay %d, want %d", z, ts, got, want)
			}
		}
	}
}
