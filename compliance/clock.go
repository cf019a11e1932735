package compliance

import "time"

// Closure reasons of a schedule at an instant (bit flags).
const (
	closedHours   = 1 << iota // outside every window of the day
	closedDay                 // no window at all on this weekday
	closedHoliday             // a holiday of the schedule's calendar
	closedRange               // beyond the precomputed holiday years: fail closed
)

// localClock is an instant read on a zone's wall clock.
type localClock struct {
	year  int
	month time.Month
	day   int
	yday  int
	wd    time.Weekday
	sec   int // seconds after local midnight (wall clock, DST-correct)
}

// readClock reads t on loc's wall clock: one zone lookup for the offset, then one civil-date
// computation (time.Time's Date, Clock, YearDay and Weekday would each redo it).
func readClock(t time.Time, loc *time.Location) localClock {
	_, off := t.In(loc).Zone()
	s := t.Unix() + int64(off)
	days := s / 86400
	if s%86400 < 0 {
		days--
	}
	y, m, d := civilFromDays(days)
	wd := (days + 4) % 7 // 1970-01-01 was a Thursday
	if wd < 0 {
		wd += 7
	}
	return localClock{year: y, month: m, day: d, yday: int(days-daysFromCivil(y, 1, 1)) + 1,
		wd: time.Weekday(wd), sec: int(s - days*86400)}
}

// civilFromDays is the inverse of daysFromCivil (H. Hinnant's civil_from_days).
func civilFromDays(z int64) (int, time.Month, int) {
	z += 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return int(y), time.Month(m), int(d)
}

// closed returns why the schedule is closed at c (0 when open).
func (s *Schedule) closed(c *localClock) int {
	why := 0
	if s.table != nil {
		hol, ok := s.table.isHoliday(c.year, c.yday)
		if !ok {
			why |= closedRange
		} else if hol {
			why |= closedHoliday
		}
	}
	ws := s.Week[c.wd]
	if len(ws) == 0 {
		return why | closedDay
	}
	for _, w := range ws {
		if c.sec >= w.Open && c.sec < w.Close {
			return why
		}
	}
	return why | closedHours
}

// nextOpen returns the earliest instant ≥ t at which the schedule is open in loc, or the
// zero time when none is found within a year.
func (s *Schedule) nextOpen(t time.Time, loc *time.Location) time.Time {
	c := readClock(t, loc)
	if s.closed(&c) == 0 {
		return t
	}
	for k := 0; k <= 370; k++ {
		day := time.Date(c.year, c.month, c.day+k, 12, 0, 0, 0, loc) // noon: exists every day
		y, m, d := day.Date()
		if s.table != nil {
			if hol, ok := s.table.isHoliday(y, day.YearDay()); !ok || hol {
				continue
			}
		}
		for _, w := range s.Week[day.Weekday()] {
			start := time.Date(y, m, d, 0, 0, w.Open, 0, loc)
			if start.After(t) {
				return start
			}
			end := time.Date(y, m, d, 0, 0, w.Close, 0, loc)
			if t.Before(end) {
				return t // inside a window on the wall clock (DST fold): open now
			}
		}
	}
	return time.Time{}
}

// civil day numbers (days since 1970-01-01 of a proleptic Gregorian date; H. Hinnant's
// days_from_civil).
func daysFromCivil(y int, m time.Month, d int) int64 {
	yy := int64(y)
	if m <= 2 {
		yy--
	}
	era := yy / 400
	if yy < 0 && yy%400 != 0 {
		era = (yy - 399) / 400
	}
	yoe := yy - era*400
	mp := (int64(m) + 9) % 12
	doy := (153*mp+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// localDay returns t's civil day number on loc's calendar.
func localDay(t time.Time, loc *time.Location) int64 {
	_, off := t.In(loc).Zone()
	s := t.Unix() + int64(off)
	if s < 0 && s%86400 != 0 {
		return s/86400 - 1
	}
	return s / 86400
}

// startOfLocalDay returns the first instant of civil day n in loc.
func startOfLocalDay(n int64, loc *time.Location) time.Time {
	u := time.Unix(n*86400, 0).UTC()
	y, m, d := u.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// ring keeps the last few counted event times, to find the one whose ageing out releases a
// cap. Counting is done at 1-s granularity.
type ring struct {
	t [16]int64 // unix seconds or day numbers
	n int       // total pushed
}

func (r *ring) push(v int64) { r.t[r.n%len(r.t)] = v; r.n++ }

// nthLatest returns the k-th most recent value pushed (k ≥ 1, k ≤ 16).
func (r *ring) nthLatest(k int) int64 { return r.t[(r.n-k)%len(r.t)] }
