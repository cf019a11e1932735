package voicebot

import (
	"context"
	"strings"
	"testing"
)

func TestNameReader(t *testing.T) {
	t.Parallel()
	n := newNameReader(map[string]string{"first_name": "Ana", "last_name": "Silva", "amount": "120"})
	will := newNameReader(map[string]string{"first_name": "Will"})
	for _, c := range []struct {
		r        *nameReader
		in, want string
	}{
		{n, "this is Ana", "that is me"},
		{n, "yes this is ana silva", "yes that is me silva"},
		{n, "it's Ana", "that is me"},
		{n, "Ana here", "that is me"},
		{n, "yes, Ana speaking", "yes, that is me"},
		{n, "you're speaking to Ana", "you're speaking to her"},
		{n, "I'm Ana's husband", "I'm her husband"},
		{n, "this is Ana's mother", "this is her mother"},
		{n, "Ana's not here", "Ana's not here"},           // "'s" is "is": left to the classifier
		{n, "there's no Ana here", "there's no Ana here"}, // not the speaker
		{n, "I owe 120", "I owe 120"},                     // only name variables
		{will, "I will pay", "I will pay"},                // a name that is a word: only where it names the speaker
		{will, "this is Will", "that is me"},
		{nil, "this is Ana", "this is Ana"},
	} {
		if got := c.r.read(c.in); got != c.want {
			t.Errorf("read(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	lazy := newNameReader(map[string]string{"first_name": "Ana"})
	if lazy.read("yes I can pay") != "yes I can pay" || lazy.whose != nil {
		t.Error("patterns compiled for an answer without the name")
	}
	if newNameReader(map[string]string{"surname": "王"}) != nil {
		t.Error("a name in Han characters: no reader (Mandarin names are read by their own rules)")
	}
}

// On a call, the person's own name says who answers: "this is Ana" is Ana, "I'm
// Ana's husband" is not (and hears nothing about the debt).
func TestNameInAnswers(t *testing.T) {
	t.Parallel()
	b, err := LoadBot("testdata/payment-reminder.en.yaml")
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"first_name": "Ana", "amount": "120.50", "due_date": "2026-12-01"}
	for _, c := range []struct{ answer, state string }{
		{"this is Ana", "reminder"},
		{"yes, Ana speaking", "reminder"},
		{"I'm Ana's husband", "wrong_person"},
		{"there's no Ana here", "wrong_person"},
	} {
		res, err := Chat(context.Background(), b, strings.NewReader(c.answer+"\n#hangup\n"), ChatOptions{Vars: vars})
		if err != nil {
			t.Fatal(err)
		}
		var states []string
		for _, tr := range res.Transcript {
			if tr.Role == "bot" {
				states = append(states, tr.State)
			}
		}
		if len(states) < 2 || states[1] != c.state {
			t.Errorf("%q: bot states %v, want %s after greet", c.answer, states, c.state)
		}
	}
}
