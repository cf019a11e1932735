package capture

import (
	"strconv"
	"strings"
	"time"
	"unicode"
)

// enTokens lowercases English text and splits it into words: punctuation goes
// (except inside numbers: 1,250 → 1250, 125.50, 3:30, 3/15, 2026-03-15), "a.m."
// and "p m" become am and pm, "$125" becomes "$ 125", "twenty-five" two words.
func enTokens(text string) []string {
	var b strings.Builder
	rs := []rune(strings.ToLower(text))
	isD := func(i int) bool { return i >= 0 && i < len(rs) && rs[i] >= '0' && rs[i] <= '9' }
	for i, r := range rs {
		switch {
		case r == ',' && isD(i-1) && isD(i+1) && i+3 < len(rs)+1 && isD(i+3) && !isD(i+4):
			// thousands separator
		case (r == '.' || r == ':' || r == '/' || r == '-') && isD(i-1) && isD(i+1):
			b.WriteRune(r)
		case r == '$' || r == '¥' || r == '€' || r == '£':
			b.WriteString(" $ ")
		case r == '\'' || r == '’':
			if i > 0 && unicode.IsLetter(rs[i-1]) {
				b.WriteRune('\'')
			} else {
				b.WriteRune(' ')
			}
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		default:
			b.WriteRune(' ')
		}
	}
	f := strings.Fields(b.String())
	out := f[:0]
	for i := 0; i < len(f); i++ {
		w := f[i]
		// a m / p m / a.m. (dots already gone) → am, pm
		if (w == "a" || w == "p") && i+1 < len(f) && f[i+1] == "m" {
			out = append(out, w+"m")
			i++
			continue
		}
		// 3pm, 10am, 125dollars: split a number glued to a word
		if j := digitPrefix(w); j > 0 && j < len(w) && !isOrdinalSuffix(w[j:]) {
			out = append(out, w[:j], w[j:])
			continue
		}
		out = append(out, w)
	}
	return out
}

func digitPrefix(w string) int {
	j := 0
	for j < len(w) && (w[j] >= '0' && w[j] <= '9' || (j > 0 && (w[j] == '.' || w[j] == ':' || w[j] == '/' || w[j] == '-') && j+1 < len(w) && w[j+1] >= '0' && w[j+1] <= '9')) {
		j++
	}
	return j
}

func isOrdinalSuffix(s string) bool { return s == "st" || s == "nd" || s == "rd" || s == "th" }

var enUnits = map[string]int{
	"zero": 0, "oh": 0, "o": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
	"eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
	"fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
	// recogniser homophones of digits
	"to": -2, "too": -2, "for": -4, "won": -1, "ate": -8,
}

