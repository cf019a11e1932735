package bench

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// gen draws what a caller says for a slot, and the value it means, computed here
// from the choice (not by the parsers under test).
type gen struct {
	rng   *rand.Rand
	today time.Time
	zh    bool
}

func (g *gen) pick(s []string) string { return s[g.rng.IntN(len(s))] }

var (
	enOnes = []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
		"thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"}
	enTensW  = []string{"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}
	enOrdW   = []string{"", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth", "twentieth"}
	zhDigitW = []string{"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"}
	weekEn   = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	weekZh   = []string{"日", "一", "二", "三", "四", "五", "六"}
)

// enWords spells 0..999999 in English.
func enWords(n int) string {
	switch {
	case n < 20:
		return enOnes[n]
	case n < 100:
		if n%10 == 0 {
			return enTensW[n/10]
		}
		return enTensW[n/10] + " " + enOnes[n%10]
	case n < 1000:
		s := enOnes[n/100] + " hundred"
		if n%100 != 0 {
			s += " " + enWords(n%100)
		}
		return s
	}
	s := enWords(n/1000) + " thousand"
	if n%1000 != 0 {
		s += " " + enWords(n%1000)
	}
	return s
}

func enOrdinal(n int) string {
	if n <= 20 {
		return enOrdW[n]
	}
	if n%10 == 0 {
		return "thirtieth"
	}
	return enTensW[n/10] + " " + enOrdW[n%10]
}

func ordSuffix(n int) string {
	if n%100 >= 11 && n%100 <= 13 {
		return strconv.Itoa(n) + "th"
	}
	return strconv.Itoa(n) + map[int]string{1: "st", 2: "nd", 3: "rd"}[n%10] + map[bool]string{true: "th"}[n%10 == 0 || n%10 > 3]
}

// zhNum spells 0..99999 in Chinese numerals (十五, 一百零五, 两千三百).
func zhNum(n int, liang bool) string {
	if n < 10 {
		return zhDigitW[n]
	}
	if n < 20 {
		return "十" + map[bool]string{true: zhDigitW[n%10]}[n%10 != 0]
	}
	units := []struct {
		v int
		u string
	}{{10000, "万"}, {1000, "千"}, {100, "百"}, {10, "十"}}
	var b strings.Builder
	zero := false
	started := false
	for _, u := range units {
		d := n / u.v % 10
		if u.v == 10000 {
			d = n / 10000
		}
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
		if d == 2 && liang && u.v >= 100 {
			b.WriteString("两")
		} else {
			b.WriteString(zhDigitW[d])
		}
		b.WriteString(u.u)
		started = true
	}
	if d := n % 10; d != 0 {
		if zero {
			b.WriteString("零")
		}
		b.WriteString(zhDigitW[d])
	}
	return b.String()
}

func (g *gen) slot(kind, slot string) (say, want string) {
	switch kind {
	case "digits":
		return g.digits()
	case "yes_no":
		return g.yesNo()
	case "date":
		return g.date()
	case "amount":
		return g.amount()
	case "time":
		return g.time()
	case "number":
		return g.rating()
	}
	t := g.pick(map[bool][]string{false: {"please send it by mail", "my address changed", "nothing else", "I lost my job recently", "I will pay online"},
		true: {"我最近换了地址", "没有了", "请寄纸质账单", "谢谢你们"}}[g.zh])
	return t, t
}

func (g *gen) digits() (string, string) {
	d := make([]int, 4)
	var want strings.Builder
	for i := range d {
		d[i] = g.rng.IntN(10)
		want.WriteString(strconv.Itoa(d[i]))
	}
	var parts []string
	mode := g.rng.IntN(3)
	for _, x := range d {
		switch {
		case mode == 0:
			parts = append(parts, strconv.Itoa(x))
		case g.zh && x == 1 && g.rng.IntN(2) == 0:
			parts = append(parts, "幺")
		case g.zh:
			parts = append(parts, zhDigitW[x])
		case x == 0 && g.rng.IntN(2) == 0:
			parts = append(parts, "oh")
		default:
			parts = append(parts, enOnes[x])
		}
	}
	sep := " "
	if g.zh && mode != 0 {
		sep = ""
	}
	s := strings.Join(parts, sep)
	if g.zh {
		return fmt.Sprintf(g.pick([]string{"%s", "后四位是%s", "%s"}), s), want.String()
	}
	return fmt.Sprintf(g.pick([]string{"%s", "it's %s", "the last four are %s"}), s), want.String()
}

func (g *gen) yesNo() (string, string) {
	if g.rng.IntN(2) == 0 {
		return g.pick(map[bool][]string{false: {"yes", "yeah sure", "yes I will", "of course", "absolutely", "yep", "sure thing", "that's right"},
			true: {"是的", "可以", "好的", "没问题", "会的", "行", "嗯"}}[g.zh]), "yes"
	}
	return g.pick(map[bool][]string{false: {"no", "no I can't", "nope", "not really", "I won't be able to", "no thanks"},
		true: {"不行", "不会", "不用了", "不能", "没有", "不需要"}}[g.zh]), "no"
}

func (g *gen) date() (string, string) {
	t := g.today
	var say string
	var d time.Time
	switch g.rng.IntN(6) {
	case 0:
		n := 1 + g.rng.IntN(2)
		d = t.AddDate(0, 0, n)
		say = map[bool][]string{false: {"", "tomorrow", "the day after tomorrow"}, true: {"", "明天", "后天"}}[g.zh][n]
	case 1: // a weekday: the nearest from today on
		w := g.rng.IntN(7)
		d = t.AddDate(0, 0, (w-int(t.Weekday())+7)%7)
		say = map[bool]string{false: "on " + weekEn[w], true: g.pick([]string{"周", "星期", "礼拜"}) + weekZh[w]}[g.zh]
	case 2: // next week's weekday
		w := g.rng.IntN(7)
		mon := t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7))
		d = mon.AddDate(0, 0, 7+(w+6)%7)
		say = map[bool]string{false: "next " + weekEn[w], true: "下" + g.pick([]string{"周", "星期"}) + weekZh[w]}[g.zh]
	case 3: // the Nth: the next such day from today on
		n := 1 + g.rng.IntN(28)
		d = time.Date(t.Year(), t.Month(), n, 0, 0, 0, 0, time.UTC)
		if d.Before(t) {
			d = d.AddDate(0, 1, 0)
		}
		if g.zh {
			say = g.pick([]string{strconv.Itoa(n), zhNum(n, false)}) + g.pick([]string{"号", "日"})
		} else {
			say = "the " + g.pick([]string{ordSuffix(n), enOrdinal(n)})
		}
	case 4: // a month and a day
		m, n := time.Month(1+g.rng.IntN(12)), 1+g.rng.IntN(28)
		d = time.Date(t.Year(), m, n, 0, 0, 0, 0, time.UTC)
		if d.Before(t) {
			d = d.AddDate(1, 0, 0)
		}
		if g.zh {
			say = g.pick([]string{strconv.Itoa(int(m)), zhNum(int(m), false)}) + "月" + g.pick([]string{strconv.Itoa(n), zhNum(n, false)}) + "号"
		} else {
			say = g.pick([]string{m.String() + " " + ordSuffix(n), "the " + enOrdinal(n) + " of " + m.String(), m.String() + " " + strconv.Itoa(n)})
		}
	default: // in N days
		n := 2 + g.rng.IntN(9)
		d = t.AddDate(0, 0, n)
		say = map[bool]string{false: "in " + g.pick([]string{strconv.Itoa(n), enWords(n)}) + " days", true: zhNum(n, true) + "天后"}[g.zh]
	}
	if g.zh {
		say = fmt.Sprintf(g.pick([]string{"%s", "我%s还", "%s吧"}), say)
	} else {
		say = fmt.Sprintf(g.pick([]string{"%s", "I can pay %s", "probably %s", "%s I think"}), say)
	}
	return say, d.Format("2006-01-02")
}

