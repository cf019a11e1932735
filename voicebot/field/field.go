package field

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Type is what a field holds.
type Type string

// The types. Text is the default (the plain `requires:` list).
const (
	Text    Type = "text"
	Date    Type = "date"
	Amount  Type = "amount"
	Integer Type = "integer"
	Enum    Type = "enum"
	Phone   Type = "phone"
)

// Types lists every type, in the order messages name them.
var Types = []Type{Text, Date, Amount, Integer, Enum, Phone}

// Currencies are the ISO codes an amount may declare (those speech/verbal reads).
var Currencies = []string{"USD", "EUR", "GBP", "CNY"}

// Spec is one required contact field.
type Spec struct {
	Name     string   `json:"name"`
	Type     Type     `json:"type"`
	Currency string   `json:"currency,omitempty"` // amount: ISO code; "" any
	Values   []string `json:"values,omitempty"`   // enum: the allowed values
}

// String is the stored form: name[:type[:argument]].
func (s Spec) String() string {
	switch s.Type {
	case "", Text:
		return s.Name
	case Amount:
		if s.Currency != "" {
			return s.Name + ":amount:" + s.Currency
		}
	case Enum:
		return s.Name + ":enum:" + strings.Join(s.Values, "|")
	}
	return s.Name + ":" + string(s.Type)
}

// ErrBadSpec wraps every problem with a field's declaration.
var ErrBadSpec = errors.New("bad contact field")

// Parse reads the stored form (Spec.String); a plain name is a text field.
func Parse(stored string) (Spec, error) {
	name, rest, _ := strings.Cut(stored, ":")
	s := Spec{Name: strings.TrimSpace(name), Type: Text}
	if rest == "" {
		return s, s.check()
	}
	typ, arg, _ := strings.Cut(rest, ":")
	s.Type = Type(strings.ToLower(strings.TrimSpace(typ)))
	switch s.Type {
	case Amount:
		s.Currency = strings.ToUpper(strings.TrimSpace(arg))
	case Enum:
		for _, v := range strings.Split(arg, "|") {
			if v = strings.TrimSpace(v); v != "" {
				s.Values = append(s.Values, v)
			}
		}
	default:
		if arg != "" {
			return s, fmt.Errorf("%w: %q: type %s takes no argument", ErrBadSpec, stored, s.Type)
		}
	}
	return s, s.check()
}

