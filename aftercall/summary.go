package aftercall

import (
	"sort"
	"strconv"
	"strings"
	"time"
)

// Summary is the post-call summary: who was reached, what was agreed, the next step.
type Summary struct {
	Text     string
	NextStep string
	Locale   string // en-US or zh-CN
}

// nameKeys are the contact or captured variables that name the person, in preference order.
var nameKeys = [...]string{"name", "full_name", "first_name", "customer_name", "姓名"}

// detailKeys are the captured or contact variables a summary mentions, in order, with
// their words in en and zh.
var detailKeys = [...]struct{ key, en, zh string }{
	{"amount", "amount", "金额"},
	{"promised_amount", "amount promised", "承诺金额"},
	{"promise_date", "by", "日期"},
	{"payment_date", "on", "付款日期"},
	{"due_date", "due", "到期日"},
	{"callback_time", "call back at", "回电时间"},
	{"appointment", "appointment", "预约"},
	{"product", "product", "产品"},
}

// dispositionWords says what a known disposition means; unknown ones are shown as written.
var dispositionWords = map[string][2]string{
	"promise_to_pay":     {"promised to pay", "承诺还款"},
	"paid":               {"said the debt is paid", "表示已还款"},
	"payment_made":       {"made a payment", "已付款"},
	"payment_arranged":   {"arranged a payment", "已安排还款"},
	"no_commitment":      {"made no commitment", "未作承诺"},
	"wrong_party":        {"was the wrong person", "非本人"},
	"wrong_number":       {"was a wrong number", "号码错误"},
	"opted_out":          {"asked not to be called again", "要求不再来电"},
	"refused":            {"refused", "拒绝"},
	"refused_to_pay":     {"refused to pay", "拒绝还款"},
	"dispute":            {"disputed the debt", "对欠款有异议"},
	"callback":           {"asked to be called back", "要求回电"},
	"callback_requested": {"asked to be called back", "要求回电"},
	"interested":         {"is interested", "有意向"},
	"not_interested":     {"is not interested", "无意向"},
	"appointment_set":    {"booked an appointment", "已预约"},
	"transferred":        {"was transferred to an agent", "已转人工"},
	"transfer_failed":    {"asked for an agent, but the transfer failed", "转人工失败"},
	"abandoned":          {"was answered with no bot free (abandoned)", "接通后无可用机器人(放弃)"},
}

// outcomeWords says why there was no conversation.
var outcomeWords = map[string][2]string{
	"voicemail":          {"reached voicemail", "转入语音信箱"},
	"busy":               {"the line was busy", "占线"},
	"no_answer":          {"no answer", "无人接听"},
	"rejected":           {"the call was rejected", "被拒接"},
	"invalid_number":     {"the number is invalid", "号码无效"},
	"congestion":         {"the network was congested", "网络拥塞"},
	"failed":             {"the call failed", "呼叫失败"},
	"compliance_blocked": {"blocked by compliance", "合规拦截"},
}

