package campaign

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Schedule says when a campaign's contacts may be called. Dates are in the
// campaign's time zone; days of the week and the daily window are in each
// contact's local time (the campaign's zone when the contact's is unknown).
// The zero Schedule allows any time.
type Schedule struct {
	StartDate string   `json:"start_date,omitempty"` // YYYY-MM-DD, first day
	EndDate   string   `json:"end_date,omitempty"`   // YYYY-MM-DD, last day (inclusive)
	Days      []string `json:"days,omitempty"`       // mon tue wed thu fri sat sun; empty: every day
	Window    Window   `json:"window,omitzero"`      // daily window; zero: all day
	// Cron makes the campaign recurring: it dials only for RunFor after each
	// time the expression fires (standard 5 fields, campaign time zone), e.g.
	// "0 10 * * MON-FRI"; it completes at EndDate instead of when its
	// contacts run out.
	Cron   string   `json:"cron,omitempty"`
	RunFor Duration `json:"run_for,omitempty"` // default 4h

	start, end time.Time // dates at 00:00 in UTC terms (y, m, d only)
	days       [7]bool
	anyDay     bool
	cron       cron.Schedule
}

// Window is a daily calling window, "HH:MM" to "HH:MM" local time; End
// before Start spans midnight.
type Window struct {
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
	from  int    // minutes after midnight
	to    int
	set   bool
}

// Duration is a time.Duration written as Go duration text in JSON.
type Duration time.Duration

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration: want a string like \"30m\"")
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

var dayNames = map[string]time.Weekday{"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday,
	"wed": time.Wednesday, "thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday}

// ErrInvalidSchedule wraps every schedule problem.
var ErrInvalidSchedule = errors.New("invalid schedule")

// Compile validates the schedule and prepares it for use.
func (s *Schedule) Compile() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidSchedule, fmt.Sprintf(format, a...))
	}
	var err error
	if s.StartDate != "" {
		if s.start, err = time.Parse(time.DateOnly, s.StartDate); err != nil {
			return bad("start_date %q: want YYYY-MM-DD", s.StartDate)
		}
	}
	if s.EndDate != "" {
		if s.end, err = time.Parse(time.DateOnly, s.EndDate); err != nil {
			return bad("end_date %q: want YYYY-MM-DD", s.EndDate)
		}
	}
	if !s.start.IsZero() && !s.end.IsZero() && s.end.Before(s.start) {
		return bad("end_date %s is before start_date %s", s.EndDate, s.StartDate)
	}
	s.days = [7]bool{}
	s.anyDay = len(s.Days) == 0
	for _, d := range s.Days {
		wd, ok := dayNames[strings.ToLower(strings.TrimSpace(d))[:min(3, len(strings.TrimSpace(d)))]]
		if !ok {
			return bad("days: %q is not a day (mon … sun)", d)
		}
		s.days[wd] = true
	}
	if err := s.Window.compile(); err != nil {
		return bad("%v", err)
	}
	if s.Cron != "" {
		if s.cron, err = cron.ParseStandard(s.Cron); err != nil {
			return bad("cron %q: %v", s.Cron, err)
		}
		if s.RunFor == 0 {
			s.RunFor = Duration(4 * time.Hour)
		}
		if s.RunFor < 0 {
			return bad("run_for %s is negative", time.Duration(s.RunFor))
		}
	}
	return nil
}

func (w *Window) compile() error {
	if w.Start == "" && w.End == "" {
		w.set = false
		return nil
	}
	var err error
	if w.from, err = clockMinutes(w.Start); err != nil {
		return fmt.Errorf("window.start: %v", err)
	}
	if w.to, err = clockMinutes(w.End); err != nil {
		return fmt.Errorf("window.end: %v", err)
	}
	if w.from == w.to {
		return fmt.Errorf("window %s-%s is empty", w.Start, w.End)
	}
	w.set = true
	return nil
}

func clockMinutes(s string) (int, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		if s == "24:00" {
			return 24 * 60, nil
		}
		return 0, fmt.Errorf("%q: want HH:MM", s)
	}
	return t.Hour()*60 + t.Minute(), nil
}

// Recurring says whether the campaign runs on a cron schedule.
func (s *Schedule) Recurring() bool { return s.cron != nil }

// Started says whether the start date (in campaign time) has come.
func (s *Schedule) Started(t time.Time, campaignLoc *time.Location) bool {
	return s.start.IsZero() || !dateOf(t.In(campaignLoc)).Before(s.start)
}

// Ended says whether the end date (in campaign time) has passed.
func (s *Schedule) Ended(t time.Time, campaignLoc *time.Location) bool {
	return !s.end.IsZero() && dateOf(t.In(campaignLoc)).After(s.end)
}

func dateOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// Eligible says whether a contact in zone loc may be called at t.
func (s *Schedule) Eligible(t time.Time, loc, campaignLoc *time.Location) bool {
	if !s.Started(t, campaignLoc) || s.Ended(t, campaignLoc) {
		return false
	}
	lt := t.In(loc)
	if !s.anyDay && !s.days[lt.Weekday()] {
		return false
	}
	if s.Window.set {
		m := lt.Hour()*60 + lt.Minute()
		if s.Window.from < s.Window.to {
			if m < s.Window.from || m >= s.Window.to {
				return false
			}
		} else if m < s.Window.from && m >= s.Window.to { // spans midnight
			return false
		}
	}
	if s.cron != nil {
		runFor := time.Duration(s.RunFor)
		ct := t.In(campaignLoc)
		if f := s.cron.Next(ct.Add(-runFor)); f.After(ct) {
			return false
		}
	}
	return true
}

// NextEligible is the first time at or after t when a contact in zone loc
// may be called, or the zero time when there is none (past the end date).
func (s *Schedule) NextEligible(t time.Time, loc, campaignLoc *time.Location) time.Time {
	for i := 0; i < 2000; i++ {
		if s.Eligible(t, loc, campaignLoc) {
			return t
		}
		if s.Ended(t, campaignLoc) {
			return time.Time{}
		}
		next := s.nextCandidate(t, loc, campaignLoc)
		if !next.After(t) {
			next = t.Add(time.Minute)
		}
		t = next
	}
	return time.Time{}
}

// nextCandidate is the next instant after t at which eligibility may change
// from false to true: a local midnight, a window start, a start date, a cron fire.
func (s *Schedule) nextCandidate(t time.Time, loc, campaignLoc *time.Location) time.Time {
	lt := t.In(loc)
	best := time.Date(lt.Year(), lt.Month(), lt.Day()+1, 0, 0, 0, 0, loc)
	consider := func(c time.Time) {
		if c.After(t) && c.Before(best) {
			best = c
		}
	}
	if s.Window.set {
		consider(time.Date(lt.Year(), lt.Month(), lt.Day(), 0, s.Window.from, 0, 0, loc))
	}
	if !s.start.IsZero() {
		consider(time.Date(s.start.Year(), s.start.Month(), s.start.Day(), 0, 0, 0, 0, campaignLoc))
	}
	if s.cron != nil {
		consider(s.cron.Next(t.In(campaignLoc)))
	}
	return best
}
