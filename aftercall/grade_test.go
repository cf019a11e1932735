package aftercall

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/voicebot"
)

// afterCallYAML is appended to the reference scripts: a grading section and follow-ups.
const afterCallYAML = `
grading:
  rules:
    - {grade: A, disposition: [promise_to_pay], captured: [promise_date]}
    - {grade: B, disposition: [promise_to_pay]}
    - {grade: D, sentiment: [negative]}
    - {grade: B, outcome: [answered], min_turns: 2, max_barge_ins: 1, min_talk: 20s}
  default: C
follow_ups:
  - name: thanks
    on: [promise_to_pay]
    sms: "Thanks {{first_name}}: pay {{amount | currency}} at {{payment_link}}"
  - name: reminder
    on: [promise_to_pay]
    sms: "Reminder: {{amount}} due {{due_date}}."
    delay: 30m
`

func loadRef(t testing.TB, name, extra string) *voicebot.Bot {
	t.Helper()
	data, err := os.ReadFile("../voicebot/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	b, err := voicebot.ParseBot(append(data, extra...), name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func answered(disposition string, talk time.Duration, turns ...dialer.Turn) *dialer.Result {
	return &dialer.Result{Outcome: dialer.OutcomeAnswered, Disposition: disposition, Variables: map[string]string{},
		Timings: dialer.Timings{DurationMS: talk.Milliseconds()}, Transcript: turns}
}

func caller(text string) dialer.Turn { return dialer.Turn{Role: "caller", Text: text} }

// TestGradeScriptRules: the script's rules in order, first match wins, its default last;
// sentiment rules do not match when no sentiment is known.
func TestGradeScriptRules(t *testing.T) {
	for _, script := range []string{"payment-reminder.en.yaml", "payment-reminder.zh.yaml"} {
		b := loadRef(t, script, afterCallYAML)
		g := NewGrading(b.Grading, b.Purpose)
		contact := map[string]string{"first_name": "Ana", "amount": "120.50"}
		cases := []struct {
			name      string
			res       *dialer.Result
			sentiment *Sentiment
			grade     string
			rule      string
		}{
			{"promise with a date", func() *dialer.Result {
				r := answered("promise_to_pay", 40*time.Second, caller("yes"), caller("yes"))
				r.Variables["promise_date"] = "2026-03-20"
				return r
			}(), nil, "A", "rules[0]"},
			{"promise without a date", answered("promise_to_pay", 40*time.Second, caller("yes")), nil, "B", "rules[1]"},
			{"negative sentiment", answered("no_commitment", 10*time.Second), &Sentiment{Mean: -0.6}, "D", "rules[2]"},
			{"sentiment unknown: rule 2 skipped", answered("no_commitment", 10*time.Second), nil, "C", "default"},
			{"engaged", answered("no_commitment", 25*time.Second, caller("hm"), caller("well")), nil, "B", "rules[3]"},
			{"engaged but barged in twice", answered("no_commitment", 25*time.Second, caller("hm"), caller("well"),
				dialer.Turn{Role: "caller", Event: "barge_in"}, dialer.Turn{Role: "caller", Event: "barge_in"}), nil, "C", "default"},
			{"not reached", &dialer.Result{Outcome: dialer.OutcomeBusy}, nil, "C", "default"},
		}
		for _, c := range cases {
			t.Run(script+"/"+c.name, func(t *testing.T) {
				f := NewFacts(c.res, contact, string(c.res.Outcome))
				f.Sentiment = c.sentiment
				grade, rule, why := g.Grade(&f)
				if grade != c.grade || rule != c.rule || len(why) == 0 {
					t.Fatalf("grade %s by %s (%v), want %s by %s", grade, rule, why, c.grade, c.rule)
				}
			})
		}
	}
}

// TestGradeBuiltin: the built-in rules of collections, marketing and the other purposes.
func TestGradeBuiltin(t *testing.T) {
	optOut := answered("opted_out", 5*time.Second)
	optOut.OptOut = true
	long := answered("no_commitment", 50*time.Second, caller("a"), caller("b"), caller("c"))
	cases := []struct {
		purpose   string
		res       *dialer.Result
		sentiment *Sentiment
		grade     string
	}{
		{"collections", answered("promise_to_pay", 30*time.Second), nil, "A"},
		{"collections", answered("dispute", 30*time.Second), nil, "B"},
		{"collections", answered("wrong_party", 5*time.Second), nil, "D"},
		{"collections", optOut, nil, "D"},
		{"collections", answered("no_commitment", 10*time.Second), &Sentiment{Mean: -0.9, Angry: true}, "D"},
		{"collections", long, nil, "B"},
		{"collections", answered("no_commitment", 10*time.Second), nil, "C"},
		{"collections", &dialer.Result{Outcome: dialer.OutcomeNoAnswer}, nil, "C"},
		{"telemarketing", answered("interested", 30*time.Second), nil, "A"},
		{"telemarketing", answered("not_interested", 30*time.Second), nil, "D"},
		{"telemarketing", answered("send_info", 30*time.Second), nil, "B"},
		{"telemarketing", long, nil, "B"},
		{"telemarketing", answered("callback_requested", 9*time.Second), nil, "B"},
		{"survey", long, nil, "B"},
		{"survey", optOut, nil, "D"},
	}
	for _, c := range cases {
		f := NewFacts(c.res, nil, string(c.res.Outcome))
		f.Sentiment = c.sentiment
		grade, rule, _ := NewGrading(nil, c.purpose).Grade(&f)
		if grade != c.grade {
			t.Errorf("%s %s: grade %s by %s, want %s", c.purpose, c.res.Disposition, grade, rule, c.grade)
		}
	}
}

// TestSummary: the deterministic summary in English and Mandarin.
func TestSummary(t *testing.T) {
	promise := answered("promise_to_pay", 95*time.Second, caller("yes"), caller("yes"))
	promise.Variables = map[string]string{"first_name": "Ana", "promise_date": "2026-03-20", "channel": "card"}
	contact := map[string]string{"first_name": "Ana", "amount": "120.50"}
	f := NewFacts(promise, contact, "answered")
	cases := []struct {
		locale string
		f      Facts
		grade  string
		fus    []string
		want   string
	}{
		{"en-US", f, "A", []string{"thanks"},
			"Spoke with Ana for 1m35s (2 caller turns). Outcome: promised to pay (amount 120.50, by 2026-03-20). Captured: channel=card. " +
				"Next step: confirm the commitment is kept; follow-up SMS queued (thanks)."},
		{"zh-CN", f, "A", []string{"thanks"},
			"已联系Ana(通话1分35秒,客户发言2次)。结果:承诺还款,金额120.50,日期2026-03-20。记录:channel=card。下一步:确认客户履行承诺;已安排跟进短信(thanks)。"},
		{"en-US", NewFacts(&dialer.Result{Outcome: dialer.OutcomeBusy}, contact, "busy"), "C", nil,
			"No conversation: the line was busy. Next step: try again per the campaign's retry policy."},
		{"zh-CN", NewFacts(&dialer.Result{Outcome: dialer.OutcomeAnswered}, contact, "voicemail"), "C", nil,
			"未通话:转入语音信箱。下一步:按活动重试策略再次拨打。"},
		{"zh-CN", func() Facts {
			r := answered("opted_out", 8*time.Second, caller("别再打了"))
			r.OptOut = true
			return NewFacts(r, map[string]string{"surname": "王"}, "answered")
		}(), "D", nil, "已联系客户(通话8秒,客户发言1次)。结果:要求不再来电。下一步:不再联系(已退订)。"},
		{"en-US", func() Facts {
			r := answered("callback_requested", 20*time.Second, caller("call me later"))
			r.Callback = &dialer.Callback{AfterS: 7200}
			return NewFacts(r, contact, "answered")
		}(), "B", nil, "Spoke with Ana for 20s (1 caller turns). Outcome: asked to be called back (amount 120.50). Next step: call back in 2h."},
	}
	for _, c := range cases {
		s := Summarize(&c.f, c.grade, c.locale, c.fus)
		if s.Text != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.locale, s.Text, c.want)
		}
	}
}