var enTens = map[string]int{"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}

var enOrdinals = map[string]int{
	"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9,
	"tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15, "sixteenth": 16,
	"seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20, "thirtieth": 30,
}

var enMonths = map[string]time.Month{
	"january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
	"june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9,
	"october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}

var enWeekdays = map[string]time.Weekday{
	"sunday": 0, "monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5, "saturday": 6,
	"sun": 0, "mon": 1, "tue": 2, "tues": 2, "wed": 3, "thu": 4, "thur": 4, "thurs": 4, "fri": 5, "sat": 6,
}

// unitWord is the value of a number word (homophones only where strict is false).
func unitWord(w string, strict bool) (int, bool) {
	v, ok := enUnits[w]
	if !ok {
		return 0, false
	}
	if v < 0 {
		if strict {
			return 0, false
		}
		return -v, true
	}
	if strict && (w == "o") {
		return 0, false
	}
	return v, true
}

// enNumberAt reads a cardinal number starting at token i ("one hundred and
// twenty five", "1250", "125.50", "a thousand", "two point five"); n is how many
// tokens it used (0: no number there).
func enNumberAt(t []string, i int) (val float64, n int) {
	if i >= len(t) {
		return 0, 0
	}
	if f, err := strconv.ParseFloat(t[i], 64); err == nil && isNumeral(t[i]) {
		j := i + 1
		// "2 thousand", "1.5 million"
		if j < len(t) {
			switch t[j] {
			case "hundred":
				return f * 100, 2
			case "thousand", "k", "grand":
				return f * 1000, 2
			case "million":
				return f * 1e6, 2
			}
		}
		return f, 1
	}
	var total, cur int64
	j := i
	seen := false
	for j < len(t) {
		w := t[j]
		if v, ok := unitWord(w, true); ok && w != "oh" {
			if seen && cur%100 != 0 && cur%10 != 0 {
				break // "twenty five three": two numbers
			}
			if seen && cur != 0 && cur%10 == 0 && cur%100 != 0 && v >= 10 {
				break // "twenty fifteen"
			}
			if seen && cur != 0 && cur < 10 {
				break // "two three": digits, not a number
			}
			cur += int64(v)
			seen = true
			j++
			continue
		}
		if v, ok := enTens[w]; ok {
			if seen && cur%100 != 0 {
				break
			}
			cur += int64(v)
			seen = true
			j++
			continue
		}
		if w == "a" && j+1 < len(t) && (t[j+1] == "hundred" || t[j+1] == "thousand" || t[j+1] == "million") && !seen {
			cur = 1
			seen = true
			j++
			continue
		}
		if w == "hundred" && seen {
			if cur == 0 {
				cur = 1
			}
			cur = (cur%100)*100 + (cur/100)*100
			j++
			continue
		}
		if (w == "thousand" || w == "million") && seen {
			mul := int64(1000)
			if w == "million" {
				mul = 1e6
			}
			total += cur * mul
			cur = 0
			j++
			continue
		}
		if w == "and" && seen && j+1 < len(t) && isNumberWord(t[j+1]) && (cur >= 100 || total > 0) {
			j++
			continue
		}
		break
	}
	if !seen {
		return 0, 0
	}
	v := float64(total + cur)
	// "two point five"
	if j+1 < len(t) && t[j] == "point" {
		frac := ""
		k := j + 1
		for k < len(t) {
			d, ok := unitWord(t[k], true)
			if !ok || d > 9 {
				break
			}
			frac += strconv.Itoa(d)
			k++
		}
		if frac != "" {
			f, _ := strconv.ParseFloat("0."+frac, 64)
			return v + f, k - i
		}
	}
	return v, j - i
}

func isNumeral(s string) bool {
	if s == "" || s[0] < '0' || s[0] > '9' {
		return false
	}
	dots := 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '.':
			dots++
		case s[i] < '0' || s[i] > '9':
			return false
		}
	}
	return dots <= 1 && s[len(s)-1] != '.'
}

func isNumberWord(w string) bool {
	if _, ok := unitWord(w, true); ok {
		return true
	}
	_, ok := enTens[w]
	return ok || isNumeral(w)
}

// enFirstNumber is the first cardinal number in text.
func enFirstNumber(text string) (float64, bool) {
	t := enTokens(text)
	for i := range t {
		if i > 0 && t[i-1] == "the" {
			continue // "the one" is not a count
		}
		if v, n := enNumberAt(t, i); n > 0 {
			return v, true
		}
	}
	return 0, false
}

var enCurrency = map[string]bool{"dollar": true, "dollars": true, "bucks": true, "buck": true, "usd": true, "$": true}

