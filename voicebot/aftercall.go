package voicebot

import (
	"fmt"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// This file reads the script's after-call sections: `grading:` (how a finished call is
// graded A–D) and `follow_ups:` (messages sent after the call, per disposition). Package
// aftercall evaluates them; docs/script-format.md ("After the call") and
// docs/follow-ups.md describe them.

// Grades a rule may give, best first.
var Grades = []string{"A", "B", "C", "D"}

// Sentiments a grading rule may ask for.
var Sentiments = []string{"positive", "neutral", "negative"}

// Grading is the script's `grading:` section: the rules are tried in order and the first
// whose conditions all hold gives the grade; Default is the grade when none does (empty:
// the built-in rules of the script's purpose decide, then D).
type Grading struct {
	Line    int
	Rules   []GradeRule
	Default string
}

// GradeRule is one grading rule: every condition that is set must hold. Lists match when
// the call's value is one of them; counts and durations bound the call's engagement.
type GradeRule struct {
	Line        int
	Grade       string
	Disposition []string // the call's disposition is one of these
	Outcome     []string // the call's outcome (answered, voicemail, busy, …)
	Tags        []string // the call carries at least one of these tags
	Captured    []string // every one of these variables was captured (non-empty)
	Sentiment   []string // the caller's overall sentiment (positive, neutral, negative)
	Angry       *bool    // the caller was (true) or was not (false) angry
	OptOut      *bool
	// Engagement bounds; -1: not set. Turns are the caller's turns.
	MinTurns, MaxTurns       int
	MinBargeIns, MaxBargeIns int
	MinTalk, MaxTalk         time.Duration // answered → ended; -1: not set
}

// FollowUp is one entry of `follow_ups:`: after a call whose disposition is in On
// ("*": any answered call with a disposition), send the SMS, Delay after the call.
type FollowUp struct {
	Line  int
	Name  string // defaults to follow_ups[i]
	On    []string
	SMS   string
	Delay time.Duration

	sms *Template
}

// Template is the follow-up's message template (nil only for a script that did not lint).
func (f *FollowUp) Template() *Template { return f.sms }

// Matches reports whether the follow-up applies to a call with this disposition.
func (f *FollowUp) Matches(disposition string) bool {
	for _, o := range f.On {
		if o == disposition || (o == "*" && disposition != "") {
			return true
		}
	}
	return false
}

var (
	gradingKeys   = []string{"rules", "default"}
	gradeRuleKeys = []string{"grade", "disposition", "outcome", "tags", "captured", "sentiment", "angry", "opt_out",
		"min_turns", "max_turns", "min_barge_ins", "max_barge_ins", "min_talk", "max_talk"}
	followUpKeys = []string{"name", "on", "sms", "delay"}
)

func (p *parser) grading(n *yaml.Node, line int) *Grading {
	g := &Grading{Line: line}
	for _, kv := range p.mapping(n, "grading", gradingKeys) {
		switch kv.key.Value {
		case "default":
			g.Default = p.grade(kv.val, "grading.default")
		case "rules":
			if kv.val.Kind != yaml.SequenceNode {
				p.add(kv.val, "grading.rules", CheckSyntax, "want a list of rules, got %s", kindName(kv.val))
				continue
			}
			for i, rn := range kv.val.Content {
				g.Rules = append(g.Rules, p.gradeRule(deref(rn), fmt.Sprintf("grading.rules[%d]", i)))
			}
		}
	}
	return g
}

func (p *parser) grade(n *yaml.Node, field string) string {
	s := p.str(n, field)
	if s != "" && !contains(Grades, s) {
		p.add(n, field, CheckBadValue, "%q: want one of %s", s, strings.Join(Grades, ", "))
	}
	return s
}

func (p *parser) gradeRule(n *yaml.Node, field string) GradeRule {
	r := GradeRule{Line: n.Line, MinTurns: -1, MaxTurns: -1, MinBargeIns: -1, MaxBargeIns: -1, MinTalk: -1, MaxTalk: -1}
	count := func(v *yaml.Node, f string) int {
		c := p.integer(v, f)
		if c < 0 {
			p.add(v, f, CheckBadValue, "%d is negative", c)
			return -1
		}
		return c
	}
	flag := func(v *yaml.Node, f string) *bool { b := p.boolean(v, f); return &b }
	for _, kv := range p.mapping(n, field, gradeRuleKeys) {
		f := join(field, kv.key.Value)
		switch kv.key.Value {
		case "grade":
			r.Grade = p.grade(kv.val, f)
		case "disposition":
			r.Disposition = p.strings(kv.val, f)
		case "outcome":
			r.Outcome = p.strings(kv.val, f)
		case "tags":
			r.Tags = p.strings(kv.val, f)
		case "captured":
			r.Captured = p.strings(kv.val, f)
		case "sentiment":
			r.Sentiment = p.strings(kv.val, f)
			for _, s := range r.Sentiment {
				if !contains(Sentiments, s) {
					p.add(kv.val, f, CheckBadValue, "%q: want one of %s", s, strings.Join(Sentiments, ", "))
				}
			}
		case "angry":
			r.Angry = flag(kv.val, f)
		case "opt_out":
			r.OptOut = flag(kv.val, f)
		case "min_turns":
			r.MinTurns = count(kv.val, f)
		case "max_turns":
			r.MaxTurns = count(kv.val, f)
		case "min_barge_ins":
			r.MinBargeIns = count(kv.val, f)
		case "max_barge_ins":
			r.MaxBargeIns = count(kv.val, f)
		case "min_talk":
			r.MinTalk = p.positive(kv.val, f)
		case "max_talk":
			r.MaxTalk = p.positive(kv.val, f)
		}
	}
	if r.Grade == "" && n.Kind == yaml.MappingNode {
		p.add(n, join(field, "grade"), CheckMissingField, "a rule needs a grade (%s)", strings.Join(Grades, ", "))
	}
	return r
}

func (p *parser) followUps(n *yaml.Node) []FollowUp {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.add(n, "follow_ups", CheckSyntax, "want a list of follow-ups, got %s", kindName(n))
		return nil
	}
	var out []FollowUp
	for i, fn := range n.Content {
		fn = deref(fn)
		field := fmt.Sprintf("follow_ups[%d]", i)
		f := FollowUp{Line: fn.Line, Name: field}
		for _, kv := range p.mapping(fn, field, followUpKeys) {
			ff := join(field, kv.key.Value)
			switch kv.key.Value {
			case "name":
				f.Name = p.str(kv.val, ff)
			case "on":
				if kv.val.Kind == yaml.ScalarNode {
					f.On = []string{p.str(kv.val, ff)}
				} else {
					f.On = p.strings(kv.val, ff)
				}
			case "sms":
				f.SMS = p.str(kv.val, ff)
				if t, err := ParseTemplate(f.SMS); err != nil {
					p.add(kv.val, ff, CheckTemplate, "%v", err)
				} else {
					f.sms = t
				}
			case "delay":
				f.Delay = p.positive(kv.val, ff)
			}
		}
		if fn.Kind == yaml.MappingNode {
			if len(f.On) == 0 {
				p.add(fn, join(field, "on"), CheckMissingField, "say after which dispositions to send it (a list, or \"*\")")
			}
			if strings.TrimSpace(f.SMS) == "" {
				p.add(fn, join(field, "sms"), CheckMissingField, "the message text is missing")
			}
		}
		out = append(out, f)
	}
	return out
}
