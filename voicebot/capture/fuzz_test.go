package capture

import (
	"regexp"
	"testing"
	"time"
	"unicode/utf8"
)

var valueShape = map[Kind]*regexp.Regexp{
	YesNo:  regexp.MustCompile(`^(yes|no)$`),
	Digits: regexp.MustCompile(`^[0-9]{1,64}$`),
	Number: regexp.MustCompile(`^[0-9]+$`),
	Amount: regexp.MustCompile(`^[0-9]+\.[0-9]{2}$`),
	Date:   regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`),
	Time:   regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`),
}

// FuzzParse: any text, any day: no panic, and every value has its kind's shape (a
// date that exists, not before the call's day unless said with a year).
func FuzzParse(f *testing.F) {
	for _, s := range []string{"next Friday", "the 15th", "下周五", "15号", "3 pm", "下午三点", "$125.50", "一百二十五块五",
		"four one two", "四一二", "yes", "不是", "quarter to four", "三点一刻", "march 15th 2027", "2027年3月15日", "1,250",
		"一万五", "double five", "in 3 days", "三天后", "12/24", "2026-03-15", "十块五毛二", "one hundred and twenty"} {
		f.Add(s, int64(0))
	}
	parsers := map[Kind]*Parser{}
	for _, k := range Kinds {
		p, err := New(Spec{Kind: k}, English)
		if err != nil {
			f.Fatal(err)
		}
		parsers[k] = p
	}
	base := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, text string, dayOffset int64) {
		day := base.AddDate(0, 0, int(dayOffset%4000))
		for k, p := range parsers {
			v, ok := p.Parse(text, day)
			if !ok {
				if v != "" {
					t.Fatalf("%s %q: value %q without ok", k, text, v)
				}
				continue
			}
			if re := valueShape[k]; re != nil && !re.MatchString(v) {
				t.Fatalf("%s %q: value %q has the wrong shape", k, text, v)
			}
			if k == Date {
				if _, err := time.Parse("2006-01-02", v); err != nil {
					t.Fatalf("date %q: %q is not a date: %v", text, v, err)
				}
			}
			if k == Text && (!utf8.ValidString(v) && utf8.ValidString(text)) {
				t.Fatalf("text %q: value %q is not valid UTF-8", text, v)
			}
			if kv, kok := p.Keys(text, day); kok && re(k) != nil && !re(k).MatchString(kv) {
				t.Fatalf("%s keys %q: %q has the wrong shape", k, text, kv)
			}
		}
	})
}

func re(k Kind) *regexp.Regexp { return valueShape[k] }
