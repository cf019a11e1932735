package compliance

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"
)

func sp(s string) *string { return &s }

// base returns a state with one seller S1 (and S2), campaigns for each purpose and voice,
// fresh registry copies and consents for the usual test numbers.
func base() *stateJSON {
	camp := func(purpose, voice, subject string) campaignJSON {
		return campaignJSON{Seller: sp("S1"), Purpose: sp(purpose), Voice: sp(voice), Subject: subject,
			CallerID: "+12125550000", Pacing: "one_to_one"}
	}
	return &stateJSON{
		Sellers: map[string]sellerJSON{
			"S1": {CallerIDs: []string{"+12125550000"}},
			"S2": {CallerIDs: []string{"+13125550000"}},
		},
		Campaigns: map[string]campaignJSON{
			"tm":     camp("telemarketing", "artificial", "solar"),
			"tmlive": camp("telemarketing", "live", "solar"),
			"info":   camp("informational", "artificial", ""),
			"dc":     camp("collections", "artificial", ""),
			"dclive": camp("collections", "live", ""),
		},
		Contacts:     map[string]contactJSON{},
		DNCSnapshots: map[string]string{"national": "auto", "tps": "auto"}, // the attempt's date
	}
}

// consentAll gives S1 written consent for every purpose, artificial voice, for number.
func (s *stateJSON) consentAll(number string) *stateJSON {
	s.Consents = append(s.Consents, consentJSON{Number: number, Seller: "S1", Kind: "written",
		ArtificialVoice: true, GivenAt: sp("2020-01-01T00:00:00Z")})
	return s
}

func (s *stateJSON) campaign(id string, f func(c *campaignJSON)) *stateJSON {
	c := s.Campaigns[id]
	f(&c)
	s.Campaigns[id] = c
	return s
}

func (s *stateJSON) events(number, campaign string, outcome string, at ...string) *stateJSON {
	for _, t := range at {
		s.History = append(s.History, eventJSON{Number: number, Campaign: campaign, At: t, Outcome: outcome})
	}
	return s
}

type want struct {
	decision string
	rules    []string // exactly these (nil: none)
	next     string   // "" : omitted
	zones    []string // checked when set
	passed   []string // must be among passed
}

func decide(t *testing.T, s *stateJSON, number, campaign, at string, debts ...string) DecisionJSON {
	t.Helper()
	for k, v := range s.DNCSnapshots {
		if v == "auto" {
			s.DNCSnapshots[k] = at[:10]
		}
	}
	st, err := buildState(s)
	if err != nil {
		t.Fatalf("state: %v", err)
	}
	g, err := st.Gate()
	if err != nil {
		t.Fatal(err)
	}
	ts, err := time.Parse(time.RFC3339, at)
	if err != nil {
		t.Fatal(err)
	}
	d := g.Check(context.Background(), Attempt{ID: "a", Number: number, Campaign: campaign, At: ts, DebtIDs: debts})
	return d.JSON()
}

func check(t *testing.T, got DecisionJSON, w want) {
	t.Helper()
	if w.rules == nil {
		w.rules = []string{}
	}
	if got.Decision != w.decision || !slices.Equal(got.Rules, w.rules) || got.NextEligibleAt != w.next {
		b, _ := json.Marshal(got)
		t.Errorf("got %s\nwant decision=%s rules=%v next=%q", b, w.decision, w.rules, w.next)
	}
	if w.zones != nil && !slices.Equal(got.Zones, w.zones) {
		t.Errorf("zones = %v, want %v", got.Zones, w.zones)
	}
	for _, p := range w.passed {
		if !slices.Contains(got.Passed, p) {
			t.Errorf("passed %v lacks %s", got.Passed, p)
		}
	}
	if got.Decision != "allow" && got.Reason == "" {
		t.Errorf("no reason")
	}
}

const ny = "+12125550123" // America/New_York

