package field

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Options are what normalising a cell needs beyond the spec.
type Options struct {
	// DayFirst reads 03/04/2026 as 3 April (most of the world); false reads it as
	// March 4 (the United States and Canada, the NANP regions).
	DayFirst bool
	// Phone normalises a phone field (the import's own normaliser, with the
	// campaign's region); nil accepts any value with digits.
	Phone func(string) (string, error)
}

// Normalize checks a non-empty cell against the spec and returns it in its
// canonical form; the error is the reason, for the import report.
func (s Spec) Normalize(v string, o Options) (string, error) {
	v = strings.TrimSpace(v)
	switch s.Type {
	case Date:
		t, err := ParseDate(v, o.DayFirst)
		if err != nil {
			return "", err
		}
		return t.Format(time.DateOnly), nil
	case Amount:
		return normAmount(v, s.Currency)
	case Integer:
		return normInteger(v)
	case Enum:
		for _, e := range s.Values {
			if strings.EqualFold(e, v) {
				return e, nil
			}
		}
		return "", fmt.Errorf("%q is not one of %s", v, strings.Join(s.Values, ", "))
	case Phone:
		if o.Phone != nil {
			return o.Phone(v)
		}
		if !strings.ContainsFunc(v, unicode.IsDigit) {
			return "", fmt.Errorf("%q is not a phone number", v)
		}
	}
	return v, nil
}

// relativeWords are the words of dates that mean something only on the day they
// are read: a contact file is imported once and called on later days.
var relativeWords = []string{"today", "tomorrow", "yesterday", "tonight", "now", "next", "last", "this",
	"ago", "in ", "day after", "weekend", "week", "month", "monday", "tuesday", "wednesday", "thursday",
	"friday", "saturday", "sunday", "asap", "soon", "明天", "今天", "后天", "昨天", "下周"}

var monthNames = map[string]time.Month{}

func init() {
	for m := time.January; m <= time.December; m++ {
		name := strings.ToLower(m.String())
		monthNames[name] = m
		monthNames[name[:3]] = m
	}
	monthNames["sept"] = time.September
}

// ErrRelativeDate: a date given relative to the day it is read ("tomorrow").
var ErrRelativeDate = errors.New("relative date")

// ParseDate reads the forms contact files use and returns the calendar date (UTC
// midnight): 2026-12-01, 2026/12/01, 2026.12.01, 20261201, RFC 3339 (its date),
// "Dec 1, 2026", "1 December 2026", 01-Dec-2026, and with slashes, dashes or dots
// day and month in the region's order (DayFirst). Relative words ("tomorrow",
// "next Friday") and two-digit years are refused with the reason.
func ParseDate(v string, dayFirst bool) (time.Time, error) {
	low := strings.ToLower(strings.TrimSpace(v))
	if low == "" {
		return time.Time{}, errors.New("empty")
	}
	for _, w := range relativeWords {
		if strings.HasPrefix(low, w) || strings.Contains(low, " "+w) || (len([]rune(w)) <= 2 && strings.Contains(low, w)) {
			return time.Time{}, fmt.Errorf("%w: %q means a different day depending on when it is read; write the date itself (e.g. 2026-12-01)", ErrRelativeDate, v)
		}
	}
	for _, layout := range []string{"2006-01-02", "2006-1-2", "2006/01/02", "2006/1/2", "2006.01.02", "2006.1.2", "20060102",
		time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04"} {
		if t, err := time.Parse(layout, strings.TrimSpace(v)); err == nil {
			return checkYear(v, dateOnly(t))
		}
	}
	if t, ok, err := namedMonth(low); ok {
		if err != nil {
			return time.Time{}, fmt.Errorf("%q: %v", v, err)
		}
		return checkYear(v, t)
	}
	// 12/01/2026, 01.12.2026, 1-12-2026
	parts := strings.FieldsFunc(low, func(r rune) bool { return r == '/' || r == '.' || r == '-' })
	if len(parts) == 3 && allDigits(parts[0]) && allDigits(parts[1]) && allDigits(parts[2]) && len(parts[0]) <= 2 && len(parts[1]) <= 2 {
		if len(parts[2]) != 4 {
			return time.Time{}, fmt.Errorf("%q: write the year in full (e.g. 2026)", v)
		}
		a, _ := strconv.Atoi(parts[0])
		b, _ := strconv.Atoi(parts[1])
		y, _ := strconv.Atoi(parts[2])
		d, m := b, a
		if dayFirst {
			d, m = a, b
		}
		t, err := mkDate(v, y, m, d)
		if err != nil {
			return time.Time{}, err
		}
		return checkYear(v, t)
	}
	return time.Time{}, fmt.Errorf("%q is not a date (write e.g. 2026-12-01)", v)
}

