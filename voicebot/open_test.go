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
	return driveToReminderWith(t, b, MachineOptions{Vars: enVars})
}

func driveToReminderWith(t *testing.T, b *Bot, opts MachineOptions) (*Machine, func(Event) []Action) {
	t.Helper()
	m, err := NewMachine(b, opts)
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
		// Open words that read nothing leave the grammar's match standing, as the
		// grammar's: it routes, an opt-out too — with its confirm question when the
		// script has one, since it was not heard exactly.
		{"open words read nothing: the grammar's match routes", loadExample(t, "en"),
			Event{Kind: EvUtterance, Text: "the car link", Open: true, Grammar: &intent.GrammarReading{Text: "call back", Intent: "later", Confidence: 0.92}}, "later → callback"},
		{"open words read nothing: the grammar's opt-out is the grammar's", loadExample(t, "en"),
			Event{Kind: EvUtterance, Text: "that calling", Open: true, Grammar: &intent.GrammarReading{Text: "stop calling", Intent: "opt_out", Confidence: 0.92}}, "global opt_out → opt_out"},
		{"open words read nothing: the grammar's opt-out asks its confirm question", confirmBot(t),
			Event{Kind: EvUtterance, Text: "that calling", Open: true, Grammar: &intent.GrammarReading{Text: "stop calling", Intent: "opt_out", Confidence: 0.92}}, "global opt_out → confirm"},
		{"open words read nothing, the grammar barely heard it: no_match", loadExample(t, "en"),
			Event{Kind: EvUtterance, Text: "the car link", Open: true, Grammar: &intent.GrammarReading{Text: "call back", Intent: "later", Confidence: 0.3}}, "no_match → reminder"},
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

// sureLLM is a classifier (an LLM's place) that reads every utterance as one intent,
// sure of it.
type sureLLM struct{ intent string }

func (c sureLLM) Classify(context.Context, string, map[string][]string) (Match, bool, error) {
	return Match{Intent: c.intent, Score: 0.95, Source: "llm"}, true, nil
}

// TestLLMOpenWordsWeighDoubt: an LLM classifier sees only the best reading of open
// words; its answer is weighed by how well the words were heard (their confidence):
// well-heard words route, doubtful ones are asked again, and typed or grammar words
// keep the model's own confidence.
func TestLLMOpenWordsWeighDoubt(t *testing.T) {
	t.Parallel()
	const text = "could you ring tomorrow evening"
	readings := []intent.Reading{{Text: text, Weight: 0.7}, {Text: "could you bring tomorrow evening", Weight: 0.3}}
	for _, c := range []struct {
		name     string
		ev       Event
		want     string
		min, max float64 // the turn's score
	}{
		{"heard well: routed", Event{Kind: EvUtterance, Text: text, Open: true, Confidence: 0.9, Readings: readings}, "later → callback", 0.5, 0.95},
		{"heard doubtfully: asked again", Event{Kind: EvUtterance, Text: text, Open: true, Confidence: 0.05, Readings: readings}, "low_confidence → reminder", 0, 0.5},
		{"not open words: the model's confidence", Event{Kind: EvUtterance, Text: text}, "later → callback", 0.95, 0.95},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			m, handle := driveToReminderWith(t, loadExample(t, "en"), MachineOptions{Vars: enVars, Classifier: sureLLM{"later"}})
			handle(c.ev)
			tr := m.Result().Transcript
			var turn *Turn
			for i := range tr {
				if tr[i].Role == "caller" && tr[i].Text == text {
					turn = &tr[i]
				}
			}
			if got := lastBranch(m); got != c.want || turn == nil || turn.Score == nil || *turn.Score < c.min || *turn.Score > c.max {
				t.Errorf("branch %q (want %q), turn %+v (score want in [%.2f, %.2f])", got, c.want, turn, c.min, c.max)
			}
		})
	}
}

