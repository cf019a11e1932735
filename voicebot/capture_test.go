package voicebot

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// The call's local date for the capture tests: a Wednesday.
var captureToday = time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)

var (
	capEnVars = map[string]string{"first_name": "Ann", "amount": "125.50", "due_date": "2026-12-15"}
	capZhVars = map[string]string{"surname": "王", "amount": "300", "due_date": "2026-12-15"}
)

func loadCaptureBot(t *testing.T, lang string) (*Bot, map[string]string) {
	t.Helper()
	b, err := LoadBot("testdata/payment-capture." + lang + ".yaml")
	if err != nil {
		t.Fatal(err)
	}
	if lang == "zh" {
		return b, capZhVars
	}
	return b, capEnVars
}

func chatCapture(t *testing.T, b *Bot, vars map[string]string, input string) Result {
	t.Helper()
	res, err := Chat(context.Background(), b, strings.NewReader(input), ChatOptions{Vars: vars, Today: captureToday})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// prompts lists the bot's spoken turns in a state.
func prompts(res Result, state string) []string {
	var out []string
	for _, t := range res.Transcript {
		if t.Role == "bot" && t.State == state && t.Text != "" {
			out = append(out, t.Text)
		}
	}
	return out
}

func TestCaptureMachineSlots(t *testing.T) {
	cases := []struct {
		lang, name, input string
		want              map[string]string
		disposition       string
	}{
		{"en", "spoken", "yes\nfour one two three\nyes I will\nnext Friday\ntwo hundred dollars\n3 pm\nno thanks\nnothing\nfive\n",
			map[string]string{"account_last4": "4123", "will_pay": "yes", "pay_date": "2026-12-11", "pay_amount": "200.00",
				"best_time": "15:00", "sms_reminder": "no", "note": "nothing", "satisfaction": "5"}, "promise_to_pay"},
		{"en", "keys", "#dtmf 1\n#dtmf 0412\n#dtmf 1\n#dtmf 15#\n#dtmf 125*5#\n#dtmf 1530#\n#dtmf 2\nall good\n#dtmf 3\n",
			map[string]string{"account_last4": "0412", "will_pay": "yes", "pay_date": "2026-12-15", "pay_amount": "125.50",
				"best_time": "15:30", "sms_reminder": "no", "note": "all good", "satisfaction": "3"}, "promise_to_pay"},
		{"zh", "spoken", "是的\n四一二三\n可以\n下周五\n两百块\n下午三点\n不用\n没有了\n五分\n",
			map[string]string{"account_last4": "4123", "will_pay": "yes", "pay_date": "2026-12-11", "pay_amount": "200.00",
				"best_time": "15:00", "sms_reminder": "no", "note": "没有了", "satisfaction": "5"}, "promise_to_pay"},
		{"zh", "dates", "是\n1234\n会的\n15号\n一百二十五块五\n上午十点半\n要\n无\n#dtmf 4\n",
			map[string]string{"account_last4": "1234", "will_pay": "yes", "pay_date": "2026-12-15", "pay_amount": "125.50",
				"best_time": "10:30", "sms_reminder": "yes", "note": "无", "satisfaction": "4"}, "promise_to_pay"},
	}
	for _, c := range cases {
		t.Run(c.lang+"-"+c.name, func(t *testing.T) {
			b, vars := loadCaptureBot(t, c.lang)
			res := chatCapture(t, b, vars, c.input)
			if res.Disposition != c.disposition {
				t.Errorf("disposition %q, want %q\n%+v", res.Disposition, c.disposition, res.Transcript)
			}
			for k, v := range c.want {
				if res.Captured[k] != v {
					t.Errorf("captured %s = %q, want %q", k, res.Captured[k], v)
				}
				if res.Variables[k] != v {
					t.Errorf("variable %s = %q, want %q (captured values are call variables)", k, res.Variables[k], v)
				}
			}
			if len(res.Captured) != len(c.want) {
				t.Errorf("captured %v, want %v", res.Captured, c.want)
			}
			q := b.SurveyQuestions()
			if len(q) != 1 || res.Survey[q[0].Question] != c.want["satisfaction"] {
				t.Errorf("survey %v, questions %v", res.Survey, q)
			}
		})
	}
}

// An invalid answer re-prompts with the capture's reprompt, counted against the
// state's retries; when they run out the exhausted branch is taken and nothing is
// captured.
func TestCaptureMachineReprompt(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		b, vars := loadCaptureBot(t, lang)
		bad := map[string]string{"en": "yes\none two\nbanana\n#dtmf 12#\nno\n", "zh": "是\n一二\n香蕉\n#dtmf 12#\n不要\n"}[lang]
		res := chatCapture(t, b, vars, bad)
		ps := prompts(res, "verify")
		if len(ps) != 3 {
			t.Fatalf("%s: verify said %d times, want 3 (the question, 2 re-prompts): %q", lang, len(ps), ps)
		}
		if ps[0] == ps[1] || ps[1] != ps[2] || !strings.Contains(ps[1], map[string]string{"en": "four digits", "zh": "四位"}[lang]) {
			t.Errorf("%s: re-prompts %q: want the reprompt text after the first question", lang, ps)
		}
		if _, ok := res.Captured["account_last4"]; ok {
			t.Errorf("%s: captured %v from invalid answers", lang, res.Captured)
		}
		if res.Disposition != "no_commitment" || !slices.Contains(stateSeq(res), "offer_agent") {
			t.Errorf("%s: disposition %q, states %v: want exhausted → offer_agent → goodbye", lang, res.Disposition, stateSeq(res))
		}
	}
	// A valid answer after one invalid one is captured, and the next state's
	// count starts afresh.
	b, vars := loadCaptureBot(t, "en")
	res := chatCapture(t, b, vars, "yes\nfour\n4 1 2 3\n#hangup\n")
	if res.Captured["account_last4"] != "4123" || res.State != "reminder" {
		t.Errorf("captured %v, state %s", res.Captured, res.State)
	}
}

