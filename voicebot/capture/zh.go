package capture

import (
	"strconv"
	"strings"
	"time"
	"unicode"
)

// zhRunes normalises Mandarin text: full-width forms folded, spaces dropped.
func zhRunes(text string) []rune {
	out := make([]rune, 0, len(text)/2)
	for _, r := range text {
		switch {
		case r >= '！' && r <= '～':
			r -= 0xFEE0
		case r == '　':
			continue
		}
		if unicode.IsSpace(r) {
			continue
		}
		out = append(out, unicode.ToLower(r))
	}
	return out
}

var zhDigitVal = map[rune]int{'零': 0, '〇': 0, '洞': 0, '一': 1, '幺': 1, '壹': 1, '二': 2, '两': 2, '贰': 2, '三': 3, '叁': 3,
	'四': 4, '肆': 4, '五': 5, '伍': 5, '六': 6, '陆': 6, '七': 7, '柒': 7, '八': 8, '捌': 8, '九': 9, '玖': 9}

var zhUnitVal = map[rune]int64{'十': 10, '拾': 10, '百': 100, '佰': 100, '千': 1000, '仟': 1000}

func zhDigit(r rune) (int, bool) {
	if r >= '0' && r <= '9' {
		return int(r - '0'), true
	}
	v, ok := zhDigitVal[r]
	return v, ok
}

// zhNumberAt reads a number at rs[i]: Chinese numerals (一百二十五, 两千, 一万五,
// 一百零五), Arabic digits (125, 3千), with a decimal part after 点 or '.'. n is
// how many runes it used (0: none). Digits said one by one (一二三) read as a
// digit string's value.
func zhNumberAt(rs []rune, i int) (val float64, n int) { return zhNum(rs, i, true) }

// zhIntAt is zhNumberAt without a decimal part (三点四十五 is a time, not 3.4).
func zhIntAt(rs []rune, i int) (val float64, n int) { return zhNum(rs, i, false) }

func zhNum(rs []rune, i int, decimals bool) (val float64, n int) {
	var total, section, pending int64
	lastUnit := int64(0) // the unit just read, for 一百五 (= 150) and 一万五 (= 15000)
	zero := false        // a 零 since the last unit: 一百零五 is 105
	j := i
	seen := false
	digitsRun := 0 // consecutive bare digits (一二三 → 123)
	for j < len(rs) {
		r := rs[j]
		if r >= '0' && r <= '9' {
			k := j
			var v int64
			for k < len(rs) && rs[k] >= '0' && rs[k] <= '9' && k-j < 15 {
				v = v*10 + int64(rs[k]-'0')
				k++
			}
			if seen && pending != 0 {
				break
			}
			pending, seen, lastUnit = v, true, 0
			j = k
			digitsRun = 0
			continue
		}
		if d, ok := zhDigitVal[r]; ok {
			if r == '两' && seen && pending != 0 {
				break
			}
			if seen && (pending != 0 || (digitsRun > 0 && lastUnit == 0)) && lastUnit == 0 {
				// digits said one by one: 一二三
				pending = pending*10 + int64(d)
				digitsRun++
			} else {
				if d == 0 {
					zero = true
				}
				pending = int64(d)
				digitsRun = 1
			}
			seen = true
			j++
			continue
		}
		if u, ok := zhUnitVal[r]; ok {
			if pending == 0 && u == 10 {
				pending = 1 // 十五
			}
			if pending == 0 && !seen {
				break
			}
			section += pending * u
			pending, lastUnit, zero, seen, digitsRun = 0, u, false, true, 0
			j++
			continue
		}
		if (r == '万' || r == '亿') && seen {
			mul := int64(10000)
			if r == '亿' {
				mul = 1e8
			}
			total = (total + section + pending) * mul
			section, pending, lastUnit, zero, digitsRun = 0, 0, mul, false, 0
			j++
			continue
		}
		break
	}
	if !seen {
		return 0, 0
	}
	if pending != 0 && lastUnit >= 10 && !zero && digitsRun == 1 {
		pending *= lastUnit / 10 // 一百五 = 150, 一万五 = 15000
	}
	v := float64(total + section + pending)
	if decimals && j+1 < len(rs) && (rs[j] == '点' || rs[j] == '.') {
		k := j + 1
		frac := ""
		for k < len(rs) {
			d, ok := zhDigit(rs[k])
			if !ok {
				break
			}
			frac += strconv.Itoa(d)
			k++
		}
		if frac != "" && !(k < len(rs) && (rs[k] == '钟' || rs[k] == '分' || rs[k] == '半')) {
			f, _ := strconv.ParseFloat("0."+frac, 64)
			return v + f, k - i
		}
	}
	return v, j - i
}

