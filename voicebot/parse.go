package voicebot

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/voxdial/voxdial/voicebot/field"
	"github.com/voxdial/voxdial/voicebot/intent"
)

// MaxScriptBytes bounds a script file: scripts are a few kilobytes, and the parser
// should not be handed a log file by mistake.
const MaxScriptBytes = 1 << 20

// ErrScriptTooLarge: a script file is larger than MaxScriptBytes.
var ErrScriptTooLarge = errors.New("script too large")

// ScriptTooLargeError names the file; errors.Is(err, ErrScriptTooLarge) holds.
type ScriptTooLargeError struct{ Path string }

func (e *ScriptTooLargeError) Error() string {
	return fmt.Sprintf("script %s: larger than %d MiB", e.Path, MaxScriptBytes>>20)
}

// Is makes errors.Is(err, ErrScriptTooLarge) hold.
func (e *ScriptTooLargeError) Is(target error) bool { return target == ErrScriptTooLarge }

// ReadScript reads a script file, at most MaxScriptBytes of it: every
// command and server reads scripts through it, so a huge file (a log given
// by mistake, or on purpose) costs a megabyte, not its size, and fails with
// a *ScriptTooLargeError.
func ReadScript(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read script: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxScriptBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read script %s: %w", path, err)
	}
	if len(data) > MaxScriptBytes {
		return nil, &ScriptTooLargeError{Path: path}
	}
	return data, nil
}

// LoadBot reads, parses and lints a full voice-bot script with the default compliance
// policy. Any problem fails the load: a script that does not lint clean does not run.
func LoadBot(path string) (*Bot, error) {
	data, err := ReadScript(path)
	if err != nil {
		return nil, err
	}
	return ParseBot(data, path)
}

// ParseBot parses and lints a full voice-bot script; name is used in messages. The
// error, if any, is Problems (every problem, with lines).
func ParseBot(data []byte, name string) (*Bot, error) {
	b, ps := Lint(data, name, LintOptions{})
	if len(ps) > 0 {
		return nil, ps
	}
	return b, nil
}

// IsBotScript reports whether data looks like a full voice-bot script (it has a
// top-level states key) rather than a step script.
func IsBotScript(data []byte) bool {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return false
	}
	return keyLine(&doc, "states") > 0
}

// parser collects problems while walking the YAML node tree.
type parser struct {
	file string
	ps   Problems
}

func (p *parser) add(n *yaml.Node, field, check, format string, args ...any) {
	pr := Problem{File: p.file, Field: field, Check: check, Message: fmt.Sprintf(format, args...)}
	if n != nil {
		pr.Line, pr.Column = n.Line, n.Column
	}
	p.ps = append(p.ps, pr)
}

func (p *parser) addLine(line int, field, check, format string, args ...any) {
	p.ps = append(p.ps, Problem{File: p.file, Line: line, Field: field, Check: check, Message: fmt.Sprintf(format, args...)})
}

// pair is one key of a mapping node with its value.
type pair struct {
	key, val *yaml.Node
}

// mapping returns the pairs of a mapping node, reporting duplicate keys and keys not in
// known (when known is non-nil). A node of another kind is a problem; nil yields nil.
func (p *parser) mapping(n *yaml.Node, field string, known []string) []pair {
	if n == nil {
		return nil
	}
	n = deref(n)
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		p.add(n, field, CheckSyntax, "want a mapping, got %s", kindName(n))
		return nil
	}
	seen := map[string]int{}
	var out []pair
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			p.add(k, field, CheckSyntax, "a key must be a plain value, got %s", kindName(k))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			check := CheckSyntax
			if strings.HasSuffix(field, ".dtmf") {
				check = CheckDTMF
			}
			p.add(k, join(field, k.Value), check, "duplicate key (first at line %d)", first)
			continue
		}
		seen[k.Value] = k.Line
		if known != nil && !contains(known, k.Value) {
			p.add(k, join(field, k.Value), CheckUnknownField, "unknown field (want one of %s)", strings.Join(known, ", "))
			continue
		}
		out = append(out, pair{k, deref(v)})
	}
	return out
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	case yaml.AliasNode:
		return "an alias"
	}
	return "a document"
}

func (p *parser) str(n *yaml.Node, field string) string {
	if n.Kind != yaml.ScalarNode {
		p.add(n, field, CheckSyntax, "want text, got %s", kindName(n))
		return ""
	}
	if n.Tag == "!!null" {
		return ""
	}
	return n.Value
}

func (p *parser) boolean(n *yaml.Node, field string) bool {
	if n.Kind == yaml.ScalarNode {
		switch n.Value {
		case "true", "True", "TRUE", "yes", "Yes", "on":
			return true
		case "false", "False", "FALSE", "no", "No", "off":
			return false
		}
	}
	p.add(n, field, CheckSyntax, "want true or false, got %s", kindName(n))
	return false
}

