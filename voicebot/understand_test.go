package voicebot

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/voxdial/voxdial/voicebot/intent"
)

// confirmScript is the English example with the keys of the confirm step: opt_out is
// high-stakes with a confirm question, agent is high-stakes without one (a warning),
// paid needs a score of 0.995 and the reminder sends low-confidence answers to
// offer_agent.
func confirmScript(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/payment-reminder.en.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	for _, r := range [][2]string{
		{`opt_out:  {phrases: ["stop calling", "do not call", "don't call", "remove me", "take me off"]}`,
			`opt_out:  {phrases: ["stop calling", "do not call", "don't call", "remove me", "take me off"], confirm: "Just to confirm, you want us to stop calling?", high_stakes: true}`},
		{`agent:    {phrases: ["agent", "human", "representative", "operator", "real person"]}`,
			`agent:    {phrases: ["agent", "human", "representative", "operator", "real person"], high_stakes: true}`},
		{`paid:     {phrases: ["already paid", "i paid", "paid it"]}`,
			`paid:     {phrases: ["already paid", "i paid", "paid it"], min_confidence: 0.995}`},
		{"      exhausted: offer_agent\n", "      exhausted: offer_agent\n      low_confidence: offer_agent\n"},
	} {
		if !strings.Contains(s, r[0]) {
			t.Fatalf("example script changed: %q not found", r[0])
		}
		s = strings.Replace(s, r[0], r[1], 1)
	}
	return []byte(s)
}