// zhFirstNumber is the first number in text.
func zhFirstNumber(text string) (float64, bool) {
	rs := zhRunes(text)
	for i := range rs {
		if v, n := zhNumberAt(rs, i); n > 0 {
			if i+n < len(rs) && (rs[i+n] == '号' || rs[i+n] == '日' || rs[i+n] == '月') {
				continue
			}
			return v, true
		}
	}
	return 0, false
}

// zhAmount reads money: 一百二十五块五, 125元, ¥300, 三千块, 五毛, 一百二十五点五元.
func zhAmount(text string) (float64, bool) {
	rs := zhRunes(text)
	first, found := 0.0, false
	for i := 0; i < len(rs); {
		v, n := zhNumberAt(rs, i)
		if n == 0 {
			i++
			continue
		}
		end := i + n
		if end < len(rs) && (rs[end] == '号' || rs[end] == '日' || rs[end] == '月' || rs[end] == '点' || rs[end] == '天') {
			i = end + 1
			continue
		}
		cur := i > 0 && (rs[i-1] == '¥' || rs[i-1] == '￥' || rs[i-1] == '$')
		if end < len(rs) {
			switch rs[end] {
			case '块', '元', '圆', '蚊':
				total := v
				k := end + 1
				if k < len(rs) && rs[k] == '钱' {
					k++
				}
				if jv, jn := zhNumberAt(rs, k); jn > 0 && jv < 10 {
					total += jv / 10
					k += jn
					if k < len(rs) && (rs[k] == '毛' || rs[k] == '角') {
						k++
					}
					if fv, fn := zhNumberAt(rs, k); fn > 0 && fv < 10 {
						total += fv / 100
					}
				}
				return round2(total), true
			case '毛', '角':
				if v < 10 {
					total := v / 10
					if fv, fn := zhNumberAt(rs, end+1); fn > 0 && fv < 10 {
						total += fv / 100
					}
					return round2(total), true
				}
			case '分':
				if v < 100 && !cur {
					return round2(v / 100), true
				}
			}
		}
		if cur {
			return round2(v), true
		}
		if !found {
			first, found = v, true
		}
		i = end
	}
	return round2(first), found
}

// zhDigits reads digits said one by one (四一二, 幺三五) or as numerals (1234).
func zhDigits(text string) string {
	var b strings.Builder
	rs := zhRunes(text)
	for i := 0; i < len(rs) && b.Len() <= MaxLen; i++ {
		r := rs[i]
		if i+1 < len(rs) && rs[i+1] == '位' {
			i++
			continue // 后四位是…: a count, not a digit
		}
		if _, isUnit := zhUnitVal[r]; isUnit || (i+1 < len(rs) && zhUnitVal[rs[i+1]] != 0) {
			// 二十三: a number, not digits one by one
			if v, n := zhNumberAt(rs, i); n > 0 {
				b.WriteString(strconv.FormatInt(int64(v), 10))
				i += n - 1
				continue
			}
		}
		if d, ok := zhDigit(r); ok {
			b.WriteByte(byte('0' + d))
		}
	}
	return b.String()
}