func (p *parser) integer(n *yaml.Node, field string) int {
	if n.Kind == yaml.ScalarNode {
		if v, err := strconv.Atoi(n.Value); err == nil {
			return v
		}
	}
	p.add(n, field, CheckSyntax, "want a whole number, got %s", kindName(n))
	return 0
}

// fraction reads a number in (0, 1].
func (p *parser) fraction(n *yaml.Node, field string) float64 {
	if n.Kind == yaml.ScalarNode {
		if v, err := strconv.ParseFloat(n.Value, 64); err == nil {
			if v > 0 && v <= 1 {
				return v
			}
			p.add(n, field, CheckBadValue, "%s: want a number above 0 and at most 1", n.Value)
			return 0
		}
	}
	p.add(n, field, CheckSyntax, "want a number such as 0.7, got %s", kindName(n))
	return 0
}

// duration reads a Go duration (800ms, 6s, 4m, 24h); a bare 0 is allowed.
func (p *parser) duration(n *yaml.Node, field string) time.Duration {
	if n.Kind == yaml.ScalarNode {
		if n.Value == "0" {
			return 0
		}
		if d, err := time.ParseDuration(n.Value); err == nil {
			return d
		}
	}
	p.add(n, field, CheckSyntax, "want a duration such as 800ms, 6s or 24h, got %s", kindName(n))
	return 0
}

func (p *parser) strings(n *yaml.Node, field string) []string {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.add(n, field, CheckSyntax, "want a list, got %s", kindName(n))
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for i, c := range n.Content {
		c = deref(c)
		out = append(out, p.str(c, fmt.Sprintf("%s[%d]", field, i)))
	}
	return out
}

// requires reads the contact fields, plain names or typed (package field).
func (p *parser) requires(n *yaml.Node) []field.Spec {
	specs, issues := field.FromYAML(n)
	for _, is := range issues {
		p.ps = append(p.ps, Problem{File: p.file, Line: is.Line, Column: is.Column, Field: is.Field, Check: CheckBadValue, Message: is.Message})
	}
	return specs
}

// branches reads a mapping of key → state name.
func (p *parser) branches(n *yaml.Node, field string) []Branch {
	var out []Branch
	for _, kv := range p.mapping(n, field, nil) {
		out = append(out, Branch{Key: kv.key.Value, Target: p.str(kv.val, join(field, kv.key.Value)), Line: kv.key.Line})
	}
	return out
}

