package voicebot

import (
	"strings"
	"unicode"
)

// Match is an intent recognised in a caller's utterance.
type Match struct {
	Intent string  `json:"intent"`
	Phrase string  `json:"phrase,omitempty"` // the phrase that matched (phrase matching)
	Score  float64 `json:"score"`            // 1 is an exact phrase; lower is fuzzier
	Source string  `json:"source"`           // phrase | llm
}

// Matcher finds intents in recognised text by normalised, fuzzy phrase matching. It is
// built once per script and safe for concurrent use.
//
// Text and phrases are normalised the same way: lower case, full-width forms folded,
// English contractions expanded ("don't" and "dont" read "do not"), punctuation and
// hesitations ("um", "嗯") dropped, and a few characters a Mandarin recogniser confuses
// for one another folded together (在/再, 的/得/地, 已/以). Latin text is compared word
// by word; Chinese, which has no spaces, character by character. A phrase matches a run
// of the utterance's tokens when their edit distance, in characters, is within the
// phrase's tolerance: none for short phrases ("no", "是的"), about one edit per five
// Latin letters or four Chinese characters for longer ones, so "already payed" and
// "别在打了" still match. Among matches, the most specific wins: the longest phrase
// weighted by its score, then the better score, then the intent declared first.
type Matcher struct {
	intents []matcherIntent
}

type matcherIntent struct {
	name    string
	phrases []normPhrase
}

type normPhrase struct {
	raw    string
	tokens []token
	text   string // tokens joined for distance (space between Latin words)
	runes  int    // letters in text, without spaces
	cjk    bool
}

type token struct {
	s   string
	cjk bool
}

// NewMatcher compiles intents; phrases that normalise to nothing are ignored.
func NewMatcher(intents []*Intent) *Matcher {
	m := &Matcher{}
	for _, in := range intents {
		mi := matcherIntent{name: in.Name}
		for _, ph := range in.Phrases {
			toks := tokenize(ph, true) // hesitations are dropped from phrases too, as from what is heard
			if len(toks) == 0 {
				continue
			}
			text, runes, cjk := joinTokens(toks)
			mi.phrases = append(mi.phrases, normPhrase{raw: ph, tokens: toks, text: text, runes: runes, cjk: cjk})
		}
		m.intents = append(m.intents, mi)
	}
	return m
}

// Match returns the best intent among allowed (all intents when allowed is nil).
func (m *Matcher) Match(text string, allowed []string) (Match, bool) {
	if m == nil {
		return Match{}, false
	}
	utt := tokenize(text, true)
	if len(utt) == 0 {
		return Match{}, false
	}
	var best Match
	bestWeight := 0.0
	found := false
	for _, mi := range m.intents {
		if allowed != nil && !contains(allowed, mi.name) {
			continue
		}
		for _, ph := range mi.phrases {
			score, ok := matchPhrase(ph, utt)
			if !ok {
				continue
			}
			w := float64(ph.runes) * score
			if !found || w > bestWeight+1e-9 || (w > bestWeight-1e-9 && score > best.Score) {
				best = Match{Intent: mi.name, Phrase: ph.raw, Score: round3(score), Source: "phrase"}
				bestWeight, found = w, true
			}
		}
	}
	return best, found
}

// Normalize returns text as the matcher sees it (tokens joined by spaces), for
// transcripts and tests.
func Normalize(text string) string {
	toks := tokenize(text, true)
	parts := make([]string, len(toks))
	for i, t := range toks {
		parts[i] = t.s
	}
	return strings.Join(parts, " ")
}

func round3(f float64) float64 { return float64(int(f*1000+0.5)) / 1000 }

// matchPhrase scores the phrase's best alignment with a run of utterance tokens.
func matchPhrase(ph normPhrase, utt []token) (float64, bool) {
	k := len(ph.tokens)
	tol := tolerance(ph)
	best := -1.0
	for i := range utt {
		for l := max(1, k-1); l <= k+1 && i+l <= len(utt); l++ {
			if tol == 0 && l != k {
				continue
			}
			wtext, wrunes, _ := joinTokens(utt[i : i+l])
			if abs(wrunes-ph.runes) > tol {
				continue
			}
			d := levenshtein(ph.text, wtext, tol)
			if d > tol {
				continue
			}
			s := 1 - float64(d)/float64(max(ph.runes, wrunes, 1))
			if s > best {
				best = s
			}
		}
	}
	return best, best >= 0
}

