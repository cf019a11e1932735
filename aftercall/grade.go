package aftercall

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/voxdial/voxdial/voicebot"
)

// Grading is a compiled rule set: the script's rules (named rules[i]), then its default,
// or the built-in rules of the campaign's purpose.
type Grading struct {
	rules []namedRule
	def   string
}

type namedRule struct {
	name string
	r    voicebot.GradeRule
}

// NewGrading compiles g (nil: the built-in rules of purpose). A script's rules replace the
// built-in ones; when none matches, the script's default applies, or else the built-in
// rules decide.
func NewGrading(g *voicebot.Grading, purpose string) *Grading {
	builtin := Builtin(purpose)
	if g == nil {
		return builtin
	}
	out := &Grading{def: g.Default}
	for i, r := range g.Rules {
		out.rules = append(out.rules, namedRule{name: "rules[" + strconv.Itoa(i) + "]", r: r})
	}
	if out.def == "" {
		out.rules = append(out.rules, builtin.rules...)
		out.def = builtin.def
	}
	return out
}

// Grade gives the call its grade, the rule that gave it and the reasons in words.
func (g *Grading) Grade(f *Facts) (grade, rule string, reasons []string) {
	for i := range g.rules {
		if ok, why := match(&g.rules[i].r, f); ok {
			return g.rules[i].r.Grade, g.rules[i].name, why
		}
	}
	return g.def, "default", []string{"no rule matched"}
}

// match reports whether every condition of r holds, and says which held.
func match(r *voicebot.GradeRule, f *Facts) (bool, []string) {
	var why []string
	if len(r.Disposition) > 0 {
		if !slices.Contains(r.Disposition, f.Disposition) {
			return false, nil
		}
		why = append(why, "disposition "+f.Disposition)
	}
	if len(r.Outcome) > 0 {
		if !slices.Contains(r.Outcome, f.Outcome) {
			return false, nil
		}
		why = append(why, "outcome "+f.Outcome)
	}
	if len(r.Tags) > 0 {
		hit := ""
		for _, t := range f.Tags {
			if slices.Contains(r.Tags, t) {
				hit = t
				break
			}
		}
		if hit == "" {
			return false, nil
		}
		why = append(why, "tag "+hit)
	}
	for _, c := range r.Captured {
		if f.Captured[c] == "" {
			return false, nil
		}
	}
	if len(r.Captured) > 0 {
		why = append(why, fmt.Sprintf("captured %v", r.Captured))
	}
	if len(r.Sentiment) > 0 {
		if f.Sentiment == nil || !slices.Contains(r.Sentiment, f.Sentiment.Label()) {
			return false, nil
		}
		why = append(why, "sentiment "+f.Sentiment.Label())
	}
	if r.Angry != nil {
		angry := f.Sentiment != nil && f.Sentiment.Angry
		if f.Sentiment == nil || angry != *r.Angry {
			return false, nil
		}
		if angry {
			why = append(why, "the caller was angry")
		} else {
			why = append(why, "the caller was not angry")
		}
	}
	if r.OptOut != nil {
		if f.OptOut != *r.OptOut {
			return false, nil
		}
		if f.OptOut {
			why = append(why, "opted out")
		}
	}
	if !bound(f.CallerTurns, r.MinTurns, r.MaxTurns) || !bound(f.BargeIns, r.MinBargeIns, r.MaxBargeIns) ||
		!bound(f.Talk, r.MinTalk, r.MaxTalk) {
		return false, nil
	}
	if r.MinTurns >= 0 || r.MaxTurns >= 0 {
		why = append(why, fmt.Sprintf("%d caller turns", f.CallerTurns))
	}
	if r.MinBargeIns >= 0 || r.MaxBargeIns >= 0 {
		why = append(why, fmt.Sprintf("%d barge-ins", f.BargeIns))
	}
	if r.MinTalk >= 0 || r.MaxTalk >= 0 {
		why = append(why, fmt.Sprintf("talk time %s", f.Talk.Round(1e9)))
	}
	if len(why) == 0 {
		why = []string{"unconditional rule"}
	}
	return true, why
}

// bound checks min ≤ v ≤ max where a negative bound is not set.
func bound[T int | time.Duration](v, lo, hi T) bool {
	return (lo < 0 || v >= lo) && (hi < 0 || v <= hi)
}
