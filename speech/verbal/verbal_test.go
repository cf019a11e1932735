package verbal

import (
	"errors"
	"testing"
)

func TestCardinal(t *testing.T) {
	t.Parallel()
	cases := []struct {
		n      int64
		en, zh string
	}{
		{0, "zero", "零"},
		{7, "seven", "七"},
		{10, "ten", "十"},
		{15, "fifteen", "十五"},
		{20, "twenty", "二十"},
		{21, "twenty-one", "二十一"},
		{100, "one hundred", "一百"},
		{105, "one hundred five", "一百零五"},
		{110, "one hundred ten", "一百一十"},
		{125, "one hundred twenty-five", "一百二十五"},
		{200, "two hundred", "二百"},
		{1005, "one thousand five", "一千零五"},
		{1250, "one thousand two hundred fifty", "一千二百五十"},
		{2000, "two thousand", "两千"},
		{2500, "two thousand five hundred", "两千五百"},
		{10000, "ten thousand", "一万"},
		{20000, "twenty thousand", "两万"},
		{100010, "one hundred thousand ten", "十万零一十"},
		{1000000, "one million", "一百万"},
		{10203, "ten thousand two hundred three", "一万零二百零三"},
		{100000001, "one hundred million one", "一亿零一"},
		{-42, "minus forty-two", "负四十二"},
	}
	for _, c := range cases {
		if got := Cardinal(EnUS, c.n); got != c.en {
			t.Errorf("en %d: got %q want %q", c.n, got, c.en)
		}
		if got := Cardinal(ZhCN, c.n); got != c.zh {
			t.Errorf("zh %d: got %q want %q", c.n, got, c.zh)
		}
	}
}

func TestOrdinal(t *testing.T) {
	t.Parallel()
	cases := map[int64]string{1: "first", 2: "second", 3: "third", 5: "fifth", 8: "eighth", 9: "ninth",
		12: "twelfth", 15: "fifteenth", 20: "twentieth", 21: "twenty-first", 30: "thirtieth", 31: "thirty-first", 100: "one hundredth"}
	for n, want := range cases {
		if got := Ordinal(EnUS, n); got != want {
			t.Errorf("%d: got %q want %q", n, got, want)
		}
	}
	if got := Ordinal(ZhCN, 3); got != "第三" {
		t.Errorf("zh 3: %q", got)
	}
}

func TestCurrency(t *testing.T) {
	t.Parallel()
	cases := []struct {
		loc      Locale
		in, want string
	}{
		{EnUS, "125.50", "one hundred twenty-five dollars and fifty cents"},
		{EnUS, "$1,250", "one thousand two hundred fifty dollars"},
		{EnUS, "1", "one dollar"},
		{EnUS, "1.01", "one dollar and one cent"},
		{EnUS, "0.05", "five cents"},
		{EnUS, "0", "zero dollars"},
		{EnUS, "19.999", "twenty dollars"},
		{EnUS, "80 USD", "eighty dollars"},
		{EnUS, "€12.30", "twelve euros and thirty cents"},
		{EnUS, "-3", "minus three dollars"},
		{ZhCN, "125.50", "一百二十五元五角"},
		{ZhCN, "125.05", "一百二十五元零五分"},
		{ZhCN, "125.55", "一百二十五元五角五分"},
		{ZhCN, "3000", "三千元"},
		{ZhCN, "2", "两元"},
		{ZhCN, "0.5", "五角"},
		{ZhCN, "¥1,200.00", "一千二百元"},
		{ZhCN, "$80", "八十美元"},
		{ZhCN, "12.5 EUR", "十二点五欧元"},
	}
	for _, c := range cases {
		got, err := Currency(c.loc, c.in)
		if err != nil || got != c.want {
			t.Errorf("%s %q: got %q, %v; want %q", c.loc, c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "abc", "$", "1.2.3", "NaN", "1e400"} {
		if _, err := Currency(EnUS, bad); !errors.Is(err, ErrBadValue) {
			t.Errorf("%q: got %v, want ErrBadValue", bad, err)
		}
	}
}

func TestDate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in, en, zh string
	}{
		{"2026-03-15", "March fifteenth, twenty twenty-six", "二零二六年三月十五日"},
		{"03/01/2026", "March first, twenty twenty-six", "二零二六年三月一日"},
		{"2026/12/31", "December thirty-first, twenty twenty-six", "二零二六年十二月三十一日"},
		{"20000102", "January second, two thousand", "二零零零年一月二日"},
		{"2008-07-04T10:00:00Z", "July fourth, two thousand eight", "二零零八年七月四日"},
		{"1999-11-22", "November twenty-second, nineteen ninety-nine", "一九九九年十一月二十二日"},
		{"1905-05-05", "May fifth, nineteen oh five", "一九零五年五月五日"},
		{"2026年3月5日", "March fifth, twenty twenty-six", "二零二六年三月五日"},
	}
	for _, c := range cases {
		en, err := Filter(EnUS, "date", c.in)
		if err != nil || en != c.en {
			t.Errorf("en %q: got %q, %v; want %q", c.in, en, err, c.en)
		}
		zh, err := Filter(ZhCN, "date", c.in)
		if err != nil || zh != c.zh {
			t.Errorf("zh %q: got %q, %v; want %q", c.in, zh, err, c.zh)
		}
	}
	for _, bad := range []string{"", "tomorrow", "2026-13-01", "2026-02-30"} {
		if _, err := Filter(EnUS, "date", bad); !errors.Is(err, ErrBadValue) {
			t.Errorf("%q: got %v", bad, err)
		}
	}
}