// TestLongTurnIsNotSilence: a caller who talks for longer than the no-input timeout
// is heard: speech start re-arms no-input for longer than the longest turn a
// recogniser delivers, and the turn routes when it ends (it had been cut as
// no_input after 6 s of talking).
func TestLongTurnIsNotSilence(t *testing.T) {
	t.Parallel()
	b := loadExample(t, "en")
	m, handle := driveToReminder(t, b)
	acts := handle(Event{Kind: EvSpeechStart})
	var timer *Action
	for i := range acts {
		if acts[i].Kind == ActStartTimer {
			timer = &acts[i]
		}
	}
	if timer == nil || timer.After < MaxCallerTurn+b.Settings.EndOfTurn {
		t.Fatalf("speech start: actions %+v, want a no-input timer beyond %v", acts, MaxCallerTurn)
	}
	// Eight seconds later the turn ends: it is the caller's answer.
	handle(Event{Kind: EvUtterance, Text: "i already paid", At: 30 * time.Second})
	if got := lastBranch(m); got != "paid → already_paid" {
		t.Errorf("long turn: branch %q, want paid → already_paid", got)
	}
}

// TestHintsSayWhichOpenWordsHoldAnIntent: a listening state's hints tell the
// recogniser which open words hold an intent (Hints.Holds) — exactly the words whose
// grammar reading understand would never use: the state's and the global intents
// while speech is an answer, the global ones alone over a prompt speech cannot
// interrupt (an opt-out the grammar heard there must still count), with the
// contact's name read as the classifier does; never an intent that acts for good
// (it routes on the grammar's reading, not on open words). A model classifier gets
// none.
func TestHintsSayWhichOpenWordsHoldAnIntent(t *testing.T) {
	t.Parallel()
	check := func(t *testing.T, h Hints, want map[string]bool) {
		t.Helper()
		if h.Holds == nil {
			t.Fatalf("%s: no Holds", h.State)
		}
		for text, w := range want {
			if got := h.Holds(text); got != w {
				t.Errorf("%s: Holds(%q) = %v, want %v", h.State, text, got, w)
			}
		}
	}
	t.Run("listening", func(t *testing.T) {
		m, _ := driveToReminder(t, loadExample(t, "en"))
		check(t, m.hints(m.cur), map[string]bool{
			"i already paid that": true, "can you call me next week": true,
			"the kettle is boiling": false, "the weather is nice": false,
			// An opt-out or a transfer never routes on open words alone: the grammar's
			// reading is wanted ("representative" said as listed routes as its own),
			// however long the words (the recogniser itself skips the grammar for
			// words longer than its phrases could cover: asr.Grammar.Holds).
			"please stop calling me": false, "representative": false,
			"i want you to stop calling me right now": false,
			"can i talk to a real person please":      false,
			"hold on the kettle is boiling over":      false,
		})
	})
	t.Run("over a prompt that cannot be interrupted", func(t *testing.T) {
		b := loadExample(t, "en")
		b.Settings.BargeIn = false
		m, err := NewMachine(b, MachineOptions{Vars: enVars})
		if err != nil {
			t.Fatal(err)
		}
		acts := m.Start(0)
		var say *Prompt
		for i := range acts {
			if acts[i].Kind == ActSay {
				say = &acts[i].Prompt
			}
		}
		m.Handle(context.Background(), Event{Kind: EvPlaybackStarted, Prompt: say.ID, At: time.Second})
		h := m.hints(m.cur)
		check(t, h, map[string]bool{"yes that's me": false, "please stop calling me": false})
		m.Handle(context.Background(), Event{Kind: EvPlaybackDone, Prompt: say.ID, At: 2 * time.Second})
		check(t, h, map[string]bool{"yes that's me": true, "please stop calling me": false})
	})
	t.Run("the contact's name", func(t *testing.T) {
		for _, c := range []struct {
			vars map[string]string
			want bool
		}{{enVars, true}, {map[string]string{"first_name": "Maria", "amount": "120.50", "due_date": "2026-12-01"}, false}} {
			m, err := NewMachine(loadExample(t, "en"), MachineOptions{Vars: c.vars})
			if err != nil {
				t.Fatal(err)
			}
			m.Start(0) // greet, whose prompt barge-in interrupts: speech is an answer
			check(t, m.hints(m.cur), map[string]bool{"ana here": c.want})
		}
	})
	t.Run("model classifier", func(t *testing.T) {
		m, err := NewMachine(loadExample(t, "en"), MachineOptions{Vars: enVars, Classifier: stubClassifier{}})
		if err != nil {
			t.Fatal(err)
		}
		m.Start(0)
		if h := m.hints(m.cur); h.Holds != nil {
			t.Error("a model classifier decides on words itself: the grammar's reading is always wanted")
		}
	})
}

type stubClassifier struct{}

func (stubClassifier) Classify(context.Context, string, map[string][]string) (Match, bool, error) {
	return Match{}, false, nil
}