// tolerance is how many character edits a phrase accepts.
func tolerance(ph normPhrase) int {
	if ph.cjk {
		return ph.runes / 4
	}
	return ph.runes / 5
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// joinTokens joins tokens for comparison: Latin words with one space, CJK characters
// with none. runes counts letters, not spaces.
func joinTokens(toks []token) (string, int, bool) {
	var b strings.Builder
	runes := 0
	cjk := true
	for i, t := range toks {
		if i > 0 && !(t.cjk && toks[i-1].cjk) {
			b.WriteByte(' ')
		}
		b.WriteString(t.s)
		runes += len([]rune(t.s))
		if !t.cjk {
			cjk = false
		}
	}
	return b.String(), runes, cjk
}

// levenshtein is the edit distance of a and b in runes, giving up (returning limit+1)
// once every path exceeds limit. Spaces count as characters.
func levenshtein(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if abs(len(ra)-len(rb)) > limit {
		return limit + 1
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return limit + 1
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// contractions expands English contractions, with and without the apostrophe, so that
// "don't call", "dont call" and "do not call" read alike.
var contractions = map[string][]string{
	"don't": {"do", "not"}, "dont": {"do", "not"}, "doesn't": {"does", "not"}, "doesnt": {"does", "not"},
	"didn't": {"did", "not"}, "didnt": {"did", "not"}, "can't": {"can", "not"}, "cant": {"can", "not"},
	"cannot": {"can", "not"}, "won't": {"will", "not"}, "wont": {"will", "not"}, "isn't": {"is", "not"},
	"isnt": {"is", "not"}, "i'm": {"i", "am"}, "im": {"i", "am"}, "it's": {"it", "is"},
	"that's": {"that", "is"}, "thats": {"that", "is"}, "i've": {"i", "have"}, "ive": {"i", "have"},
	"you're": {"you", "are"}, "youre": {"you", "are"}, "we're": {"we", "are"}, "i'll": {"i", "will"},
	"let's": {"let", "us"}, "what's": {"what", "is"}, "wasn't": {"was", "not"}, "wasnt": {"was", "not"},
	"aren't": {"are", "not"}, "arent": {"are", "not"}, "haven't": {"have", "not"}, "havent": {"have", "not"},
}

// fillers are hesitations dropped from utterances (not from phrases).
var fillers = map[string]bool{"um": true, "uh": true, "er": true, "erm": true, "hmm": true, "mm": true, "ah": true, "嗯": true, "呃": true, "额": true}

// cjkFold folds characters a Mandarin recogniser swaps for homophones.
var cjkFold = map[rune]rune{'在': '再', '得': '的', '地': '的', '以': '已', '她': '他', '它': '他', '嘛': '吗', '么': '吗', '妳': '你'}

func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r)
}

// foldWidth maps full-width ASCII forms to ASCII and curly apostrophes to '.
func foldWidth(r rune) rune {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E:
		return r - 0xFEE0
	case r == 0x3000:
		return ' '
	case r == '\u2019' || r == '\u2018' || r == '\u02BC' || r == '`':
		return '\''
	}
	return r
}

// tokenize splits normalised text into Latin words and single CJK characters.
func tokenize(s string, utterance bool) []token {
	var toks []token
	var word []rune
	flush := func() {
		if len(word) == 0 {
			return
		}
		w := strings.Trim(string(word), "'")
		word = word[:0]
		if w == "" {
			return
		}
		if exp, ok := contractions[w]; ok {
			for _, e := range exp {
				toks = append(toks, token{s: e})
			}
			return
		}
		if utterance && fillers[w] {
			return
		}
		toks = append(toks, token{s: strings.ReplaceAll(w, "'", "")})
	}
	for _, r := range s {
		r = unicode.ToLower(foldWidth(r))
		switch {
		case isCJK(r):
			flush()
			if f, ok := cjkFold[r]; ok {
				r = f
			}
			if utterance && fillers[string(r)] {
				continue
			}
			toks = append(toks, token{s: string(r), cjk: true})
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'':
			word = append(word, r)
		default:
			flush()
		}
	}
	flush()
	return toks
}
