package capture

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Kind is the type of a slot.
type Kind string

// Slot kinds.
const (
	YesNo  Kind = "yes_no" // "yes" | "no"
	Digits Kind = "digits" // "0412", one digit at a time (account numbers, codes)
	Number Kind = "number" // a whole number ("4"): ratings, counts
	Amount Kind = "amount" // "125.50": money, two decimals
	Date   Kind = "date"   // "2026-12-11"
	Time   Kind = "time"   // "15:00"
	Text   Kind = "text"   // free text, as recognised
)

// Kinds lists every slot kind, in the order the docs give them.
var Kinds = []Kind{YesNo, Digits, Number, Amount, Date, Time, Text}

// ErrSpec: a slot specification is not valid.
var ErrSpec = errors.New("bad capture spec")

// Lang is the language a parser reads.
type Lang int

// Languages.
const (
	English Lang = iota
	Mandarin
)

// LangOf maps a BCP 47 locale to a Lang (zh-…, cmn-… are Mandarin; anything else English).
func LangOf(locale string) Lang {
	l := strings.ToLower(locale)
	if strings.HasPrefix(l, "zh") || strings.HasPrefix(l, "cmn") {
		return Mandarin
	}
	return English
}

// Spec describes one slot: its kind and bounds.
type Spec struct {
	Kind Kind
	// MinDigits, MaxDigits bound a digits slot's length (0: no bound; at most MaxLen).
	MinDigits, MaxDigits int
	// Min, Max bound a number or amount slot when HasMin / HasMax.
	Min, Max       float64
	HasMin, HasMax bool
}

// MaxLen bounds a digits value and a text value (in runes): a slot is a short answer.
const MaxLen = 64

// Check reports what is wrong with the spec, if anything.
func (s Spec) Check() error {
	known := false
	for _, k := range Kinds {
		known = known || k == s.Kind
	}
	switch {
	case !known:
		return fmt.Errorf("%w: type %q: want one of %s", ErrSpec, s.Kind, kindList())
	case s.MinDigits < 0 || s.MaxDigits < 0 || s.MinDigits > MaxLen || s.MaxDigits > MaxLen:
		return fmt.Errorf("%w: digit counts must be 0 to %d", ErrSpec, MaxLen)
	case s.MaxDigits > 0 && s.MinDigits > s.MaxDigits:
		return fmt.Errorf("%w: min_digits %d is above max_digits %d", ErrSpec, s.MinDigits, s.MaxDigits)
	case (s.MinDigits > 0 || s.MaxDigits > 0) && s.Kind != Digits:
		return fmt.Errorf("%w: min_digits and max_digits are for type digits", ErrSpec)
	case (s.HasMin || s.HasMax) && s.Kind != Number && s.Kind != Amount:
		return fmt.Errorf("%w: min and max are for types number and amount", ErrSpec)
	case s.HasMin && s.HasMax && s.Min > s.Max:
		return fmt.Errorf("%w: min %g is above max %g", ErrSpec, s.Min, s.Max)
	}
	return nil
}

func kindList() string {
	out := make([]string, len(Kinds))
	for i, k := range Kinds {
		out[i] = string(k)
	}
	return strings.Join(out, ", ")
}

// Parser reads one slot's values. It is immutable and safe for concurrent use.
type Parser struct {
	spec Spec
	lang Lang
}

// New returns a parser for spec in lang (the script's language; Mandarin text is
// read as Mandarin whatever lang says, and Latin text as English).
func New(spec Spec, lang Lang) (*Parser, error) {
	if err := spec.Check(); err != nil {
		return nil, err
	}
	return &Parser{spec: spec, lang: lang}, nil
}

// Kind is the parser's slot kind.
func (p *Parser) Kind() Kind { return p.spec.Kind }

// maxInput bounds the text a parser looks at: a recognised turn is a sentence or two.
const maxInput = 1024

