package voicebot

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/voxdial/voxdial/voicebot/intent"
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

// TestOpenReadings: open words are weighed with the search's other readings and its
// doubt about the words (intent.ClassifyHeard): the same words route when the readings
// agree and the words are sure, and are asked again when the readings disagree.
func TestOpenReadings(t *testing.T) {
	t.Parallel()
	const text = "i already paid that"
	for _, c := range []struct {
		name     string
		words    float64
		readings []intent.Reading
		want     string
	}{
		{"agreeing readings route", 0.9, []intent.Reading{{Text: text, Weight: 0.6}, {Text: "i already paid", Weight: 0.4}}, "paid → already_paid"},
		{"disagreeing readings re-prompt", 0.1, []intent.Reading{{Text: text, Weight: 0.1}, {Text: "call me later", Weight: 0.5}, {Text: "the weather is nice", Weight: 0.4}}, "→ reminder"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			m, handle := driveToReminder(t, loadExample(t, "en"))
			handle(Event{Kind: EvUtterance, Text: text, Open: true, Confidence: c.words, Readings: c.readings})
			got := lastBranch(m)
			if !strings.HasSuffix(got, c.want) || (c.want == "→ reminder" && strings.HasPrefix(got, "paid")) {
				t.Errorf("branch %q, want … %q (transcript %+v)", got, c.want, m.Result().Transcript)
			}
		})
	}
}
