package voicebot

// Capture: a listening state reads a slot value out of the caller's words or keys
// (listen.capture), stores it in the call's variables and the result's captured map,
// and re-prompts on an invalid answer (listen.retries, then exhausted). The slot
// parsers are package voicebot/capture; this file is the script side (parse, lint)
// and the machine side (what a turn does in a capture state).

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/voxdial/voxdial/voicebot/capture"
)

// Capture is a listening state's slot: listen.capture.
type Capture struct {
	Slot string // the variable the value goes to
	Spec capture.Spec
	// Next is where a valid value goes. An invalid one takes the no_match branch (a
	// re-prompt by default, counted against the state's retries, then exhausted).
	Next     string
	NextLine int
	// Reprompt, when set, is said instead of the state's prompt on a re-prompt.
	Reprompt     string
	RepromptLine int
	// Survey labels the slot as the answer to a survey question: the campaign's
	// survey report counts its answers under this label.
	Survey string
	Line   int

	parser   *capture.Parser
	reprompt *Template
}

// SurveyQuestion is a survey question of a script: a captured slot with a label.
type SurveyQuestion struct {
	Slot     string       `json:"slot"`
	Question string       `json:"question"`
	Kind     capture.Kind `json:"type"`
	State    string       `json:"state"`
}

// SurveyQuestions lists the script's survey questions in file order.
func (b *Bot) SurveyQuestions() []SurveyQuestion {
	var out []SurveyQuestion
	for _, name := range b.Order {
		st := b.States[name]
		if st.Listen != nil && st.Listen.Capture != nil && st.Listen.Capture.Survey != "" {
			c := st.Listen.Capture
			out = append(out, SurveyQuestion{Slot: c.Slot, Question: c.Survey, Kind: c.Spec.Kind, State: name})
		}
	}
	return out
}

var captureKeys = []string{"slot", "type", "next", "reprompt", "survey", "min_digits", "max_digits", "min", "max"}

func (p *parser) capture(n *yaml.Node, field string, line int) *Capture {
	c := &Capture{Line: line}
	for _, kv := range p.mapping(n, field, captureKeys) {
		f := join(field, kv.key.Value)
		switch kv.key.Value {
		case "slot":
			c.Slot = p.str(kv.val, f)
		case "type":
			c.Spec.Kind = capture.Kind(p.str(kv.val, f))
		case "next":
			c.Next, c.NextLine = p.str(kv.val, f), kv.key.Line
		case "reprompt":
			c.Reprompt, c.RepromptLine = p.str(kv.val, f), kv.val.Line
		case "survey":
			c.Survey = p.str(kv.val, f)
			if strings.TrimSpace(c.Survey) == "" {
				p.add(kv.val, f, CheckMissingField, "the survey question label is empty")
			}
		case "min_digits":
			c.Spec.MinDigits = p.integer(kv.val, f)
		case "max_digits":
			c.Spec.MaxDigits = p.integer(kv.val, f)
		case "min", "max":
			v, err := strconv.ParseFloat(kv.val.Value, 64)
			if kv.val.Kind != yaml.ScalarNode || err != nil {
				p.add(kv.val, f, CheckSyntax, "want a number, got %s", kindName(kv.val))
				continue
			}
			if kv.key.Value == "min" {
				c.Spec.Min, c.Spec.HasMin = v, true
			} else {
				c.Spec.Max, c.Spec.HasMax = v, true
			}
		}
	}
	return c
}

// lintCapture checks a state's capture and compiles its parser and re-prompt.
func (l *linter) lintCapture(st *State, c *Capture, field string) {
	f := join(field, "capture")
	switch {
	case c.Slot == "":
		l.addLine(c.Line, join(f, "slot"), CheckMissingField, "a capture needs a slot (the variable the value goes to)")
	case !validVarName(c.Slot):
		l.addLine(c.Line, join(f, "slot"), CheckBadValue, "%q is not a variable name", c.Slot)
	case slices.Contains(l.b.Requires, c.Slot) || c.Slot == DisclosureVar:
		l.addLine(c.Line, join(f, "slot"), CheckBadValue, "%q is a contact variable; a capture may not overwrite it", c.Slot)
	}
	if c.Spec.Kind == "" {
		l.addLine(c.Line, join(f, "type"), CheckMissingField, "a capture needs a type (%s)", kindNames())
	} else if p, err := capture.New(c.Spec, capture.LangOf(l.b.Locale)); err != nil {
		l.addLine(c.Line, f, CheckBadValue, "%v", err)
	} else {
		c.parser = p
	}
	l.target(orLine(c.NextLine, c.Line), join(f, "next"), c.Next)
	if c.Reprompt != "" {
		c.reprompt = l.reprompt(c.Reprompt, c.RepromptLine, join(f, "reprompt"))
	}
	if c.Survey != "" {
		if other, dup := l.surveys[c.Survey]; dup {
			l.addLine(c.Line, join(f, "survey"), CheckBadValue, "survey question %q is already asked by state %s", c.Survey, other)
		}
		if l.surveys == nil {
			l.surveys = map[string]string{}
		}
		l.surveys[c.Survey] = st.Name
	}
}

func orLine(a, b int) int {
	if a > 0 {
		return a
	}
	return b
}

func kindNames() string {
	out := make([]string, len(capture.Kinds))
	for i, k := range capture.Kinds {
		out[i] = string(k)
	}
	return strings.Join(out, ", ")
}

// captureSlots are the variables the script's captures fill; prompts may speak them.
func (b *Bot) captureSlots() []string {
	var out []string
	for _, name := range b.Order {
		if st := b.States[name]; st.Listen != nil && st.Listen.Capture != nil && st.Listen.Capture.Slot != "" {
			out = append(out, st.Listen.Capture.Slot)
		}
	}
	return out
}