func TestHours(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name             string
		number, campaign string
		addrZone         string
		at               string
		want             want
	}{
		{"contract example: 07:59:59 EDT", ny, "tm", "", "2026-06-10T11:59:59Z",
			want{"block", []string{"US_TCPA_HOURS"}, "2026-06-10T12:00:00Z", []string{"America/New_York"}, nil}},
		{"08:00:00 EDT opens", ny, "tm", "", "2026-06-10T12:00:00Z",
			want{"allow", nil, "", nil, []string{"US_TCPA_HOURS", "DNC_NATIONAL", "US_PEWC_REQUIRED"}}},
		{"20:59:59 EDT", ny, "tm", "", "2026-06-11T00:59:59Z", want{decision: "allow"}},
		{"half-open: 21:00:00 EDT is closed", ny, "tm", "", "2026-06-11T01:00:00Z",
			want{"block", []string{"US_TCPA_HOURS"}, "2026-06-11T12:00:00Z", nil, nil}},
		{"Reg F hours", ny, "dc", "", "2026-06-11T01:00:00Z",
			want{"block", []string{"US_REGF_HOURS"}, "2026-06-11T12:00:00Z", nil, nil}},
		{"informational policy window", ny, "info", "", "2026-06-10T11:00:00Z",
			want{"block", []string{"US_INFO_HOURS"}, "2026-06-10T12:00:00Z", nil, nil}},
		// 2026-03-08: US DST starts at 02:00. 20:59:59 EDT is 00:59:59Z (EST would say 19:59).
		{"DST spring-forward evening: 20:59:59 EDT", ny, "tm", "", "2026-03-09T00:59:59Z", want{decision: "allow"}},
		{"DST spring-forward evening: 21:00 EDT", ny, "tm", "", "2026-03-09T01:00:00Z",
			want{"block", []string{"US_TCPA_HOURS"}, "2026-03-09T12:00:00Z", nil, nil}},
		{"DST spring-forward morning: 07:59 EDT", ny, "tm", "", "2026-03-08T11:59:00Z",
			want{"block", []string{"US_TCPA_HOURS"}, "2026-03-08T12:00:00Z", nil, nil}},
		// 2026-11-01: US DST ends. 07:30 EST = 12:30Z (EDT would say 08:30).
		{"DST fall-back morning: 07:30 EST", ny, "tm", "", "2026-11-01T12:30:00Z",
			want{"block", []string{"US_TCPA_HOURS"}, "2026-11-01T13:00:00Z", nil, nil}},
		{"DST fall-back morning: 08:00 EST", ny, "tm", "", "2026-11-01T13:00:00Z", want{decision: "allow"}},
		// +1 208-200: [America/Boise, America/Los_Angeles]: 08:30 MDT but 07:30 PDT.
		{"multi-zone prefix: every zone must be open", "+12082001234", "tm", "", "2026-06-10T14:30:00Z",
			want{"block", []string{"US_TCPA_HOURS"}, "2026-06-10T15:00:00Z", []string{"America/Boise", "America/Los_Angeles"}, nil}},
		{"multi-zone prefix: late evening closes in Boise first", "+12082001234", "tm", "", "2026-06-11T03:00:00Z",
			want{"block", []string{"US_TCPA_HOURS"}, "2026-06-11T15:00:00Z", nil, nil}},
		{"multi-zone prefix: open in both", "+12082001234", "tm", "", "2026-06-10T15:00:00Z", want{decision: "allow"}},
		// Navajo Nation (928-283, Tuba City) observes DST; the rest of Arizona does not.
		{"Navajo Nation vs Arizona in summer", "+19282831234", "tm", "", "2026-07-15T14:30:00Z",
			want{"block", []string{"US_TCPA_HOURS"}, "2026-07-15T15:00:00Z", []string{"America/Denver", "America/Phoenix"}, nil}},
		{"Navajo Nation evening: 21:00 MDT is 20:00 MST", "+19282831234", "tm", "", "2026-07-16T03:00:00Z",
			want{"block", []string{"US_TCPA_HOURS"}, "2026-07-16T15:00:00Z", nil, nil}},
		{"Navajo Nation vs Arizona in winter (same offset)", "+19282831234", "tm", "", "2026-01-15T15:00:00Z", want{decision: "allow"}},
		{"Phoenix: no DST", "+16025551234", "tm", "", "2026-07-15T14:59:59Z",
			want{"block", []string{"US_TCPA_HOURS"}, "2026-07-15T15:00:00Z", []string{"America/Phoenix"}, nil}},
		{"address zone joins the number's zones", ny, "tm", "America/Los_Angeles", "2026-06-10T13:00:00Z",
			want{"block", []string{"US_TCPA_HOURS"}, "2026-06-10T15:00:00Z", []string{"America/Los_Angeles", "America/New_York"}, nil}},
		{"toll-free without address zone", "+18005550123", "tm", "", "2026-06-10T16:00:00Z",
			want{"block", []string{"TZ_UNRESOLVED"}, "", []string{}, nil}},
		{"toll-free with address zone", "+18005550123", "tm", "America/Chicago", "2026-06-10T16:00:00Z",
			want{"allow", nil, "", []string{"America/Chicago"}, nil}},
		{"unknown address zone fails closed", ny, "tm", "Mars/Olympus_Mons", "2026-06-10T16:00:00Z",
			want{"block", []string{"TZ_UNRESOLVED"}, "", nil, nil}},
		{"next day across a weekend is still 08:00 (no federal day rule)", ny, "tm", "", "2026-06-13T01:30:00Z",
			want{"block", []string{"US_TCPA_HOURS"}, "2026-06-13T12:00:00Z", nil, nil}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := base().consentAll(tc.number)
			if tc.addrZone != "" {
				s.Contacts[tc.number] = contactJSON{AddressTimezone: tc.addrZone}
			}
			check(t, decide(t, s, tc.number, tc.campaign, tc.at), tc.want)
		})
	}
}

