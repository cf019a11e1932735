package tts

import (
	"fmt"
	"strings"
)

// Segment is one piece of a prompt template: static text (cached once per campaign) or
// a variable with an optional verbalisation filter (synthesised per call).
type Segment struct {
	Text   string // static text; empty for a variable
	Var    string // variable name; empty for static text
	Filter string // filter name for a variable ("currency", "date", ...), or ""
}

// Template is a parsed prompt such as
// "Your payment of {{amount | currency}} is due on {{due_date | date}}."
type Template struct {
	Segments []Segment
}

// ParseTemplate splits s at {{var}} and {{var | filter}} placeholders. White space
// inside the braces is ignored; "{{" without "}}" or an empty name is ErrBadTemplate.
func ParseTemplate(s string) (*Template, error) {
	t := &Template{}
	rest := s
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			if strings.Contains(rest, "}}") {
				return nil, fmt.Errorf("%q: stray \"}}\": %w", s, ErrBadTemplate)
			}
			t.addText(rest)
			return t, nil
		}
		if strings.Contains(rest[:i], "}}") {
			return nil, fmt.Errorf("%q: stray \"}}\": %w", s, ErrBadTemplate)
		}
		t.addText(rest[:i])
		rest = rest[i+2:]
		j := strings.Index(rest, "}}")
		if j < 0 {
			return nil, fmt.Errorf("%q: unclosed \"{{\": %w", s, ErrBadTemplate)
		}
		inner := rest[:j]
		rest = rest[j+2:]
		if strings.Contains(inner, "{{") {
			return nil, fmt.Errorf("%q: nested \"{{\": %w", s, ErrBadTemplate)
		}
		name, filter, _ := strings.Cut(inner, "|")
		name, filter = strings.TrimSpace(name), strings.TrimSpace(filter)
		if name == "" || strings.ContainsAny(name, " \t\n") || strings.ContainsAny(filter, " \t\n|") {
			return nil, fmt.Errorf("%q: placeholder {{%s}}: %w", s, inner, ErrBadTemplate)
		}
		t.Segments = append(t.Segments, Segment{Var: name, Filter: filter})
	}
}

func (t *Template) addText(s string) {
	if s == "" {
		return
	}
	if n := len(t.Segments); n > 0 && t.Segments[n-1].Var == "" {
		t.Segments[n-1].Text += s
		return
	}
	t.Segments = append(t.Segments, Segment{Text: s})
}

// Bind returns a copy in which the variables named in consts (script constants such as
// {{disclosure}}, known before any call) become static text, merged with their
// neighbours so the cache sees whole sentences. Filters on bound variables are applied
// by the caller beforehand: consts holds final text.
func (t *Template) Bind(consts map[string]string) *Template {
	out := &Template{}
	for _, s := range t.Segments {
		if v, ok := consts[s.Var]; ok && s.Var != "" {
			out.addText(v)
			continue
		}
		if s.Var == "" {
			out.addText(s.Text)
			continue
		}
		out.Segments = append(out.Segments, s)
	}
	return out
}

// Static returns the static segments' texts, trimmed, for Cache.Warm.
func (t *Template) Static() []string {
	var out []string
	for _, s := range t.Segments {
		if s.Var == "" {
			if txt := strings.TrimSpace(s.Text); txt != "" {
				out = append(out, txt)
			}
		}
	}
	return out
}

// Vars returns the variable names in order of appearance.
func (t *Template) Vars() []string {
	var out []string
	for _, s := range t.Segments {
		if s.Var != "" {
			out = append(out, s.Var)
		}
	}
	return out
}