// enAmount reads money: "$125.50", "125 dollars and 50 cents", "a hundred and fifty
// bucks", "fifty cents", "two fifty" is not read (ambiguous). A number next to a
// currency word wins over the first number.
func enAmount(text string) (float64, bool) {
	t := enTokens(text)
	type num struct {
		v     float64
		at, n int
	}
	var nums []num
	for i := 0; i < len(t); {
		if v, n := enNumberAt(t, i); n > 0 && !(i > 0 && t[i-1] == "the") && !isOrdinalAfter(t, i+n) {
			nums = append(nums, num{v, i, n})
			i += n
			continue
		}
		i++
	}
	if len(nums) == 0 {
		return 0, false
	}
	for k, nm := range nums {
		end := nm.at + nm.n
		before := nm.at > 0 && t[nm.at-1] == "$"
		after := end < len(t) && enCurrency[t[end]]
		if !before && !after {
			if end < len(t) && (t[end] == "cents" || t[end] == "cent") && nm.v < 100 {
				return round2(nm.v / 100), true
			}
			continue
		}
		v := nm.v
		// "... dollars and fifty cents", "... dollars fifty"
		if after && k+1 < len(nums) {
			nx := nums[k+1]
			gap := nx.at - (end + 1)
			if (gap == 0 || (gap == 1 && t[end+1] == "and")) && nx.v < 100 && nx.v == float64(int(nx.v)) {
				ne := nx.at + nx.n
				if ne == len(t) || t[ne] == "cents" || t[ne] == "cent" {
					v += nx.v / 100
				}
			}
		}
		return round2(v), true
	}
	return round2(nums[0].v), true
}

// isOrdinalAfter: a number followed by a month or "of" is part of a date.
func isOrdinalAfter(t []string, i int) bool {
	if i >= len(t) {
		return false
	}
	_, m := enMonths[t[i]]
	return m || isOrdinalSuffix(t[i])
}

func round2(f float64) float64 {
	return float64(int64(f*100+0.5)) / 100
}

// enDigits reads a string of digits said one at a time: "four one two", "oh four",
// "double five", "1234", "twenty three" (23).
func enDigits(text string) string {
	t := enTokens(text)
	var b strings.Builder
	rep := 1
	for i := 0; i < len(t) && b.Len() <= MaxLen; i++ {
		w := t[i]
		if i > 0 && (t[i-1] == "last" || t[i-1] == "first") {
			continue // "the last four are …": a count, not a digit
		}
		switch w {
		case "double":
			rep = 2
			continue
		case "triple":
			rep = 3
			continue
		}
		if allDigits(w) {
			for k := 0; k < rep; k++ {
				b.WriteString(w)
			}
			rep = 1
			continue
		}
		if v, ok := unitWord(w, false); ok && v <= 9 {
			for k := 0; k < rep; k++ {
				b.WriteByte(byte('0' + v))
			}
			rep = 1
			continue
		}
		if v, ok := enUnits[w]; ok && v >= 10 {
			b.WriteString(strconv.Itoa(v))
			rep = 1
			continue
		}
		if v, ok := enTens[w]; ok {
			if i+1 < len(t) {
				if u, ok := unitWord(t[i+1], true); ok && u >= 1 && u <= 9 {
					b.WriteString(strconv.Itoa(v + u))
					i++
					rep = 1
					continue
				}
			}
			b.WriteString(strconv.Itoa(v))
			rep = 1
			continue
		}
		if w == "hundred" && b.Len() > 0 {
			b.WriteString("00")
			continue
		}
		rep = 1
	}
	return b.String()
}

var enYes = map[string]bool{"yes": true, "yeah": true, "yep": true, "yup": true, "ya": true, "yea": true, "sure": true, "correct": true,
	"right": true, "ok": true, "okay": true, "absolutely": true, "definitely": true, "certainly": true, "affirmative": true,
	"indeed": true, "course": true, "totally": true, "exactly": true, "agree": true, "please": true}

var enNo = map[string]bool{"no": true, "nope": true, "nah": true, "not": true, "never": true, "don't": true, "dont": true,
	"can't": true, "cant": true, "cannot": true, "won't": true, "wont": true, "isn't": true, "negative": true,
	"incorrect": true, "wrong": true, "didn't": true, "doesn't": true, "wasn't": true, "haven't": true}