// maxRetries is the current state's re-prompt budget: listen.retries, else the
// script's max_retries.
func (m *Machine) maxRetries() int {
	if m.cur != nil && m.cur.Listen != nil && m.cur.Listen.Retries != nil {
		return *m.cur.Listen.Retries
	}
	return m.set.MaxRetries
}

// captureSpeech reads the state's slot from an utterance; ok false when the words
// hold no valid value (the caller then takes the no_match path).
func (m *Machine) captureSpeech(acts []Action, turn *Turn, text string, at time.Duration) ([]Action, bool) {
	c := m.cur.Listen.Capture
	if c.Spec.Kind == capture.YesNo && LooksLikeQuestion(text) {
		return acts, false // "can I change the date?" answers no yes/no question
	}
	v, ok := c.parser.Parse(text, m.opts.Today)
	if !ok {
		return acts, false
	}
	return m.captured(acts, turn, c, v, at), true
}

// captured stores a slot value and moves on to the capture's next state.
func (m *Machine) captured(acts []Action, turn *Turn, c *Capture, v string, at time.Duration) []Action {
	turn.Slot, turn.Value = c.Slot, v
	m.vars[c.Slot] = v
	m.res.Variables[c.Slot] = v
	if m.res.Captured == nil {
		m.res.Captured = map[string]string{}
	}
	m.res.Captured[c.Slot] = v
	if c.Survey != "" {
		if m.res.Survey == nil {
			m.res.Survey = map[string]string{}
		}
		m.res.Survey[c.Survey] = v
	}
	return m.branch(acts, turn, "captured "+c.Slot, c.Next, at)
}

// captureKey handles a key in a capture state that no dtmf branch takes. Slots read
// from several keys (digits, amounts, dates, times) collect them until #, the
// slot's max_digits, or a pause of the state's no-input timeout; handled is false
// when the key is not for the capture.
func (m *Machine) captureKey(acts []Action, ev Event) ([]Action, bool) {
	c := m.cur.Listen.Capture
	if c == nil || c.parser == nil || c.Spec.Kind == capture.Text {
		return acts, false
	}
	if !c.parser.WantsKeys() {
		turn := m.callerTurn(Event{At: ev.At})
		turn.DTMF = ev.Digit
		m.noInput = 0
		m.awaitReply, m.awaitRecog = ev.At, 0
		if v, ok := c.parser.Keys(ev.Digit, m.opts.Today); ok {
			return m.captured(acts, turn, c, v, ev.At), true
		}
		turn.Event = "no_match"
		return m.branch(acts, turn, "invalid "+c.Slot, m.cur.Listen.noMatchTarget(m.cur.Name), ev.At), true
	}
	if ev.Digit != "#" {
		m.keys += ev.Digit
		if len(m.keys) == 1 {
			m.keysAt = ev.At
		}
		if !c.parser.KeysComplete(m.keys) && len(m.keys) < capture.MaxLen {
			return m.armNoInput(acts), true // wait for more keys, # or a pause
		}
	}
	return m.finishKeys(acts, ev.At), true
}

// finishKeys reads the collected keys as the slot's value.
func (m *Machine) finishKeys(acts []Action, at time.Duration) []Action {
	c := m.cur.Listen.Capture
	keys := m.keys
	m.keys = ""
	turn := m.callerTurn(Event{At: at})
	turn.StartMS = ms(m.keysAt)
	turn.DTMF = keys
	m.noInput = 0
	m.awaitReply, m.awaitRecog = at, 0
	if v, ok := c.parser.Keys(keys, m.opts.Today); ok {
		return m.captured(acts, turn, c, v, at)
	}
	turn.Event = "no_match"
	return m.branch(acts, turn, "invalid "+c.Slot, m.cur.Listen.noMatchTarget(m.cur.Name), at)
}

// prompt is what entering st says: its reprompt (the listen's or its capture's) on
// a re-prompt.
func (m *Machine) prompt(st *State) (*Template, string) {
	if m.retries > 0 && !m.asked && st.Listen != nil {
		if r := st.Listen.repromptOf(); r != nil {
			return r.t, r.raw
		}
	}
	return st.say, st.Say
}

// FormatCaptured renders captured slots for chat output ("pay_date=2026-12-11").
func FormatCaptured(c map[string]string) string {
	var parts []string
	for _, k := range sortedKeys(c) {
		parts = append(parts, fmt.Sprintf("%s=%s", k, c[k]))
	}
	return strings.Join(parts, " ")
}

// TimeZoneVar is the call variable naming the contact's time zone (IANA, such as
// America/Chicago); a campaign sets it from the contact's time_zone.
const TimeZoneVar = "time_zone"

// CallDate is the call's local date at instant at: in the zone vars[TimeZoneVar]
// names, else at's own zone. Captured dates are read relative to it.
func CallDate(at time.Time, vars map[string]string) time.Time {
	if tz := vars[TimeZoneVar]; tz != "" {
		if loc, err := time.LoadLocation(tz); err == nil {
			at = at.In(loc)
		}
	}
	return time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC)
}

// captureProbe gives each captured slot a sample value of its kind, so that the
// prompts that speak it are checked before the call (with their filters).
func captureProbe(b *Bot, probe map[string]string) {
	sample := map[capture.Kind]string{capture.YesNo: "yes", capture.Digits: "1234", capture.Number: "1",
		capture.Amount: "1.00", capture.Date: "2000-01-01", capture.Time: "12:00", capture.Text: "text"}
	for _, name := range b.Order {
		if st := b.States[name]; st.Listen != nil && st.Listen.Capture != nil {
			c := st.Listen.Capture
			if _, ok := probe[c.Slot]; !ok {
				probe[c.Slot] = sample[c.Spec.Kind]
			}
		}
	}
}
