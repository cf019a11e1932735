package dashboard

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode"

	"github.com/voxdial/voxdial/speech/verbal"
	"github.com/voxdial/voxdial/store"
)

// A masked view (roles that see masked numbers) must not learn who was called or what was
// said about them: the number, the contact's variables as the bot spoke them (a name, an
// amount, a due date — raw or verbalised by a template filter), the keys pressed, or the
// credentials of the trunk. redactor rewrites transcripts, call results, events and audit
// records for such views.
type redactor struct {
	values []redactValue // longest first, so "Ana Lima" goes before "Ana"
}

type redactValue struct {
	re    *regexp.Regexp
	label string
}

// numberRun is a phone or account number in text: a + or a digit, then at least five
// digits, spaces, dots, dashes or parentheses, ending in a digit.
var numberRun = regexp.MustCompile(`\+?\d[\d\s().-]{5,}\d`)

// verbalLocales are the locales a script may speak variables in.
var verbalLocales = []verbal.Locale{verbal.EnUS, verbal.ZhCN}

// newRedactor hides the values of vars (the contact's variables) as "[name]": each value as
// it is, as every template filter renders it in every locale, and, for a value of several
// words (a full name), each word of three letters or more.
func newRedactor(vars map[string]string) *redactor {
	r := &redactor{}
	seen := map[string]bool{}
	add := func(text, label string) {
		text = strings.TrimSpace(text)
		if len([]rune(text)) < 2 || seen[strings.ToLower(text)] {
			return
		}
		seen[strings.ToLower(text)] = true
		r.values = append(r.values, redactValue{re: regexp.MustCompile(`(?i)` + regexp.QuoteMeta(text)), label: "[" + label + "]"})
	}
	for k, v := range vars {
		add(v, k)
		for _, loc := range verbalLocales {
			for _, f := range verbal.Filters() {
				if out, err := verbal.Filter(loc, f, v); err == nil {
					add(out, k)
				}
			}
		}
		if words := strings.Fields(v); len(words) > 1 {
			for _, w := range words {
				if len([]rune(w)) >= 3 && strings.IndexFunc(w, unicode.IsLetter) >= 0 {
					add(w, k)
				}
			}
		}
	}
	sort.SliceStable(r.values, func(i, j int) bool { return len(r.values[i].re.String()) > len(r.values[j].re.String()) })
	return r
}

// text hides the contact's values and any phone-like number in s.
func (r *redactor) text(s string) string {
	for _, v := range r.values {
		s = v.re.ReplaceAllLiteralString(s, v.label)
	}
	return numberRun.ReplaceAllStringFunc(s, func(m string) string {
		n := 0
		for _, c := range m {
			if c >= '0' && c <= '9' {
				n++
			}
		}
		if n < 6 {
			return m
		}
		return "[number]"
	})
}

// transcript returns a masked copy of a stored transcript.
func (r *redactor) transcript(tr []store.TranscriptTurn) []store.TranscriptTurn {
	out := make([]store.TranscriptTurn, len(tr))
	for i, t := range tr {
		t.Text = r.text(t.Text)
		if t.DTMF != "" {
			t.DTMF, t.Text = "[dtmf]", "[dtmf]"
		}
		out[i] = t
	}
	return out
}

// redactKeys are identifiers and timestamps a masked view keeps as they are.
var redactKeys = map[string]bool{"call_id": true, "hash": true, "prev": true, "consent_id": true, "engine": true,
	"pack_version": true, "codec": true}

// json returns a masked copy of a JSON document (a call result, an event's data, an audit
// record): numbers under to/number/phone masked, variables and recording paths dropped,
// DTMF digits and the text of key-press turns hidden, trunks without credentials, and
// every other string through text. Invalid JSON becomes {}.
func (r *redactor) json(raw json.RawMessage) json.RawMessage {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return json.RawMessage("{}")
	}
	b, _ := json.Marshal(r.walk("", v))
	return b
}

func (r *redactor) walk(key string, v any) any {
	switch x := v.(type) {
	case map[string]any:
		delete(x, "variables")
		delete(x, "recording")
		if c, ok := x["captured"].(map[string]any); ok { // what the caller said: slot names only
			for k := range c {
				c[k] = "[captured]"
			}
		}
		if v, ok := x["value"].(string); ok && v != "" { // a transcript turn's captured value
			x["value"] = "[captured]"
		}
		for k, e := range x {
			x[k] = r.walk(k, e)
		}
		if d, ok := x["dtmf"].(string); ok && d != "" {
			if _, ok := x["text"].(string); ok {
				x["text"] = "[dtmf]"
			}
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = r.walk(key, e)
		}
		return x
	case string:
		switch {
		case x == "":
			return x
		case key == "to" || key == "number" || key == "phone" || key == "phone_e164":
			if e164.MatchString(x) {
				return mask(false, x)
			}
			return r.text(x)
		case key == "dtmf" || key == "digits":
			return "[dtmf]"
		case key == "trunk":
			return redactTrunk(x, false)
		case redactKeys[key] || strings.HasSuffix(key, "_at"):
			return x
		}
		return r.text(x)
	}
	return v
}

// contactVars are a contact's variables (its JSON object of strings) with those of a call
// result, for a redactor.
func contactVars(contact json.RawMessage, result json.RawMessage) map[string]string {
	vars := map[string]string{}
	var res struct {
		Variables map[string]any `json:"variables"`
	}
	_ = json.Unmarshal(result, &res)
	var cv map[string]any
	_ = json.Unmarshal(contact, &cv)
	for _, m := range []map[string]any{res.Variables, cv} {
		for k, v := range m {
			switch x := v.(type) {
			case string:
				vars[k] = x
			case float64, bool:
				vars[k] = fmt.Sprint(x)
			}
		}
	}
	return vars
}