// Summarize writes the deterministic summary of a call in locale (zh-* for Mandarin,
// anything else English). followUps are the names of the follow-ups queued for it.
func Summarize(f *Facts, grade, locale string, followUps []string) Summary {
	zh := strings.HasPrefix(locale, "zh")
	li := 0
	if zh {
		li = 1
	}
	s := Summary{Locale: "en-US"}
	if zh {
		s.Locale = "zh-CN"
	}
	var b strings.Builder
	name := ""
	for _, k := range nameKeys {
		if v := f.Captured[k]; v != "" {
			name = v
			break
		}
		if v := f.Contact[k]; v != "" {
			name = v
			break
		}
	}
	reached := f.Outcome == "answered" || f.Outcome == "abandoned"
	// Who.
	switch {
	case !reached:
		why := f.Outcome
		if w, ok := outcomeWords[f.Outcome]; ok {
			why = w[li]
		}
		if zh {
			b.WriteString("未通话:")
			b.WriteString(why)
			b.WriteString("。")
		} else {
			b.WriteString("No conversation: ")
			b.WriteString(why)
			b.WriteString(".")
		}
	case zh:
		b.WriteString("已联系")
		if name != "" {
			b.WriteString(name)
		} else {
			b.WriteString("客户")
		}
		b.WriteString("(通话")
		b.WriteString(dur(f.Talk, true))
		b.WriteString(",客户发言")
		b.WriteString(itoa(f.CallerTurns))
		b.WriteString("次)。")
	default:
		b.WriteString("Spoke with ")
		if name != "" {
			b.WriteString(name)
		} else {
			b.WriteString("the contact")
		}
		b.WriteString(" for ")
		b.WriteString(dur(f.Talk, false))
		b.WriteString(" (")
		b.WriteString(itoa(f.CallerTurns))
		b.WriteString(" caller turns).")
	}
	// What was agreed.
	if reached && f.Disposition != "" {
		what := strings.ReplaceAll(f.Disposition, "_", " ")
		if w, ok := dispositionWords[f.Disposition]; ok {
			what = w[li]
		}
		if zh {
			b.WriteString("结果:")
			b.WriteString(what)
		} else {
			b.WriteString(" Outcome: ")
			b.WriteString(what)
		}
		details := 0
		for _, d := range detailKeys {
			v := f.Captured[d.key]
			if v == "" {
				v = f.Contact[d.key]
			}
			if v == "" {
				continue
			}
			if zh {
				b.WriteString(",")
				b.WriteString(d.zh)
				b.WriteString(v)
			} else {
				if details == 0 {
					b.WriteString(" (")
				} else {
					b.WriteString(", ")
				}
				b.WriteString(d.en)
				b.WriteString(" ")
				b.WriteString(v)
			}
			details++
		}
		if !zh && details > 0 {
			b.WriteString(")")
		}
		if zh {
			b.WriteString("。")
		} else {
			b.WriteString(".")
		}
	}
	// Anything else the call captured, sorted for a stable text.
	if reached {
		var extra []string
		for k, v := range f.Captured {
			if v == "" || isDetail(k) || isName(k) || strings.HasPrefix(k, "callback_") || k == "abandon_message" {
				continue
			}
			extra = append(extra, k+"="+v)
		}
		if len(extra) > 0 {
			sort.Strings(extra)
			if len(extra) > 4 {
				extra = extra[:4]
			}
			if zh {
				b.WriteString("记录:")
				b.WriteString(strings.Join(extra, ","))
				b.WriteString("。")
			} else {
				b.WriteString(" Captured: ")
				b.WriteString(strings.Join(extra, ", "))
				b.WriteString(".")
			}
		}
	}
	s.NextStep = nextStep(f, grade, zh, followUps)
	if zh {
		b.WriteString("下一步:")
		b.WriteString(s.NextStep)
		b.WriteString("。")
	} else {
		b.WriteString(" Next step: ")
		b.WriteString(s.NextStep)
		b.WriteString(".")
	}
	s.Text = b.String()
	return s
}

func nextStep(f *Facts, grade string, zh bool, followUps []string) string {
	pick := func(en, z string) string {
		if zh {
			return z
		}
		return en
	}
	sms := ""
	if len(followUps) > 0 {
		sms = pick("; follow-up SMS queued ("+strings.Join(followUps, ", ")+")", ";已安排跟进短信("+strings.Join(followUps, ",")+")")
	}
	switch {
	case f.OptOut || f.Disposition == "opted_out":
		return pick("do not contact again (opted out)", "不再联系(已退订)")
	case f.Transfer:
		return pick("the agent who took the transfer follows up", "由接听转接的坐席跟进") + sms
	case f.Callback > 0:
		return pick("call back in "+dur(f.Callback, false), dur(f.Callback, true)+"后回电") + sms
	case f.Outcome != "answered":
		return pick("try again per the campaign's retry policy", "按活动重试策略再次拨打") + sms
	case grade == "A":
		return pick("confirm the commitment is kept", "确认客户履行承诺") + sms
	case grade == "B":
		return pick("follow up with an agent", "安排坐席跟进") + sms
	case grade == "D":
		return pick("no further action", "无需进一步跟进") + sms
	}
	return pick("no commitment; try again later", "未作承诺,稍后再联系") + sms
}

func isDetail(k string) bool {
	for _, d := range detailKeys {
		if d.key == k {
			return true
		}
	}
	return false
}

func isName(k string) bool {
	for _, n := range nameKeys {
		if n == k {
			return true
		}
	}
	return false
}

// dur says a duration in whole units: 45s, 2m10s, 3h; 45秒, 2分10秒, 3小时.
func dur(d time.Duration, zh bool) string {
	d = d.Round(time.Second)
	h, m, s := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	var b strings.Builder
	unit := func(n int, en, z string) {
		if n == 0 {
			return
		}
		b.WriteString(itoa(n))
		if zh {
			b.WriteString(z)
		} else {
			b.WriteString(en)
		}
	}
	unit(h, "h", "小时")
	unit(m, "m", "分")
	unit(s, "s", "秒")
	if b.Len() == 0 {
		if zh {
			return "0秒"
		}
		return "0s"
	}
	return b.String()
}

func itoa(n int) string { return strconv.Itoa(n) }
