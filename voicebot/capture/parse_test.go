package capture

import (
	"testing"
	"time"
)

// today is a Wednesday; the tests never read the clock.
var today = time.Date(2026, 12, 2, 15, 4, 0, 0, time.FixedZone("test", -5*3600))

type tc struct {
	in   string
	want string // "" means no value
}

func run(t *testing.T, spec Spec, lang Lang, cases []tc) {
	t.Helper()
	p, err := New(spec, lang)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		got, ok := p.Parse(c.in, today)
		if c.want == "" {
			if ok {
				t.Errorf("%s %q: got %q, want no value", spec.Kind, c.in, got)
			}
			continue
		}
		if !ok || got != c.want {
			t.Errorf("%s %q: got %q (ok=%v), want %q", spec.Kind, c.in, got, ok, c.want)
		}
	}
}

func TestCaptureYesNo(t *testing.T) {
	run(t, Spec{Kind: YesNo}, English, []tc{
		{"yes", "yes"}, {"Yeah, sure.", "yes"}, {"yep", "yes"}, {"of course", "yes"}, {"I will", "yes"},
		{"that's right", "yes"}, {"uh huh", "yes"}, {"absolutely", "yes"},
		{"no", "no"}, {"Nope.", "no"}, {"I can't", "no"}, {"no that's not right", "no"}, {"not really", "no"},
		{"I won't be able to", "no"},
		{"I'm not sure", ""}, {"maybe", ""}, {"what is this about", ""}, {"", ""}, {"   ", ""},
	})
	run(t, Spec{Kind: YesNo}, Mandarin, []tc{
		{"是", "yes"}, {"是的", "yes"}, {"对", "yes"}, {"好的", "yes"}, {"可以", "yes"}, {"没问题", "yes"}, {"嗯", "yes"},
		{"会的", "yes"}, {"不是", "no"}, {"不会", "no"}, {"没有", "no"}, {"不行", "no"}, {"不用了", "no"},
		{"不知道", ""}, {"可能吧", ""}, {"你们是谁", "yes"}, {"喂", ""},
	})
}

func TestCaptureDigits(t *testing.T) {
	run(t, Spec{Kind: Digits}, English, []tc{
		{"four one two", "412"}, {"oh four one two", "0412"}, {"1234", "1234"}, {"12 34", "1234"},
		{"double five seven", "557"}, {"my number is 5 5 5 0 1", "55501"}, {"twenty three", "23"},
		{"the last four are six zero six four", "6064"},
		{"hello", ""},
	})
	run(t, Spec{Kind: Digits, MinDigits: 4, MaxDigits: 4}, English, []tc{{"one two three four", "1234"}, {"one two three", ""}, {"one two three four five", ""}})
	run(t, Spec{Kind: Digits}, Mandarin, []tc{
		{"四一二", "412"}, {"幺三五", "135"}, {"零四一二", "0412"}, {"1234", "1234"}, {"我的号码是 5 5 0 1", "5501"},
		{"二十三", "23"}, {"后四位是六零六四", "6064"}, {"你好", ""},
	})
}

func TestCaptureNumber(t *testing.T) {
	run(t, Spec{Kind: Number, Min: 1, Max: 5, HasMin: true, HasMax: true}, English, []tc{
		{"four", "4"}, {"I'd say 5", "5"}, {"a three", "3"}, {"four out of five", "4"}, {"ten", ""}, {"zero", ""}, {"great", ""},
	})
	run(t, Spec{Kind: Number}, English, []tc{{"one hundred and twenty", "120"}, {"two thousand five hundred", "2500"}, {"2.5", ""}})
	run(t, Spec{Kind: Number, Min: 1, Max: 5, HasMin: true, HasMax: true}, Mandarin, []tc{
		{"四", "4"}, {"五分", "5"}, {"打三分吧", "3"}, {"十", ""}, {"很好", ""},
	})
	run(t, Spec{Kind: Number}, Mandarin, []tc{{"一百二十", "120"}, {"两千五百", "2500"}, {"一万五", "15000"}, {"一百零五", "105"}})
}