func TestStateRules(t *testing.T) {
	t.Parallel()
	const (
		fl = "+13055551234" // Florida, America/New_York
		tx = "+12145551234" // Texas (Dallas), America/Chicago
		la = "+15045551234" // Louisiana, America/Chicago
		al = "+12055551234" // Alabama, America/Chicago
	)
	tests := []struct {
		name   string
		number string
		region string
		at     string
		mod    func(s *stateJSON)
		want   want
	}{
		{"FL 20:00 closes", fl, "", "2026-06-11T00:00:00Z",
			nil, want{"block", []string{"US_STATE_HOURS"}, "2026-06-11T12:00:00Z", nil, nil}},
		{"FL 19:59:59 open", fl, "", "2026-06-10T23:59:59Z", nil, want{decision: "allow"}},
		{"address state FL applies to a NY number", ny, "US-FL", "2026-06-11T00:30:00Z",
			nil, want{"block", []string{"US_STATE_HOURS"}, "2026-06-11T12:00:00Z", nil, nil}},
		{"TX Sunday opens at noon", tx, "", "2026-06-14T16:00:00Z", // Sun 11:00 CDT
			nil, want{"block", []string{"US_STATE_HOURS"}, "2026-06-14T17:00:00Z", nil, nil}},
		{"TX Saturday 09:00", tx, "", "2026-06-13T13:30:00Z", // Sat 08:30 CDT
			nil, want{"block", []string{"US_STATE_HOURS"}, "2026-06-13T14:00:00Z", nil, nil}},
		{"LA Sunday: next is Monday 08:00", la, "", "2026-06-14T16:00:00Z",
			nil, want{"block", []string{"US_STATE_HOURS"}, "2026-06-15T13:00:00Z", nil, nil}},
		{"LA Christmas on a Friday", la, "", "2026-12-25T16:00:00Z",
			nil, want{"block", []string{"US_STATE_HOLIDAY"}, "2026-12-26T14:00:00Z", nil, nil}},
		// 2022-12-25 is a Sunday: LA observes it on Monday 26th; Sunday is closed anyway.
		{"LA holiday on a Sunday is observed Monday", la, "", "2022-12-26T16:00:00Z",
			nil, want{"block", []string{"US_STATE_HOLIDAY"}, "2022-12-27T14:00:00Z", nil, nil}},
		// 2026-07-04 is a Saturday: AL observes it Friday 3rd (and the day itself).
		{"AL Saturday holiday observed Friday", al, "", "2026-07-03T16:00:00Z",
			nil, want{"block", []string{"US_STATE_HOLIDAY"}, "2026-07-06T13:00:00Z", nil, nil}},
		{"AL the Saturday itself", al, "", "2026-07-04T16:00:00Z",
			nil, want{"block", []string{"US_STATE_HOLIDAY"}, "2026-07-06T13:00:00Z", nil, nil}},
		{"LA has no Saturday→Friday rule", la, "", "2026-07-03T16:00:00Z", nil, want{decision: "allow"}},
		{"LA Mardi Gras 2026 (Feb 17)", la, "", "2026-02-17T16:00:00Z",
			nil, want{"block", []string{"US_STATE_HOLIDAY"}, "2026-02-18T14:00:00Z", nil, nil}},
		{"FL subject cap: exactly 24 h old still counts", fl, "", "2026-06-10T16:00:00Z",
			func(s *stateJSON) {
				s.events(fl, "tm", "no_answer", "2026-06-09T16:00:00Z", "2026-06-10T10:00:00Z", "2026-06-10T15:00:00Z")
			}, want{"block", []string{"US_STATE_SUBJECT_CAP"}, "2026-06-10T16:00:01Z", nil, nil}},
		{"FL subject cap: 24 h + 1 s old drops out", fl, "", "2026-06-10T16:00:01Z",
			func(s *stateJSON) {
				s.events(fl, "tm", "no_answer", "2026-06-09T16:00:00Z", "2026-06-10T10:00:00Z", "2026-06-10T15:00:00Z")
			}, want{decision: "allow"}},
		{"FL subject cap counts every caller id and campaign of the seller", fl, "", "2026-06-10T16:00:00Z",
			func(s *stateJSON) {
				s.Campaigns["tm2"] = campaignJSON{Seller: sp("S1"), Purpose: sp("telemarketing"), Voice: sp("live"), Subject: "solar", CallerID: "+12125550000"}
				s.events(fl, "tm2", "answered", "2026-06-10T13:00:00Z", "2026-06-10T14:00:00Z", "2026-06-10T15:00:00Z")
			}, want{"block", []string{"US_STATE_SUBJECT_CAP"}, "2026-06-11T13:00:01Z", nil, nil}},
		{"FL subject cap: another subject has its own count", fl, "", "2026-06-10T16:00:00Z",
			func(s *stateJSON) {
				s.Campaigns["tm2"] = campaignJSON{Seller: sp("S1"), Purpose: sp("telemarketing"), Voice: sp("live"), Subject: "roofing", CallerID: "+12125550000"}
				s.events(fl, "tm2", "answered", "2026-06-10T13:00:00Z", "2026-06-10T14:00:00Z", "2026-06-10T15:00:00Z")
			}, want{decision: "allow"}},
		{"FL subject cap: another seller's calls do not count", fl, "", "2026-06-10T16:00:00Z",
			func(s *stateJSON) {
				s.Campaigns["other"] = campaignJSON{Seller: sp("S2"), Purpose: sp("telemarketing"), Voice: sp("live"), Subject: "solar", CallerID: "+13125550000"}
				s.events(fl, "other", "answered", "2026-06-10T13:00:00Z", "2026-06-10T14:00:00Z", "2026-06-10T15:00:00Z")
			}, want{decision: "allow"}},
		{"FL cap then 20:00 window: next is next morning", fl, "", "2026-06-10T23:00:00Z",
			func(s *stateJSON) {
				s.events(fl, "tm", "no_answer", "2026-06-10T12:00:00Z", "2026-06-10T13:00:00Z", "2026-06-10T22:00:00Z")
			}, want{"block", []string{"US_STATE_SUBJECT_CAP"}, "2026-06-11T12:00:01Z", nil, nil}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := base().consentAll(tc.number)
			if tc.region != "" {
				s.Contacts[tc.number] = contactJSON{AddressRegion: tc.region}
			}
			if tc.mod != nil {
				tc.mod(s)
			}
			check(t, decide(t, s, tc.number, "tm", tc.at), tc.want)
		})
	}
}

