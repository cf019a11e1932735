package verbal

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

var enOnes = [...]string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
	"ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"}
var enTens = [...]string{"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}
var enScales = [...]string{"", "thousand", "million", "billion", "trillion", "quadrillion", "quintillion"}

var zhDigits = [...]string{"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"}

// Cardinal writes n out in words: 1250 → "one thousand two hundred fifty",
// "一千二百五十".
func Cardinal(loc Locale, n int64) string {
	if loc == ZhCN {
		return zhCardinal(n)
	}
	return enCardinal(n)
}

func enCardinal(n int64) string {
	if n == 0 {
		return "zero"
	}
	var b strings.Builder
	u := uint64(n)
	if n < 0 {
		b.WriteString("minus ")
		u = uint64(-(n + 1)) + 1 // math.MinInt64 safe
	}
	var groups []int
	for u > 0 {
		groups = append(groups, int(u%1000))
		u /= 1000
	}
	first := true
	for i := len(groups) - 1; i >= 0; i-- {
		g := groups[i]
		if g == 0 {
			continue
		}
		if !first {
			b.WriteByte(' ')
		}
		first = false
		b.WriteString(enUnder1000(g))
		if enScales[i] != "" {
			b.WriteByte(' ')
			b.WriteString(enScales[i])
		}
	}
	return b.String()
}

func enUnder100(n int) string {
	if n < 20 {
		return enOnes[n]
	}
	if n%10 == 0 {
		return enTens[n/10]
	}
	return enTens[n/10] + "-" + enOnes[n%10]
}

func enUnder1000(n int) string {
	if n < 100 {
		return enUnder100(n)
	}
	s := enOnes[n/100] + " hundred"
	if n%100 != 0 {
		s += " " + enUnder100(n%100)
	}
	return s
}

// zhCardinal follows standard Mandarin reading: four-digit groups with 万/亿, one 零 for
// any run of missing places, a leading 一十 shortened to 十, and 两 for a leading 2
// before 千, 万 and 亿 (两千, 两万), as people say amounts.
func zhCardinal(n int64) string {
	if n == 0 {
		return "零"
	}
	neg := n < 0
	u := uint64(n)
	if neg {
		u = uint64(-(n + 1)) + 1
	}
	var groups []int
	for u > 0 {
		groups = append(groups, int(u%10000))
		u /= 10000
	}
	units := [...]string{"", "万", "亿", "万亿", "亿亿"}
	var b strings.Builder
	if neg {
		b.WriteString("负")
	}
	pendingZero := false
	for i := len(groups) - 1; i >= 0; i-- {
		g := groups[i]
		if g == 0 {
			pendingZero = b.Len() > 0
			continue
		}
		if b.Len() > 0 && (pendingZero || g < 1000) && !(neg && b.Len() == len("负")) {
			b.WriteString("零")
		}
		pendingZero = false
		b.WriteString(zhUnder10000(g, i == len(groups)-1))
		b.WriteString(units[i])
	}
	s := b.String()
	// 两 for a leading 2 before 千, 万, 亿 ("两千五百", "两万"), not before 十 or 百.
	for _, unit := range []string{"二千", "二万", "二亿"} {
		if rest, ok := strings.CutPrefix(s, unit); ok {
			s = "两" + strings.TrimPrefix(unit, "二") + rest
		}
	}
	return s
}

// zhUnder10000 writes 1..9999; leading drops 一 in 一十 at the very start.
func zhUnder10000(n int, leading bool) string {
	places := [...]string{"千", "百", "十", ""}
	digits := [...]int{n / 1000, n / 100 % 10, n / 10 % 10, n % 10}
	var b strings.Builder
	zero := false
	started := false
	for i, d := range digits {
		if d == 0 {
			if started {
				zero = true
			}
			continue
		}
		if zero {
			b.WriteString("零")
			zero = false
		}
		if !(d == 1 && i == 2 && !started && leading) {
			b.WriteString(zhDigits[d])
		}
		b.WriteString(places[i])
		started = true
	}
	return b.String()
}

// Ordinal writes n as an ordinal: 21 → "twenty-first", "第二十一".
func Ordinal(loc Locale, n int64) string {
	if loc == ZhCN {
		return "第" + zhCardinal(n)
	}
	s := enCardinal(n)
	// Replace the last word (after a space or hyphen) with its ordinal form.
	cut := strings.LastIndexAny(s, " -") + 1
	head, last := s[:cut], s[cut:]
	irregular := map[string]string{"one": "first", "two": "second", "three": "third", "five": "fifth",
		"eight": "eighth", "nine": "ninth", "twelve": "twelfth"}
	switch {
	case irregular[last] != "":
		last = irregular[last]
	case strings.HasSuffix(last, "y"):
		last = strings.TrimSuffix(last, "y") + "ieth"
	default:
		last += "th"
	}
	return head + last
}

// Number reads an integer or decimal string ("1,250", "-3.75"): the integer part as a
// cardinal and the fraction digit by digit ("three point seven five", "三点七五").
func Number(loc Locale, s string) (string, error) {
	clean := strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	intPart, frac, hasFrac := strings.Cut(clean, ".")
	neg := strings.HasPrefix(intPart, "-")
	if neg {
		intPart = intPart[1:]
	}
	if intPart == "" {
		intPart = "0"
	}
	n, err := strconv.ParseInt(intPart, 10, 64)
	if err != nil || (hasFrac && (frac == "" || !allDigits(frac))) {
		return "", fmt.Errorf("number %q: %w", s, ErrBadValue)
	}
	out := Cardinal(loc, n)
	if neg {
		if loc == ZhCN {
			out = "负" + out
		} else {
			out = "minus " + out
		}
	}
	if hasFrac {
		if loc == ZhCN {
			out += "点" + zhDigitString(frac, false)
		} else {
			out += " point " + enDigitString(frac)
		}
	}
	return out, nil
}

// Digits reads every digit in s one by one and ignores everything else
// ("0199" → "zero one nine nine", "零一九九").
func Digits(loc Locale, s string) string {
	if loc == ZhCN {
		return zhDigitString(s, false)
	}
	return enDigitString(s)
}

func enDigitString(s string) string {
	var parts []string
	for _, r := range s {
		if r >= '0' && r <= '9' {
			parts = append(parts, enOnes[r-'0'])
		}
	}
	return strings.Join(parts, " ")
}

// zhDigitString reads digits one by one; yao reads 1 as 幺, as Mandarin speakers do in
// phone numbers so that 1 and 7 cannot be confused.
func zhDigitString(s string, yao bool) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			if r == '1' && yao {
				b.WriteString("幺")
			} else {
				b.WriteString(zhDigits[r-'0'])
			}
		}
	}
	return b.String()
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