// zhYesNo: 1 yes, -1 no, 0 neither (or unsure).
func zhYesNo(text string) int {
	s := string(zhRunes(text))
	for _, u := range []string{"不知道", "不确定", "不一定", "说不好", "不好说", "可能", "也许", "大概", "看情况", "再说"} {
		if strings.Contains(s, u) {
			return 0
		}
	}
	for _, y := range []string{"没问题", "没错", "不错", "当然", "没关系"} {
		s = strings.ReplaceAll(s, y, "好")
	}
	for _, r := range s {
		switch r {
		case '不', '没', '别', '否', '甭':
			return -1
		}
	}
	for _, r := range s {
		switch r {
		case '是', '对', '好', '行', '嗯', '会', '能', '要', '愿', '可', '确', '肯', '成':
			return 1
		}
	}
	if strings.Contains(s, "ok") || strings.Contains(s, "yes") {
		return 1
	}
	return 0
}

var zhWeekday = map[rune]time.Weekday{'一': 1, '二': 2, '三': 3, '四': 4, '五': 5, '六': 6, '日': 0, '天': 0, '末': 6,
	'1': 1, '2': 2, '3': 3, '4': 4, '5': 5, '6': 6, '7': 0}

// zhDate reads a date relative to today: 今天, 明天, 后天, 下周五, 周五, 15号,
// 三月十五号, 下个月5号, 月底, 三天后, 2026年3月15日.
func zhDate(text string, today time.Time) (time.Time, bool) {
	rs := zhRunes(text)
	s := string(rs)
	switch {
	case strings.Contains(s, "大后天"):
		return today.AddDate(0, 0, 3), true
	case strings.Contains(s, "后天"):
		return today.AddDate(0, 0, 2), true
	case strings.Contains(s, "明天") || strings.Contains(s, "明日") || strings.Contains(s, "明儿"):
		return today.AddDate(0, 0, 1), true
	case strings.Contains(s, "今天") || strings.Contains(s, "今日") || strings.Contains(s, "今晚") || strings.Contains(s, "马上"):
		return today, true
	case strings.Contains(s, "下个月底") || strings.Contains(s, "下月底"):
		return endOfMonth(time.Date(today.Year(), today.Month()+1, 1, 0, 0, 0, 0, time.UTC)), true
	case strings.Contains(s, "月底"):
		return endOfMonth(today), true
	}
	// 下周五, 下下周一, 这周三, 本周日, 周五, 星期五, 礼拜五
	for i := 0; i < len(rs); i++ {
		var k int
		switch {
		case rs[i] == '周' && !(i+1 < len(rs) && rs[i+1] == '年'):
			k = i + 1
		case i+2 < len(rs) && (string(rs[i:i+2]) == "星期" || string(rs[i:i+2]) == "礼拜"):
			k = i + 2
		default:
			continue
		}
		if k >= len(rs) {
			continue
		}
		wd, ok := zhWeekday[rs[k]]
		if !ok {
			continue
		}
		weeks, explicit := 0, false
		p := i - 1
		if p >= 0 && rs[p] == '个' {
			p--
		}
		switch {
		case p >= 1 && rs[p] == '下' && rs[p-1] == '下':
			weeks, explicit = 2, true
		case p >= 0 && rs[p] == '下':
			weeks, explicit = 1, true
		case p >= 0 && (rs[p] == '这' || rs[p] == '本'):
			explicit = true
		case p >= 0 && rs[p] == '上':
			continue // a day past is no promise
		}
		return weekdayFrom(today, wd, weeks, explicit), true
	}
	// N天后 / N天以后 / N天之内 (→ N days on); 一周后
	for i := 0; i < len(rs); i++ {
		v, n := zhNumberAt(rs, i)
		if n == 0 {
			continue
		}
		end := i + n
		if end+1 < len(rs) && (rs[end] == '天' || (rs[end] == '个' && rs[end+1] == '星')) {
			rest := string(rs[end+1:])
			if strings.HasPrefix(rest, "后") || strings.HasPrefix(rest, "以后") || strings.HasPrefix(rest, "之后") || strings.HasPrefix(rest, "内") || strings.HasPrefix(rest, "以内") {
				return today.AddDate(0, 0, int(v)), true
			}
		}
		if end+1 < len(rs) && (rs[end] == '周' || string(rs[end:min(end+3, len(rs))]) == "个星期") {
			if strings.Contains(string(rs[end:]), "后") {
				return today.AddDate(0, 0, 7*int(v)), true
			}
		}
		i = end - 1
	}
	// [YYYY年][M月]D号/日, 下个月D号
	year, month, day := 0, 0, 0
	for i := 0; i < len(rs); {
		v, n := zhNumberAt(rs, i)
		if n == 0 {
			i++
			continue
		}
		end := i + n
		if end < len(rs) {
			switch rs[end] {
			case '年':
				year = int(v)
				if year < 100 {
					year += 2000
				}
			case '月':
				month = int(v)
			case '号', '日':
				day = int(v)
			}
		}
		i = end
	}
	// 3/15 and 2026-03-15 said as numerals
	if day == 0 {
		for _, f := range strings.FieldsFunc(s, func(r rune) bool { return !(r >= '0' && r <= '9' || r == '/' || r == '-') }) {
			if d, err := time.Parse("2006-01-02", f); err == nil {
				return d, true
			}
			if a, b, ok := strings.Cut(f, "/"); ok {
				mo, e1 := strconv.Atoi(a)
				dd, e2 := strconv.Atoi(b)
				if e1 == nil && e2 == nil {
					return nextMonthDay(today, time.Month(mo), dd)
				}
			}
		}
		return time.Time{}, false
	}
	switch {
	case year > 0 && month > 0:
		return mkDate(year, time.Month(month), day)
	case month > 0:
		return nextMonthDay(today, time.Month(month), day)
	case strings.Contains(s, "下个月") || strings.Contains(s, "下月"):
		return nextDayOfMonth(time.Date(today.Year(), today.Month()+1, 1, 0, 0, 0, 0, time.UTC), day)
	}
	return nextDayOfMonth(today, day)
}