func confirmBot(t *testing.T) *Bot {
	t.Helper()
	b, err := ParseBot(confirmScript(t), "confirm.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func chatText(t *testing.T, b *Bot, input string) Result {
	t.Helper()
	res, err := Chat(context.Background(), b, strings.NewReader(input), ChatOptions{Vars: enVars})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func branches(res Result) []string {
	var out []string
	for _, tr := range res.Transcript {
		if tr.Branch != "" {
			out = append(out, tr.Branch)
		}
	}
	return out
}

func TestConfirmFlow(t *testing.T) {
	t.Parallel()
	b := confirmBot(t)
	cases := []struct {
		name, input, disposition string
		branches                 []string
		optOut                   bool
	}{
		{"paraphrase confirmed", "yes\nplease quit phoning me\nyes\n", "opted_out",
			[]string{"yes → reminder", "global opt_out → confirm", "global opt_out confirmed → opt_out"}, true},
		{"paraphrase said again", "yes\nplease quit phoning me\ni said stop calling me\n", "opted_out",
			[]string{"yes → reminder", "global opt_out → confirm", "global opt_out confirmed → opt_out"}, true},
		{"not confirmed: asked again", "yes\nplease quit phoning me\nno\nyes\n", "promise_to_pay",
			[]string{"yes → reminder", "global opt_out → confirm", "global opt_out not confirmed → reminder", "yes → promise"}, false},
		{"silence: asked again", "yes\nplease quit phoning me\n#silence\nyes\n", "promise_to_pay",
			[]string{"yes → reminder", "global opt_out → confirm", "global opt_out not confirmed (no_input) → reminder", "yes → promise"}, false},
		// A listed phrase as written is honoured at once: an explicit opt-out is
		// never asked twice.
		{"listed phrase: no confirm", "yes\nstop calling\n", "opted_out",
			[]string{"yes → reminder", "global opt_out → opt_out"}, true},
		// A key answers the state's question and drops the confirm question.
		{"key during confirm", "yes\nplease quit phoning me\n#dtmf 1\n", "promise_to_pay",
			[]string{"yes → reminder", "global opt_out → confirm", "dtmf 1 → promise"}, false},
	}
	for _, c := range cases {
		res := chatText(t, b, c.input)
		if got := branches(res); strings.Join(got, "|") != strings.Join(c.branches, "|") || res.Disposition != c.disposition || res.OptOut != c.optOut {
			t.Errorf("%s: branches %q disposition %s opt-out %v, want %q %s %v", c.name, got, res.Disposition, res.OptOut, c.branches, c.disposition, c.optOut)
		}
	}
	// The question is spoken as a bot turn marked confirm.
	res := chatText(t, b, "yes\nplease quit phoning me\nyes\n")
	found := false
	for _, tr := range res.Transcript {
		if tr.Role == "bot" && tr.Event == "confirm" && tr.Text == "Just to confirm, you want us to stop calling?" {
			found = true
		}
	}
	if !found {
		t.Errorf("no confirm turn in %+v", res.Transcript)
	}
}

func TestNegatedPhraseDoesNotRoute(t *testing.T) {
	t.Parallel()
	b := loadExample(t, "en")
	// "I don't want an agent" is a refusal, not a request for one.
	res := chatText(t, b, "yes\nno\ni don't want an agent\n")
	if res.Disposition != "no_commitment" || res.Transfer != nil {
		t.Errorf("disposition %s transfer %v, branches %q", res.Disposition, res.Transfer, branches(res))
	}
	// Off-topic speech is no_match, not forced into an intent.
	res = chatText(t, b, "what's the weather like today\n#hangup\n")
	if got := branches(res); len(got) != 1 || got[0] != "no_match → greet" {
		t.Errorf("off-topic: branches %q", got)
	}
}

// TestOptOutPrevails: the script's opt-out intent prevails in its classifier: a
// caller who says they paid and asks us to stop calling has opted out.
func TestOptOutPrevails(t *testing.T) {
	t.Parallel()
	b := loadExample(t, "en")
	if got := b.OptOutIntents(); !slices.Equal(got, []string{"opt_out"}) {
		t.Fatalf("OptOutIntents = %q, want [opt_out]", got)
	}
	res := chatText(t, b, "yes\ni already paid so stop calling me\n")
	if res.Disposition != "opted_out" || !res.OptOut {
		t.Errorf("disposition %s opt-out %v, branches %q", res.Disposition, res.OptOut, branches(res))
	}
	res = chatText(t, b, "yes\ni already paid\n")
	if res.Disposition != "claims_paid" {
		t.Errorf("paid alone: disposition %s, branches %q", res.Disposition, branches(res))
	}
}

func TestLowConfidenceBranch(t *testing.T) {
	t.Parallel()
	b := confirmBot(t)
	const text = "the money went out"
	r := b.classifier.Classify(text, []string{"yes", "no", "later", "paid", "agent", "opt_out"})
	if r.Intent != "paid" || r.Score >= 0.995 || r.Verdict != intent.VerdictLow {
		t.Fatalf("%q: %+v, want paid low_confidence under 0.995", text, r)
	}
	res := chatText(t, b, "yes\n"+text+"\n")
	if got := branches(res); strings.Join(got, "|") != "yes → reminder|low_confidence → offer_agent" {
		t.Errorf("branches %q", got)
	}
	// The same answer routes under the default threshold.
	res = chatText(t, loadExample(t, "en"), "yes\n"+text+"\n")
	if res.Disposition != "claims_paid" {
		t.Errorf("default threshold: %s, branches %q", res.Disposition, branches(res))
	}
}

func TestLintConfirmKeys(t *testing.T) {
	t.Parallel()
	// The example scripts load unchanged, without warnings.
	for _, lang := range []string{"en", "zh"} {
		if b := loadExample(t, lang); len(b.Warnings) != 0 {
			t.Errorf("%s: warnings %v", lang, b.Warnings)
		}
	}
	data := confirmScript(t)
	rep := LintReport(data, "confirm.yaml", LintOptions{})
	if !rep.OK || len(rep.Problems) != 0 {
		t.Fatalf("problems: %v", rep.Problems)
	}
	if len(rep.Warnings) != 1 || rep.Warnings[0].Check != CheckNoConfirm || rep.Warnings[0].Field != "intents.agent" || !rep.Warnings[0].Warning || rep.Warnings[0].Line == 0 {
		t.Fatalf("warnings %+v, want one no_confirm on intents.agent", rep.Warnings)
	}
	if s := rep.Warnings[0].String(); !strings.Contains(s, "confirm.yaml:") || !strings.Contains(s, "warning: intents.agent") {
		t.Errorf("warning reads %q", s)
	}
	bad := []struct {
		from, to, check, field string
	}{
		{`min_confidence: 0.995`, `min_confidence: 1.5`, CheckBadValue, "intents.paid.min_confidence"},
		{`min_confidence: 0.995`, `min_confidence: high`, CheckSyntax, "intents.paid.min_confidence"},
		{`confirm: "Just to confirm, you want us to stop calling?"`, `confirm: ""`, CheckMissingField, "intents.opt_out.confirm"},
		{`confirm: "Just to confirm, you want us to stop calling?"`, `confirm: "Stop calling {{first_name}}?"`, CheckTemplate, "intents.opt_out.confirm"},
		{`high_stakes: true}`, `high_stakes: maybe}`, CheckSyntax, "intents.agent.high_stakes"},
		{`low_confidence: offer_agent`, `low_confidence: nowhere`, CheckUnknownState, "states.reminder.listen.low_confidence"},
		{`min_confidence: 0.995`, `threshold: 0.995`, CheckUnknownField, "intents.paid.threshold"},
	}
	for _, c := range bad {
		src := strings.Replace(string(data), c.from, c.to, 1)
		_, ps := Lint([]byte(src), "bad.yaml", LintOptions{})
		ok := false
		for _, p := range ps {
			if p.Check == c.check && p.Field == c.field && p.Line > 0 {
				ok = true
			}
		}
		if !ok {
			t.Errorf("%s: problems %v, want %s on %s", c.to, ps, c.check, c.field)
		}
	}
}

func TestConfirmHintsOneLanguage(t *testing.T) {
	t.Parallel()
	// The confirm answers become the recogniser's grammar: an English script's must
	// hold no Mandarin (the English dictionary cannot say it), and the other way round.
	for _, c := range []struct {
		locale string
		bad    func(string) bool
	}{
		{"en-US", func(s string) bool { return strings.ContainsFunc(s, func(r rune) bool { return r > 0x2E80 }) }},
		{"zh-CN", func(s string) bool { return strings.ContainsAny(s, "abcdefghijklmnopqrstuvwxyz") }},
	} {
		for _, a := range confirmAnswers(c.locale) {
			for _, p := range a.Phrases {
				if c.bad(p) {
					t.Errorf("%s: %s answer %q", c.locale, a.Name, p)
				}
			}
		}
	}
	b := confirmBot(t)
	m, err := NewMachine(b, MachineOptions{Vars: enVars})
	if err != nil {
		t.Fatal(err)
	}
	m.cur = b.States["reminder"]
	h := m.confirmHints(b.Intent("opt_out"))
	if h.State != "reminder.confirm" || len(h.Intents["yes"]) == 0 || len(h.Intents["no"]) == 0 || len(h.Intents["opt_out"]) == 0 || len(h.Intents["agent"]) == 0 {
		t.Errorf("hints %+v", h)
	}
}

// TestScriptCalibration: a script's settings.calibration is the classifier's: one
// that doubts everything keeps a plain "yes" from routing, which the language's
// default routes for certain.
func TestScriptCalibration(t *testing.T) {
	t.Parallel()
	doubt := "settings:\n  calibration: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -5]\n"
	for _, tc := range []struct {
		src  string
		want intent.Verdict
	}{{lintBase, intent.VerdictMatch}, {lintBase + doubt, intent.VerdictNoMatch}} {
		b, err := ParseBot([]byte(tc.src), "t.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if r := b.Classifier().Classify("yes", nil); r.Intent != "yes" && tc.want == intent.VerdictMatch || r.Verdict != tc.want {
			t.Errorf("calibration %v: \"yes\" → %s %s %.3f, want %s", b.Settings.Calibration, r.Intent, r.Verdict, r.Score, tc.want)
		}
	}
}

// TestScriptSpokenCalibration: a script's settings.spoken_calibration scores the
// recogniser's words: one that doubts everything keeps heard words from routing that
// the shipped one routes.
func TestScriptSpokenCalibration(t *testing.T) {
	t.Parallel()
	heard := &intent.Heard{WordConfidence: 0.9, Readings: []intent.Reading{{Text: "yes", Weight: 0.9}, {Text: "yes yes", Weight: 0.1}}}
	for _, tc := range []struct {
		extra string
		want  intent.Verdict
	}{{"", intent.VerdictMatch}, {"settings:\n  spoken_calibration: [0, 0, 0, -5]\n", intent.VerdictNoMatch}} {
		b, err := ParseBot([]byte(lintBase+tc.extra), "t.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if r := b.Classifier().ClassifyHeard("yes", heard, nil); r.Verdict != tc.want {
			t.Errorf("spoken calibration %v: heard \"yes\" → %s %s %.3f, want %s", b.Settings.SpokenCalibration, r.Intent, r.Verdict, r.Score, tc.want)
		}
	}
}