func TestHolidayCalendars(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cal  *Calendar
		date string
		want bool
	}{
		{&CalendarFR, "2026-04-06", true},  // Lundi de Pâques (Easter 2026-04-05)
		{&CalendarFR, "2026-05-14", true},  // Ascension
		{&CalendarFR, "2026-05-25", true},  // Lundi de Pentecôte
		{&CalendarFR, "2026-11-11", true},  // Armistice
		{&CalendarFR, "2026-07-13", false}, // no observed-day shift
		{&CalendarLA, "2023-01-02", true},  // New Year 2023 on a Sunday → Monday
		{&CalendarLA, "2026-11-26", true},  // Thanksgiving: 4th Thursday
		{&CalendarLA, "2026-05-25", true},  // Memorial Day: last Monday of May
		{&CalendarAL, "2026-07-03", true},  // Saturday holiday → Friday
		{&CalendarAL, "2026-04-27", true},  // Confederate Memorial Day: 4th Monday of April
		{&CalendarUT, "2026-07-24", true},  // Pioneer Day
		{&CalendarUT, "2021-06-18", false}, // Juneteenth only from 2022
		{&CalendarUT, "2022-06-20", true},  // Juneteenth 2022 (Sunday) → Monday
		{&CalendarMS, "2026-04-27", true},  // Confederate Memorial Day: last Monday of April
	}
	for _, tc := range tests {
		tab := compileCalendar(tc.cal)
		d, _ := time.Parse(time.DateOnly, tc.date)
		got, ok := tab.isHoliday(d.Year(), d.YearDay())
		if !ok || got != tc.want {
			t.Errorf("%s %s: holiday=%v ok=%v, want %v", tc.cal.Name, tc.date, got, ok, tc.want)
		}
	}
	for y, want := range map[int]string{2024: "2024-03-31", 2025: "2025-04-20", 2026: "2026-04-05", 2038: "2038-04-25", 2000: "2000-04-23"} {
		if got := easter(y).Format(time.DateOnly); got != want {
			t.Errorf("easter(%d) = %s, want %s", y, got, want)
		}
	}
}

