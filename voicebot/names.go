package voicebot

import (
	"regexp"
	"strings"
	"sync"
	"unicode"

	"github.com/voxdial/voxdial/voicebot/intent"
)

// The caller's own name in their answer. "This is Ana", "Ana here", "yes, Ana
// speaking" say who is speaking, and "I'm Ana's husband" who is not; the classifier
// knows "this is her" and "her husband" but not the contact's name, so the name is
// read as "her" where it names the speaker (after "this is", "it's", "I'm", "yes",
// before "here"/"speaking") or whose relation speaks ("Ana's mother"). Elsewhere it is
// left alone: a name may be a word too ("Will", "May").

// nameReader rewrites one call's contact names; nil when the call has none in Latin
// letters. Its patterns are compiled on the first answer that holds a name: a call
// is set up per answered leg, and most never hear the name.
type nameReader struct {
	names                          []string // lower case
	once                           sync.Once
	whose, identity, yes, here, to *regexp.Regexp
}

// newNameReader keeps the name variables' values (isNameVar).
func newNameReader(vars map[string]string) *nameReader {
	var names []string
	for k, v := range vars {
		if !isNameVar(k) {
			continue
		}
		for _, w := range strings.Fields(strings.ToLower(v)) {
			if strings.IndexFunc(w, func(r rune) bool { return !unicode.IsLetter(r) || r > unicode.MaxLatin1 }) < 0 {
				names = append(names, w)
			}
		}
	}
	if len(names) == 0 {
		return nil
	}
	return &nameReader{names: names}
}

// mentioned reports whether text holds one of the names (as a substring: the
// patterns decide the rest).
func (n *nameReader) mentioned(text string) bool {
	lower := strings.ToLower(text)
	for _, w := range n.names {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

// compile is safe for concurrent use: the recogniser's goroutine reads names too
// (Hints.Holds).
func (n *nameReader) compile() { n.once.Do(n.build) }

func (n *nameReader) build() {
	quoted := make([]string, len(n.names))
	for i, w := range n.names {
		quoted[i] = regexp.QuoteMeta(w)
	}
	name := `(?:` + strings.Join(quoted, "|") + `)`
	n.whose = regexp.MustCompile(`(?i)\b` + name + `(?:'s|’s|s)\s+([a-z]+)`)
	n.identity = regexp.MustCompile(`(?i)\b(?:this is|it is|it's|its|i am|i'm|im)\s+` + name + `\b`)
	n.yes = regexp.MustCompile(`(?i)\b(yes|yeah|yep)[,.!]?\s+` + name + `\b`)
	n.here = regexp.MustCompile(`(?i)(^\s*|[,.!]\s*|\b(?:yes|yeah|yep)[,.!]?\s+)` + name + `[,.!]?\s+(?:here|speaking)\b`)
	n.to = regexp.MustCompile(`(?i)\b(speaking to|talking to|speaking with|talking with)\s+` + name + `\b`)
}

// read rewrites text; a nil reader leaves it as it is. The relation first ("this is
// Ana's mother" is her mother, not Ana), then the speaker naming themself ("that is
// me").
func (n *nameReader) read(text string) string {
	if n == nil || !n.mentioned(text) {
		return text
	}
	n.compile()
	text = n.whose.ReplaceAllStringFunc(text, func(m string) string {
		sub := n.whose.FindStringSubmatch(m)
		if !intent.IsRelation(strings.ToLower(sub[1])) {
			return m
		}
		return "her " + sub[1]
	})
	text = n.identity.ReplaceAllString(text, "that is me")
	text = n.here.ReplaceAllString(text, "${1}that is me") // "Ana here", not "there's no Ana here"
	text = n.yes.ReplaceAllString(text, "$1 that is me")
	return n.to.ReplaceAllString(text, "$1 her")
}

// readHeard rewrites the recogniser's readings alike (a copy; h is not changed).
func (n *nameReader) readHeard(h *intent.Heard) *intent.Heard {
	if n == nil || h == nil {
		return h
	}
	c := *h
	c.Readings = make([]intent.Reading, len(h.Readings))
	for i, r := range h.Readings {
		r.Text = n.read(r.Text)
		c.Readings[i] = r
	}
	return &c
}