// Parse reads a value from what the caller said. today is the call's local date (only
// its year, month and day are used). ok is false when the words hold no valid value.
func (p *Parser) Parse(text string, today time.Time) (value string, ok bool) {
	if len(text) > maxInput {
		text = text[:maxInput]
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return "", false
	}
	zh := hasCJK(text)
	switch p.spec.Kind {
	case YesNo:
		var v int
		if zh {
			v = zhYesNo(text)
		} else {
			v = enYesNo(text)
		}
		switch v {
		case 1:
			return "yes", true
		case -1:
			return "no", true
		}
		return "", false
	case Digits:
		var d string
		if zh {
			d = zhDigits(text)
		} else {
			d = enDigits(text)
		}
		return p.digits(d)
	case Number:
		var n float64
		var found bool
		if zh {
			n, found = zhFirstNumber(text)
		} else {
			n, found = enFirstNumber(text)
		}
		if !found || n != float64(int64(n)) {
			return "", false
		}
		return p.bounded(n, strconv.FormatInt(int64(n), 10))
	case Amount:
		var n float64
		var found bool
		if zh {
			n, found = zhAmount(text)
		} else {
			n, found = enAmount(text)
		}
		if !found {
			return "", false
		}
		return p.bounded(n, strconv.FormatFloat(n, 'f', 2, 64))
	case Date:
		var d time.Time
		var found bool
		day := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
		if zh {
			d, found = zhDate(text, day)
		} else {
			d, found = enDate(text, day)
		}
		if !found {
			return "", false
		}
		return d.Format("2006-01-02"), true
	case Time:
		var h, m int
		var found bool
		if zh {
			h, m, found = zhTime(text)
		} else {
			h, m, found = enTime(text)
		}
		if !found || h < 0 || h > 23 || m < 0 || m > 59 {
			return "", false
		}
		return fmt.Sprintf("%02d:%02d", h, m), true
	case Text:
		t := strings.Join(strings.Fields(text), " ")
		if !strings.ContainsFunc(t, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
			return "", false
		}
		if r := []rune(t); len(r) > MaxLen*4 {
			t = string(r[:MaxLen*4])
		}
		return t, true
	}
	return "", false
}

// Keys reads a value from keys the caller pressed (without the closing #):
// yes_no takes 1 (yes) or 2 (no); digits the keys; number the keys as a whole
// number; amount the keys with * as the decimal point; date MMDD (the next such
// day) or DD (the next such day of a month); time HHMM on a 24-hour clock. A
// text slot takes no keys.
func (p *Parser) Keys(keys string, today time.Time) (value string, ok bool) {
	if keys == "" || len(keys) > MaxLen {
		return "", false
	}
	switch p.spec.Kind {
	case YesNo:
		switch keys {
		case "1":
			return "yes", true
		case "2":
			return "no", true
		}
	case Digits:
		if allDigits(keys) {
			return p.digits(keys)
		}
	case Number:
		if allDigits(keys) && len(keys) <= 15 {
			n, err := strconv.ParseInt(keys, 10, 64)
			if err == nil {
				return p.bounded(float64(n), strconv.FormatInt(n, 10))
			}
		}
	case Amount:
		whole, frac, _ := strings.Cut(keys, "*")
		if whole == "" {
			whole = "0"
		}
		if allDigits(whole) && len(whole) <= 12 && (frac == "" || (allDigits(frac) && len(frac) <= 2)) {
			n, err := strconv.ParseFloat(whole+"."+frac+"0", 64)
			if err == nil {
				return p.bounded(n, strconv.FormatFloat(n, 'f', 2, 64))
			}
		}
	case Date:
		if !allDigits(keys) {
			return "", false
		}
		day := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
		var d time.Time
		var found bool
		switch len(keys) {
		case 1, 2:
			n, _ := strconv.Atoi(keys)
			d, found = nextDayOfMonth(day, n)
		case 4:
			mo, _ := strconv.Atoi(keys[:2])
			n, _ := strconv.Atoi(keys[2:])
			d, found = nextMonthDay(day, time.Month(mo), n)
		}
		if found {
			return d.Format("2006-01-02"), true
		}
	case Time:
		if allDigits(keys) && (len(keys) == 3 || len(keys) == 4) {
			h, _ := strconv.Atoi(keys[:len(keys)-2])
			m, _ := strconv.Atoi(keys[len(keys)-2:])
			if h <= 23 && m <= 59 {
				return fmt.Sprintf("%02d:%02d", h, m), true
			}
		}
	}
	return "", false
}

