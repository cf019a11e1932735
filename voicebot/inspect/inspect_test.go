package inspect

import (
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

const discEN = "This is an automated call from Acme Finance, on a recorded line."
const discZH = "这是安可金融的自动语音电话，通话将被录音。"

func rulesFrom(t testing.TB, src, disclosure string) *Rules {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	r, ps := Parse(doc.Content[0], disclosure)
	if len(ps) > 0 {
		t.Fatalf("%+v", ps)
	}
	return r
}

const rulesEN = `
forbidden: ["guaranteed", "you will be arrested"]
sensitive: ["lawyer"]
disclosure: required
opt_out_offer: ["press 9", "say stop calling"]
max_talk_over: 0.15
max_silence: 0.5
min_call: 3s
max_call: 2m
`

const rulesZH = `
forbidden: ["保证", "抓你"]
sensitive: ["律师", "投诉"]
disclosure: required
opt_out_offer: ["退订请按9"]
max_talk_over: 0.15
max_silence: 0.5
min_call: 3s
max_call: 2m
`

// greetEN is a clean opening: 66+ characters played in full at ≈ 15/s.
func greetEN(event string, end int64) Turn {
	return Turn{Role: "bot", Text: "Hello Ana. " + discEN + " To stop our calls press 9. Is this Ana?", Event: event, StartMS: 200, EndMS: end}
}

// TestInspectCalls: calls built to pass, and to break each rule once, in en and zh.
func TestInspectCalls(t *testing.T) {
	en := rulesFrom(t, rulesEN, discEN)
	zh := rulesFrom(t, rulesZH, discZH)
	fullEN := greetEN("", 7800)
	answerEN := Turn{Role: "caller", Text: "yes it's me", StartMS: 8300, EndMS: 9200}
	byeEN := Turn{Role: "bot", Text: "Thank you, goodbye.", StartMS: 9600, EndMS: 11000}
	fullZH := Turn{Role: "bot", Text: "您好王先生。" + discZH + "退订请按9。请问是王先生吗？", StartMS: 200, EndMS: 9000}
	answerZH := Turn{Role: "caller", Text: "是我", StartMS: 9400, EndMS: 10000}
	byeZH := Turn{Role: "bot", Text: "谢谢，再见。", StartMS: 10300, EndMS: 11800}
	for _, c := range []struct {
		name     string
		rules    *Rules
		call     Call
		rule     string   // "" : passes
		offsetMS int64    // expected offset ± 400 ms
		also     []string // other rules the call breaks too
	}{
		{"en clean", en, Call{Locale: "en-US", Turns: []Turn{fullEN, answerEN, byeEN}, DurationMS: 11200}, "", 0, nil},
		{"zh clean", zh, Call{Locale: "zh-CN", Turns: []Turn{fullZH, answerZH, byeZH}, DurationMS: 12000}, "", 0, nil},
		{"en disclosure barged over", en, Call{Locale: "en-US", Turns: []Turn{
			greetEN("barge_in", 2400), {Role: "caller", Text: "who is this", StartMS: 2300, EndMS: 3100},
			{Role: "bot", Text: "To stop our calls press 9. Is this Ana?", StartMS: 3400, EndMS: 6400},
			{Role: "caller", Text: "yes", StartMS: 6900, EndMS: 7400}, byeEN}, DurationMS: 11200},
			RuleDisclosure, 2400, nil},
		{"en barge-in after the disclosure passes", en, Call{Locale: "en-US", Turns: []Turn{
			{Role: "bot", Text: discEN + " To stop our calls press 9. Is this Ana?", StartMS: 200, EndMS: 7200},
			{Role: "caller", Text: "yes", StartMS: 7800, EndMS: 8300},
			{Role: "bot", Text: "Your payment of one hundred dollars is due on Friday. To stop our calls press 9 now.", StartMS: 8600, EndMS: 11000, Event: "barge_in"},
			{Role: "caller", Text: "okay", StartMS: 10900, EndMS: 11400}, byeEN}, DurationMS: 12000}, "", 0, nil},
		{"en disclosure not synthesised", en, Call{Locale: "en-US", Turns: []Turn{
			{Role: "bot", Text: fullEN.Text, Event: "not_spoken", StartMS: 200, EndMS: 210}, answerEN, byeEN}, DurationMS: 11200},
			RuleDisclosure, 200, []string{RuleOptOutOffer, RuleSilence}},
		{"zh disclosure cut by hang-up", zh, Call{Locale: "zh-CN", Turns: []Turn{
			{Role: "bot", Text: fullZH.Text, Event: "hangup", StartMS: 200, EndMS: 3000},
			{Role: "caller", Event: "hangup", StartMS: 3000, EndMS: 3000}}, DurationMS: 3000 + 500},
			RuleDisclosure, 3000, []string{RuleMinCall, RuleOptOutOffer}},
		{"en forbidden word", en, Call{Locale: "en-US", Turns: []Turn{fullEN, answerEN,
			{Role: "bot", Text: "Pay now and a discount is guaranteed. Goodbye.", StartMS: 9600, EndMS: 12600}}, DurationMS: 12800},
			RuleForbiddenWord, 11300, nil},
		{"zh forbidden word", zh, Call{Locale: "zh-CN", Turns: []Turn{fullZH, answerZH,
			{Role: "bot", Text: "我们保证不会再打扰您。", StartMS: 10300, EndMS: 12300}}, DurationMS: 12500},
			RuleForbiddenWord, 10900, nil},
		{"en forbidden word never heard (cut before it)", en, Call{Locale: "en-US", Turns: []Turn{fullEN, answerEN,
			{Role: "bot", Text: "Thank you for your time and your payment is guaranteed to clear.", Event: "barge_in", StartMS: 9600, EndMS: 10400},
			{Role: "caller", Text: "bye", StartMS: 10300, EndMS: 10700}}, DurationMS: 11000}, "", 0, nil},
		{"en sensitive word", en, Call{Locale: "en-US", Turns: []Turn{fullEN,
			{Role: "caller", Text: "talk to my lawyer", StartMS: 8300, EndMS: 9500}, byeEN}, DurationMS: 11200},
			RuleSensitiveWord, 8300, nil},
		{"zh sensitive word", zh, Call{Locale: "zh-CN", Turns: []Turn{fullZH,
			{Role: "caller", Text: "我要投诉你们", StartMS: 9400, EndMS: 10600}, byeZH}, DurationMS: 12000},
			RuleSensitiveWord, 9400, nil},
		{"en no opt-out offer", en, Call{Locale: "en-US", Turns: []Turn{
			{Role: "bot", Text: "Hello Ana. " + discEN + " Is this Ana?", StartMS: 200, EndMS: 5600}, answerEN, byeEN}, DurationMS: 11200},
			RuleOptOutOffer, 5600, nil},
		{"en talk-over", en, Call{Locale: "en-US", Turns: []Turn{fullEN,
			{Role: "caller", Text: "yes yes I know I know", StartMS: 4000, EndMS: 7600}, byeEN}, DurationMS: 11200},
			RuleTalkOver, 4000, nil},
		{"en silence", en, Call{Locale: "en-US", Turns: []Turn{fullEN, {Role: "caller", Event: "no_input", StartMS: 13800, EndMS: 13800},
			{Role: "caller", Event: "no_input", StartMS: 19800, EndMS: 19800}, {Role: "bot", Text: "Goodbye.", StartMS: 20000, EndMS: 20600}}, DurationMS: 21000},
			RuleSilence, 7800, nil},
		{"en too short", en, Call{Locale: "en-US", Turns: []Turn{{Role: "bot", Text: "Hello Ana. " + discEN + " To stop our calls press 9.", StartMS: 100, EndMS: 2900}}, DurationMS: 2900},
			RuleMinCall, 2900, nil},
		{"zh too long", zh, Call{Locale: "zh-CN", Turns: []Turn{fullZH, answerZH, byeZH}, DurationMS: 130000},
			RuleMaxCall, 120000, []string{RuleSilence}}, // the long tail is silence too
	} {
		t.Run(c.name, func(t *testing.T) {
			rep := Inspect(c.rules, &c.call)
			if c.rule == "" {
				if !rep.Pass {
					t.Fatalf("want pass, got %+v", rep.Failures)
				}
				return
			}
			var f *Failure
			for i := range rep.Failures {
				got := rep.Failures[i].Rule
				if got == c.rule && f == nil {
					f = &rep.Failures[i]
				} else if got != c.rule && !slices.Contains(c.also, got) {
					t.Errorf("false positive: %+v", rep.Failures[i])
				}
			}
			if rep.Pass || f == nil || abs(f.OffsetMS-c.offsetMS) > 400 {
				t.Fatalf("want %s at %d ms, got pass %v %+v", c.rule, c.offsetMS, rep.Pass, rep.Failures)
			}
		})
	}
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

func TestParseProblems(t *testing.T) {
	for _, c := range []struct{ src, field, check string }{
		{"forbidden: guaranteed", "inspection.forbidden", "syntax"},
		{"forbidden: ['', x]", "inspection.forbidden[0]", "bad_value"},
		{"max_talk_over: 1.5", "inspection.max_talk_over", "bad_value"},
		{"max_silence: lots", "inspection.max_silence", "bad_value"},
		{"min_call: -3s", "inspection.min_call", "bad_value"},
		{"min_call: 3m\nmax_call: 1m", "inspection.min_call", "bad_value"},
		{"disclosure: required", "inspection.disclosure", "bad_value"},
		{"talkover: 0.1", "inspection.talkover", "unknown_field"},
	} {
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(c.src), &doc); err != nil {
			t.Fatal(err)
		}
		_, ps := Parse(doc.Content[0], "")
		if len(ps) != 1 || ps[0].Field != c.field || ps[0].Check != c.check || ps[0].Line == 0 {
			t.Errorf("%q: want one %s problem on %s with a line, got %+v", c.src, c.check, c.field, ps)
		}
	}
	r := rulesFrom(t, "disclosure: off\nmax_call: 90s", "script disclosure")
	if r.Disclosure != "" || r.MaxCall != 90*time.Second {
		t.Errorf("%+v", r)
	}
}

func TestFind(t *testing.T) {
	for _, c := range []struct {
		text, phrase string
		start, end   int
		ok           bool
	}{
		{"Pay now, GUARANTEED!", "guaranteed", 9, 19, true},
		{"unguaranteed", "guaranteed", 0, 0, false},
		{"我们保证不会", "保证", 2, 4, true},
		{"退订请按9。", "退订请按9", 0, 5, true},
		{"Don't call", "dont call", 0, 10, true},
	} {
		s, e, ok := find(c.text, c.phrase)
		if ok != c.ok || (ok && (s != c.start || e != c.end)) {
			t.Errorf("find(%q, %q) = %d, %d, %v", c.text, c.phrase, s, e, ok)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(rulesEN)
	f.Add(rulesZH)
	f.Add("forbidden: [a, [b]]\nmin_call: x")
	f.Fuzz(func(t *testing.T, src string) {
		var doc yaml.Node
		if yaml.Unmarshal([]byte(src), &doc) != nil || len(doc.Content) == 0 {
			return
		}
		r, _ := Parse(doc.Content[0], "d")
		_ = Inspect(r, &Call{Turns: []Turn{{Role: "bot", Text: strings.Repeat("d ", 3), Event: "barge_in", StartMS: 0, EndMS: 100}}})
	})
}

// BenchmarkInspect: a 3-minute call of 40 turns against every rule (max_call raised to 5m).
func BenchmarkInspect(b *testing.B) {
	r := rulesFrom(b, strings.Replace(rulesEN, "max_call: 2m", "max_call: 5m", 1), discEN)
	call := Call{Locale: "en-US", DurationMS: 180000}
	at := int64(200)
	for i := range 20 {
		text := "Your payment of one hundred and twenty dollars is due on December first, can you make it?"
		if i == 0 {
			text = greetEN("", 0).Text
		}
		call.Turns = append(call.Turns, Turn{Role: "bot", Text: text, StartMS: at, EndMS: at + 6000})
		call.Turns = append(call.Turns, Turn{Role: "caller", Text: "I think I can pay on Friday but not the whole amount", StartMS: at + 6500, EndMS: at + 8500})
		at += 9000
	}
	b.ReportAllocs()
	for b.Loop() {
		if rep := Inspect(r, &call); !rep.Pass {
			b.Fatal(rep.Failures)
		}
	}
}