var enUnsure = []string{"not sure", "don't know", "dont know", "no idea", "maybe", "perhaps", "not certain", "i guess", "might"}

// enYesNo: 1 yes, -1 no, 0 neither (or unsure).
func enYesNo(text string) int {
	t := enTokens(text)
	s := " " + strings.Join(t, " ") + " "
	for _, u := range enUnsure {
		if strings.Contains(s, " "+u+" ") {
			return 0
		}
	}
	yes, no := false, false
	for i, w := range t {
		if enNo[w] {
			no = true
		}
		if enYes[w] || (w == "uh" && i+1 < len(t) && t[i+1] == "huh") || (w == "mm" && i+1 < len(t) && t[i+1] == "hmm") {
			yes = true
		}
		// "i do", "i will", "i can", "we will": an answer
		if i > 0 && (t[i-1] == "i" || t[i-1] == "we") && (w == "do" || w == "will" || w == "can" || w == "am" || w == "have" || w == "did") {
			if i+1 == len(t) || !enNo[t[i+1]] {
				yes = true
			}
		}
	}
	switch {
	case no:
		return -1
	case yes:
		return 1
	}
	return 0
}

// enDate reads a date relative to today (a date at midnight UTC).
func enDate(text string, today time.Time) (time.Time, bool) {
	t := enTokens(text)
	s := " " + strings.Join(t, " ") + " "
	switch {
	case strings.Contains(s, " day after tomorrow "):
		return today.AddDate(0, 0, 2), true
	case strings.Contains(s, " tomorrow "):
		return today.AddDate(0, 0, 1), true
	case strings.Contains(s, " today ") || strings.Contains(s, " tonight ") || strings.Contains(s, " right now "):
		return today, true
	case strings.Contains(s, " end of the month ") || strings.Contains(s, " end of this month ") || strings.Contains(s, " end of month "):
		return endOfMonth(today), true
	case strings.Contains(s, " end of next month "):
		return endOfMonth(time.Date(today.Year(), today.Month()+1, 1, 0, 0, 0, 0, time.UTC)), true
	}
	for i, w := range t {
		// ISO 2026-03-15, US 3/15[/2026]
		if strings.Count(w, "-") == 2 {
			if d, err := time.Parse("2006-01-02", w); err == nil {
				return d, true
			}
		}
		if c := strings.Count(w, "/"); c == 1 || c == 2 {
			p := strings.Split(w, "/")
			mo, e1 := strconv.Atoi(p[0])
			dd, e2 := strconv.Atoi(p[1])
			if e1 == nil && e2 == nil {
				if c == 2 {
					y, e3 := strconv.Atoi(p[2])
					if e3 == nil {
						if y < 100 {
							y += 2000
						}
						if d, ok := mkDate(y, time.Month(mo), dd); ok {
							return d, true
						}
					}
					continue
				}
				if d, ok := nextMonthDay(today, time.Month(mo), dd); ok {
					return d, true
				}
			}
		}
		// in three days, in 2 weeks
		if w == "in" && i+2 < len(t) {
			if v, n := enNumberAt(t, i+1); n > 0 && i+1+n < len(t) && v == float64(int(v)) && v <= 366 {
				switch t[i+1+n] {
				case "day", "days":
					return today.AddDate(0, 0, int(v)), true
				case "week", "weeks":
					return today.AddDate(0, 0, 7*int(v)), true
				}
			}
			if t[i+1] == "a" && (t[i+2] == "week") {
				return today.AddDate(0, 0, 7), true
			}
		}
		if wd, ok := enWeekdays[w]; ok {
			switch {
			case i > 0 && t[i-1] == "next":
				return weekdayFrom(today, wd, 1, true), true
			case i > 0 && t[i-1] == "this":
				return weekdayFrom(today, wd, 0, true), true
			case i+2 < len(t) && t[i+1] == "next" && t[i+2] == "week":
				return weekdayFrom(today, wd, 1, true), true
			case i+2 < len(t) && t[i+1] == "this" && t[i+2] == "week":
				return weekdayFrom(today, wd, 0, true), true
			}
			return weekdayFrom(today, wd, 0, false), true
		}
	}
	// month and day: "march 15th", "15th of march", "the fifteenth of march 2027"
	month, monthAt := time.Month(0), -1
	for i, w := range t {
		if m, ok := enMonths[w]; ok && !(w == "may" && i > 0 && (t[i-1] == "i" || t[i-1] == "you" || t[i-1] == "we" || t[i-1] == "it" || t[i-1] == "that")) {
			month, monthAt = m, i
			break
		}
	}
	day, dayAt, dayN := enDayAt(t, monthAt)
	if day == 0 {
		return time.Time{}, false
	}
	if month == 0 {
		next := false
		for k := 0; k+1 < len(t); k++ {
			if t[k] == "next" && t[k+1] == "month" {
				next = true
			}
		}
		if next {
			first := time.Date(today.Year(), today.Month()+1, 1, 0, 0, 0, 0, time.UTC)
			return nextDayOfMonth(first, day)
		}
		return nextDayOfMonth(today, day)
	}
	// a year after the day or the month
	for k := max(dayAt+dayN, monthAt+1); k < len(t) && k <= max(dayAt+dayN, monthAt+1)+1; k++ {
		if y, err := strconv.Atoi(t[k]); err == nil && y >= 1900 && y <= 2200 {
			return mkDate(y, month, day)
		}
		if v, n := enYearAt(t, k); n > 0 {
			return mkDate(v, month, day)
		}
	}
	return nextMonthDay(today, month, day)
}

