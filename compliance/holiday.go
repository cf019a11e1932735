package compliance

import "time"

// HolidayRule says how a holiday's date is computed each year.
type HolidayRule struct {
	Name    string
	Month   time.Month   // for fixed dates and nth-weekday rules
	Day     int          // fixed day of month (Nth == 0 and !Easter)
	Weekday time.Weekday // for nth-weekday rules
	Nth     int          // 1..4: nth weekday of Month; -1: last weekday of Month
	Easter  bool         // Day is an offset in days from Western Easter Sunday
	Since   int          // first year the holiday applies (0: always)
}

// Observance moves a holiday that falls on a weekend to a weekday. Both the actual date and
// the observed date are treated as holidays (fail closed: either may be "the holiday" to a
// regulator).
type Observance struct {
	SaturdayToFriday bool
	SundayToMonday   bool
}

// Calendar is a jurisdiction's set of holidays with its observed-day rule. Holidays are
// computed, never listed per year.
type Calendar struct {
	Name     string
	Holidays []HolidayRule
	Observe  Observance
}

// date returns the holiday's date in year y.
func (h *HolidayRule) date(y int) (time.Time, bool) {
	if h.Since != 0 && y < h.Since {
		return time.Time{}, false
	}
	switch {
	case h.Easter:
		return easter(y).AddDate(0, 0, h.Day), true
	case h.Nth > 0:
		first := time.Date(y, h.Month, 1, 0, 0, 0, 0, time.UTC)
		off := (int(h.Weekday) - int(first.Weekday()) + 7) % 7
		return first.AddDate(0, 0, off+7*(h.Nth-1)), true
	case h.Nth == -1:
		last := time.Date(y, h.Month+1, 0, 0, 0, 0, 0, time.UTC)
		off := (int(last.Weekday()) - int(h.Weekday) + 7) % 7
		return last.AddDate(0, 0, -off), true
	default:
		return time.Date(y, h.Month, h.Day, 0, 0, 0, 0, time.UTC), true
	}
}

// easter returns Western (Gregorian) Easter Sunday of year y (anonymous Gregorian
// algorithm, Meeus/Jones/Butcher).
func easter(y int) time.Time {
	a := y % 19
	b := y / 100
	c := y % 100
	d := b / 4
	e := b % 4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i := c / 4
	k := c % 4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Date(y, time.Month(month), day, 0, 0, 0, 0, time.UTC)
}

// Years for which holiday tables are precomputed; dates outside fail closed.
const (
	holidayFirstYear = 1990
	holidayLastYear  = 2200
)

// holidayTable is a calendar compiled into one bit per day of each year.
type holidayTable struct {
	name  string
	years [holidayLastYear - holidayFirstYear + 1][6]uint64 // bit yday-1
	names map[[2]int]string                                 // (year, yday) → name, for reasons
}

func compileCalendar(c *Calendar) *holidayTable {
	t := &holidayTable{name: c.Name, names: make(map[[2]int]string)}
	mark := func(d time.Time, name string) {
		y := d.Year()
		if y < holidayFirstYear || y > holidayLastYear {
			return
		}
		yd := d.YearDay() - 1
		t.years[y-holidayFirstYear][yd/64] |= 1 << (yd % 64)
		k := [2]int{y, yd + 1}
		if _, ok := t.names[k]; !ok {
			t.names[k] = name
		}
	}
	for y := holidayFirstYear - 1; y <= holidayLastYear+1; y++ {
		for i := range c.Holidays {
			h := &c.Holidays[i]
			d, ok := h.date(y)
			if !ok {
				continue
			}
			mark(d, h.Name)
			switch d.Weekday() {
			case time.Saturday:
				if c.Observe.SaturdayToFriday {
					mark(d.AddDate(0, 0, -1), h.Name+" (observed)")
				}
			case time.Sunday:
				if c.Observe.SundayToMonday {
					mark(d.AddDate(0, 0, 1), h.Name+" (observed)")
				}
			}
		}
	}
	return t
}

// isHoliday reports whether the civil date (y, yday) is a holiday; ok is false when the
// year is outside the precomputed range (callers fail closed).
func (t *holidayTable) isHoliday(y, yday int) (holiday, ok bool) {
	if y < holidayFirstYear || y > holidayLastYear {
		return false, false
	}
	yd := yday - 1
	return t.years[y-holidayFirstYear][yd/64]&(1<<(yd%64)) != 0, true
}

// holidayName returns the holiday's name (cold path, for reasons).
func (t *holidayTable) holidayName(y, yday int) string { return t.names[[2]int{y, yday}] }