func TestCaptureAmount(t *testing.T) {
	run(t, Spec{Kind: Amount}, English, []tc{
		{"$125.50", "125.50"}, {"125 dollars and 50 cents", "125.50"}, {"a hundred and fifty bucks", "150.00"},
		{"I can pay two hundred dollars on the 15th", "200.00"}, {"1,250", "1250.00"}, {"fifty cents", "0.50"},
		{"one hundred twenty five dollars fifty", "125.50"}, {"300", "300.00"}, {"two thousand", "2000.00"},
		{"on the 15th", ""}, {"nothing", ""},
	})
	run(t, Spec{Kind: Amount, Min: 10, HasMin: true}, English, []tc{{"five dollars", ""}, {"fifteen dollars", "15.00"}})
	run(t, Spec{Kind: Amount}, Mandarin, []tc{
		{"一百二十五块五", "125.50"}, {"125元", "125.00"}, {"¥300", "300.00"}, {"三千块", "3000.00"}, {"五毛", "0.50"},
		{"一百二十五点五元", "125.50"}, {"两百", "200.00"}, {"一千五", "1500.00"}, {"15号还两百块", "200.00"},
		{"十块五毛二", "10.52"}, {"好的", ""},
	})
}

func TestCaptureDate(t *testing.T) {
	// today: Wednesday 2026-12-02
	run(t, Spec{Kind: Date}, English, []tc{
		{"next Friday", "2026-12-11"}, {"Friday", "2026-12-04"}, {"on friday", "2026-12-04"}, {"this Friday", "2026-12-04"},
		{"this Monday", "2026-12-07"}, {"Wednesday", "2026-12-02"}, {"friday next week", "2026-12-11"},
		{"the 15th", "2026-12-15"}, {"on the fifteenth", "2026-12-15"}, {"the 1st", "2027-01-01"}, {"the twenty first", "2026-12-21"},
		{"tomorrow", "2026-12-03"}, {"the day after tomorrow", "2026-12-04"}, {"today", "2026-12-02"},
		{"March 15", "2027-03-15"}, {"march 15th 2027", "2027-03-15"}, {"the 15th of January", "2027-01-15"},
		{"December 24th", "2026-12-24"}, {"12/24", "2026-12-24"}, {"2027-02-01", "2027-02-01"}, {"3/15/2027", "2027-03-15"},
		{"in three days", "2026-12-05"}, {"in 2 weeks", "2026-12-16"}, {"end of the month", "2026-12-31"},
		{"the 5th of next month", "2027-01-05"}, {"February 30th", ""}, {"I don't know", ""}, {"yes", ""},
	})
	run(t, Spec{Kind: Date}, Mandarin, []tc{
		{"下周五", "2026-12-11"}, {"下星期五", "2026-12-11"}, {"下礼拜一", "2026-12-07"}, {"周五", "2026-12-04"},
		{"星期五", "2026-12-04"}, {"这周五", "2026-12-04"}, {"这周一", "2026-12-07"}, {"下下周三", "2026-12-16"},
		{"15号", "2026-12-15"}, {"十五号", "2026-12-15"}, {"1号", "2027-01-01"}, {"三月十五号", "2027-03-15"},
		{"3月15日", "2027-03-15"}, {"2027年3月15日", "2027-03-15"}, {"明天", "2026-12-03"}, {"后天", "2026-12-04"},
		{"大后天", "2026-12-05"}, {"今天", "2026-12-02"}, {"下个月5号", "2027-01-05"}, {"月底", "2026-12-31"},
		{"三天后", "2026-12-05"}, {"两周后", "2026-12-16"}, {"我下周五还", "2026-12-11"}, {"二月三十号", ""}, {"不知道", ""},
	})
}

