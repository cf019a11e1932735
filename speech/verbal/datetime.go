package verbal

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

var enMonths = [...]string{"", "January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"}

// ParseDate reads the date forms contact files use: 2026-03-15, 2026/03/15,
// 03/15/2026 (US order), 20260315, RFC 3339, and 2026年3月15日.
func ParseDate(s string) (time.Time, error) {
	v := strings.TrimSpace(s)
	if strings.Contains(v, "年") {
		v = strings.NewReplacer("年", "-", "月", "-", "日", "", "号", "").Replace(v)
		parts := strings.Split(v, "-")
		if len(parts) == 3 {
			v = fmt.Sprintf("%s-%02s-%02s", parts[0], parts[1], parts[2])
			v = strings.ReplaceAll(v, " ", "0")
		}
	}
	for _, layout := range []string{"2006-01-02", "2006-1-2", "2006/01/02", "2006/1/2", "01/02/2006", "1/2/2006", "20060102", time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("date %q: %w", s, ErrBadValue)
}

// Date reads a calendar date: "March fifteenth, twenty twenty-six",
// "二零二六年三月十五日".
func Date(loc Locale, t time.Time) string {
	if loc == ZhCN {
		return zhDigitString(strconv.Itoa(t.Year()), false) + "年" + zhCardinal(int64(t.Month())) + "月" +
			zhCardinal(int64(t.Day())) + "日"
	}
	return enMonths[t.Month()] + " " + Ordinal(EnUS, int64(t.Day())) + ", " + enYear(t.Year())
}

// enYear reads a year the way Americans say it: 1999 "nineteen ninety-nine", 2000 "two
// thousand", 2008 "two thousand eight", 2026 "twenty twenty-six", 1905 "nineteen oh five".
func enYear(y int) string {
	switch {
	case y <= 0 || y >= 10000:
		return enCardinal(int64(y))
	case y%1000 < 10 && y/1000 == 2, y < 1000:
		return enCardinal(int64(y))
	case y%100 == 0:
		return enUnder100(y/100) + " hundred"
	case y%100 < 10:
		return enUnder100(y/100) + " oh " + enOnes[y%100]
	}
	return enUnder100(y/100) + " " + enUnder100(y%100)
}

// ParseTime reads 15:04, 15:04:05, 3:04 PM, 3PM, 3:04pm; it returns the 24-hour clock.
func ParseTime(s string) (hour, minute int, err error) {
	v := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	v = strings.ReplaceAll(v, ".", "")
	for _, layout := range []string{"15:04", "15:04:05", "3:04PM", "3PM", "3:04:05PM"} {
		if t, e := time.Parse(layout, v); e == nil {
			return t.Hour(), t.Minute(), nil
		}
	}
	return 0, 0, fmt.Errorf("time %q: %w", s, ErrBadValue)
}

// Time reads a clock time: "three oh five P M", "nine A M", "twelve noon";
// "下午三点零五分", "上午九点", "晚上八点半".
func Time(loc Locale, hour, minute int) string {
	if loc == ZhCN {
		return zhTime(hour, minute)
	}
	switch {
	case hour == 12 && minute == 0:
		return "twelve noon"
	case hour == 0 && minute == 0:
		return "twelve midnight"
	}
	h12 := hour % 12
	if h12 == 0 {
		h12 = 12
	}
	suffix := "A M"
	if hour >= 12 {
		suffix = "P M"
	}
	s := enOnes[h12]
	switch {
	case minute == 0:
	case minute < 10:
		s += " oh " + enOnes[minute]
	default:
		s += " " + enUnder100(minute)
	}
	return s + " " + suffix
}

func zhTime(hour, minute int) string {
	var period string
	switch {
	case hour < 6:
		period = "凌晨"
	case hour < 12:
		period = "上午"
	case hour < 13:
		period = "中午"
	case hour < 18:
		period = "下午"
	default:
		period = "晚上"
	}
	h12 := hour % 12
	if h12 == 0 {
		h12 = 12
	}
	h := zhCardinal(int64(h12))
	if h12 == 2 {
		h = "两"
	}
	s := period + h + "点"
	switch {
	case minute == 0:
	case minute == 30:
		s += "半"
	case minute < 10:
		s += "零" + zhDigits[minute] + "分"
	default:
		s += zhCardinal(int64(minute)) + "分"
	}
	return s
}

// Phone reads a phone number digit by digit in its written groups ("1 800 555 0199" →
// "one, eight zero zero, five five five, zero one nine nine"); an ungrouped North
// American number is grouped 1-3-3-4. Mandarin reads 1 as 幺 and pauses with "，".
// A value with fewer than three digits is not a phone number.
func Phone(loc Locale, value string) (string, error) {
	var groups []string
	cur := ""
	digits := 0
	for _, r := range value {
		switch {
		case r >= '0' && r <= '9':
			cur += string(r)
			digits++
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || r == '/':
			if cur != "" {
				groups = append(groups, cur)
				cur = ""
			}
		case r == '+' && digits == 0:
		default:
			return "", fmt.Errorf("phone %q: unexpected %q: %w", value, r, ErrBadValue)
		}
	}
	if cur != "" {
		groups = append(groups, cur)
	}
	if digits < 3 {
		return "", fmt.Errorf("phone %q: %w", value, ErrBadValue)
	}
	if len(groups) == 1 {
		g := groups[0]
		switch {
		case len(g) == 11 && loc == ZhCN: // Chinese mobile: 3-4-4
			groups = []string{g[:3], g[3:7], g[7:]}
		case len(g) == 11 && g[0] == '1':
			groups = []string{g[:1], g[1:4], g[4:7], g[7:]}
		case len(g) == 10:
			groups = []string{g[:3], g[3:6], g[6:]}
		}
	}
	parts := make([]string, len(groups))
	for i, g := range groups {
		if loc == ZhCN {
			parts[i] = zhDigitString(g, true)
		} else {
			parts[i] = enDigitString(g)
		}
	}
	if loc == ZhCN {
		return strings.Join(parts, "，"), nil
	}
	return strings.Join(parts, ", "), nil
}