// enDayAt finds a day of the month: an ordinal ("15th", "fifteenth", "twenty
// first"), or a cardinal next to the month ("march 15"). It returns the day, where
// it is and how many tokens it takes.
func enDayAt(t []string, monthAt int) (day, at, n int) {
	for i := 0; i < len(t); i++ {
		w := t[i]
		if len(w) > 2 && isOrdinalSuffix(w[len(w)-2:]) && allDigits(w[:len(w)-2]) {
			d, _ := strconv.Atoi(w[:len(w)-2])
			return d, i, 1
		}
		if v, ok := enTens[w]; ok && i+1 < len(t) {
			if o, ok := enOrdinals[t[i+1]]; ok && o < 10 {
				return v + o, i, 2
			}
		}
		if o, ok := enOrdinals[w]; ok {
			if w == "second" && i+1 < len(t) && (t[i+1] == "thought" || t[i+1] == "chance") {
				continue
			}
			return o, i, 1
		}
	}
	if monthAt < 0 {
		return 0, 0, 0
	}
	// "march 15", "15 march", "march the 15"
	for _, k := range []int{monthAt + 1, monthAt + 2, monthAt - 1} {
		if k < 0 || k >= len(t) {
			continue
		}
		if v, nn := enNumberAt(t, k); nn > 0 && v == float64(int(v)) && v >= 1 && v <= 31 {
			return int(v), k, nn
		}
	}
	return 0, 0, 0
}

// enYearAt reads a spoken year: "twenty twenty seven", "two thousand twenty seven".
func enYearAt(t []string, i int) (int, int) {
	if i+1 < len(t) && t[i] == "twenty" {
		if v, n := enNumberAt(t, i+1); n > 0 && v >= 10 && v <= 99 {
			return 2000 + int(v), n + 1
		}
	}
	if v, n := enNumberAt(t, i); n > 1 && v >= 1900 && v <= 2200 {
		return int(v), n
	}
	return 0, 0
}

