package compliance

import "time"

// Window is a half-open span [Open, Close) of the local clock, in seconds after midnight.
type Window struct{ Open, Close int }

// Week holds the windows of each weekday (index time.Weekday); a day without windows is
// closed.
type Week [7][]Window

func hm(h, m int) int { return h*3600 + m*60 }

// everyDay returns a week with the same window every day.
func everyDay(from, to int) Week {
	var w Week
	for d := range w {
		w[d] = []Window{{from, to}}
	}
	return w
}

// Schedule is where a call may be placed: weekly windows minus holidays.
type Schedule struct {
	Week     Week
	Holidays *Calendar // nil: no holiday ban
	table    *holidayTable
}

// Cap is "at most Max events in any trailing window of Within" (both ends included, 1-s
// granularity). When Days is set the window is Days local calendar days instead.
type Cap struct {
	Max    int
	Within time.Duration
	Days   int
}

// StateRules are a US state's stricter rules. The state set of a callee is the area-code
// state ∪ the address state (docs/compliance-check.md, US_STATE_HOURS).
type StateRules struct {
	State string
	// TM is the telemarketing schedule (nil: federal hours only).
	TM *Schedule
	// SubjectCap: telemarketing calls per seller and subject, any caller id.
	SubjectCap *Cap
	// DCCap: collection calls per debt.
	DCCap  *Cap
	Source string
}

// USPack holds US federal, Reg F and state parameters.
type USPack struct {
	// 47 CFR 64.1200(c)(1); TSR 16 CFR 310.4(c): 08:00–21:00 called party's local time.
	TMHours Schedule
	// 12 CFR 1006.6(b)(1)(i); 15 USC 1692c(a)(1): before 08:00 or after 21:00 is inconvenient.
	RegFHours Schedule
	// Policy: informational calls use the same window (no federal rule).
	InfoHours Schedule
	// TSR 310.4(b)(3)(iv): registry copy no more than 31 days old.
	NationalMaxAgeDays int
	// 64.1200(f)(5): EBR from a purchase lasts 18 months, from an inquiry 3 months.
	EBRPurchaseMonths, EBRInquiryMonths int
	// 64.1200(a)(7); TSR 310.4(b)(4): ≤ 3 % abandoned of live-answered calls per campaign
	// per 30 days.
	AbandonMaxPercent float64
	// 12 CFR 1006.14(b)(2)(i)(A): more than 7 call attempts in 7 consecutive days per debt.
	RegF7in7 Cap
	// 1006.14(b)(2)(i)(B): no call within 7 days after a conversation (day 1 = its day).
	PostConversationDays int
	// 1006.14(b)(3)(i): calls made with direct consent given within 7 days are not counted.
	DirectConsentDays int
	// 64.1200(a)(3); FCC 20-186: exempt artificial-voice calls to a residential line ≤ 3 per
	// 30 days.
	TracedCap Cap
	States    map[string]*StateRules
}

// UKPack holds PECR, TPS and Ofcom parameters.
type UKPack struct {
	// PECR reg 21; our registry-copy freshness: 28 days (TPS listings take 28 days).
	TPSMaxAgeDays int
	// Ofcom persistent-misuse statement (2010, §A1.xx): no repeat call within 24 h of an
	// AMD-detected machine, within 72 h of an abandoned call, unless a live operator is
	// guaranteed.
	AMDRecall, AbandonRecall time.Duration
	// Ofcom: abandoned calls ≤ 3 % of live calls per campaign per 24 h.
	AbandonMaxPercent float64
}

// FRPack holds the French parameters (Code de la consommation D.223-9, décret 2022-1313).
type FRPack struct {
	Schedule    Schedule // Mon–Fri 10:00–13:00 and 14:00–20:00, no public holidays
	Attempts    Cap      // ≤ 4 attempts per seller per 30 calendar days
	RefusalDays int      // 60 days after a refusal
}

// CNPack holds the Chinese parameters.
type CNPack struct {
	// Carrier rules (Tencent Cloud CCC doc 679/79155): 08:00–21:00 Beijing time.
	Hours Schedule
	Zone  string
	// GB/T 45251-2025 and NIFA 2024: no collection 22:00–08:00.
	DCHours Schedule
	// GB/T 45251-2025: ≤ 3 effective conversations per debtor per day (lenders and agencies
	// combined).
	DCDailyConversations Cap
	// Carrier rules: ≤ 5 calls per callee per 24 h and ≤ 3 per 5 min, across caller ids.
	PlatformCaps []Cap
}