func parseInt(s string) (int64, error) {
	n, err := strconv.ParseInt(strings.ReplaceAll(strings.TrimSpace(s), ",", ""), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("integer %q: %w", s, ErrBadValue)
	}
	return n, nil
}

// Currency reads an amount of money. The value is a decimal with an optional currency
// symbol or ISO code ("125.50", "$1,250", "¥300", "80 USD"); without one the locale's
// own currency is meant (dollars for en-US, yuan for zh-CN). Amounts are rounded to
// cents: "one hundred twenty-five dollars and fifty cents", "一百二十五元五角".
func Currency(loc Locale, value string) (string, error) {
	v := strings.TrimSpace(value)
	cur := ""
	for _, p := range []struct{ sym, code string }{
		{"US$", "USD"}, {"$", "USD"}, {"USD", "USD"}, {"¥", "CNY"}, {"￥", "CNY"}, {"CNY", "CNY"},
		{"RMB", "CNY"}, {"元", "CNY"}, {"€", "EUR"}, {"EUR", "EUR"}, {"£", "GBP"}, {"GBP", "GBP"},
	} {
		if rest, ok := strings.CutPrefix(v, p.sym); ok {
			v, cur = strings.TrimSpace(rest), p.code
			break
		}
		if rest, ok := strings.CutSuffix(v, p.sym); ok {
			v, cur = strings.TrimSpace(rest), p.code
			break
		}
	}
	if cur == "" {
		cur = "USD"
		if loc == ZhCN {
			cur = "CNY"
		}
	}
	v = strings.ReplaceAll(v, ",", "")
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || v == "" || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) >= 1e15 {
		return "", fmt.Errorf("currency %q: %w", value, ErrBadValue)
	}
	neg := f < 0
	cents := int64(math.Round(math.Abs(f) * 100))
	major, minor := cents/100, cents%100
	var out string
	if loc == ZhCN {
		out = zhMoney(cur, major, minor)
		if neg {
			out = "负" + out
		}
		return out, nil
	}
	out = enMoney(cur, major, minor)
	if neg {
		out = "minus " + out
	}
	return out, nil
}

func enMoney(cur string, major, minor int64) string {
	names := map[string][2]string{"USD": {"dollar", "cent"}, "CNY": {"yuan", "fen"},
		"EUR": {"euro", "cent"}, "GBP": {"pound", "penny"}}
	n := names[cur]
	plural := func(word string, k int64) string {
		if k == 1 || word == "yuan" || word == "fen" {
			return word
		}
		if word == "penny" {
			return "pence"
		}
		return word + "s"
	}
	switch {
	case minor == 0:
		return enCardinal(major) + " " + plural(n[0], major)
	case major == 0:
		return enCardinal(minor) + " " + plural(n[1], minor)
	}
	return enCardinal(major) + " " + plural(n[0], major) + " and " + enCardinal(minor) + " " + plural(n[1], minor)
}

// zhMoney reads yuan with 角 and 分 (一百二十五元五角, 一百二十五元零五分); foreign
// currencies read as a decimal amount (八十美元, 十二点五欧元).
func zhMoney(cur string, major, minor int64) string {
	unit := map[string]string{"USD": "美元", "EUR": "欧元", "GBP": "英镑"}[cur]
	if unit != "" {
		s := zhAmount(major)
		if minor != 0 {
			frac := fmt.Sprintf("%02d", minor)
			frac = strings.TrimRight(frac, "0")
			s += "点" + zhDigitString(frac, false)
		}
		return s + unit
	}
	jiao, fen := minor/10, minor%10
	var b strings.Builder
	if major > 0 || minor == 0 {
		b.WriteString(zhAmount(major))
		b.WriteString("元")
	}
	if jiao > 0 {
		b.WriteString(zhDigits[jiao])
		b.WriteString("角")
	}
	if fen > 0 {
		if jiao == 0 && major > 0 {
			b.WriteString("零")
		}
		b.WriteString(zhDigits[fen])
		b.WriteString("分")
	}
	return b.String()
}

// zhAmount is zhCardinal, except that a bare 2 before a measure word is 两 (两元).
func zhAmount(n int64) string {
	if n == 2 {
		return "两"
	}
	return zhCardinal(n)
}