// enTime reads a time of day: "3 pm", "3:30 pm", "half past three", "quarter to
// four", "noon", "15:30", "three thirty in the afternoon".
func enTime(text string) (h, m int, ok bool) {
	t := enTokens(text)
	s := " " + strings.Join(t, " ") + " "
	switch {
	case strings.Contains(s, " noon ") || strings.Contains(s, " midday "):
		return 12, 0, true
	case strings.Contains(s, " midnight "):
		return 0, 0, true
	}
	period := ""
	switch {
	case strings.Contains(s, " pm ") || strings.Contains(s, " afternoon ") || strings.Contains(s, " evening ") || strings.Contains(s, " tonight ") || strings.Contains(s, " night "):
		period = "pm"
	case strings.Contains(s, " am ") || strings.Contains(s, " morning "):
		period = "am"
	}
	h, m = -1, 0
	for i := 0; i < len(t) && h < 0; i++ {
		w := t[i]
		if strings.Count(w, ":") == 1 {
			a, b, _ := strings.Cut(w, ":")
			hh, e1 := strconv.Atoi(a)
			mm, e2 := strconv.Atoi(b)
			if e1 == nil && e2 == nil && len(b) == 2 {
				h, m = hh, mm
				break
			}
		}
		rel := 0 // minutes past (+) or to (-) the hour that follows
		if (w == "half" || w == "quarter") && i+2 < len(t) && (t[i+1] == "past" || t[i+1] == "after" || t[i+1] == "to" || t[i+1] == "till" || t[i+1] == "before") {
			rel = 30
			if w == "quarter" {
				rel = 15
			}
			if t[i+1] == "to" || t[i+1] == "till" || t[i+1] == "before" {
				rel = -rel
			}
			if v, n := enNumberAt(t, i+2); n > 0 && v >= 1 && v <= 12 && v == float64(int(v)) {
				h = int(v)
				if rel < 0 {
					h, m = h-1, 60+rel
					if h == 0 {
						h = 12
					}
				} else {
					m = rel
				}
				i += 1 + n
			}
			continue
		}
		v, n := enNumberAt(t, i)
		if n == 0 || v != float64(int(v)) {
			continue
		}
		iv := int(v)
		end := i + n
		next := ""
		if end < len(t) {
			next = t[end]
		}
		// 330 pm, 1530
		if allDigits(w) && (len(w) == 3 || len(w) == 4) && n == 1 {
			hh, mm := iv/100, iv%100
			if hh <= 23 && mm <= 59 && (period != "" || next == "pm" || next == "am" || len(w) == 4) {
				h, m = hh, mm
				break
			}
		}
		// "three thirty", "three fifteen", "three oh five", "3 30"
		hourLike := iv >= 0 && iv <= 23
		timeCue := next == "am" || next == "pm" || next == "o'clock" || next == "oclock" || (i > 0 && (t[i-1] == "at" || t[i-1] == "around" || t[i-1] == "by" || t[i-1] == "after" || t[i-1] == "before")) || period != ""
		if hourLike && iv <= 12 && end < len(t) {
			if t[end] == "oh" && end+1 < len(t) {
				if u, ok := unitWord(t[end+1], true); ok && u <= 9 {
					h, m = iv, u
					break
				}
			}
			if mm, n2 := enNumberAt(t, end); n2 > 0 && mm == float64(int(mm)) && mm >= 10 && mm <= 59 {
				h, m = iv, int(mm)
				break
			}
		}
		if hourLike && timeCue {
			h = iv
		}
	}
	if h < 0 {
		// The answer to "what time?" may be the hour alone: "eleven".
		for i := range t {
			if v, n := enNumberAt(t, i); n > 0 && v == float64(int(v)) && v >= 1 && v <= 12 {
				h = int(v)
				break
			}
		}
	}
	if h < 0 || h > 23 {
		return 0, 0, false
	}
	switch period {
	case "pm":
		if h < 12 {
			h += 12
		}
	case "am":
		if h == 12 {
			h = 0
		}
	default:
		h = businessHour(h)
	}
	return h, m, true
}