// RulePacks is every jurisdiction's parameters plus our policy choices. Parameters live
// here, in data, not in the rule code.
type RulePacks struct {
	Version string
	// Policy: a refusal recognised with at least this confidence is a refusal; below it
	// the number is held for review (our policy; docs/compliance-check.md, REFUSAL_REVIEW).
	RefusalConfidence float64
	US                USPack
	UK                UKPack
	FR                FRPack
	CN                CNPack
	SMS               SMSPack // follow-up texts (sms.go)
}

// Holiday calendars. Sources are the state codes named per calendar; ⚠ marks the secondary
// sources (dnc.com / ClickPoint tables) counsel should verify.
var (
	newYear      = HolidayRule{Name: "New Year's Day", Month: time.January, Day: 1}
	mlk          = HolidayRule{Name: "Martin Luther King Jr. Day", Month: time.January, Weekday: time.Monday, Nth: 3}
	washington   = HolidayRule{Name: "Washington's Birthday", Month: time.February, Weekday: time.Monday, Nth: 3}
	memorial     = HolidayRule{Name: "Memorial Day", Month: time.May, Weekday: time.Monday, Nth: -1}
	juneteenth   = HolidayRule{Name: "Juneteenth", Month: time.June, Day: 19, Since: 2022}
	independence = HolidayRule{Name: "Independence Day", Month: time.July, Day: 4}
	labor        = HolidayRule{Name: "Labor Day", Month: time.September, Weekday: time.Monday, Nth: 1}
	columbus     = HolidayRule{Name: "Columbus Day", Month: time.October, Weekday: time.Monday, Nth: 2}
	veterans     = HolidayRule{Name: "Veterans Day", Month: time.November, Day: 11}
	thanksgiving = HolidayRule{Name: "Thanksgiving Day", Month: time.November, Weekday: time.Thursday, Nth: 4}
	christmas    = HolidayRule{Name: "Christmas Day", Month: time.December, Day: 25}
	mardiGras    = HolidayRule{Name: "Mardi Gras", Easter: true, Day: -47}
	goodFriday   = HolidayRule{Name: "Good Friday", Easter: true, Day: -2}
)

// CalendarLA: La. R.S. 1:55 legal holidays (Mardi Gras is a holiday in several parishes:
// included, fail closed); a Sunday holiday is observed Monday. ⚠
var CalendarLA = Calendar{Name: "Louisiana", Observe: Observance{SundayToMonday: true}, Holidays: []HolidayRule{
	newYear, mlk, washington, mardiGras, goodFriday, memorial, independence, labor, veterans, thanksgiving, christmas,
}}

// CalendarAL: Code of Ala. 1-3-8; a Saturday holiday is observed Friday, a Sunday one Monday
// (secondary sources). ⚠
var CalendarAL = Calendar{Name: "Alabama", Observe: Observance{SaturdayToFriday: true, SundayToMonday: true}, Holidays: []HolidayRule{
	newYear, mlk, washington,
	mardiGras, // Baldwin and Mobile counties: included, fail closed
	{Name: "Confederate Memorial Day", Month: time.April, Weekday: time.Monday, Nth: 4},
	memorial,
	{Name: "Jefferson Davis' Birthday", Month: time.June, Weekday: time.Monday, Nth: 1},
	independence, labor, columbus, veterans, thanksgiving, christmas,
}}

// CalendarMS: Miss. Code 3-3-7; a Sunday holiday is observed Monday. ⚠
var CalendarMS = Calendar{Name: "Mississippi", Observe: Observance{SundayToMonday: true}, Holidays: []HolidayRule{
	newYear, mlk, washington,
	{Name: "Confederate Memorial Day", Month: time.April, Weekday: time.Monday, Nth: -1},
	memorial, independence, labor, veterans, thanksgiving, christmas,
}}

// CalendarRI: R.I. Gen. Laws 25-1-1; a Sunday holiday is observed Monday. ⚠
var CalendarRI = Calendar{Name: "Rhode Island", Observe: Observance{SundayToMonday: true}, Holidays: []HolidayRule{
	newYear, mlk, memorial, independence,
	{Name: "Victory Day", Month: time.August, Weekday: time.Monday, Nth: 2},
	labor, columbus, veterans, thanksgiving, christmas,
}}