// WantsKeys reports whether keys for this slot are collected until # (or a pause)
// rather than read one at a time.
func (p *Parser) WantsKeys() bool { return p.spec.Kind != YesNo && p.spec.Kind != Text }

// KeysComplete reports whether keys already make a full value, so collection can stop
// without waiting for #: a digits slot at max_digits, a number slot with as many
// keys as its max has digits (a 1-5 rating takes one key).
func (p *Parser) KeysComplete(keys string) bool {
	switch {
	case p.spec.Kind == Digits && p.spec.MaxDigits > 0:
		return len(keys) >= p.spec.MaxDigits
	case p.spec.Kind == Number && p.spec.HasMax && p.spec.Max >= 0 && p.spec.Max < 1e12:
		return len(keys) >= len(strconv.FormatInt(int64(p.spec.Max), 10))
	}
	return false
}

func (p *Parser) digits(d string) (string, bool) {
	if d == "" || len(d) > MaxLen {
		return "", false
	}
	if p.spec.MinDigits > 0 && len(d) < p.spec.MinDigits {
		return "", false
	}
	if p.spec.MaxDigits > 0 && len(d) > p.spec.MaxDigits {
		return "", false
	}
	return d, true
}

func (p *Parser) bounded(n float64, s string) (string, bool) {
	if n < 0 || n > 1e12 {
		return "", false
	}
	if (p.spec.HasMin && n < p.spec.Min) || (p.spec.HasMax && n > p.spec.Max) {
		return "", false
	}
	return s, true
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func hasCJK(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// nextDayOfMonth is the next date from today on that falls on day n of a month.
func nextDayOfMonth(today time.Time, n int) (time.Time, bool) {
	if n < 1 || n > 31 {
		return time.Time{}, false
	}
	y, m := today.Year(), today.Month()
	for i := 0; i < 3; i++ {
		if d, ok := mkDate(y, m, n); ok && !d.Before(today) {
			return d, true
		}
		m++
		if m > 12 {
			m, y = 1, y+1
		}
	}
	return time.Time{}, false
}

// nextMonthDay is the next date from today on that is month m, day n.
func nextMonthDay(today time.Time, m time.Month, n int) (time.Time, bool) {
	if m < 1 || m > 12 {
		return time.Time{}, false
	}
	for y := today.Year(); y <= today.Year()+4; y++ {
		if d, ok := mkDate(y, m, n); ok && !d.Before(today) {
			return d, true
		}
	}
	return time.Time{}, false
}

// mkDate builds a date, refusing one that does not exist (February 30).
func mkDate(y int, m time.Month, d int) (time.Time, bool) {
	if d < 1 || d > 31 || m < 1 || m > 12 || y < 1900 || y > 2200 {
		return time.Time{}, false
	}
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return t, t.Day() == d && t.Month() == m
}

// weekdayFrom is the date of weekday wd: in the week of today (weeks start on
// Monday) plus weeks; when weeks is 0 the nearest one from today on.
func weekdayFrom(today time.Time, wd time.Weekday, weeks int, explicitWeek bool) time.Time {
	if !explicitWeek {
		diff := (int(wd) - int(today.Weekday()) + 7) % 7
		return today.AddDate(0, 0, diff)
	}
	mon := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
	off := (int(wd) + 6) % 7
	d := mon.AddDate(0, 0, 7*weeks+off)
	if weeks == 0 && d.Before(today) {
		d = d.AddDate(0, 0, 7) // "this Monday" said on Wednesday: the coming one
	}
	return d
}

// endOfMonth is the last day of today's month.
func endOfMonth(today time.Time) time.Time {
	return time.Date(today.Year(), today.Month()+1, 0, 0, 0, 0, 0, time.UTC)
}

// businessHour reads an hour said without am/pm: 1 to 7 o'clock is afternoon.
func businessHour(h int) int {
	if h >= 1 && h <= 7 {
		return h + 12
	}
	return h
}