func join(field, key string) string {
	if field == "" {
		return key
	}
	return field + "." + key
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

var (
	topKeys = []string{"name", "locale", "purpose", "voice", "requires", "disclosure", "settings", "start", "global", "intents", "states", "voicemail",
		"knowledge", "on_anger", "inspection", // knowledge: knowledge.go; on_anger, inspection: anger.go
		"grading", "follow_ups"} // after the call: aftercall.go
	settingsKeys = []string{"no_input_timeout", "end_of_turn", "max_retries", "barge_in", "max_call", "calibration", "spoken_calibration"}
	stateKeys    = []string{"say", "listen", "set", "callback", "transfer", "action", "hangup", "next"}
	listenKeys   = []string{"intents", "dtmf", "no_input", "no_match", "low_confidence", "exhausted", "timeout", "capture", "retries", "reprompt"}
	setKeys      = []string{"disposition", "tags", "variables"}
	intentKeys   = []string{"phrases", "confirm", "min_confidence", "high_stakes"}
)

// parse builds a Bot from YAML, recording structural problems; semantic checks are in
// lint.go. It never panics on any input (FuzzLint).
func (p *parser) parse(data []byte) *Bot {
	b := &Bot{Path: p.file, States: map[string]*State{}, intentByName: map[string]*Intent{}, keyLines: map[string]int{}}
	b.Settings.BargeIn = true
	b.Settings.MaxRetries = DefaultMaxRetries
	if len(data) > MaxScriptBytes {
		p.addLine(0, "", CheckSyntax, "file is %d bytes, the limit is %d", len(data), MaxScriptBytes)
		return b
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		p.addLine(yamlErrLine(err), "", CheckSyntax, "not valid YAML: %v", err)
		return b
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		p.addLine(1, "", CheckSyntax, "empty script")
		return b
	}
	root := deref(doc.Content[0])
	top := map[string]*yaml.Node{}
	var inspection *yaml.Node
	for _, kv := range p.mapping(root, "", topKeys) {
		top[kv.key.Value] = kv.val
		b.keyLines[kv.key.Value] = kv.key.Line
		switch kv.key.Value {
		case "name":
			b.Name = p.str(kv.val, "name")
		case "locale":
			b.Locale = p.str(kv.val, "locale")
		case "purpose":
			b.Purpose = p.str(kv.val, "purpose")
		case "voice":
			b.Voice = p.str(kv.val, "voice")
		case "requires":
			b.Fields = p.requires(kv.val)
			b.Requires = field.Names(b.Fields)
		case "disclosure":
			b.Disclosure = p.str(kv.val, "disclosure")
		case "start":
			b.Start = p.str(kv.val, "start")
		case "settings":
			p.settings(kv.val, &b.Settings)
		case "global":
			b.Global = p.branches(kv.val, "global")
		case "intents":
			for _, ikv := range p.mapping(kv.val, "intents", nil) {
				in := &Intent{Name: ikv.key.Value, Line: ikv.key.Line}
				field := join("intents", in.Name)
				for _, f := range p.mapping(ikv.val, field, intentKeys) {
					ff := join(field, f.key.Value)
					switch f.key.Value {
					case "phrases":
						in.Phrases = p.strings(f.val, ff)
					case "confirm":
						in.Confirm, in.ConfirmLine = p.str(f.val, ff), f.key.Line
						if strings.TrimSpace(in.Confirm) == "" {
							p.add(f.val, ff, CheckMissingField, "the confirm question is empty")
						} else if strings.Contains(in.Confirm, "{{") {
							p.add(f.val, ff, CheckTemplate, "the confirm question is spoken as it is; it cannot hold {{variables}}")
						}
					case "min_confidence":
						in.MinConfidence = p.fraction(f.val, ff)
					case "high_stakes":
						in.HighStakes = p.boolean(f.val, ff)
					}
				}
				b.Intents = append(b.Intents, in)
				b.intentByName[in.Name] = in
			}
		case "states":
			for _, skv := range p.mapping(kv.val, "states", nil) {
				st := p.state(skv.val, join("states", skv.key.Value))
				st.Name, st.Line = skv.key.Value, skv.key.Line
				b.States[st.Name] = st
				b.Order = append(b.Order, st.Name)
			}
		case "knowledge":
			b.Knowledge = p.knowledge(kv.val)
		case "voicemail":
			st := p.state(kv.val, "voicemail")
			st.Name, st.Line = "voicemail", kv.key.Line
			b.Voicemail = st
		case "on_anger":
			b.OnAnger = p.onAnger(kv.val, kv.key.Line)
		case "inspection":
			inspection = kv.val
		// After the call (aftercall.go).
		case "grading":
			b.Grading = p.grading(kv.val, kv.key.Line)
		case "follow_ups":
			b.FollowUps = p.followUps(kv.val)
		}
	}
	if inspection != nil { // after the loop: it reads the disclosure
		b.Inspection = p.inspection(inspection, b.Disclosure)
	}
	if root.Kind != yaml.MappingNode {
		return b
	}
	for _, req := range []string{"name", "locale", "purpose", "start", "states"} {
		if top[req] == nil {
			p.addLine(1, req, CheckMissingField, "required field is missing")
		}
	}
	return b
}

func (p *parser) settings(n *yaml.Node, s *Settings) {
	for _, kv := range p.mapping(n, "settings", settingsKeys) {
		field := join("settings", kv.key.Value)
		switch kv.key.Value {
		case "no_input_timeout":
			s.NoInputTimeout = p.positive(kv.val, field)
		case "end_of_turn":
			s.EndOfTurn = p.positive(kv.val, field)
		case "max_call":
			s.MaxCall = p.positive(kv.val, field)
		case "max_retries":
			s.MaxRetries = p.integer(kv.val, field)
			if s.MaxRetries < 0 || s.MaxRetries > 10 {
				p.add(kv.val, field, CheckBadValue, "%d: want 0 to 10", s.MaxRetries)
				s.MaxRetries = DefaultMaxRetries
			}
		case "barge_in":
			s.BargeIn = p.boolean(kv.val, field)
		case "calibration":
			s.Calibration = p.calibration(kv.val, field, intent.ModelWeights, func(v []float64) error {
				_, err := intent.ModelFromWeights(v)
				return err
			})
		case "spoken_calibration":
			s.SpokenCalibration = p.calibration(kv.val, field, intent.SpokenModelWeights, func(v []float64) error {
				_, err := intent.SpokenModelFromWeights(v)
				return err
			})
		}
	}
}

// calibration reads one of the classifier's calibrations: count numbers, as
// `voxdial script calibrate` prints them, that check accepts.
func (p *parser) calibration(n *yaml.Node, field string, count int, check func([]float64) error) []float64 {
	if n.Kind != yaml.SequenceNode {
		p.add(n, field, CheckSyntax, "want a list of %d numbers (voxdial script calibrate prints it), got %s", count, kindName(n))
		return nil
	}
	out := make([]float64, 0, len(n.Content))
	for i, c := range n.Content {
		c = deref(c)
		v, err := strconv.ParseFloat(c.Value, 64)
		if c.Kind != yaml.ScalarNode || err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			p.add(c, fmt.Sprintf("%s[%d]", field, i), CheckSyntax, "want a number, got %s", kindName(c))
			return nil
		}
		out = append(out, v)
	}
	if err := check(out); err != nil {
		p.add(n, field, CheckBadValue, "%v, as voxdial script calibrate prints them", err)
		return nil
	}
	return out
}

