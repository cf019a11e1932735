package voicebot

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/voxdial/voxdial/voicebot/intent"
)

// newClassifiers builds the script's word-level classifier (with the script's own
// calibration, if it has one) and the one for answers to a confirm question (in the
// script's language).
func newClassifiers(b *Bot) (*intent.Classifier, *intent.Classifier) {
	return intent.New(ClassifierIntents(b.Intents), b.ClassifierOptions()), intent.New(confirmAnswers(b.Locale), intent.Options{})
}

// ClassifierOptions are the classifier's options for the script: ClassifierOptions of
// its settings, and its opt-out intents prevail (intent.Options.Prevail): a caller
// who says an opt-out phrase in full has opted out, whatever else they said.
func (b *Bot) ClassifierOptions() intent.Options {
	o := ClassifierOptions(b.Settings)
	o.Prevail = b.OptOutIntents()
	return o
}

// OptOutIntents names the global intents that lead to an opt-out state.
func (b *Bot) OptOutIntents() []string {
	var out []string
	for _, g := range b.Global {
		if st := b.States[g.Target]; st != nil && st.Action == ActionOptOut && !slices.Contains(out, g.Key) {
			out = append(out, g.Key)
		}
	}
	return out
}

// ClassifierIntents are a script's intents as the classifier takes them.
func ClassifierIntents(intents []*Intent) []intent.Intent {
	in := make([]intent.Intent, 0, len(intents))
	for _, it := range intents {
		in = append(in, intent.Intent{Name: it.Name, Phrases: it.Phrases, MinConfidence: it.MinConfidence})
	}
	return in
}

// ClassifierOptions are the classifier's options for a script's settings: its
// calibration and spoken_calibration (nil: the shipped ones). The parser has checked
// the weights.
func ClassifierOptions(s Settings) intent.Options {
	var o intent.Options
	if s.Calibration != nil {
		if m, err := intent.ModelFromWeights(s.Calibration); err == nil {
			o.Model = m
		}
	}
	if s.SpokenCalibration != nil {
		if m, err := intent.SpokenModelFromWeights(s.SpokenCalibration); err == nil {
			o.Spoken = m
		}
	}
	return o
}

// confirmAnswers are the answers to "Just to confirm, …?" in the script's language
// (they are also the recogniser's grammar for the answer, so one language only).
func confirmAnswers(locale string) []intent.Intent {
	if l := strings.ToLower(locale); strings.HasPrefix(l, "zh") || strings.HasPrefix(l, "cmn") {
		return []intent.Intent{
			{Name: answerYes, Phrases: []string{"是", "是的", "对", "对的", "好", "好的", "可以", "没错"}},
			{Name: answerNo, Phrases: []string{"不", "不是", "不对", "不要", "没有", "不用"}},
		}
	}
	return []intent.Intent{
		{Name: answerYes, Phrases: []string{"yes", "yeah", "correct", "that's right", "yes please", "i do", "please do", "do it"}},
		{Name: answerNo, Phrases: []string{"no", "not really", "that's wrong", "i did not say that"}},
	}
}

const (
	answerYes = "yes"
	answerNo  = "no"
)

// pendingConfirm is a routed intent waiting for the caller to confirm it.
type pendingConfirm struct {
	intent string
	label  string // the branch label, for the transcript
	target string
}

// understood is what the bot made of a caller's words.
type understood struct {
	match   Match
	global  string // the target state when the intent is global
	verdict intent.Verdict
	exact   bool // a listed phrase, as written
	// grammar: the recogniser's grammar heard it (the open words that replaced its
	// match held no intent): trusted as the grammar's, not as open words.
	grammar bool
}

