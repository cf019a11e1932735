package voicebot

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// privacyScript is a collections script with one knowledge entry about the debt;
// purpose, the entry's extra fields and the first prompt are filled in per case.
const privacyScript = `name: t
locale: en-US
purpose: %s
requires: [first_name, amount]
disclosure: "This is Acme, a debt collector."
start: greet
global:
  stop: bye_opt
intents:
  yes: {phrases: ["yes"]}
  no: {phrases: ["no"]}
  stop: {phrases: ["stop calling"]}
knowledge:
  why:
    phrases: ["what is this about"]
    answer: "About your payment of {{amount}}."
%s
states:
  greet:
    say: "%s"
    listen:
      intents: {yes: talk, no: done}
      no_input: greet
      no_match: greet
      exhausted: done
  talk:
    say: "Your payment of {{amount}} is due. Can you pay?"
    listen:
      intents: {yes: done, no: done}
      no_input: talk
      no_match: talk
      exhausted: done
  done:
    say: "Bye"
    hangup: true
  bye_opt:
    action: opt_out
    hangup: true
`

const greetSay = "Hi, is this {{first_name}}? {{disclosure}}"

func privacyLint(t *testing.T, purpose, extra, say string) (*Bot, Problems) {
	t.Helper()
	return Lint([]byte(fmt.Sprintf(privacyScript, purpose, extra, say)), "t.yaml", LintOptions{})
}

// A collections script must not speak the debt to whoever answers: contact data
// other than the name in the prompts before the identity question, or in a knowledge
// answer given there, is a third_party warning; `states:` keeps the answer for later.
func TestThirdPartyWarning(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, purpose, extra, say string
		line                      int    // of the warning; 0: none
		text                      string // in its message
	}{
		{"knowledge answer in the first state", "collections", "", greetSay, 16, "answered in greet"},
		{"answer kept for later", "collections", "    states: [talk]", greetSay, 0, ""},
		{"answer in greet among others", "collections", "    states: [talk, greet]", greetSay, 16, "answered in greet"},
		{"first prompt speaks the amount", "collections", "    states: [talk]", "Hi {{first_name}}, you owe {{amount}}. {{disclosure}}", 20, "speaks {{amount}} before the caller"},
		{"not a collections script", "informational", "", greetSay, 0, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, ps := privacyLint(t, c.purpose, c.extra, c.say)
			if len(ps) > 0 {
				t.Fatalf("problems: %v", ps)
			}
			var got []Problem
			for _, w := range b.Warnings {
				if w.Check == CheckThirdParty {
					got = append(got, w)
				}
			}
			switch {
			case c.line == 0 && len(got) > 0:
				t.Errorf("unexpected warning %v", got)
			case c.line != 0 && (len(got) != 1 || got[0].Line != c.line || !strings.Contains(got[0].Message, c.text) || !strings.Contains(got[0].Message, "1006.6(d)")):
				t.Errorf("warnings %v, want one on line %d saying %q", got, c.line, c.text)
			}
		})
	}
}

// An entry with states answers there only; elsewhere the question is unanswered
// (and noted), and another entry may answer the same question in the other states.
func TestKnowledgeStates(t *testing.T) {
	t.Parallel()
	b, ps := privacyLint(t, "collections", "    states: [talk]", greetSay)
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	vars := map[string]string{"first_name": "Ana", "amount": "120"}
	res := chatCapture(t, b, vars, "what is this about\nyes\nwhat is this about\n#hangup\n")
	if !slices.Equal(res.Knowledge, []string{"why"}) || !slices.Equal(res.Unanswered, []string{"what is this about"}) {
		t.Fatalf("knowledge %v, unanswered %v: want the greet question unanswered and the talk one answered; transcript %+v", res.Knowledge, res.Unanswered, res.Transcript)
	}
	for _, tr := range res.Transcript {
		if tr.Role == "bot" && tr.State == "greet" && strings.Contains(tr.Text, "payment") {
			t.Errorf("the debt spoken in greet: %q", tr.Text)
		}
	}
	// The same question answered without the debt in greet: no overlap problem, as the
	// entries answer in different states.
	extra := "    states: [talk]\n  why_greet:\n    phrases: [\"what is this about\"]\n    answer: \"A personal matter for {{first_name}}.\"\n    states: [greet]"
	b, ps = privacyLint(t, "collections", extra, greetSay)
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	res = chatCapture(t, b, vars, "what is this about\nyes\nwhat is this about\n#hangup\n")
	if !slices.Equal(res.Knowledge, []string{"why_greet", "why"}) {
		t.Fatalf("knowledge %v, want why_greet in greet then why in talk", res.Knowledge)
	}
}

func TestKnowledgeStatesLint(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, extra, check, text string }{
		{"unknown state", "    states: [talk, nowhere]", CheckUnknownState, `knowledge.why.states[1]: "nowhere" is not a state`},
		{"state that does not listen", "    states: [done]", CheckBadValue, `state "done" does not listen`},
		{"not a list", "    states: talk", CheckSyntax, "knowledge.why.states"},
		{"same question, a state in common", "    states: [talk, greet]\n  why2:\n    phrases: [\"what is this about\"]\n    answer: \"x\"\n    states: [greet]",
			CheckKnowledgeOverlap, `also belongs to knowledge entry "why"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, ps := privacyLint(t, "collections", c.extra, greetSay)
			found := slices.ContainsFunc(ps, func(p Problem) bool {
				return p.Check == c.check && strings.Contains(p.Field+": "+p.Message, c.text)
			})
			if !found {
				t.Errorf("problems %v, want %s naming %q", ps, c.check, c.text)
			}
		})
	}
}
