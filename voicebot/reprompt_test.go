package voicebot

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// repromptScript is lintBase with a short re-prompt on the greeting and a
// collections purpose (a disclosure, spoken in the first prompt).
func repromptScript(reprompt string) string {
	s := strings.Replace(lintBase, "purpose: informational\n", "purpose: collections\ndisclosure: \"This is Acme, on a recorded line.\"\n", 1)
	s = strings.Replace(s, `    say: "Hi {{first_name}}"`, `    say: "Hi, this is Acme calling for {{first_name}}. {{disclosure}} Am I speaking with {{first_name}}?"`, 1)
	return strings.Replace(s, "      exhausted: done\n", "      exhausted: done\n      reprompt: "+reprompt+"\n", 1)
}

// A re-prompt (no_match, no_input, low confidence back to the state) says the
// listen's reprompt; a request to hear the question again says the question; a
// new state starts with its own prompt.
func TestListenReprompt(t *testing.T) {
	src := repromptScript(`"Sorry, I didn't catch that. {{disclosure}} Am I speaking with {{first_name}}?"`)
	b, ps := Lint([]byte(src), "r.yaml", LintOptions{})
	if len(ps) > 0 {
		t.Fatalf("lint: %v", ps)
	}
	res, err := Chat(context.Background(), b, strings.NewReader("banana\nsorry what?\nyes\n"), ChatOptions{Vars: map[string]string{"first_name": "Ana"}})
	if err != nil {
		t.Fatal(err)
	}
	got := prompts(res, "greet")
	want := []string{
		"Hi, this is Acme calling for Ana. This is Acme, on a recorded line. Am I speaking with Ana?",
		"Sorry, I didn't catch that. This is Acme, on a recorded line. Am I speaking with Ana?",
		"Hi, this is Acme calling for Ana. This is Acme, on a recorded line. Am I speaking with Ana?",
	}
	if !slices.Equal(got, want) {
		t.Errorf("greet said %q\nwant %q", got, want)
	}
	if res.State != "done" {
		t.Errorf("ended in %s, want done", res.State)
	}
	// The prompt cache warms the re-prompt with the prompts.
	if tpl := b.PromptTemplates(); !slices.ContainsFunc(tpl, func(s string) bool { return strings.HasPrefix(s, "Sorry, I didn't catch that.") }) {
		t.Errorf("prompt templates %q lack the re-prompt", tpl)
	}
}

func TestListenRepromptLint(t *testing.T) {
	for _, c := range []struct {
		name, reprompt, check, field string
		warning                      bool
	}{
		{"unknown variable", `"Sorry? {{disclosure}} {{nope}}"`, CheckUnknownVariable, "states.greet.listen.reprompt", false},
		{"unknown filter", `"Sorry? {{disclosure}} {{first_name | shout}}"`, CheckUnknownFilter, "states.greet.listen.reprompt", false},
		{"bad template", `"Sorry? {{disclosure"`, CheckTemplate, "states.greet.listen.reprompt", false},
		// A caller who answered over the greeting has not heard the disclosure.
		{"no disclosure", `"Sorry, who am I speaking with?"`, CheckDisclosure, "states.greet.listen.reprompt", false},
	} {
		_, ps := Lint([]byte(repromptScript(c.reprompt)), "r.yaml", LintOptions{})
		found := false
		for _, p := range ps {
			found = found || (p.Check == c.check && p.Field == c.field && p.Line > 0 && p.Warning == c.warning)
		}
		if !found {
			t.Errorf("%s: want %s at %s, got %v", c.name, c.check, c.field, ps)
		}
	}
	// A reprompt beside a capture's own is one too many.
	src := strings.Replace(lintBase, "      intents: {yes: done, no: done}\n      dtmf: {\"1\": done}\n",
		"      capture: {slot: when, type: date, next: done, reprompt: \"Which date?\"}\n      reprompt: \"Sorry?\"\n", 1)
	_, ps := Lint([]byte(src), "r.yaml", LintOptions{})
	found := false
	for _, p := range ps {
		found = found || (p.Check == CheckBadValue && p.Field == "states.greet.listen.reprompt")
	}
	if !found {
		t.Errorf("reprompt beside a capture's: got %v", ps)
	}
}

// In a collections script the re-prompt of the state that asks who answered may not
// speak the debt: whoever answered hears it.
func TestListenRepromptThirdParty(t *testing.T) {
	src := repromptScript(`"Sorry. {{disclosure}} It is about {{amount}}. Is this {{first_name}}?"`)
	src = strings.Replace(src, "requires: [first_name]", "requires: [first_name, amount]", 1)
	rep := LintReport([]byte(src), "r.yaml", LintOptions{})
	found := false
	for _, w := range rep.Warnings {
		found = found || (w.Check == CheckThirdParty && w.Field == "states.greet.listen.reprompt" && strings.Contains(w.Message, "amount"))
	}
	if !found {
		t.Errorf("warnings %+v, problems %+v: want third_party at states.greet.listen.reprompt", rep.Warnings, rep.Problems)
	}
}

// A re-prompt the contact's values cannot render stops the call before it starts,
// naming the re-prompt, as a prompt does: never spoken as written.
func TestListenRepromptRenderChecked(t *testing.T) {
	src := repromptScript(`"Sorry. {{disclosure}} About {{amount | currency}}: is this {{first_name}}?"`)
	src = strings.Replace(src, "requires: [first_name]", "requires: [first_name, amount]", 1)
	b, ps := Lint([]byte(src), "r.yaml", LintOptions{})
	if len(ps) > 0 {
		t.Fatalf("lint: %v", ps)
	}
	_, err := Chat(context.Background(), b, strings.NewReader("yes\n"), ChatOptions{Vars: map[string]string{"first_name": "Ana", "amount": "lots"}})
	if err == nil || !strings.Contains(err.Error(), "states.greet.listen.reprompt") {
		t.Fatalf("err %v: want the re-prompt named", err)
	}
}
