package voicebot

import (
	"errors"
	"fmt"
	"strings"

	"github.com/voxdial/voxdial/speech/verbal"
)

// DisclosureVar is the template variable that speaks the script's disclosure.
const DisclosureVar = "disclosure"

// Template is a prompt with {{variable}} and {{variable | filter}} slots. The filters
// are those of package speech/verbal (currency, date, time, number, ordinal, digits,
// phone), applied in the script's locale.
type Template struct {
	Raw   string
	Parts []TemplatePart
}

// TemplatePart is literal text (Var empty) or a variable slot.
type TemplatePart struct {
	Text   string // literal text
	Var    string
	Filter string
	Offset int // byte offset of the part in Raw, for column numbers
}

// ErrTemplate: a template is malformed; ErrMissingVariable: a call lacks a value.
var (
	ErrTemplate        = errors.New("bad template")
	ErrMissingVariable = errors.New("missing template variable")
)

// ParseTemplate splits s into literal and variable parts. "{{" must be closed by "}}",
// a slot holds a variable name and at most one filter.
func ParseTemplate(s string) (*Template, error) {
	t := &Template{Raw: s}
	rest, off := s, 0
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			if j := strings.Index(rest, "}}"); j >= 0 {
				return nil, fmt.Errorf("%w: \"}}\" at offset %d without \"{{\"", ErrTemplate, off+j)
			}
			if rest != "" {
				t.Parts = append(t.Parts, TemplatePart{Text: rest, Offset: off})
			}
			return t, nil
		}
		if i > 0 {
			if j := strings.Index(rest[:i], "}}"); j >= 0 {
				return nil, fmt.Errorf("%w: \"}}\" at offset %d without \"{{\"", ErrTemplate, off+j)
			}
			t.Parts = append(t.Parts, TemplatePart{Text: rest[:i], Offset: off})
		}
		end := strings.Index(rest[i+2:], "}}")
		if end < 0 {
			return nil, fmt.Errorf("%w: \"{{\" at offset %d is not closed", ErrTemplate, off+i)
		}
		inner := rest[i+2 : i+2+end]
		if strings.Contains(inner, "{{") {
			return nil, fmt.Errorf("%w: \"{{\" at offset %d is not closed", ErrTemplate, off+i)
		}
		name, filter, hasFilter := strings.Cut(inner, "|")
		name, filter = strings.TrimSpace(name), strings.TrimSpace(filter)
		if !validVarName(name) {
			return nil, fmt.Errorf("%w: {{%s}} at offset %d: %q is not a variable name", ErrTemplate, inner, off+i, name)
		}
		if hasFilter && (filter == "" || strings.Contains(filter, "|") || strings.ContainsAny(filter, " \t")) {
			return nil, fmt.Errorf("%w: {{%s}} at offset %d: want {{name | filter}} with one filter", ErrTemplate, inner, off+i)
		}
		t.Parts = append(t.Parts, TemplatePart{Var: name, Filter: filter, Offset: off + i})
		consumed := i + 2 + end + 2
		rest, off = rest[consumed:], off+consumed
	}
}

func validVarName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// Vars lists the variable slots in order.
func (t *Template) Vars() []TemplatePart {
	var out []TemplatePart
	for _, p := range t.Parts {
		if p.Var != "" {
			out = append(out, p)
		}
	}
	return out
}

// Filters lists the template filters scripts may use.
func Filters() []string { return verbal.Filters() }

// Render fills the slots: each variable's raw value passes through its filter
// (verbalised for the locale). A missing variable is ErrMissingVariable; a value the
// filter cannot read wraps verbal.ErrBadValue.
func (t *Template) Render(locale string, vars map[string]string) (string, error) {
	var b strings.Builder
	for _, p := range t.Parts {
		if p.Var == "" {
			b.WriteString(p.Text)
			continue
		}
		v, ok := vars[p.Var]
		if !ok {
			return "", fmt.Errorf("{{%s}}: %w", p.Var, ErrMissingVariable)
		}
		out, err := applyFilter(locale, p.Filter, v)
		if err != nil {
			return "", fmt.Errorf("{{%s | %s}}: %w", p.Var, p.Filter, err)
		}
		b.WriteString(out)
	}
	return b.String(), nil
}

// Inline returns the template text with the variables in fixed replaced by their
// values (used for {{disclosure}}, which is the same on every call), keeping other
// slots as they are, so that a prompt cache sees the constant parts as static text.
func (t *Template) Inline(fixed map[string]string) string {
	var b strings.Builder
	for _, p := range t.Parts {
		switch v, ok := fixed[p.Var]; {
		case p.Var == "":
			b.WriteString(p.Text)
		case ok && p.Filter == "":
			b.WriteString(v)
		default:
			b.WriteString("{{")
			b.WriteString(p.Var)
			if p.Filter != "" {
				b.WriteString(" | ")
				b.WriteString(p.Filter)
			}
			b.WriteString("}}")
		}
	}
	return b.String()
}

func applyFilter(locale, filter, value string) (string, error) {
	if filter == "" {
		return value, nil
	}
	loc, err := verbal.ParseLocale(locale)
	if err != nil {
		return "", err
	}
	return verbal.Filter(loc, filter, value)
}