// CalendarUT: Utah Code 63G-1-301; Saturday → Friday, Sunday → Monday. ⚠
var CalendarUT = Calendar{Name: "Utah", Observe: Observance{SaturdayToFriday: true, SundayToMonday: true}, Holidays: []HolidayRule{
	newYear, mlk, washington, memorial, juneteenth, independence,
	{Name: "Pioneer Day", Month: time.July, Day: 24},
	labor, columbus, veterans, thanksgiving, christmas,
}}

// CalendarFR: Code du travail L3133-1 jours fériés; no observed-day shift in France
// (Alsace-Moselle's Good Friday and 26 December are not included: the zone cannot tell).
var CalendarFR = Calendar{Name: "France", Holidays: []HolidayRule{
	{Name: "Jour de l'An", Month: time.January, Day: 1},
	{Name: "Lundi de Pâques", Easter: true, Day: 1},
	{Name: "Fête du Travail", Month: time.May, Day: 1},
	{Name: "Victoire 1945", Month: time.May, Day: 8},
	{Name: "Ascension", Easter: true, Day: 39},
	{Name: "Lundi de Pentecôte", Easter: true, Day: 50},
	{Name: "Fête nationale", Month: time.July, Day: 14},
	{Name: "Assomption", Month: time.August, Day: 15},
	{Name: "Toussaint", Month: time.November, Day: 1},
	{Name: "Armistice 1918", Month: time.November, Day: 11},
	{Name: "Noël", Month: time.December, Day: 25},
}}

func weekdays(ws ...Window) Week {
	var w Week
	for d := time.Monday; d <= time.Saturday; d++ {
		w[d] = ws
	}
	return w
}

