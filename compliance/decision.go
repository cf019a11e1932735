package compliance

import (
	"fmt"
	"strings"
	"time"
)

// Decision is the gate's answer for one attempt.
type Decision struct {
	ID      string
	Verdict Verdict
	// Rules are the rules that blocked or held; Passed those evaluated that passed.
	Rules  RuleSet
	Passed RuleSet
	// NextEligibleAt is the earliest instant at which every blocking rule would pass, when
	// time alone decides (windows, holidays, rolling caps); zero otherwise.
	NextEligibleAt time.Time
	// Zones are the candidate zones (interned: do not modify).
	Zones []string
	// Packs are the rule packs that were applied.
	Packs Pack
	// Audit inputs.
	PackVersion           string
	ConsentID             string // the consent record relied upon, if any
	NationalAsOf, TPSAsOf time.Time
	// SourceFailed: a data source returned an error (DATA_UNAVAILABLE from an outage of
	// the store or Redis, not from missing settings); the same attempt may pass once it
	// answers again.
	SourceFailed bool

	notes  [maxNotes]note
	nNotes int
}

const maxNotes = 12

// note holds what a reason says, unformatted: the hot path records facts and Reason
// formats them only when asked.
type note struct {
	rule   RuleID
	kind   noteKind
	zone   string
	loc    *time.Location
	t      time.Time
	why    int
	sched  *Schedule
	n, max int
	within time.Duration
	days   int
	s1, s2 string
}

type noteKind uint8

const (
	noteText     noteKind = iota // s1 verbatim
	noteTextArg                  // s1 with s2 in %q
	noteWindow                   // schedule closed at t in zone
	noteRolling                  // n events within `within` (max allowed `max`), s1 describes scope
	noteDays                     // n events in `days` local days, s1 scope
	noteUntil                    // s1, until t
	noteRefusal                  // refusal at t with confidence (n/1000)
	noteDNC                      // on list s1 (scope s2)
	noteSnapshot                 // registry s1 as of t is older than n days
	noteRate                     // abandonment n of max (live) over s1
	noteAt                       // s1 at t (via s2)
)

func (d *Decision) addNote(n note) {
	if d.nNotes < maxNotes {
		d.notes[d.nNotes] = n
		d.nNotes++
	}
}

// Reason explains the decision in words (allocates; not on the hot path).
func (d *Decision) Reason() string {
	if d.Verdict == Allow {
		return "all applicable rules passed"
	}
	parts := make([]string, 0, d.nNotes)
	for i := 0; i < d.nNotes; i++ {
		parts = append(parts, d.notes[i].String())
	}
	if len(parts) == 0 {
		return "blocked by " + d.Rules.String()
	}
	return strings.Join(parts, "; ")
}

func hhmm(sec int) string { return fmt.Sprintf("%02d:%02d", sec/3600, sec/60%60) }

func (n *note) String() string {
	switch n.kind {
	case noteTextArg:
		return fmt.Sprintf(n.s1, n.s2)
	case noteWindow:
		lt := n.t.In(n.loc)
		clock := lt.Format("15:04:05 MST")
		var what []string
		if n.why&closedRange != 0 {
			what = append(what, "outside the years the holiday calendar covers")
		}
		if n.why&closedHoliday != 0 && n.sched.table != nil {
			what = append(what, lt.Format("Monday 2006-01-02")+", a holiday in "+n.sched.Holidays.Name+" ("+n.sched.table.holidayName(lt.Year(), lt.YearDay())+")")
		}
		if n.why&closedDay != 0 {
			what = append(what, "on a "+lt.Weekday().String()+", when no calls are allowed")
		}
		if n.why&closedHours != 0 {
			ws := n.sched.Week[lt.Weekday()]
			h, m, s := lt.Clock()
			sec := h*3600 + m*60 + s
			switch {
			case sec < ws[0].Open:
				what = append(what, "before "+hhmm(ws[0].Open))
			case sec >= ws[len(ws)-1].Close:
				what = append(what, "at or after "+hhmm(ws[len(ws)-1].Close))
			default:
				what = append(what, "outside the windows "+describeWindows(ws))
			}
		}
		return fmt.Sprintf("%s in %s is %s", clock, n.zone, strings.Join(what, " and "))
	case noteRolling:
		return fmt.Sprintf("%d %s%s in the last %s (at most %d allowed)", n.n, n.s1, optArg(n.s2), fmtDuration(n.within), n.max)
	case noteDays:
		return fmt.Sprintf("%d %s%s in the %d local calendar day(s) ending today in %s (at most %d allowed)", n.n, n.s1, optArg(n.s2), n.days, n.zone, n.max)
	case noteUntil:
		return fmt.Sprintf("%s%s (until %s)", n.s1, optArg(n.s2), n.t.UTC().Format(time.RFC3339))
	case noteRefusal:
		return fmt.Sprintf("%s at %s (recogniser confidence %.2f)", n.s1, n.t.UTC().Format(time.RFC3339), float64(n.n)/1000)
	case noteDNC:
		if n.s2 != "" {
			return fmt.Sprintf("number is on the %s do-not-call list (%s)", n.s1, n.s2)
		}
		return fmt.Sprintf("number is on the %s do-not-call list", n.s1)
	case noteSnapshot:
		if n.t.IsZero() {
			return fmt.Sprintf("no %s registry copy is loaded", n.s1)
		}
		return fmt.Sprintf("the %s registry copy of %s is older than %d days", n.s1, n.t.Format(time.DateOnly), n.n)
	case noteAt:
		if n.s2 != "" {
			return fmt.Sprintf("%s at %s via %s", n.s1, n.t.UTC().Format(time.RFC3339), n.s2)
		}
		return fmt.Sprintf("%s at %s", n.s1, n.t.UTC().Format(time.RFC3339))
	case noteRate:
		return fmt.Sprintf("campaign abandonment %d of %d live answers over %s is at or above %d%%", n.n, n.max, n.s1, n.days)
	}
	return n.s1
}

func describeWindows(ws []Window) string {
	s := make([]string, len(ws))
	for i, w := range ws {
		s[i] = hhmm(w.Open) + "–" + hhmm(w.Close)
	}
	return strings.Join(s, ", ")
}

func fmtDuration(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0 && d > 24*time.Hour:
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%d hours", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%d minutes", d/time.Minute)
	}
	return d.String()
}

func optArg(s string) string {
	if s == "" {
		return ""
	}
	return " " + s
}
