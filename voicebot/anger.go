package voicebot

import (
	"fmt"
	"math"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/voxdial/voxdial/voicebot/inspect"
	"github.com/voxdial/voxdial/voicebot/sentiment"
)

// Sentiment and quality inspection in scripts: the on_anger hook and the
// inspection section (docs/script-format.md, docs/inspection.md). Parsing and
// lint live here, beside the Machine's per-turn scoring, so parse.go, lint.go
// and machine.go each call in at one place.

// Anger actions.
const (
	AngerApologize = "apologize" // say the apology before the next prompt, then go on as the words route
	AngerTransfer  = "transfer"  // say, then transfer to the target
	AngerHangup    = "hangup"    // say (a polite goodbye), then hang up
)

// DefaultAngerThreshold is on_anger's threshold when the script gives none.
const DefaultAngerThreshold = sentiment.AngryAt

// AngerHook is a script's on_anger: what the bot does when a caller turn's anger
// (words and voice, package sentiment) reaches Threshold. It is evaluated on
// every caller turn in a listening state; an apology is said once per call, a
// transfer or hang-up ends the call; a spoken opt-out always wins over it.
type AngerHook struct {
	Line      int
	Threshold float64
	Action    string // apologize | transfer | hangup
	Say       string
	Transfer  string
	Set       *Set
	// state is the hook as a state (name on_anger): its prompt compiled by the
	// lint, its transfer or hang-up, its set.
	state *State
}

var angerKeys = []string{"threshold", "action", "say", "transfer", "set"}

func (p *parser) onAnger(n *yaml.Node, line int) *AngerHook {
	h := &AngerHook{Line: line, Threshold: DefaultAngerThreshold}
	st := &State{Name: "on_anger", Line: line}
	for _, kv := range p.mapping(n, "on_anger", angerKeys) {
		f := join("on_anger", kv.key.Value)
		switch kv.key.Value {
		case "threshold":
			h.Threshold = p.fraction(kv.val, f)
		case "action":
			h.Action = p.str(kv.val, f)
		case "say":
			h.Say, st.Say, st.SayLine = p.str(kv.val, f), p.str(kv.val, f), kv.val.Line
		case "transfer":
			h.Transfer, st.Transfer, st.TransferLine = p.str(kv.val, f), p.str(kv.val, f), kv.key.Line
		case "set":
			h.Set = p.set(kv.val, f)
			h.Set.Line = kv.key.Line
			st.Set = h.Set
		}
	}
	if h.Action == AngerHangup {
		st.Hangup = true
	}
	h.state = st
	return h
}

// inspection parses the inspection section once the script's disclosure is known.
func (p *parser) inspection(n *yaml.Node, disclosure string) *inspect.Rules {
	r, ps := inspect.Parse(n, disclosure)
	for _, pr := range ps {
		p.addLine(pr.Line, pr.Field, pr.Check, "%s", pr.Message)
	}
	return r
}

// angerHook checks on_anger.
func (l *linter) angerHook() {
	h := l.b.OnAnger
	if h == nil {
		return
	}
	switch h.Action {
	case "":
		l.addLine(h.Line, "on_anger.action", CheckMissingField, "required: apologize, transfer or hangup")
	case AngerApologize:
		if strings.TrimSpace(h.Say) == "" {
			l.addLine(h.Line, "on_anger.say", CheckMissingField, "an apology needs something to say")
		}
	case AngerTransfer:
		if h.Transfer == "" {
			l.addLine(h.Line, "on_anger.transfer", CheckMissingField, "action transfer needs a transfer target")
		}
	case AngerHangup:
	default:
		l.addLine(h.Line, "on_anger.action", CheckBadValue, "%q: want apologize, transfer or hangup", h.Action)
	}
	if h.Transfer != "" && h.Action != AngerTransfer {
		l.addLine(h.state.TransferLine, "on_anger.transfer", CheckBadValue, "a transfer target is only for action transfer")
	}
	if h.Action == AngerApologize {
		if h.Set != nil {
			l.addLine(h.Set.Line, "on_anger.set", CheckBadValue, "an apology sets nothing; set is for transfer and hangup")
		}
		if h.Say != "" {
			l.template(h.state, "on_anger")
		}
		return
	}
	if h.Action == AngerTransfer || h.Action == AngerHangup {
		l.state(h.state, "on_anger", false)
	}
}

// feel scores a caller turn with words: valence, anger (words and, when
// measured, voice) and arousal go on the turn and into the call's summary.
// It returns the turn's anger.
func (m *Machine) feel(turn *Turn, ev Event) float64 {
	t := sentiment.Score(m.lang, ev.Text)
	anger := sentiment.Combine(t, ev.Arousal, ev.Voiced)
	v, a := round2(t.Valence), round2(anger)
	turn.Sentiment, turn.Anger = &v, &a
	if ev.Voiced {
		ar := round2(ev.Arousal)
		turn.Arousal = &ar
	}
	threshold := sentiment.AngryAt
	if h := m.bot.OnAnger; h != nil {
		threshold = h.Threshold
	}
	if m.res.Sentiment == nil {
		m.res.Sentiment = &sentiment.Summary{}
	}
	m.res.Sentiment.Add(t.Valence, anger, ev.Arousal, ev.Voiced, anger >= threshold, turn.StartMS)
	return anger
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// onAnger runs the hook on a listening turn whose anger reached the threshold.
// ok is false when the turn goes on to route as usual (no hook, not angry enough,
// an apology queued, or an opt-out that wins).
func (m *Machine) onAnger(acts []Action, turn *Turn, anger float64, optOut bool, at time.Duration) ([]Action, bool) {
	h := m.bot.OnAnger
	if h == nil || anger < h.Threshold || optOut {
		return acts, false
	}
	if h.Action == AngerApologize {
		if !m.apologised {
			m.apologised = true
			m.apology = true
			m.res.Sentiment.OnAnger = AngerApologize
			turn.Event = "on_anger"
		}
		return acts, false
	}
	m.res.Sentiment.OnAnger = h.Action
	turn.Event = "on_anger"
	turn.Branch = fmt.Sprintf("on_anger %.2f → %s", anger, h.Action)
	return m.enter(acts, h.state, at), true
}

// withApology puts the queued apology before the prompt p.
func (m *Machine) withApology(p Prompt) Prompt {
	if !m.apology {
		return p
	}
	m.apology = false
	say := m.bot.OnAnger.state.say
	text, err := say.Render(m.bot.Locale, m.vars)
	if err != nil {
		text = m.bot.OnAnger.Say
	}
	sep := " "
	if sentiment.LangFor(m.bot.Locale) == sentiment.Mandarin {
		sep = ""
	}
	p.Text = text + sep + p.Text
	p.Template = say.Inline(map[string]string{DisclosureVar: m.bot.Disclosure}) + sep + p.Template
	for k, v := range m.promptVars(say) {
		if p.Vars == nil {
			p.Vars = map[string]string{}
		}
		p.Vars[k] = v
	}
	return p
}