func (p *parser) positive(n *yaml.Node, field string) time.Duration {
	d := p.duration(n, field)
	if d < 0 {
		p.add(n, field, CheckBadValue, "%s is negative", d)
		return 0
	}
	return d
}

func (p *parser) state(n *yaml.Node, field string) *State {
	st := &State{}
	for _, kv := range p.mapping(n, field, stateKeys) {
		f := join(field, kv.key.Value)
		line := kv.key.Line
		switch kv.key.Value {
		case "say":
			st.Say, st.SayLine = p.str(kv.val, f), kv.val.Line
		case "listen":
			st.Listen = p.listen(kv.val, f)
			st.Listen.Line = line
		case "set":
			st.Set = p.set(kv.val, f)
			st.Set.Line = line
		case "callback":
			st.Callback, st.CallbackLine = p.positive(kv.val, f), line
			if st.Callback == 0 {
				p.add(kv.val, f, CheckBadValue, "want a positive delay such as 24h")
			}
		case "transfer":
			st.Transfer, st.TransferLine = p.str(kv.val, f), line
		case "action":
			st.Action, st.ActionLine = p.str(kv.val, f), line
		case "hangup":
			st.Hangup, st.HangupLine = p.boolean(kv.val, f), line
		case "next":
			st.Next, st.NextLine = p.str(kv.val, f), line
		}
	}
	if st.Line == 0 {
		st.Line = n.Line
	}
	return st
}

func (p *parser) listen(n *yaml.Node, field string) *Listen {
	l := &Listen{}
	for _, kv := range p.mapping(n, field, listenKeys) {
		f := join(field, kv.key.Value)
		line := kv.key.Line
		switch kv.key.Value {
		case "intents":
			l.Intents = p.branches(kv.val, f)
		case "dtmf":
			l.DTMF = p.branches(kv.val, f)
		case "no_input":
			l.NoInput, l.NoInputLine = p.str(kv.val, f), line
		case "no_match":
			l.NoMatch, l.NoMatchLine = p.str(kv.val, f), line
		case "low_confidence":
			l.LowConfidence, l.LowConfidenceLine = p.str(kv.val, f), line
		case "exhausted":
			l.Exhausted, l.ExhaustedLine = p.str(kv.val, f), line
		case "timeout":
			l.Timeout = p.positive(kv.val, f)
		case "capture":
			l.Capture = p.capture(kv.val, f, line)
		case "reprompt":
			l.Reprompt, l.RepromptLine = p.str(kv.val, f), kv.val.Line
		case "retries":
			n := p.integer(kv.val, f)
			if n < 0 || n > 10 {
				p.add(kv.val, f, CheckBadValue, "%d: want 0 to 10", n)
				n = DefaultMaxRetries
			}
			l.Retries = &n
		}
	}
	return l
}

func (p *parser) set(n *yaml.Node, field string) *Set {
	s := &Set{}
	for _, kv := range p.mapping(n, field, setKeys) {
		f := join(field, kv.key.Value)
		switch kv.key.Value {
		case "disposition":
			s.Disposition = p.str(kv.val, f)
		case "tags":
			s.Tags = p.strings(kv.val, f)
		case "variables":
			for _, vkv := range p.mapping(kv.val, f, nil) {
				if s.Variables == nil {
					s.Variables = map[string]string{}
				}
				s.Variables[vkv.key.Value] = p.str(vkv.val, join(f, vkv.key.Value))
			}
		}
	}
	return s
}

// yamlErrLine digs the line number out of a yaml.v3 error ("yaml: line 3: ...").
func yamlErrLine(err error) int {
	msg := err.Error()
	if i := strings.Index(msg, "line "); i >= 0 {
		rest := msg[i+5:]
		j := 0
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			j++
		}
		if n, err := strconv.Atoi(rest[:j]); err == nil {
			return n
		}
	}
	return 1
}