func TestCaptureTime(t *testing.T) {
	run(t, Spec{Kind: Time}, English, []tc{
		{"3 pm", "15:00"}, {"3pm", "15:00"}, {"3:30 pm", "15:30"}, {"three thirty", "15:30"}, {"at three", "15:00"},
		{"half past three", "15:30"}, {"quarter to four", "15:45"}, {"noon", "12:00"}, {"15:30", "15:30"},
		{"ten in the morning", "10:00"}, {"10 a.m.", "10:00"}, {"nine p m", "21:00"}, {"three o'clock", "15:00"},
		{"eleven thirty", "11:30"}, {"12 am", "00:00"}, {"three oh five", "15:05"}, {"around 4 in the afternoon", "16:00"},
		{"eleven", "11:00"}, {"two", "14:00"}, {"whenever", ""}, {"yes", ""},
	})
	run(t, Spec{Kind: Time}, Mandarin, []tc{
		{"下午三点", "15:00"}, {"下午三点半", "15:30"}, {"三点", "15:00"}, {"上午十点", "10:00"}, {"上午十点一刻", "10:15"},
		{"15点30分", "15:30"}, {"十五点", "15:00"}, {"晚上八点", "20:00"}, {"中午", "12:00"}, {"中午十二点", "12:00"},
		{"早上九点三刻", "09:45"}, {"15:30", "15:30"}, {"两点钟", "14:00"}, {"下午两点四十五", "14:45"}, {"随便", ""},
	})
}

func TestCaptureText(t *testing.T) {
	run(t, Spec{Kind: Text}, English, []tc{{"  the blue  one ", "the blue one"}, {"...", ""}, {"", ""}})
	run(t, Spec{Kind: Text}, Mandarin, []tc{{"服务很好", "服务很好"}, {"。。", ""}})
}

func TestCaptureKeys(t *testing.T) {
	cases := []struct {
		spec Spec
		keys string
		want string
	}{
		{Spec{Kind: YesNo}, "1", "yes"}, {Spec{Kind: YesNo}, "2", "no"}, {Spec{Kind: YesNo}, "3", ""},
		{Spec{Kind: Digits, MaxDigits: 4}, "0412", "0412"}, {Spec{Kind: Digits, MaxDigits: 4}, "04123", ""},
		{Spec{Kind: Number, Min: 1, Max: 5, HasMin: true, HasMax: true}, "4", "4"},
		{Spec{Kind: Number, Min: 1, Max: 5, HasMin: true, HasMax: true}, "9", ""},
		{Spec{Kind: Amount}, "125*5", "125.50"}, {Spec{Kind: Amount}, "300", "300.00"}, {Spec{Kind: Amount}, "1*234", ""},
		{Spec{Kind: Date}, "15", "2026-12-15"}, {Spec{Kind: Date}, "0315", "2027-03-15"}, {Spec{Kind: Date}, "1399", ""},
		{Spec{Kind: Time}, "1530", "15:30"}, {Spec{Kind: Time}, "930", "09:30"}, {Spec{Kind: Time}, "2460", ""},
		{Spec{Kind: Text}, "1", ""},
	}
	for _, c := range cases {
		p, err := New(c.spec, English)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := p.Keys(c.keys, today)
		if (c.want == "") == ok || got != c.want {
			t.Errorf("%s keys %q: got %q ok=%v, want %q", c.spec.Kind, c.keys, got, ok, c.want)
		}
	}
}

func TestCaptureSpecCheck(t *testing.T) {
	bad := []Spec{{Kind: "colour"}, {Kind: Digits, MinDigits: 5, MaxDigits: 4}, {Kind: Date, MaxDigits: 3},
		{Kind: Text, HasMin: true}, {Kind: Amount, Min: 5, Max: 1, HasMin: true, HasMax: true}, {Kind: Digits, MaxDigits: 999}}
	for _, s := range bad {
		if _, err := New(s, English); err == nil {
			t.Errorf("%+v: accepted", s)
		}
	}
}

// The call's local date decides relative dates, not the machine's clock: the same
// words on another day give another date.
func TestCaptureDateFollowsToday(t *testing.T) {
	p, _ := New(Spec{Kind: Date}, English)
	for _, c := range []struct {
		day  time.Time
		want string
	}{
		{time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC), "2027-01-01"},
		{time.Date(2027, 2, 28, 1, 0, 0, 0, time.UTC), "2027-03-01"},
		{time.Date(2028, 2, 28, 1, 0, 0, 0, time.UTC), "2028-02-29"},
	} {
		if got, _ := p.Parse("tomorrow", c.day); got != c.want {
			t.Errorf("tomorrow on %s: %s, want %s", c.day.Format("2006-01-02"), got, c.want)
		}
	}
}