// TestLintAfterCall: bad after-call sections fail the lint with their lines and fields.
func TestLintAfterCall(t *testing.T) {
	data, err := os.ReadFile("../voicebot/testdata/payment-reminder.en.yaml")
	if err != nil {
		t.Fatal(err)
	}
	base := strings.Count(string(data), "\n")
	bad := `
grading:
  rules:
    - {grade: E, disposition: [x]}
    - {min_turns: -1, sentiment: [grumpy]}
  default: Z
follow_ups:
  - on: [promise_to_pay]
    sms: "Pay {{amount | }} now"
  - sms: ""
`
	_, ps := voicebot.Lint(append(data, bad...), "s.yaml", voicebot.LintOptions{})
	want := []struct {
		field string
		line  int
	}{
		{"grading.rules[0].grade", base + 4},
		{"grading.rules[1].min_turns", base + 5},
		{"grading.rules[1].sentiment", base + 5},
		{"grading.rules[1].grade", base + 5},
		{"grading.default", base + 6},
		{"follow_ups[0].sms", base + 9},
		{"follow_ups[1].on", base + 10},
		{"follow_ups[1].sms", base + 10},
	}
	for _, w := range want {
		found := false
		for _, p := range ps {
			if p.Field == w.field && p.Line == w.line {
				found = true
			}
		}
		if !found {
			t.Errorf("no problem at %s line %d in:\n%v", w.field, w.line, ps)
		}
	}
}

// BenchmarkAnalyze is the per-call cost of grading and the rule-based summary (no store,
// no LLM): the budget is 50 ms a call on one core.
func BenchmarkAnalyze(b *testing.B) {
	bot := loadRef(b, "payment-reminder.en.yaml", afterCallYAML)
	a := New(Options{LoadBot: func(string) (*voicebot.Bot, error) { return bot, nil }})
	res := answered("promise_to_pay", 95*time.Second, caller("yes"), dialer.Turn{Role: "bot", Text: "Thanks."}, caller("yes I will pay"))
	res.Variables = map[string]string{"first_name": "Ana", "amount": "120.50", "promise_date": "2026-03-20"}
	info := analyzerInfo()
	b.ReportAllocs()
	for b.Loop() {
		r := *res
		a.Analyze(b.Context(), info, &r)
		if r.Insight == nil || r.Insight.Grade != "A" {
			b.Fatal(r.Insight)
		}
	}
}