func stateSeq(res Result) []string {
	var out []string
	for _, t := range res.Transcript {
		if len(out) == 0 || out[len(out)-1] != t.State {
			out = append(out, t.State)
		}
	}
	return out
}

// A question in any listening state is answered from the knowledge section and the
// state's question is asked again; the re-ask costs no retry, and the answer may
// speak the call's variables.
func TestKnowledgeReturnsToState(t *testing.T) {
	cases := []struct {
		lang, input, entry, state, answerHas string
	}{
		{"en", "yes\nwhat are your opening hours\n#hangup\n", "hours", "verify", "Monday to Friday"},
		{"en", "yes\n1234\nwhy are you calling?\n#hangup\n", "why_calling", "reminder", "one hundred twenty-five dollars"},
		{"en", "yes\n1234\nyes\nis there a late fee\n#hangup\n", "late_fee", "ask_date", "late fee"},
		{"zh", "是\n你们几点上班\n#hangup\n", "hours", "verify", "九点"},
		{"zh", "是\n1234\n有什么事？\n#hangup\n", "why_calling", "reminder", "三百元"},
		{"zh", "是\n1234\n好\n怎么还款\n#hangup\n", "pay_where", "ask_date", "App"},
	}
	for _, c := range cases {
		b, vars := loadCaptureBot(t, c.lang)
		res := chatCapture(t, b, vars, c.input)
		if !slices.Equal(res.Knowledge, []string{c.entry}) {
			t.Errorf("%s %q: knowledge %v, want [%s]", c.lang, c.input, res.Knowledge, c.entry)
			continue
		}
		// bot: question, answer, question again — all in the state.
		var bots []Turn
		var asked *Turn
		for i, tr := range res.Transcript {
			if tr.State != c.state {
				continue
			}
			if tr.Role == "bot" && tr.Text != "" {
				bots = append(bots, tr)
			}
			if tr.Role == "caller" && tr.Knowledge != "" {
				asked = &res.Transcript[i]
			}
		}
		if len(bots) != 3 || bots[1].Knowledge != c.entry || !strings.Contains(bots[1].Text, c.answerHas) || bots[0].Text != bots[2].Text {
			t.Errorf("%s %q: bot turns in %s: %+v", c.lang, c.input, c.state, bots)
		}
		if asked == nil || asked.Branch != "knowledge "+c.entry+" → "+c.state || asked.Intent != "" {
			t.Errorf("%s: the caller's turn: %+v", c.lang, asked)
		}
		if res.State != c.state {
			t.Errorf("%s: ended in %s, want back in %s", c.lang, res.State, c.state)
		}
	}
	// Knowledge answers cost no retry: three questions, then a valid answer.
	b, vars := loadCaptureBot(t, "en")
	res := chatCapture(t, b, vars, "yes\nwho is this\nwhen are you open\ndo you take online payments\n1234\n#hangup\n")
	if res.Captured["account_last4"] != "1234" || len(res.Knowledge) != 3 {
		t.Errorf("captured %v knowledge %v state %s", res.Captured, res.Knowledge, res.State)
	}
}