func (g *gen) amount() (string, string) {
	n := 5 + g.rng.IntN(2996)
	cents := 0
	if g.rng.IntN(3) == 0 {
		cents = g.rng.IntN(100)
		if g.zh {
			cents = 10 * g.rng.IntN(10)
		}
	}
	want := fmt.Sprintf("%d.%02d", n, cents)
	var say string
	if g.zh {
		switch g.rng.IntN(3) {
		case 0:
			say = fmt.Sprintf("%d元", n)
			if cents > 0 {
				say = fmt.Sprintf("%d.%d元", n, cents/10)
			}
		case 1:
			say = zhNum(n, g.rng.IntN(2) == 0) + g.pick([]string{"块", "元"})
			if cents > 0 {
				say += zhDigitW[cents/10] + g.pick([]string{"毛", ""})
				if strings.HasSuffix(say, "元"+zhDigitW[cents/10]) {
					say += "角"
				}
			}
		default:
			say = "¥" + strconv.Itoa(n)
			if cents > 0 {
				say = fmt.Sprintf("¥%d.%02d", n, cents)
			}
		}
		return fmt.Sprintf(g.pick([]string{"%s", "我还%s", "先还%s吧"}), say), want
	}
	switch g.rng.IntN(3) {
	case 0:
		say = fmt.Sprintf("$%d", n)
		if cents > 0 {
			say = fmt.Sprintf("$%d.%02d", n, cents)
		}
	case 1:
		say = fmt.Sprintf("%d dollars", n)
		if cents > 0 {
			say += fmt.Sprintf(" and %d cents", cents)
		}
	default:
		say = enWords(n) + " dollars"
		if cents > 0 {
			say += " and " + enWords(cents) + " cents"
		}
	}
	return fmt.Sprintf(g.pick([]string{"%s", "I can pay %s", "about %s"}), say), want
}