// understand finds the intent of text among the global intents and (local) the
// state's own. A global intent said as a listed phrase takes precedence; then any
// listed phrase; otherwise the Classifier (an LLM, when configured) is asked, and on
// its failure, or without one, the word-level classifier's calibrated verdict stands.
// h, for words an open-vocabulary search wrote, carries its other readings and doubt:
// the score then weighs them too (intent.ClassifyHeard).
func (m *Machine) understand(ctx context.Context, text string, h *intent.Heard, local bool) understood {
	text, h = m.names.read(text), m.names.readHeard(h)
	globals := m.candidates(nil, false)
	allowed := slices.Clone(globals)
	if local && m.cur.Listen != nil {
		for _, br := range m.cur.Listen.Intents {
			if !slices.Contains(allowed, br.Key) {
				allowed = append(allowed, br.Key)
			}
		}
	}
	toU := func(r intent.Result) understood {
		u := understood{verdict: r.Verdict, exact: r.Exact, grammar: r.Grammar}
		if r.Intent != "" {
			u.match = Match{Intent: r.Intent, Phrase: r.Phrase, Score: r.Score, Source: "phrase"}
			if r.Verdict == intent.VerdictMatch {
				u.global = m.globalTarget(r.Intent)
			}
		}
		return u
	}
	if len(globals) > 0 {
		// Exactness is the words' alone: the readings are weighed only when it matters.
		if g := m.bot.classifier.Classify(text, globals); g.Exact {
			if g = m.bot.classifier.ClassifyHeard(text, h, globals); g.Verdict == intent.VerdictMatch {
				return toU(g)
			}
		}
	}
	r := m.bot.classifier.ClassifyHeard(text, h, nonNil(allowed))
	if r.Exact && r.Verdict == intent.VerdictMatch {
		return toU(r)
	}
	if m.opts.Classifier != nil {
		cands := map[string][]string{}
		for _, name := range allowed {
			if in := m.bot.intentByName[name]; in != nil {
				cands[name] = in.Phrases
			}
		}
		cm, cok, err := m.opts.Classifier.Classify(ctx, text, cands)
		if err == nil {
			if !cok {
				return understood{verdict: intent.VerdictNoMatch}
			}
			if _, known := cands[cm.Intent]; known {
				if cm.Source == "" {
					cm.Source = "llm"
				}
				if h == nil {
					return understood{match: cm, global: m.globalTarget(cm.Intent), verdict: intent.VerdictMatch}
				}
				// Open words: the model read the best reading only; how well the words
				// were heard weighs in, and doubtful words are asked again.
				cm.Score = m.bot.classifier.ScoreBestReading(cm.Score, h)
				if cm.Score < m.bot.classifier.MinConfidence(cm.Intent) {
					return understood{match: cm, verdict: intent.VerdictLow}
				}
				return understood{match: cm, global: m.globalTarget(cm.Intent), verdict: intent.VerdictMatch}
			}
		}
	}
	return toU(r)
}

// askConfirm puts the intent's confirm question before routing it.
func (m *Machine) askConfirm(acts []Action, turn *Turn, in *Intent, label, target string, at time.Duration) []Action {
	turn.Branch = label + " → confirm"
	m.confirm = &pendingConfirm{intent: in.Name, label: label, target: target}
	m.promptID++
	p := Prompt{ID: m.promptID, State: m.cur.Name, Text: in.Confirm, Template: in.Confirm, Vars: map[string]string{}, Locale: m.bot.Locale, Voice: m.bot.Voice}
	m.ph = phasePlaying
	m.res.Transcript = append(m.res.Transcript, Turn{Role: "bot", State: m.cur.Name, Text: in.Confirm, Event: "confirm", StartMS: ms(at), EndMS: ms(at)})
	m.botTurn = len(m.res.Transcript) - 1
	return append(acts, Action{Kind: ActSay, Prompt: p}, Action{Kind: ActListen, Hints: m.confirmHints(in)})
}

// confirmHints are what the recogniser listens for after a confirm question: yes, no,
// the intent itself again, and the global intents.
func (m *Machine) confirmHints(in *Intent) Hints {
	h := m.bot.ListenHints(m.cur.Name)
	out := Hints{State: m.cur.Name + ".confirm", Intents: map[string][]string{}}
	for _, a := range confirmAnswers(m.bot.Locale) {
		out.Intents[a.Name] = a.Phrases
	}
	for name, phrases := range h.Intents {
		if name == in.Name || slices.ContainsFunc(m.bot.Global, func(b Branch) bool { return b.Key == name }) {
			if _, taken := out.Intents[name]; !taken {
				out.Intents[name] = phrases
			}
		}
	}
	return out
}

// confirmAnswer handles the caller's answer to a confirm question: yes (or the
// intent said again) routes it; anything else does not, and the state asks its
// question again (a re-prompt, counted against max_retries). A global intent said
// as a listed phrase still wins: an explicit "stop calling" is never asked twice.
func (m *Machine) confirmAnswer(ctx context.Context, acts []Action, turn *Turn, ev Event) []Action {
	c := m.confirm
	m.confirm = nil
	if g := m.bot.classifier.Classify(ev.Text, nonNil(m.candidates(nil, false))); g.Exact && g.Verdict == intent.VerdictMatch && g.Intent != c.intent {
		s := g.Score
		turn.Intent, turn.Score, turn.Match = g.Intent, &s, "phrase"
		return m.branch(acts, turn, "global "+g.Intent, m.globalTarget(g.Intent), ev.At)
	}
	a := m.bot.answers.Classify(ev.Text, nil)
	again := m.bot.classifier.Classify(ev.Text, []string{c.intent})
	yes := (a.Verdict == intent.VerdictMatch && a.Intent == answerYes) || (again.Verdict == intent.VerdictMatch && a.Intent != answerNo)
	if yes {
		s := max(a.Score, again.Score)
		turn.Intent, turn.Score, turn.Match = c.intent, &s, "confirm"
		return m.branch(acts, turn, c.label+" confirmed", c.target, ev.At)
	}
	if a.Intent == answerNo && a.Verdict == intent.VerdictMatch {
		turn.Event = "not_confirmed"
	} else {
		turn.Event = "no_match"
	}
	return m.branch(acts, turn, c.label+" not confirmed", m.cur.Name, ev.At)
}