func TestTime(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in, en, zh string
	}{
		{"15:05", "three oh five P M", "下午三点零五分"},
		{"3:05 PM", "three oh five P M", "下午三点零五分"},
		{"09:00", "nine A M", "上午九点"},
		{"9:30am", "nine thirty A M", "上午九点半"},
		{"12:00", "twelve noon", "中午十二点"},
		{"00:00", "twelve midnight", "凌晨十二点"},
		{"14:15", "two fifteen P M", "下午两点十五分"},
		{"20:45:10", "eight forty-five P M", "晚上八点四十五分"},
	}
	for _, c := range cases {
		en, err := Filter(EnUS, "time", c.in)
		if err != nil || en != c.en {
			t.Errorf("en %q: got %q, %v; want %q", c.in, en, err, c.en)
		}
		zh, err := Filter(ZhCN, "time", c.in)
		if err != nil || zh != c.zh {
			t.Errorf("zh %q: got %q, %v; want %q", c.in, zh, err, c.zh)
		}
	}
	if _, err := Filter(EnUS, "time", "25:00"); !errors.Is(err, ErrBadValue) {
		t.Errorf("25:00: %v", err)
	}
}

func TestPhone(t *testing.T) {
	t.Parallel()
	cases := []struct {
		loc      Locale
		in, want string
	}{
		{EnUS, "1 800 555 0199", "one, eight zero zero, five five five, zero one nine nine"},
		{EnUS, "+14155550101", "one, four one five, five five five, zero one zero one"},
		{EnUS, "(415) 555-0101", "four one five, five five five, zero one zero one"},
		{ZhCN, "400 555 0199", "四零零，五五五，零幺九九"},
		{ZhCN, "13812345678", "幺三八，幺二三四，五六七八"},
	}
	for _, c := range cases {
		got, err := Phone(c.loc, c.in)
		if err != nil || got != c.want {
			t.Errorf("%s %q: got %q, %v; want %q", c.loc, c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "12", "call me", "555-CALL"} {
		if _, err := Phone(EnUS, bad); !errors.Is(err, ErrBadValue) {
			t.Errorf("%q: got %v", bad, err)
		}
	}
}

func TestNumberAndDigits(t *testing.T) {
	t.Parallel()
	cases := []struct {
		loc      Locale
		in, want string
	}{
		{EnUS, "1,250", "one thousand two hundred fifty"},
		{EnUS, "-3.75", "minus three point seven five"},
		{EnUS, ".5", "zero point five"},
		{ZhCN, "3.75", "三点七五"},
		{ZhCN, "10", "十"},
	}
	for _, c := range cases {
		got, err := Number(c.loc, c.in)
		if err != nil || got != c.want {
			t.Errorf("%s %q: got %q, %v; want %q", c.loc, c.in, got, err, c.want)
		}
	}
	if _, err := Number(EnUS, "1.x"); !errors.Is(err, ErrBadValue) {
		t.Errorf("1.x: %v", err)
	}
	if got := Digits(EnUS, "A-0199"); got != "zero one nine nine" {
		t.Errorf("digits: %q", got)
	}
	if got := Digits(ZhCN, "0199"); got != "零一九九" {
		t.Errorf("zh digits: %q", got)
	}
}

func TestFilterErrors(t *testing.T) {
	t.Parallel()
	if _, err := Filter(EnUS, "shout", "x"); !errors.Is(err, ErrUnknownFilter) {
		t.Errorf("unknown filter: %v", err)
	}
	if _, err := Filter("fr-FR", "currency", "1"); !errors.Is(err, ErrUnknownLocale) {
		t.Errorf("unknown locale: %v", err)
	}
	if got, err := Filter(EnUS, "", "Ada"); err != nil || got != "Ada" {
		t.Errorf("no filter: %q %v", got, err)
	}
	for in, want := range map[string]Locale{"en": EnUS, "en_US": EnUS, "zh-Hans-CN": ZhCN, "cmn": ZhCN} {
		if got, err := ParseLocale(in); err != nil || got != want {
			t.Errorf("ParseLocale(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseLocale("de-DE"); !errors.Is(err, ErrUnknownLocale) {
		t.Errorf("de-DE: %v", err)
	}
}

func FuzzFilter(f *testing.F) {
	for _, s := range []string{"125.50", "$1,250", "2026-03-15", "3:05 PM", "1 800 555 0199", "-0", "9999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		for _, loc := range []Locale{EnUS, ZhCN} {
			for _, name := range Filters() {
				out, err := Filter(loc, name, v)
				if err == nil && out == "" && name != "digits" {
					t.Fatalf("%s %s %q: empty output without error", loc, name, v)
				}
			}
		}
	})
}