// ParseAll reads stored forms.
func ParseAll(stored []string) ([]Spec, error) {
	out := make([]Spec, 0, len(stored))
	for _, st := range stored {
		s, err := Parse(st)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// Names are the specs' names.
func Names(specs []Spec) []string {
	out := make([]string, len(specs))
	for i, s := range specs {
		out[i] = s.Name
	}
	return out
}

// Strings are the specs' stored forms.
func Strings(specs []Spec) []string {
	out := make([]string, len(specs))
	for i, s := range specs {
		out[i] = s.String()
	}
	return out
}

func (s Spec) check() error {
	if !validName(s.Name) {
		return fmt.Errorf("%w: %q is not a variable name", ErrBadSpec, s.Name)
	}
	if !slices.Contains(Types, s.Type) {
		return fmt.Errorf("%w: %s: type %q (want %s)", ErrBadSpec, s.Name, s.Type, typeList())
	}
	if s.Type == Amount && s.Currency != "" && !slices.Contains(Currencies, s.Currency) {
		return fmt.Errorf("%w: %s: currency %q (want %s)", ErrBadSpec, s.Name, s.Currency, strings.Join(Currencies, ", "))
	}
	if s.Type == Enum {
		if len(s.Values) == 0 {
			return fmt.Errorf("%w: %s: an enum lists its values ({enum: [a, b]})", ErrBadSpec, s.Name)
		}
		seen := map[string]bool{}
		for _, v := range s.Values {
			k := strings.ToLower(v)
			if v == "" || strings.ContainsAny(v, "|\n") {
				return fmt.Errorf("%w: %s: enum value %q (empty, or holds | or a line break)", ErrBadSpec, s.Name, v)
			}
			if seen[k] {
				return fmt.Errorf("%w: %s: enum value %q is listed twice", ErrBadSpec, s.Name, v)
			}
			seen[k] = true
		}
	}
	return nil
}

func typeList() string {
	names := make([]string, len(Types))
	for i, t := range Types {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

// validName: letters, digits and _, not starting with a digit (the templates' rule).
func validName(s string) bool {
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

// Issue is a problem with the `requires:` node of a script.
type Issue struct {
	Line    int
	Column  int
	Field   string // requires[2]
	Message string
}

// FromYAML reads a `requires:` node: a list whose entries are a name (text) or a
// one-key mapping from the name to its type: a type name (`due_date: date`) or a
// mapping (`amount: {type: amount, currency: USD}`, `plan: {enum: [gold, silver]}`).
// Every problem is an Issue with its line; the entries that read well are returned.
func FromYAML(n *yaml.Node) ([]Spec, []Issue) {
	n = deref(n)
	if n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		return nil, nil
	}
	var issues []Issue
	bad := func(at *yaml.Node, field, format string, a ...any) {
		issues = append(issues, Issue{Line: at.Line, Column: at.Column, Field: field, Message: fmt.Sprintf(format, a...)})
	}
	if n.Kind != yaml.SequenceNode {
		bad(n, "requires", "want a list of field names (or name: type)")
		return nil, issues
	}
	var out []Spec
	for i, e := range n.Content {
		e = deref(e)
		field := fmt.Sprintf("requires[%d]", i)
		var s Spec
		switch {
		case e.Kind == yaml.ScalarNode:
			s = Spec{Name: e.Value, Type: Text}
		case e.Kind == yaml.MappingNode && len(e.Content) == 2:
			var ok bool
			if s, ok = specOf(e.Content[0].Value, deref(e.Content[1]), field, bad); !ok {
				continue
			}
		default:
			bad(e, field, "want a name, or one name: type (e.g. due_date: date)")
			continue
		}
		if err := s.check(); err != nil {
			bad(e, field, "%s", strings.TrimPrefix(err.Error(), ErrBadSpec.Error()+": "))
			continue
		}
		out = append(out, s)
	}
	return out, issues
}

// specOf reads name: type.
func specOf(name string, v *yaml.Node, field string, bad func(*yaml.Node, string, string, ...any)) (Spec, bool) {
	s := Spec{Name: name}
	field += "." + name
	switch v.Kind {
	case yaml.ScalarNode:
		s.Type = Type(strings.ToLower(strings.TrimSpace(v.Value)))
		if s.Type == Enum {
			bad(v, field, "an enum lists its values: %s: {enum: [a, b]}", name)
			return s, false
		}
	case yaml.MappingNode:
		s.Type = ""
		for i := 0; i+1 < len(v.Content); i += 2 {
			k, val := v.Content[i].Value, deref(v.Content[i+1])
			switch k {
			case "type":
				s.Type = Type(strings.ToLower(strings.TrimSpace(val.Value)))
			case "currency":
				s.Currency = strings.ToUpper(strings.TrimSpace(val.Value))
			case "enum", "values":
				if val.Kind != yaml.SequenceNode {
					bad(val, field+"."+k, "want a list of values")
					return s, false
				}
				for _, c := range val.Content {
					s.Values = append(s.Values, strings.TrimSpace(deref(c).Value))
				}
				if s.Type == "" {
					s.Type = Enum
				}
			default:
				bad(v.Content[i], field+"."+k, "unknown key (want type, currency, enum)")
				return s, false
			}
		}
		if s.Type == "" {
			s.Type = Text
		}
		if s.Currency != "" && s.Type != Amount {
			bad(v, field, "currency is for amount fields, not %s", s.Type)
			return s, false
		}
		if len(s.Values) > 0 && s.Type != Enum {
			bad(v, field, "values are for enum fields, not %s", s.Type)
			return s, false
		}
	default:
		bad(v, field, "want a type (%s) or {type: …}", typeList())
		return s, false
	}
	return s, true
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}
