package inspect

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Rules are one campaign's inspection rules. The zero value checks nothing.
type Rules struct {
	// Forbidden: words or phrases the bot must never say.
	Forbidden []string
	// Sensitive: words or phrases from the caller that put the call up for review.
	Sensitive []string
	// Disclosure must be spoken in full in some bot turn ("" : not checked). The
	// script's disclosure by default (`disclosure: required`).
	Disclosure string
	// OptOutOffer: one of these must be spoken in full by the bot (empty: not checked).
	OptOutOffer []string
	// MaxTalkOver and MaxSilence are ratios of the call's length (0: not checked).
	MaxTalkOver, MaxSilence float64
	// MinCall and MaxCall bound the answered call's length (0: not checked).
	MinCall, MaxCall time.Duration
	// Line is where the section starts in its script.
	Line int
}

// Problem is a mistake in an inspection section.
type Problem struct {
	Line    int
	Field   string
	Check   string // syntax, unknown_field, bad_value (the script lint's names)
	Message string
}

var keys = []string{"forbidden", "sensitive", "disclosure", "opt_out_offer", "max_talk_over", "max_silence", "min_call", "max_call"}

// Parse reads an `inspection:` mapping. scriptDisclosure is the script's own
// disclosure, which `disclosure: required` (and the default, when the script has
// one) stands for. Every problem names its line and field.
func Parse(n *yaml.Node, scriptDisclosure string) (*Rules, []Problem) {
	r := &Rules{Line: n.Line, Disclosure: scriptDisclosure}
	var ps []Problem
	add := func(n *yaml.Node, field, check, format string, args ...any) {
		ps = append(ps, Problem{Line: n.Line, Field: "inspection." + field, Check: check, Message: fmt.Sprintf(format, args...)})
	}
	if n.Kind != yaml.MappingNode {
		add(n, "", "syntax", "want a mapping")
		return r, ps
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if seen[k.Value] {
			add(k, k.Value, "syntax", "duplicate key")
			continue
		}
		seen[k.Value] = true
		switch k.Value {
		case "forbidden", "sensitive", "opt_out_offer":
			list := words(v, k.Value, add)
			switch k.Value {
			case "forbidden":
				r.Forbidden = list
			case "sensitive":
				r.Sensitive = list
			default:
				r.OptOutOffer = list
			}
		case "disclosure":
			switch {
			case v.Kind != yaml.ScalarNode:
				add(v, k.Value, "syntax", "want required, off or the text that must be spoken")
			case v.Value == "required":
				if scriptDisclosure == "" {
					add(v, k.Value, "bad_value", "required, but the script has no disclosure: give the text instead")
				}
			case v.Value == "off" || v.Value == "false":
				r.Disclosure = ""
			case strings.TrimSpace(v.Value) == "":
				add(v, k.Value, "bad_value", "empty: want required, off or the text")
			default:
				r.Disclosure = v.Value
			}
		case "max_talk_over", "max_silence":
			f, err := strconv.ParseFloat(v.Value, 64)
			if v.Kind != yaml.ScalarNode || err != nil || f <= 0 || f >= 1 {
				add(v, k.Value, "bad_value", "%q: want a ratio above 0 and below 1, such as 0.15", v.Value)
				continue
			}
			if k.Value == "max_talk_over" {
				r.MaxTalkOver = f
			} else {
				r.MaxSilence = f
			}
		case "min_call", "max_call":
			d, err := time.ParseDuration(v.Value)
			if v.Kind != yaml.ScalarNode || err != nil || d <= 0 {
				add(v, k.Value, "bad_value", "%q: want a positive duration such as 10s or 3m", v.Value)
				continue
			}
			if k.Value == "min_call" {
				r.MinCall = d
			} else {
				r.MaxCall = d
			}
		default:
			add(k, k.Value, "unknown_field", "unknown field (want one of %s)", strings.Join(keys, ", "))
		}
	}
	if r.MinCall > 0 && r.MaxCall > 0 && r.MinCall >= r.MaxCall {
		add(n, "min_call", "bad_value", "min_call %s is not below max_call %s", r.MinCall, r.MaxCall)
	}
	return r, ps
}

func words(v *yaml.Node, field string, add func(*yaml.Node, string, string, string, ...any)) []string {
	if v.Kind != yaml.SequenceNode {
		add(v, field, "syntax", "want a list of words or phrases")
		return nil
	}
	var out []string
	for i, c := range v.Content {
		if c.Kind != yaml.ScalarNode || strings.TrimSpace(c.Value) == "" || norm(c.Value) == "" {
			add(c, fmt.Sprintf("%s[%d]", field, i), "bad_value", "want a word or phrase")
			continue
		}
		out = append(out, c.Value)
	}
	return out
}