// A knowledge entry with next goes there after the answer.
func TestKnowledgeNext(t *testing.T) {
	src := strings.Replace(lintBase, "states:\n", `knowledge:
  price:
    phrases: ["how much does it cost"]
    answer: "It is free."
    next: done
states:
`, 1)
	b, err := ParseBot([]byte(src), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Chat(context.Background(), b, strings.NewReader("how much does it cost?\n"), ChatOptions{Vars: map[string]string{"first_name": "A"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.State != "done" || !slices.Equal(res.Knowledge, []string{"price"}) {
		t.Errorf("state %s knowledge %v: want the answer, then done", res.State, res.Knowledge)
	}
}

// Questions nothing answers are noted; statements and greetings are not.
func TestUnansweredQuestions(t *testing.T) {
	b, vars := loadCaptureBot(t, "en")
	res := chatCapture(t, b, vars, "what is the interest rate?\nhello?\nbanana\nyes\n#hangup\n")
	if !slices.Equal(res.Unanswered, []string{"what is the interest rate?"}) {
		t.Errorf("unanswered %q", res.Unanswered)
	}
	for _, c := range []struct {
		text string
		want bool
	}{
		{"what is the interest rate", true}, {"How do I pay", true}, {"can you send me a letter", true}, {"is it free?", true},
		{"I can pay", false}, {"yes", false}, {"hello?", false}, {"利息是多少", true}, {"能不能晚点还", true}, {"可以吗", true},
		{"好的", false}, {"喂？", false}, {"", false},
	} {
		if got := LooksLikeQuestion(c.text); got != c.want {
			t.Errorf("LooksLikeQuestion(%q) = %v", c.text, got)
		}
	}
}

func TestCaptureLint(t *testing.T) {
	const capState = `  greet:
    say: "Hi {{first_name}}"
    listen:
      capture: {slot: when, type: date, next: done}
      exhausted: done
`
	cases := []struct {
		name, from, to, check, field string
	}{
		{"no slot", "{slot: when, type: date, next: done}", "{type: date, next: done}", CheckMissingField, "states.greet.listen.capture.slot"},
		{"bad type", "type: date", "type: colour", CheckBadValue, "states.greet.listen.capture"},
		{"no next", ", next: done}", "}", CheckMissingField, "states.greet.listen.capture.next"},
		{"unknown next", "next: done}", "next: nowhere}", CheckUnknownState, "states.greet.listen.capture.next"},
		{"contact slot", "slot: when", "slot: first_name", CheckBadValue, "states.greet.listen.capture.slot"},
		{"bounds on a date", "type: date", "type: date, min: 1", CheckBadValue, "states.greet.listen.capture"},
		{"reprompt var", "next: done}", "next: done, reprompt: \"{{nope}}?\"}", CheckUnknownVariable, "states.greet.listen.capture.reprompt"},
		{"unknown key", "next: done}", "next: done, colour: red}", CheckUnknownField, "states.greet.listen.capture.colour"},
		{"retries", "      exhausted: done\n", "      exhausted: done\n      retries: 11\n", CheckBadValue, "states.greet.listen.retries"},
	}
	base := strings.Replace(lintBase, `  greet:
    say: "Hi {{first_name}}"
    listen:
      intents: {yes: done, no: done}
      dtmf: {"1": done}
      no_input: greet
      no_match: greet
      exhausted: done
`, capState, 1)
	if _, ps := Lint([]byte(base), "t.yaml", LintOptions{}); len(ps) > 0 {
		t.Fatalf("base: %v", ps)
	}
	for _, c := range cases {
		src := strings.Replace(base, c.from, c.to, 1)
		_, ps := Lint([]byte(src), "t.yaml", LintOptions{})
		found := false
		for _, p := range ps {
			found = found || (p.Check == c.check && p.Field == c.field && p.Line > 0)
		}
		if !found {
			t.Errorf("%s: want %s at %s, got %v", c.name, c.check, c.field, ps)
		}
	}
	// A captured slot may be spoken later; an unknown variable may not.
	src := strings.Replace(base, `    say: "Bye"`, `    say: "See you {{when | date}}"`, 1)
	if _, ps := Lint([]byte(src), "t.yaml", LintOptions{}); len(ps) > 0 {
		t.Errorf("speaking a captured slot: %v", ps)
	}
}

func TestKnowledgeLint(t *testing.T) {
	withK := func(k string) string { return strings.Replace(lintBase, "states:\n", "knowledge:\n"+k+"states:\n", 1) }
	cases := []struct {
		name, knowledge, check, field string
		warning                       bool
	}{
		{"same phrase as an intent", "  k1: {phrases: [\"stop calling\"], answer: \"x\"}\n", CheckKnowledgeOverlap, "knowledge.k1.phrases[0]", false},
		{"same phrase in two entries", "  k1: {phrases: [\"how much\"], answer: \"x\"}\n  k2: {phrases: [\"How much?\"], answer: \"y\"}\n", CheckKnowledgeOverlap, "knowledge.k2.phrases[0]", false},
		{"reads as an intent", "  k1: {phrases: [\"please stop calling me\"], answer: \"x\"}\n", CheckKnowledgeOverlap, "knowledge.k1.phrases[0]", true},
		{"no answer", "  k1: {phrases: [\"how much\"]}\n", CheckMissingField, "knowledge.k1.answer", false},
		{"no phrases", "  k1: {answer: \"x\"}\n", CheckNoPhrases, "knowledge.k1", false},
		{"unknown next", "  k1: {phrases: [\"how much\"], answer: \"x\", next: nowhere}\n", CheckUnknownState, "knowledge.k1.next", false},
		{"unknown variable", "  k1: {phrases: [\"how much\"], answer: \"{{price}}\"}\n", CheckUnknownVariable, "knowledge.k1.answer", false},
		{"unknown key", "  k1: {phrases: [\"how much\"], answer: \"x\", colour: red}\n", CheckUnknownField, "knowledge.k1.colour", false},
	}
	for _, c := range cases {
		b, ps := Lint([]byte(withK(c.knowledge)), "t.yaml", LintOptions{})
		list := ps
		if c.warning {
			list = b.Warnings
			if len(ps) > 0 {
				t.Errorf("%s: a similarity is a warning, got problems %v", c.name, ps)
			}
		}
		found := false
		for _, p := range list {
			found = found || (p.Check == c.check && p.Field == c.field && p.Line > 0 && p.Warning == c.warning)
		}
		if !found {
			t.Errorf("%s: want %s at %s (warning %v), got %v / %v", c.name, c.check, c.field, c.warning, ps, b.Warnings)
		}
	}
	// The example scripts lint clean, without warnings about their knowledge.
	for _, f := range []string{"testdata/payment-capture.en.yaml", "testdata/payment-capture.zh.yaml"} {
		b, err := LoadBot(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range b.Warnings {
			if w.Check == CheckKnowledgeOverlap {
				t.Errorf("%s: %v", f, w)
			}
		}
	}
}

// NewMachine checks that prompts speaking captured slots render (with a sample of
// the slot's kind) before the call.
func TestCaptureCallDate(t *testing.T) {
	at := time.Date(2026, 12, 3, 3, 0, 0, 0, time.UTC) // 3 December 03:00 UTC
	if d := CallDate(at, map[string]string{TimeZoneVar: "America/Chicago"}); d.Format("2006-01-02") != "2026-12-02" {
		t.Errorf("Chicago: %s, want the 2nd (21:00 local)", d.Format("2006-01-02"))
	}
	if d := CallDate(at, map[string]string{TimeZoneVar: "Asia/Shanghai"}); d.Format("2006-01-02") != "2026-12-03" {
		t.Errorf("Shanghai: %s", d.Format("2006-01-02"))
	}
	if d := CallDate(at, nil); d.Format("2006-01-02") != "2026-12-03" {
		t.Errorf("no zone: %s", d.Format("2006-01-02"))
	}
	if _, err := NewMachine(nil, MachineOptions{}); !errors.Is(err, ErrInvalidScript) {
		t.Error(err)
	}
}

// A request to stop calling is honoured in a capture state, never read as a value.
func TestCaptureOptOutWins(t *testing.T) {
	for _, c := range []struct{ lang, input string }{
		{"en", "yes\n1234\nno, stop calling me\n"}, {"en", "yes\n1234\nyes\nplease don't call me again\n"},
		{"zh", "是\n1234\n不要再打了\n"},
	} {
		b, vars := loadCaptureBot(t, c.lang)
		res := chatCapture(t, b, vars, c.input)
		if !res.OptOut || res.Disposition != "opted_out" {
			t.Errorf("%s %q: opt_out %v disposition %q captured %v", c.lang, c.input, res.OptOut, res.Disposition, res.Captured)
		}
	}
}
