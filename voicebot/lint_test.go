package voicebot

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

// lintBase is a small script that lints clean; each case below changes a few lines
// (numbered from 1) to trip one check.
const lintBase = `name: t
locale: en-US
purpose: informational
requires: [first_name]
start: greet
global:
  stop: bye_opt
intents:
  yes: {phrases: ["yes"]}
  no: {phrases: ["no"]}
  stop: {phrases: ["stop calling"]}
states:
  greet:
    say: "Hi {{first_name}}"
    listen:
      intents: {yes: done, no: done}
      dtmf: {"1": done}
      no_input: greet
      no_match: greet
      exhausted: done
  done:
    say: "Bye"
    hangup: true
  bye_opt:
    action: opt_out
    hangup: true
`

// mutate replaces lines of lintBase (1-based; "" deletes) and appends extra.
func mutate(repl map[int]string, extra string) string {
	lines := strings.Split(strings.TrimSuffix(lintBase, "\n"), "\n")
	var out []string
	for i, l := range lines {
		if r, ok := repl[i+1]; ok {
			if r != "" {
				out = append(out, r)
			}
			continue
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n") + "\n" + extra
}

func TestLintBaseIsClean(t *testing.T) {
	t.Parallel()
	if _, ps := Lint([]byte(lintBase), "t.yaml", LintOptions{}); len(ps) > 0 {
		t.Fatal(ps)
	}
}

// TestLintTypedRequires: typed contact fields lint clean and are on the Bot.
func TestLintTypedRequires(t *testing.T) {
	src := mutate(map[int]string{4: "requires:\n  - first_name\n  - due_date: date\n  - amount: {type: amount, currency: USD}\n  - plan: {enum: [gold, silver]}"}, "")
	b, err := ParseBot([]byte(src), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range b.Fields {
		got = append(got, f.String())
	}
	if strings.Join(got, " ") != "first_name due_date:date amount:amount:USD plan:enum:gold|silver" ||
		strings.Join(b.Requires, " ") != "first_name due_date amount plan" {
		t.Fatalf("fields %v, requires %v", got, b.Requires)
	}
}

func TestLintChecks(t *testing.T) {
	t.Parallel()
	type want struct {
		check string
		line  int
		text  string
	}
	cases := []struct {
		name  string
		repl  map[int]string
		extra string
		want  []want
	}{
		{"calibration of the wrong length", nil, "settings:\n  calibration: [1, 2]\n",
			[]want{{CheckBadValue, 28, "settings.calibration: 2 numbers, want 11"}}},
		{"calibration item not a number", nil, "settings:\n  calibration: [1, x, 3]\n",
			[]want{{CheckSyntax, 28, "settings.calibration[1]: want a number"}}},
		{"calibration not a list", nil, "settings:\n  calibration: 0.5\n",
			[]want{{CheckSyntax, 28, "want a list of 11 numbers"}}},
		{"spoken calibration of the wrong length", nil, "settings:\n  spoken_calibration: [1, 2, 3, 4, 5]\n",
			[]want{{CheckBadValue, 28, "settings.spoken_calibration: 5 numbers, want 4"}}},
		{"unknown state in a branch", map[int]string{16: "      intents: {yes: nowhere, no: done}"}, "",
			[]want{{CheckUnknownState, 16, `"nowhere" is not a state`}}},
		{"missing start state", map[int]string{5: "start: hello"}, "",
			[]want{{CheckUnknownState, 5, `"hello" is not a state`}}},
		{"missing required field", map[int]string{2: ""}, "",
			[]want{{CheckMissingField, 1, "locale"}}},
		{"unreachable state", nil, "  orphan:\n    say: x\n    hangup: true\n",
			[]want{{CheckUnreachable, 27, "no path from start"}}},
		{"no way out", map[int]string{23: "    set: {disposition: x}"}, "",
			[]want{{CheckNoWayOut, 21, "neither listens"}}},
		{"no way out in a cycle", map[int]string{17: `      dtmf: {"1": done, "2": a}`}, "  a:\n    say: x\n    next: b\n  b:\n    next: a\n",
			[]want{{CheckNoWayOut, 27, "ever hangs up"}, {CheckNoWayOut, 30, "ever hangs up"}}},
		{"retries run out with no exhausted", map[int]string{20: ""}, "",
			[]want{{CheckRetriesExhaust, 15, "re-prompts here"}}},
		{"no_input omitted re-prompts", map[int]string{18: "", 20: ""}, "",
			[]want{{CheckRetriesExhaust, 15, "no_input not given"}}},
		{"intent without phrases", map[int]string{10: "  no: {phrases: []}"}, "",
			[]want{{CheckNoPhrases, 10, "no phrases"}}},
		{"phrase of punctuation only", map[int]string{10: `  no: {phrases: ["?!"]}`}, "",
			[]want{{CheckNoPhrases, 10, "has no words"}}},
		{"phrase in two intents", map[int]string{10: `  no: {phrases: ["Yes!"]}`}, "",
			[]want{{CheckPhraseConflict, 10, `also belongs to intent "yes"`}}},
		{"unknown intent", map[int]string{16: "      intents: {yes: done, maybe: done}"}, "",
			[]want{{CheckUnknownIntent, 16, `"maybe" is not an intent`}}},
		{"unknown global intent", map[int]string{7: "  halt: bye_opt"}, "",
			[]want{{CheckUnknownIntent, 7, `"halt" is not an intent`}}},
		{"dtmf not a key", map[int]string{17: `      dtmf: {"12": done}`}, "",
			[]want{{CheckDTMF, 17, "not one DTMF key"}}},
		{"dtmf key conflict", map[int]string{17: `      dtmf: {"a": done, "A": greet}`}, "",
			[]want{{CheckDTMF, 17, "already mapped"}}},
		{"dtmf duplicate key", map[int]string{17: `      dtmf: {"1": done, "1": greet}`}, "",
			[]want{{CheckDTMF, 17, "duplicate key"}}},
		{"typed field: unknown type", map[int]string{4: "requires: [first_name, {due_date: when}]"}, "",
			[]want{{CheckBadValue, 4, `requires[1]: due_date: type "when"`}}},
		{"typed field: enum without values", map[int]string{4: "requires:\n  - first_name\n  - plan: {enum: []}"}, "",
			[]want{{CheckBadValue, 6, "plan: an enum lists its values"}}},
		{"typed field: currency on a date", map[int]string{4: "requires:\n  - first_name\n  - due: {type: date, currency: USD}"}, "",
			[]want{{CheckBadValue, 6, "currency is for amount fields"}}},
		{"variable not in requires", map[int]string{14: `    say: "Hi {{last_name}}"`}, "",
			[]want{{CheckUnknownVariable, 14, "{{last_name}} is not in requires"}}},
		{"unknown filter", map[int]string{14: `    say: "Hi {{first_name | shout}}"`}, "",
			[]want{{CheckUnknownFilter, 14, "unknown filter"}}},
		{"malformed template", map[int]string{14: `    say: "Hi {{first_name"`}, "",
			[]want{{CheckTemplate, 14, "not closed"}}},
		{"disclosure missing for collections", map[int]string{3: "purpose: collections"}, "",
			[]want{{CheckDisclosure, 3, "needs a disclosure"}}},
		{"disclosure missing for telemarketing", map[int]string{3: "purpose: telemarketing"}, "",
			[]want{{CheckDisclosure, 3, "needs a disclosure"}}},
		{"disclosure not spoken first", map[int]string{3: "purpose: collections", 4: "requires: [first_name]\ndisclosure: \"An automated call.\""}, "",
			[]want{{CheckDisclosure, 14, "first prompt must speak the disclosure"}}},
		{"disclosure for zh-CN", map[int]string{2: "locale: zh-CN"}, "",
			[]want{{CheckDisclosure, 3, "needs a disclosure"}}},
		{"opt-out offer at start for telemarketing", map[int]string{3: "purpose: telemarketing", 4: "requires: [first_name]\ndisclosure: \"An automated call.\"",
			14: `    say: "Hi {{first_name}}. {{disclosure}}"`}, "",
			[]want{{CheckOptOutOffer, 14, "opt-out offered at the start"}}},
		{"opt-out anywhere for collections", map[int]string{3: "purpose: collections", 4: "requires: [first_name]\ndisclosure: \"An automated call.\"",
			7: "  stop: done", 14: `    say: "Hi {{first_name}}. {{disclosure}}"`}, "",
			[]want{{CheckOptOutOffer, 7, "global intent that reaches an opt-out state"}}},
		{"opt-out state that transfers", map[int]string{26: "    transfer: sip:agent@example.com"}, "",
			[]want{{CheckOptOutOffer, 24, "must end the call"}}},
		{"voicemail that listens", nil, "voicemail:\n  say: hi\n  listen:\n    intents: {yes: done}\n",
			[]want{{CheckVoicemail, 29, "cannot listen"}}},
		{"unknown field", map[int]string{23: "    hangup: true\n    volume: 3"}, "",
			[]want{{CheckUnknownField, 24, "unknown field"}}},
		{"bad locale", map[int]string{2: "locale: fr-FR"}, "",
			[]want{{CheckBadValue, 2, "not a supported locale"}}},
		{"bad purpose", map[int]string{3: "purpose: fundraising"}, "",
			[]want{{CheckBadValue, 3, "want one of"}}},
		{"bad duration", map[int]string{23: "    hangup: true\n    callback: soon"}, "",
			[]want{{CheckSyntax, 24, "want a duration"}}},
		{"bad transfer target", map[int]string{23: "    transfer: agents"}, "",
			[]want{{CheckBadValue, 23, "want a sip:"}}},
		{"two endings", map[int]string{23: "    hangup: true\n    next: greet"}, "",
			[]want{{CheckBadValue, 21, "not several"}}},
		{"not yaml", map[int]string{23: "\thangup: true"}, "",
			[]want{{CheckSyntax, 23, "not valid YAML"}}},
		{"every problem listed", map[int]string{5: "start: hello", 10: "  no: {phrases: []}", 14: `    say: "Hi {{x | shout}}"`}, "",
			[]want{{CheckUnknownState, 5, ""}, {CheckNoPhrases, 10, ""}, {CheckUnknownVariable, 14, ""}, {CheckUnknownFilter, 14, ""}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			src := mutate(c.repl, c.extra)
			_, ps := Lint([]byte(src), "t.yaml", LintOptions{})
			for _, w := range c.want {
				found := false
				for _, p := range ps {
					if p.Check == w.check && p.Line == w.line && strings.Contains(p.Field+": "+p.Message, w.text) {
						found = true
					}
				}
				if !found {
					t.Errorf("want %s at line %d (%q); got:\n%v\nscript:\n%s", w.check, w.line, w.text, ps, numbered(src))
				}
			}
			for _, p := range ps {
				if p.Line <= 0 {
					t.Errorf("problem without a line: %v", p)
				}
				if !strings.HasPrefix(p.String(), fmt.Sprintf("t.yaml:%d", p.Line)) {
					t.Errorf("message does not start with file:line: %s", p)
				}
			}
			if _, err := ParseBot([]byte(src), "t.yaml"); !errors.Is(err, ErrInvalidScript) {
				t.Errorf("ParseBot: %v, want ErrInvalidScript", err)
			}
		})
	}
}

func numbered(src string) string {
	var b strings.Builder
	for i, l := range strings.Split(src, "\n") {
		fmt.Fprintf(&b, "%3d %s\n", i+1, l)
	}
	return b.String()
}

func TestExamplesLintClean(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		file           string
		states, intent int
	}{{"testdata/payment-reminder.en.yaml", 11, 6}, {"testdata/payment-reminder.zh.yaml", 9, 6}} {
		data, err := os.ReadFile(c.file)
		if err != nil {
			t.Fatal(err)
		}
		b, ps := Lint(data, c.file, LintOptions{})
		if len(ps) > 0 {
			t.Errorf("%s: %v", c.file, ps)
			continue
		}
		if len(b.Order) != c.states || len(b.Intents) != c.intent || b.Voicemail == nil || b.Settings.MaxRetries != 2 ||
			!b.Settings.BargeIn || b.Settings.MaxCall.Minutes() != 4 || b.Settings.EndOfTurn.Milliseconds() != 700 {
			t.Errorf("%s: parsed %d states, %d intents, settings %+v", c.file, len(b.Order), len(b.Intents), b.Settings)
		}
		if cb := b.State("callback").Callback; cb.Hours() != 24 {
			t.Errorf("%s: callback %v", c.file, cb)
		}
		if tr := b.State("transfer").Transfer; tr != "sip:collections@agents.example.com" {
			t.Errorf("%s: transfer %q", c.file, tr)
		}
	}
}

// FuzzLint: any input lints without panicking; every problem names a line within the
// file (or 0 for a file-level problem) and a known check; a clean script builds a
// machine that runs to completion on silence.
func FuzzLint(f *testing.F) {
	for _, p := range []string{"testdata/payment-reminder.en.yaml", "testdata/payment-reminder.zh.yaml"} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(lintBase))
	f.Add([]byte(lintBase + "\non_anger: {action: hangup, say: bye, threshold: 0.7}\ninspection: {forbidden: [x], max_call: 1m, disclosure: off}\n"))
	f.Add([]byte(lintBase + "settings:\n  calibration: [1, 0.5, -2, 3e2, 0, 0, 0, 0, 0, 1, -0.8]\n"))
	f.Add([]byte(lintBase + "settings:\n  calibration: [1, .nan, *x, {a: 1}]\n"))
	f.Add([]byte("states: [\n"))
	f.Add([]byte("a: &x {b: *x}\n"))
	f.Add([]byte("states:\n  a:\n    say: \"{{\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, ps := Lint(data, "f.yaml", LintOptions{})
		lines := strings.Count(string(data), "\n") + 2
		for _, p := range ps {
			if p.Line < 0 || p.Line > lines {
				t.Fatalf("problem line %d outside the file (%d lines): %v", p.Line, lines, p)
			}
			if p.Check == "" || p.Message == "" {
				t.Fatalf("problem without check or message: %+v", p)
			}
		}
		if len(ps) > 0 {
			return
		}
		vars := map[string]string{}
		for _, r := range b.Requires {
			vars[r] = "1"
		}
		m, err := NewMachine(b, MachineOptions{Vars: vars})
		if err != nil {
			return // a value the filters cannot read
		}
		_ = m
		res, err := Chat(t.Context(), b, strings.NewReader(strings.Repeat("#silence\n", 40)), ChatOptions{Vars: vars})
		if err != nil {
			t.Fatalf("chat on a clean script: %v", err)
		}
		if res.End == "" {
			t.Fatalf("chat did not end: %+v", res)
		}
	})
}