// namedMonth reads "dec 1, 2026", "december 1 2026", "1 dec 2026", "01-dec-2026".
func namedMonth(low string) (time.Time, bool, error) {
	f := strings.FieldsFunc(low, func(r rune) bool { return r == ' ' || r == ',' || r == '-' || r == '/' || r == '.' })
	if len(f) != 3 {
		return time.Time{}, false, nil
	}
	var m time.Month
	var day, year string
	switch {
	case monthNames[f[0]] != 0:
		m, day, year = monthNames[f[0]], f[1], f[2]
	case monthNames[f[1]] != 0:
		m, day, year = monthNames[f[1]], f[0], f[2]
	default:
		return time.Time{}, false, nil
	}
	day = strings.TrimRight(day, "stndrh") // 1st, 2nd, 3rd, 4th
	d, err1 := strconv.Atoi(day)
	y, err2 := strconv.Atoi(year)
	if err1 != nil || err2 != nil {
		return time.Time{}, true, errors.New("not a date (write e.g. 2026-12-01)")
	}
	if len(year) != 4 {
		return time.Time{}, true, errors.New("write the year in full (e.g. 2026)")
	}
	t, err := mkDate(low, y, int(m), d)
	return t, true, err
}

func mkDate(v string, y, m, d int) (time.Time, error) {
	if m < 1 || m > 12 {
		return time.Time{}, fmt.Errorf("%q: month %d does not exist", v, m)
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if d < 1 || t.Month() != time.Month(m) {
		return time.Time{}, fmt.Errorf("%q: %s %d has no day %d", v, time.Month(m), y, d)
	}
	return t, nil
}

func checkYear(v string, t time.Time) (time.Time, error) {
	if t.Year() < 1900 || t.Year() > 2200 {
		return time.Time{}, fmt.Errorf("%q: year %d is out of range", v, t.Year())
	}
	return t, nil
}

func dateOnly(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// currencyMarks are the symbols and codes an amount cell may carry.
var currencyMarks = []struct{ mark, code string }{
	{"US$", "USD"}, {"$", "USD"}, {"USD", "USD"}, {"€", "EUR"}, {"EUR", "EUR"}, {"£", "GBP"}, {"GBP", "GBP"},
	{"¥", "CNY"}, {"￥", "CNY"}, {"CNY", "CNY"}, {"RMB", "CNY"}, {"元", "CNY"},
}

// normAmount reads "1,250.50", "$120", "120.5 USD" and writes "1250.50" (with " CUR"
// when the cell or the spec names a currency).
func normAmount(v, want string) (string, error) {
	num, cur := strings.TrimSpace(v), ""
	up := strings.ToUpper(num)
	for _, c := range currencyMarks {
		if strings.HasPrefix(up, c.mark) {
			num, cur = strings.TrimSpace(num[len(c.mark):]), c.code
			break
		}
		if strings.HasSuffix(up, c.mark) {
			num, cur = strings.TrimSpace(num[:len(num)-len(c.mark)]), c.code
			break
		}
	}
	if cur != "" && want != "" && cur != want {
		return "", fmt.Errorf("%q is in %s, the script wants %s", v, cur, want)
	}
	if cur == "" {
		cur = want
	}
	if strings.HasPrefix(num, "-") {
		return "", fmt.Errorf("%q is negative", v)
	}
	whole, frac, hasFrac := strings.Cut(num, ".")
	if strings.Contains(whole, ",") {
		groups := strings.Split(whole, ",")
		for i, g := range groups {
			if !allDigits(g) || (i > 0 && len(g) != 3) || (i == 0 && len(g) > 3) {
				return "", fmt.Errorf("%q is not an amount (write e.g. 1250.50)", v)
			}
		}
		whole = strings.Join(groups, "")
	}
	if !allDigits(whole) || (hasFrac && !allDigits(frac)) {
		return "", fmt.Errorf("%q is not an amount (write e.g. 1250.50)", v)
	}
	if len(frac) > 2 {
		return "", fmt.Errorf("%q has more than 2 decimals", v)
	}
	if len(whole) > 13 {
		return "", fmt.Errorf("%q is too large", v)
	}
	whole = strings.TrimLeft(whole, "0")
	if whole == "" {
		whole = "0"
	}
	frac = (frac + "00")[:2]
	out := whole + "." + frac
	if cur != "" {
		out += " " + cur
	}
	return out, nil
}

// normInteger reads "1,200", "+7", "-3" and writes the plain integer.
func normInteger(v string) (string, error) {
	s := strings.ReplaceAll(v, ",", "")
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return "", fmt.Errorf("%q is not a whole number", v)
	}
	return strconv.FormatInt(n, 10), nil
}
