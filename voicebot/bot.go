package voicebot

import (
	"slices"
	"time"

	"github.com/voxdial/voxdial/voicebot/field"
	"github.com/voxdial/voxdial/voicebot/inspect"
	"github.com/voxdial/voxdial/voicebot/intent"
)

// Bot is a full voice-bot script: states that speak, listen and act, intents, global
// intents and the voicemail branch. docs/script-format.md is the reference for the
// format. A Bot returned by ParseBot or LoadBot has linted clean; it is
// read-only afterwards and may be shared by any number of concurrent calls.
type Bot struct {
	Name       string
	Locale     string   // BCP 47: en-US, zh-CN
	Purpose    string   // telemarketing | informational | collections | survey
	Voice      string   // engine voice; "default" picks the engine's own
	Requires   []string // the names of Fields
	Fields     []field.Spec
	Disclosure string
	Settings   Settings
	Start      string
	// Global intents, in file order: active in every listening state, and they take
	// precedence over the state's own intents.
	Global  []Branch
	Intents []*Intent // in file order
	States  map[string]*State
	Order   []string // state names in file order
	// Voicemail is what to do when answering-machine detection says machine; nil
	// means hang up without a message.
	Voicemail *State
	// OnAnger is the script's on_anger hook (nil: none); Inspection its
	// post-call inspection rules (nil: none). See anger.go.
	OnAnger    *AngerHook
	Inspection *inspect.Rules

	// After the call (aftercall.go): how the call is graded and what is sent afterwards.
	Grading   *Grading // nil: the built-in rules of the purpose
	FollowUps []FollowUp

	Path string // where the script was read from, for messages

	// Warnings are lint findings that do not stop the script (a high-stakes intent
	// without a confirm step).
	Warnings Problems

	// Knowledge entries, in file order, heard in every listening state (knowledge.go).
	Knowledge []*Knowledge
	knowledge *intent.Classifier // over the knowledge entries' phrases; nil without any

	intentByName map[string]*Intent
	matcher      *Matcher
	classifier   *intent.Classifier // word-level, calibrated (voicebot/intent)
	answers      *intent.Classifier // yes/no answers to a confirm question
	keyLines     map[string]int     // line of each top-level key
}

func (b *Bot) topLines() map[string]int { return b.keyLines }

// Settings are the script's timing and retry knobs. Zero values take the defaults.
type Settings struct {
	NoInputTimeout time.Duration // silence after a prompt ends before no_input; default 6s
	EndOfTurn      time.Duration // trailing silence that ends a caller turn; default 700ms
	MaxRetries     int           // no_input/no_match re-prompts per state before exhausted; default 2
	BargeIn        bool          // caller speech stops bot playback
	MaxCall        time.Duration // hard cap on an answered call; default 4m
	// Calibration is the classifier's calibration fitted on this script's callers
	// (`voxdial script calibrate` prints it): one weight per match feature, then the
	// bias. Nil: the language's default.
	Calibration []float64
	// SpokenCalibration is the score of recognised words fitted on this script's
	// callers' recorded answers (`voxdial script calibrate --spoken-samples`): the
	// weights of the text score, the readings' agreement and the word confidence,
	// then the bias. Nil: the shipped one.
	SpokenCalibration []float64
}

// Defaults for Settings fields left at zero.
const (
	DefaultNoInputTimeout = 6 * time.Second
	DefaultEndOfTurn      = 700 * time.Millisecond
	DefaultMaxRetries     = 2
	DefaultMaxCall        = 4 * time.Minute
)

// Intent is a named set of phrases the caller may say.
type Intent struct {
	Name    string
	Phrases []string
	Line    int
	// MinConfidence is the calibrated score a match needs to route (0: the default,
	// intent.DefaultMinConfidence); below it the state's low_confidence branch is taken.
	MinConfidence float64
	// Confirm, when set, is asked before routing a match that is not one of the listed
	// phrases as written ("Just to confirm, you want us to stop calling?").
	Confirm     string
	ConfirmLine int
	// HighStakes marks an intent whose branch acts for good (an opt-out, a transfer);
	// lint warns when it has no Confirm.
	HighStakes bool
}

// Branch maps a key (an intent name, a DTMF digit) to a target state.
type Branch struct {
	Key    string
	Target string
	Line   int
}

// State is one node of the script's state machine. On entry the runtime applies Set,
// records Action and Callback, speaks Say, and then, in this order of precedence,
// listens, transfers, hangs up, or moves on to Next.
type State struct {
	Name     string
	Line     int
	Say      string
	SayLine  int
	Listen   *Listen
	Set      *Set
	Callback time.Duration // schedule a new attempt this long after the call (0: none)
	Transfer string        // SIP URI: blind transfer (REFER) or bridge
	Action   string        // opt_out
	Hangup   bool
	Next     string // go to this state once Say has been spoken

	CallbackLine, TransferLine, ActionLine, HangupLine, NextLine int

	say *Template
}

// Listen is what a state waits for after its prompt.
type Listen struct {
	Line    int
	Intents []Branch
	DTMF    []Branch
	// NoInput: silence for no_input_timeout. NoMatch: speech or a key that matches no
	// branch. Either may name the state itself (a re-prompt, counted against
	// max_retries); Exhausted is where to go when the re-prompts are used up.
	NoInput, NoMatch, Exhausted             string
	NoInputLine, NoMatchLine, ExhaustedLine int
	// LowConfidence: speech that looks like an intent but scores under its
	// min_confidence. Empty means the no_match branch (a re-prompt by default).
	LowConfidence     string
	LowConfidenceLine int
	Timeout           time.Duration // overrides settings.no_input_timeout

	// Capture reads a slot from the caller's answer (capture.go); nil: none.
	Capture *Capture
	// Retries, when set, overrides settings.max_retries for this state.
	Retries *int
	// Reprompt, when set, is said instead of the state's prompt on a re-prompt (a
	// no_input, no_match, low_confidence or unconfirmed answer back to this state): a
	// short "Sorry, I didn't catch that" rather than the whole greeting again. A
	// request to repeat the question hears the prompt itself.
	Reprompt     string
	RepromptLine int
	reprompt     *Template
}

