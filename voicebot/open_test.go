package voicebot

import (
	"context"
	"testing"
	"time"
)

// driveToReminder starts a machine of b and answers the greeting with "yes"; every
// prompt is played to its end at once.
func driveToReminder(t *testing.T, b *Bot) (*Machine, func(Event) []Action) {
	t.Helper()
	m, err := NewMachine(b, MachineOptions{Vars: enVars})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Duration(0)
	var handle func(ev Event) []Action
	played := func(acts []Action) {
		for _, a := range acts {
			if a.Kind == ActSay {
				at += time.Second
				handle(Event{Kind: EvPlaybackStarted, Prompt: a.Prompt.ID, At: at})
				handle(Event{Kind: EvPlaybackDone, Prompt: a.Prompt.ID, At: at})
			}
		}
	}
	handle = func(ev Event) []Action {
		if ev.At == 0 {
			at += time.Second
			ev.At = at
		}
		acts := m.Handle(context.Background(), ev)
		if ev.Kind == EvUtterance {
			played(acts)
		}
		return acts
	}
	played(m.Start(0))
	handle(Event{Kind: EvUtterance, Text: "yes"})
	if m.State() != "reminder" {
		t.Fatalf("after yes: state %s", m.State())
	}
	return m, handle
}

func lastBranch(m *Machine) string {
	br := branches(m.Result())
	if len(br) == 0 {
		return ""
	}
	return br[len(br)-1]
}

// TestOpenVocabularyHighStakes: words from the open-vocabulary search never route an
// intent that acts for good by themselves — the global opt-out and transfer of the
// example script re-prompt (low_confidence), a script's confirm question is asked —
// while the same words from a grammar route, and other intents route either way.
// Speech the grammar rejected is a no_match turn, not silence.
func TestOpenVocabularyHighStakes(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		bot  *Bot
		ev   Event
		want string
	}{
		{"open opt-out re-prompts", loadExample(t, "en"), Event{Kind: EvUtterance, Text: "please stop calling me", Open: true}, "low_confidence → reminder"},
		{"open agent re-prompts", loadExample(t, "en"), Event{Kind: EvUtterance, Text: "get me a human", Open: true}, "low_confidence → reminder"},
		{"grammar opt-out routes", loadExample(t, "en"), Event{Kind: EvUtterance, Text: "stop calling"}, "global opt_out → opt_out"},
		{"open paid routes", loadExample(t, "en"), Event{Kind: EvUtterance, Text: "i already paid that", Open: true}, "paid → already_paid"},
		{"open opt-out asks its confirm question", confirmBot(t), Event{Kind: EvUtterance, Text: "stop calling", Open: true}, "global opt_out → confirm"},
		{"rejected speech is no_match", loadExample(t, "en"), Event{Kind: EvUtterance, Unintelligible: true}, "no_match → reminder"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			m, handle := driveToReminder(t, c.bot)
			handle(c.ev)
			if got := lastBranch(m); got != c.want {
				t.Errorf("branch %q, want %q (transcript %+v)", got, c.want, m.Result().Transcript)
			}
		})
	}
}