// zhTime reads a time of day: 下午三点, 三点半, 上午十点一刻, 15点30分, 15:30, 中午.
func zhTime(text string) (h, m int, ok bool) {
	rs := zhRunes(text)
	s := string(rs)
	period := ""
	for _, p := range []struct{ w, p string }{{"凌晨", "am"}, {"早上", "am"}, {"早晨", "am"}, {"上午", "am"}, {"早", "am"},
		{"中午", "noon"}, {"下午", "pm"}, {"傍晚", "pm"}, {"晚上", "pm"}, {"今晚", "pm"}, {"晚", "pm"}} {
		if strings.Contains(s, p.w) {
			period = p.p
			break
		}
	}
	h = -1
	for i := 0; i < len(rs) && h < 0; i++ {
		v, n := zhIntAt(rs, i)
		if n == 0 {
			continue
		}
		end := i + n
		if end+1 < len(rs) && rs[end] == ':' {
			if mm, n2 := zhIntAt(rs, end+1); n2 == 2 {
				h, m = int(v), int(mm)
				break
			}
		}
		if end < len(rs) && (rs[end] == '点' || rs[end] == '時' || rs[end] == '时') {
			h = int(v)
			k := end + 1
			if k < len(rs) && rs[k] == '钟' {
				k++
			}
			if k < len(rs) {
				switch {
				case rs[k] == '半':
					m = 30
				case rs[k] == '一' && k+1 < len(rs) && rs[k+1] == '刻':
					m = 15
				case rs[k] == '三' && k+1 < len(rs) && rs[k+1] == '刻':
					m = 45
				default:
					if mm, n2 := zhIntAt(rs, k); n2 > 0 && mm == float64(int(mm)) && mm < 60 {
						m = int(mm)
					}
				}
			}
			break
		}
		i = end - 1
	}
	if h < 0 {
		if period == "noon" {
			return 12, 0, true
		}
		return 0, 0, false
	}
	if h > 23 {
		return 0, 0, false
	}
	switch period {
	case "pm":
		if h < 12 {
			h += 12
		}
	case "noon":
		if h < 11 {
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