func (g *gen) time() (string, string) {
	h := 8 + g.rng.IntN(12) // 8:00 to 19:45, the hours people give for a call
	m := 15 * g.rng.IntN(4)
	want := fmt.Sprintf("%02d:%02d", h, m)
	h12 := h % 12
	if h12 == 0 {
		h12 = 12
	}
	if g.zh {
		var p string
		switch {
		case h < 12:
			p = g.pick([]string{"上午", "早上", ""})
		case h < 13:
			p = "中午"
		case h < 18:
			p = g.pick([]string{"下午", ""})
		default:
			p = "晚上"
		}
		hh := zhNum(h12, false)
		if h12 == 2 {
			hh = "两"
		}
		mm := map[int]string{0: "", 15: g.pick([]string{"一刻", "十五"}), 30: g.pick([]string{"半", "三十"}), 45: g.pick([]string{"三刻", "四十五"})}[m]
		return fmt.Sprintf(g.pick([]string{"%s", "%s吧", "%s左右"}), p+hh+"点"+mm), want
	}
	ampm := map[bool]string{false: "am", true: "pm"}[h >= 12]
	var say string
	switch g.rng.IntN(4) {
	case 0:
		say = fmt.Sprintf("%d:%02d %s", h12, m, ampm)
		if m == 0 {
			say = fmt.Sprintf("%d %s", h12, ampm)
		}
	case 1:
		switch m {
		case 0:
			say = enWords(h12) + " o'clock"
		case 30:
			say = "half past " + enWords(h12)
		case 15:
			say = "quarter past " + enWords(h12)
		default:
			say = "quarter to " + enWords(h12%12+1)
		}
	case 2:
		say = enWords(h12)
		if m > 0 {
			say += " " + enWords(m)
		}
	default:
		say = fmt.Sprintf("%d:%02d", h, m)
	}
	return fmt.Sprintf(g.pick([]string{"%s", "around %s", "after %s"}), say), want
}

func (g *gen) rating() (string, string) {
	n := 1 + g.rng.IntN(5)
	if g.zh {
		return fmt.Sprintf(g.pick([]string{"%s分", "打%s分", "%s"}), g.pick([]string{zhDigitW[n], strconv.Itoa(n)})), strconv.Itoa(n)
	}
	return fmt.Sprintf(g.pick([]string{"%s", "I'd say %s", "%s out of five", "a %s"}), g.pick([]string{enOnes[n], strconv.Itoa(n)})), strconv.Itoa(n)
}

// Paraphrases of the knowledge questions (none is a listed phrase), and questions no
// entry covers ("").
var (
	knowledgeEn = map[string][]string{
		"hours":       {"what time are you open?", "when do you open", "what are your hours?", "what time do you open tomorrow?"},
		"pay_where":   {"how do i make a payment?", "where can i pay?", "how can i pay you", "can i pay on your website?"},
		"why_calling": {"why are you calling me?", "what's this about?", "what is this regarding?"},
		"late_fee":    {"is there a fee if i pay late?", "what if i pay late?", "do you charge a late fee?"},
		"who":         {"who is calling?", "who's this?", "what company is this?"},
		"":            {"what's the interest rate?", "can i change my due date?", "do you have a mobile app?"},
	}
	knowledgeZh = map[string][]string{
		"hours":       {"你们几点开门？", "营业时间是几点", "你们几点下班啊"},
		"pay_where":   {"我怎么还钱？", "在哪儿还款", "能不能网上还？"},
		"why_calling": {"你们打电话有什么事？", "这是关于什么事", "找我有什么事吗"},
		"late_fee":    {"逾期会罚款吗？", "晚还有滞纳金吗", "晚几天还会怎么样"},
		"who":         {"你是谁啊？", "你们是哪家公司", "这是哪里打来的"},
		"":            {"利息是多少？", "可以改还款日吗？", "你们有App吗？"},
	}
	knowledgeEntries = []string{"hours", "pay_where", "why_calling", "late_fee", "who", ""}
)

func (g *gen) question() (string, string) {
	e := g.pick(knowledgeEntries)
	if g.zh {
		return g.pick(knowledgeZh[e]), e
	}
	return g.pick(knowledgeEn[e]), e
}