// Set records call outcome fields on entering a state.
type Set struct {
	Line        int
	Disposition string
	Tags        []string
	Variables   map[string]string
}

// Action names.
const ActionOptOut = "opt_out"

// Purposes a script may declare.
var purposes = []string{"telemarketing", "informational", "collections", "survey"}

// State returns the named state (nil when there is none).
func (b *Bot) State(name string) *State { return b.States[name] }

// Intent returns the named intent (nil when there is none).
func (b *Bot) Intent(name string) *Intent { return b.intentByName[name] }

// Matcher is the script's phrase matcher over all its intents.
func (b *Bot) Matcher() *Matcher { return b.matcher }

// Classifier is the script's word-level, calibrated intent classifier, the one calls
// route on.
func (b *Bot) Classifier() *intent.Classifier { return b.classifier }

// actsForGood reports whether routing intent does something that cannot be taken
// back: the script marks it high_stakes, or it is a global intent leading to an
// opt-out or a transfer.
func (b *Bot) actsForGood(name string) bool {
	if in := b.intentByName[name]; in != nil && in.HighStakes {
		return true
	}
	for _, g := range b.Global {
		if g.Key == name {
			if st := b.States[g.Target]; st != nil && (st.Action == ActionOptOut || st.Transfer != "") {
				return true
			}
		}
	}
	return false
}

// HighStakes names the intents the script marks high_stakes.
func (b *Bot) HighStakes() []string {
	var out []string
	for _, in := range b.Intents {
		if in.HighStakes {
			out = append(out, in.Name)
		}
	}
	return out
}

// settingsOrDefault fills zero settings.
func (s Settings) withDefaults() Settings {
	if s.NoInputTimeout == 0 {
		s.NoInputTimeout = DefaultNoInputTimeout
	}
	if s.EndOfTurn == 0 {
		s.EndOfTurn = DefaultEndOfTurn
	}
	if s.MaxCall == 0 {
		s.MaxCall = DefaultMaxCall
	}
	return s
}

func (st *State) listens() bool { return st != nil && st.Listen != nil }

// noInputTarget is where silence goes: the named state, or the state itself.
func (l *Listen) noInputTarget(self string) string {
	if l.NoInput != "" {
		return l.NoInput
	}
	return self
}

func (l *Listen) lowConfidenceTarget(self string) string {
	if l.LowConfidence != "" {
		return l.LowConfidence
	}
	return l.noMatchTarget(self)
}

// reprompt is a state's re-prompt: compiled, as written, its line and its field
// under the state (listen.reprompt or listen.capture.reprompt).
type reprompt struct {
	t     *Template
	raw   string
	line  int
	field string
}

// repromptOf is the listen's re-prompt, else its capture's (nil: none).
func (l *Listen) repromptOf() *reprompt {
	switch {
	case l.reprompt != nil:
		return &reprompt{l.reprompt, l.Reprompt, l.RepromptLine, "listen.reprompt"}
	case l.Capture != nil && l.Capture.reprompt != nil:
		return &reprompt{l.Capture.reprompt, l.Capture.Reprompt, l.Capture.RepromptLine, "listen.capture.reprompt"}
	}
	return nil
}

func (l *Listen) noMatchTarget(self string) string {
	if l.NoMatch != "" {
		return l.NoMatch
	}
	return self
}

// PromptTemplates lists the prompt of every state (then its re-prompt) and of the
// voicemail branch as Prompt.Template carries it ({{disclosure}} inlined, the call's
// variables as slots), in file order, each once: what a prompt cache warms before
// dialling.
func (b *Bot) PromptTemplates() []string {
	var out []string
	seen := map[string]bool{}
	addT := func(t *Template) {
		if t == nil {
			return
		}
		s := t.Inline(map[string]string{DisclosureVar: b.Disclosure})
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	add := func(st *State) {
		if st == nil {
			return
		}
		addT(st.say)
		if st.Listen != nil {
			if r := st.Listen.repromptOf(); r != nil {
				addT(r.t)
			}
		}
	}
	for _, name := range b.Order {
		add(b.States[name])
	}
	add(b.Voicemail)
	return out
}

// ListenHints are the recogniser hints of a listening state (nil Intents for a
// state that does not listen): its own intents and the global ones, with their
// phrases, and its keys. A call's Listen actions carry exactly these, so a
// recogniser can be readied for them before the call.
func (b *Bot) ListenHints(state string) Hints {
	st := b.States[state]
	if st == nil && b.Voicemail != nil && b.Voicemail.Name == state {
		st = b.Voicemail
	}
	h := Hints{State: state}
	if st == nil || st.Listen == nil {
		return h
	}
	h.Intents = map[string][]string{}
	var names []string
	for _, g := range b.Global {
		names = append(names, g.Key)
	}
	for _, br := range st.Listen.Intents {
		if !slices.Contains(names, br.Key) {
			names = append(names, br.Key)
		}
	}
	for _, name := range names {
		if in := b.intentByName[name]; in != nil {
			h.Intents[name] = in.Phrases
		}
	}
	for _, br := range st.Listen.DTMF {
		h.DTMF = append(h.DTMF, br.Key)
	}
	b.captureHints(st, &h)
	return h
}