func TestDNCAndConsent(t *testing.T) {
	t.Parallel()
	const at = "2026-06-10T16:00:00Z"
	tests := []struct {
		name     string
		campaign string
		mod      func(s *stateJSON)
		want     want
	}{
		{"internal DNC of the seller blocks another campaign of the same seller", "info",
			func(s *stateJSON) {
				s.DNC = append(s.DNC, dncJSON{Number: ny, List: "internal", Seller: "S1", ListedAt: sp("2026-06-10T15:59:00Z")})
			}, want{decision: "block", rules: []string{"DNC_INTERNAL"}}},
		{"internal DNC listed after the attempt time does not count (replay)", "info",
			func(s *stateJSON) {
				s.DNC = append(s.DNC, dncJSON{Number: ny, List: "internal", Seller: "S1", ListedAt: sp("2026-06-10T16:00:01Z")})
			}, want{decision: "allow"}},
		{"another seller's internal DNC does not count", "tm",
			func(s *stateJSON) {
				s.DNC = append(s.DNC, dncJSON{Number: ny, List: "internal", Seller: "S2"})
			}, want{decision: "allow", passed: []string{"DNC_INTERNAL"}}},
		{"platform suppression: every seller's internal DNC counts", "tm",
			func(s *stateJSON) {
				s.Sellers["S1"] = sellerJSON{CallerIDs: []string{"+12125550000"}, PlatformSuppression: true}
				s.DNC = append(s.DNC, dncJSON{Number: ny, List: "internal", Seller: "S2"})
			}, want{decision: "block", rules: []string{"DNC_INTERNAL"}}},
		{"national DNC blocks telemarketing", "tm",
			func(s *stateJSON) { s.DNC = append(s.DNC, dncJSON{Number: ny, List: "national"}) },
			want{decision: "block", rules: []string{"DNC_NATIONAL"}}},
		{"national DNC does not apply to collections", "dc",
			func(s *stateJSON) { s.DNC = append(s.DNC, dncJSON{Number: ny, List: "national"}) },
			want{decision: "allow"}},
		{"national DNC: EBR exempts a live call", "tmlive",
			func(s *stateJSON) {
				s.DNC = append(s.DNC, dncJSON{Number: ny, List: "national"})
				s.EBR = append(s.EBR, ebrJSON{Number: ny, Seller: "S1", Kind: "purchase", At: "2025-01-01T00:00:00Z"})
			}, want{decision: "allow", passed: []string{"DNC_NATIONAL"}}},
		{"national DNC: expired inquiry EBR", "tmlive",
			func(s *stateJSON) {
				s.DNC = append(s.DNC, dncJSON{Number: ny, List: "national"})
				s.EBR = append(s.EBR, ebrJSON{Number: ny, Seller: "S1", Kind: "inquiry", At: "2026-03-09T00:00:00Z"})
			}, want{decision: "block", rules: []string{"DNC_NATIONAL"}}},
		{"national DNC: EBR does not exempt an artificial-voice call", "tm",
			func(s *stateJSON) {
				s.DNC = append(s.DNC, dncJSON{Number: ny, List: "national"})
				s.EBR = append(s.EBR, ebrJSON{Number: ny, Seller: "S1", Kind: "purchase", At: "2026-01-01T00:00:00Z"})
			}, want{decision: "block", rules: []string{"DNC_NATIONAL"}}},
		{"state DNC", "tmlive",
			func(s *stateJSON) { s.DNC = append(s.DNC, dncJSON{Number: ny, List: "state", Region: "US-TX"}) },
			want{decision: "block", rules: []string{"DNC_STATE"}}},
		{"registry copy 31 days old is fresh", "tm",
			func(s *stateJSON) { s.DNCSnapshots["national"] = "2026-05-10" }, want{decision: "allow", passed: []string{"DNC_SNAPSHOT_STALE"}}},
		{"registry copy 32 days old is stale", "tm",
			func(s *stateJSON) { s.DNCSnapshots["national"] = "2026-05-09" },
			want{decision: "block", rules: []string{"DNC_SNAPSHOT_STALE"}}},
		{"no registry copy fails closed", "tm",
			func(s *stateJSON) { delete(s.DNCSnapshots, "national") },
			want{decision: "block", rules: []string{"DNC_SNAPSHOT_STALE"}}},
		{"artificial-voice telemarketing needs PEWC", "tm",
			func(s *stateJSON) { s.Consents = nil },
			want{decision: "block", rules: []string{"US_PEWC_REQUIRED"}}},
		{"express consent is not PEWC", "tm",
			func(s *stateJSON) { s.Consents[0].Kind = "express" },
			want{decision: "block", rules: []string{"US_PEWC_REQUIRED"}}},
		{"PEWC must cover artificial voice", "tm",
			func(s *stateJSON) { s.Consents[0].ArtificialVoice = false },
			want{decision: "block", rules: []string{"US_PEWC_REQUIRED"}}},
		{"PEWC must name this seller", "tm",
			func(s *stateJSON) { s.Consents[0].Seller = "S2" },
			want{decision: "block", rules: []string{"US_PEWC_REQUIRED"}}},
		{"expired consent", "tm",
			func(s *stateJSON) { s.Consents[0].ExpiresAt = sp("2026-06-10T16:00:00Z") },
			want{decision: "block", rules: []string{"US_PEWC_REQUIRED"}}},
		{"consent revoked mid-campaign", "tm",
			func(s *stateJSON) {
				s.Consents[0].RevokedAt = sp("2026-06-10T15:00:00Z")
				s.Consents[0].RevokedVia = sp("dtmf")
			}, want{decision: "block", rules: []string{"US_PEWC_REQUIRED", "CONSENT_REVOKED"}}},
		{"consent revoked mid-campaign blocks a live call too", "tmlive",
			func(s *stateJSON) { s.Consents[0].RevokedAt = sp("2026-06-10T15:00:00Z") },
			want{decision: "block", rules: []string{"CONSENT_REVOKED"}}},
		{"revocation after the attempt time", "tm",
			func(s *stateJSON) { s.Consents[0].RevokedAt = sp("2026-06-10T16:00:01Z") }, want{decision: "allow"}},
		{"new consent after a revocation", "tm",
			func(s *stateJSON) {
				s.Consents[0].RevokedAt = sp("2026-06-01T00:00:00Z")
				s.consentAll(ny)
				s.Consents[1].GivenAt = sp("2026-06-02T00:00:00Z")
			}, want{decision: "allow"}},
		{"artificial informational call to wireless needs consent", "info",
			func(s *stateJSON) { s.Consents = nil; s.Contacts[ny] = contactJSON{LineType: "wireless"} },
			want{decision: "block", rules: []string{"US_CONSENT_REQUIRED"}}},
		{"unknown line type is treated as wireless", "dc",
			func(s *stateJSON) { s.Consents = nil },
			want{decision: "block", rules: []string{"US_CONSENT_REQUIRED"}}},
		{"live collections call needs no consent", "dclive",
			func(s *stateJSON) { s.Consents = nil }, want{decision: "allow"}},
		{"landline informational call: TRACED exemption under the cap", "info",
			func(s *stateJSON) {
				s.Consents = nil
				s.Contacts[ny] = contactJSON{LineType: "landline"}
				s.History = append(s.History,
					eventJSON{Number: ny, Campaign: "info", At: "2026-05-12T16:00:00Z", Exempt: true},
					eventJSON{Number: ny, Campaign: "info", At: "2026-06-01T16:00:00Z", Exempt: true})
			}, want{decision: "allow", passed: []string{"US_TRACED_EXEMPT_CAP"}}},
		{"landline informational call: TRACED cap 3 per 30 days", "info",
			func(s *stateJSON) {
				s.Consents = nil
				s.Contacts[ny] = contactJSON{LineType: "landline"}
				s.History = append(s.History,
					eventJSON{Number: ny, Campaign: "info", At: "2026-05-11T16:00:00Z", Exempt: true},
					eventJSON{Number: ny, Campaign: "info", At: "2026-05-20T16:00:00Z", Exempt: true},
					eventJSON{Number: ny, Campaign: "info", At: "2026-06-01T16:00:00Z", Exempt: true})
			}, want{"block", []string{"US_TRACED_EXEMPT_CAP"}, "2026-06-10T16:00:01Z", nil, nil}},
		{"reassigned: yes blocks", "tm",
			func(s *stateJSON) {
				s.Reassigned = append(s.Reassigned, reassignedJSON{Number: ny, Answer: "yes", CheckedAt: "2026-06-01T00:00:00Z"})
			}, want{decision: "block", rules: []string{"US_REASSIGNED_NUMBER"}}},
		{"reassigned: no_data holds", "tm",
			func(s *stateJSON) {
				s.Reassigned = append(s.Reassigned, reassignedJSON{Number: ny, Answer: "no_data", CheckedAt: "2026-06-01T00:00:00Z"})
			}, want{decision: "hold", rules: []string{"US_REASSIGNED_NUMBER"}}},
		{"reassigned: no passes", "tm",
			func(s *stateJSON) {
				s.Reassigned = append(s.Reassigned, reassignedJSON{Number: ny, Answer: "no", CheckedAt: "2026-06-01T00:00:00Z"})
			}, want{decision: "allow", passed: []string{"US_REASSIGNED_NUMBER"}}},
		{"caller id missing", "tm",
			func(s *stateJSON) { s.campaign("tm", func(c *campaignJSON) { c.CallerID = "" }) },
			want{decision: "block", rules: []string{"CALLER_ID_INVALID"}}},
		{"caller id not the seller's", "tm",
			func(s *stateJSON) { s.campaign("tm", func(c *campaignJSON) { c.CallerID = "+13125550000" }) },
			want{decision: "block", rules: []string{"CALLER_ID_INVALID"}}},
		{"abandonment at 3 % with predictive pacing", "tm",
			func(s *stateJSON) {
				s.campaign("tm", func(c *campaignJSON) {
					c.Pacing = "predictive"
					c.Abandon30d = &abandonJSON{LiveAnswers: 1000, Abandoned: 30}
				})
			}, want{decision: "block", rules: []string{"ABANDON_RATE_CAP"}}},
		{"abandonment below 3 %", "tm",
			func(s *stateJSON) {
				s.campaign("tm", func(c *campaignJSON) {
					c.Pacing = "predictive"
					c.Abandon30d = &abandonJSON{LiveAnswers: 1000, Abandoned: 29}
				})
			}, want{decision: "allow", passed: []string{"ABANDON_RATE_CAP"}}},
		{"low-confidence refusal holds for review", "tm",
			func(s *stateJSON) {
				s.History = append(s.History, eventJSON{Number: ny, Campaign: "tm", At: "2026-06-09T16:00:00Z", Outcome: "answered", Refusal: &refusalJSON{Confidence: new(0.5)}})
			}, want{decision: "hold", rules: []string{"REFUSAL_REVIEW"}}},
		{"firm refusal in a US call is a do-not-call request", "tm",
			func(s *stateJSON) {
				s.History = append(s.History, eventJSON{Number: ny, Campaign: "tm", At: "2026-06-09T16:00:00Z", Outcome: "answered", Refusal: &refusalJSON{Confidence: new(0.93)}})
			}, want{decision: "block", rules: []string{"DNC_INTERNAL"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := base().consentAll(ny)
			tc.mod(s)
			check(t, decide(t, s, ny, tc.campaign, at), tc.want)
		})
	}
}