// DefaultRulePacks returns the rule packs, each parameter citing its legal source.
func DefaultRulePacks() *RulePacks {
	federal := everyDay(hm(8, 0), hm(21, 0))
	eightToEight := &Schedule{Week: everyDay(hm(8, 0), hm(20, 0))}
	subject3 := &Cap{Max: 3, Within: 24 * time.Hour}

	// TX Bus. & Com. Code 301.051 (SB 140): Mon–Sat 09:00–21:00, Sunday 12:00–21:00.
	tx := weekdays(Window{hm(9, 0), hm(21, 0)})
	tx[time.Sunday] = []Window{{hm(12, 0), hm(21, 0)}}
	// LA PSC GO R-29617 §V(A)(2), R.S. 45:811: Mon–Sat 08:00–20:00, no Sundays or legal holidays.
	la := weekdays(Window{hm(8, 0), hm(20, 0)})
	// AL, MS: no Sundays, no state holidays; federal hours otherwise (⚠ secondary sources).
	noSunday := weekdays(Window{hm(8, 0), hm(21, 0)})

	states := map[string]*StateRules{
		"FL": {State: "FL", TM: eightToEight, SubjectCap: subject3,
			Source: "Fla. Stat. 501.616(6) (08:00–20:00, ≤ 3 calls per 24 h on the same subject); FTSA 501.059"},
		"OK": {State: "OK", TM: eightToEight, SubjectCap: subject3,
			Source: "15 O.S. 775C.4 (from 1 Nov 2022): 08:00–20:00, ≤ 3 per 24 h on the same subject"},
		"MD": {State: "MD", TM: eightToEight, SubjectCap: subject3,
			Source: "Md. Com. Law 14-4503 (Stop the Spam Calls Act, from 1 Jan 2024): 08:00–20:00, ≤ 3 per 24 h on the same subject"},
		"WA": {State: "WA", TM: eightToEight,
			DCCap:  &Cap{Max: 3, Within: 7 * 24 * time.Hour},
			Source: "RCW 19.158.040 (TM 08:00–20:00); RCW 19.16.250(13) (collections ≤ 3 per week; rolling 7 days, fail closed)"},
		"TX": {State: "TX", TM: &Schedule{Week: tx},
			Source: "Tex. Bus. & Com. Code 301.051: Mon–Sat 09:00–21:00, Sun 12:00–21:00"},
		"LA": {State: "LA", TM: &Schedule{Week: la, Holidays: &CalendarLA},
			Source: "La. PSC GO R-29617 §V(A)(2); R.S. 45:811; holidays R.S. 1:55"},
		"AL": {State: "AL", TM: &Schedule{Week: noSunday, Holidays: &CalendarAL},
			Source: "Ala. Code 8-19A (no Sundays or state holidays) ⚠ dnc.com/ClickPoint"},
		"MS": {State: "MS", TM: &Schedule{Week: noSunday, Holidays: &CalendarMS},
			Source: "Miss. Code 77-3-725 (no Sundays or state holidays) ⚠ dnc.com/ClickPoint"},
		"RI": {State: "RI", TM: &Schedule{Week: federal, Holidays: &CalendarRI},
			Source: "R.I. Gen. Laws 5-61-3.4 (no state holidays) ⚠ dnc.com/ClickPoint"},
		"UT": {State: "UT", TM: &Schedule{Week: federal, Holidays: &CalendarUT},
			Source: "Utah Code 13-26-4 (no state holidays) ⚠ dnc.com/ClickPoint"},
		"CT": {State: "CT", TM: &Schedule{Week: everyDay(hm(9, 0), hm(21, 0))},
			Source: "Conn. Gen. Stat. 42-288a: 09:00–21:00 ⚠ secondary"},
		"KY": {State: "KY", TM: &Schedule{Week: everyDay(hm(10, 0), hm(21, 0))},
			Source: "KRS 367.46955: 10:00–21:00 ⚠ secondary"},
		"MA": {State: "MA", TM: eightToEight,
			DCCap:  &Cap{Max: 2, Within: 7 * 24 * time.Hour},
			Source: "M.G.L. c.159C §3 (TM 08:00–20:00 ⚠); 209 CMR 18.16(1)(d) (≤ 2 collector-initiated calls per 7 days per debt)"},
	}

	frWeek := Week{}
	for d := time.Monday; d <= time.Friday; d++ {
		frWeek[d] = []Window{{hm(10, 0), hm(13, 0)}, {hm(14, 0), hm(20, 0)}}
	}

	p := &RulePacks{
		Version:           "2026.11-1",
		RefusalConfidence: 0.8,
		US: USPack{
			TMHours:              Schedule{Week: federal},
			RegFHours:            Schedule{Week: federal},
			InfoHours:            Schedule{Week: federal},
			NationalMaxAgeDays:   31,
			EBRPurchaseMonths:    18,
			EBRInquiryMonths:     3,
			AbandonMaxPercent:    3,
			RegF7in7:             Cap{Max: 7, Days: 7},
			PostConversationDays: 7,
			DirectConsentDays:    7,
			TracedCap:            Cap{Max: 3, Within: 30 * 24 * time.Hour},
			States:               states,
		},
		UK: UKPack{
			TPSMaxAgeDays:     28,
			AMDRecall:         24 * time.Hour,
			AbandonRecall:     72 * time.Hour,
			AbandonMaxPercent: 3,
		},
		FR: FRPack{
			Schedule:    Schedule{Week: frWeek, Holidays: &CalendarFR},
			Attempts:    Cap{Max: 4, Days: 30},
			RefusalDays: 60,
		},
		CN: CNPack{
			Hours:                Schedule{Week: everyDay(hm(8, 0), hm(21, 0))},
			Zone:                 "Asia/Shanghai",
			DCHours:              Schedule{Week: everyDay(hm(8, 0), hm(22, 0))},
			DCDailyConversations: Cap{Max: 3, Days: 1},
			PlatformCaps:         []Cap{{Max: 5, Within: 24 * time.Hour}, {Max: 3, Within: 5 * time.Minute}},
		},
		SMS: SMSPack{
			Hours:  Schedule{Week: federal},
			Source: "policy: quiet hours 21:00–08:00 at the recipient; 47 CFR 64.1200(c)(1) (texts are calls under the TCPA)",
		},
	}
	return p
}

// compile builds the holiday tables of every schedule.
func (p *RulePacks) compile() {
	tables := map[*Calendar]*holidayTable{}
	comp := func(s *Schedule) {
		if s == nil || s.Holidays == nil {
			return
		}
		t, ok := tables[s.Holidays]
		if !ok {
			t = compileCalendar(s.Holidays)
			tables[s.Holidays] = t
		}
		s.table = t
	}
	comp(&p.US.TMHours)
	comp(&p.US.RegFHours)
	comp(&p.US.InfoHours)
	for _, s := range p.US.States {
		comp(s.TM)
	}
	comp(&p.FR.Schedule)
	comp(&p.CN.Hours)
	comp(&p.CN.DCHours)
}
