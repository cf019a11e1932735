package sentiment

import (
	"math"
	"strings"
	"unicode/utf8"
)

// entry is one lexicon word: valence -4 … +4, anger 0 … 3.
type entry struct {
	val, anger int8
}

// Lang is the lexicon a text is read with.
type Lang uint8

// Languages.
const (
	English Lang = iota
	Mandarin
)

// LangFor is the lexicon of a BCP 47 locale: zh-… and cmn-… read Mandarin,
// anything else English.
func LangFor(locale string) Lang {
	l := strings.ToLower(locale)
	if strings.HasPrefix(l, "zh") || strings.HasPrefix(l, "cmn") {
		return Mandarin
	}
	return English
}

// Text is the score of a turn's words.
type Text struct {
	Valence float64 // -1 (very negative) … +1 (very positive); 0 neutral or no evidence
	Anger   float64 // 0 … 1
}

// The mixing constants (doc.go explains them).
const (
	negFlipPositive = -0.8 // "not happy": a negated positive turns negative
	negFlipNegative = -0.5 // "not bad": a negated negative is mildly positive
	intensify       = 1.5
	valenceAlpha    = 6.0
	angerAlpha      = 2.0
	angerFromNeg    = 0.6  // text anger ≥ this × negative valence
	exclaimAnger    = 0.5  // per "!" (two at most) on a negative turn
	arousalWeight   = 0.4  // anger += weight × (arousal - 0.5)
	negScope        = 3    // words (English) or characters (Mandarin) a negator governs
	maxTextBytes    = 2048 // longer turns are read up to here
	maxTokens       = 256
)

// Score reads text with lang's lexicon. It allocates nothing.
func Score(lang Lang, text string) Text {
	if len(text) > maxTextBytes {
		text = text[:maxTextBytes]
	}
	var s, a float64
	if lang == Mandarin {
		s, a = scoreZH(text)
	} else {
		s, a = scoreEN(text)
	}
	excl := strings.Count(text, "!") + strings.Count(text, "！")
	if s < 0 && excl > 0 {
		a += exclaimAnger * float64(min(excl, 2))
	}
	t := Text{Valence: s / math.Sqrt(s*s+valenceAlpha)}
	t.Anger = a / math.Sqrt(a*a+angerAlpha)
	if t.Valence < 0 {
		t.Anger = max(t.Anger, -angerFromNeg*t.Valence)
	}
	return t
}

// apply adds an entry to the running sums, negated and intensified as needed.
func apply(e entry, intens float64, negated, prohibit bool, s, a *float64) {
	v, an := float64(e.val)*intens, float64(e.anger)*intens
	if negated && prohibit && e.anger > 0 {
		negated = false // 别骚扰我: forbidding a hostile act is no less hostile (别担心 still flips)
	}
	if negated {
		if v > 0 {
			v *= negFlipPositive
		} else {
			v *= negFlipNegative
		}
		an = 0
	}
	*s += v
	*a += an
}

// span is one English word in the lower-cased buffer.
type span struct {
	a, b     int
	clauseAt bool // a clause break (, . ; but) comes before it
}

func scoreEN(text string) (s, a float64) {
	var buf [maxTextBytes + maxTokens]byte
	var toks [maxTokens]span
	n, w := 0, 0
	inWord, brk := false, false
	for i := 0; i < len(text) && n < maxTokens; i++ {
		c := text[i]
		switch {
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
			fallthrough
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			if !inWord {
				if w > 0 {
					buf[w] = ' '
					w++
				}
				toks[n] = span{a: w, clauseAt: brk}
				inWord, brk = true, false
			}
			buf[w] = c
			w++
			toks[n].b = w
		case c == '\'':
			// don't → dont; the word goes on
		default:
			if inWord {
				n++
				inWord = false
			}
			if c == ',' || c == '.' || c == ';' || c == '?' || c == '!' || c == ':' {
				brk = true
			}
		}
	}
	if inWord {
		n++
	}
	negLeft, intens := 0, 1.0
	for i := 0; i < n; {
		if toks[i].clauseAt {
			negLeft, intens = 0, 1
		}
		word := buf[toks[i].a:toks[i].b]
		if string(word) == "but" {
			negLeft, intens = 0, 1
			i++
			continue
		}
		matched := 0
		for k := min(3, n-i); k >= 1; k-- {
			if k > 1 && clauseWithin(toks[i+1:i+k]) {
				continue
			}
			if e, ok := lexEN[string(buf[toks[i].a:toks[i+k-1].b])]; ok {
				if e.val != 0 || e.anger != 0 {
					apply(e, intens, negLeft > 0, false, &s, &a)
					negLeft, intens = 0, 1
				}
				matched = k
				break
			}
		}
		if matched > 0 {
			i += matched
			continue
		}
		switch {
		case negEN[string(word)]:
			negLeft = negScope
		case intensEN[string(word)]:
			intens = intensify
		case negLeft > 0:
			negLeft--
		}
		i++
	}
	return s, a
}

func clauseWithin(ts []span) bool {
	for _, t := range ts {
		if t.clauseAt {
			return true
		}
	}
	return false
}

// zhBreak reports whether r ends a clause in Mandarin text.
func zhBreak(r rune) bool {
	switch r {
	case '，', '。', '！', '？', '；', '、', ',', '.', '!', '?', ';', '：', ':':
		return true
	}
	return false
}

const maxZHEntry = 6 // characters

func scoreZH(text string) (s, a float64) {
	negLeft, intens, prohibit := 0, 1.0, false
	var ends [maxZHEntry + 1]int // byte end of the next k characters
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if zhBreak(r) || r == ' ' {
			if r != ' ' {
				negLeft, intens = 0, 1
			}
			i += size
			continue
		}
		k, j := 0, i
		for k < maxZHEntry && j < len(text) {
			rr, sz := utf8.DecodeRuneInString(text[j:])
			if zhBreak(rr) {
				break
			}
			j += sz
			k++
			ends[k] = j
		}
		step := 0
		for L := k; L >= 1; L-- {
			w := text[i:ends[L]]
			if e, ok := lexZH[w]; ok {
				if e.val != 0 || e.anger != 0 {
					apply(e, intens, negLeft > 0, prohibit, &s, &a)
					negLeft, intens = 0, 1
				}
				step = L
				break
			}
			if kind := negZH[w]; kind != 0 {
				negLeft, step, prohibit = negScope+L, L, kind == prohibitive // the negator's own characters are taken off below
				break
			}
			if intensZH[w] {
				intens, step = intensify, L
				break
			}
		}
		if step == 0 {
			step = 1
		}
		if negLeft > 0 {
			negLeft -= step
			if negLeft < 0 {
				negLeft = 0
			}
		}
		i = ends[step]
	}
	return s, a
}

// Combine is a turn's anger from its words and, when the audio was measured
// (voiced), its arousal.
func Combine(t Text, arousal float64, voiced bool) float64 {
	if !voiced {
		return t.Anger
	}
	return clamp01(t.Anger + arousalWeight*(arousal-0.5))
}

func clamp01(v float64) float64 { return max(0, min(1, v)) }

// AngryAt is the anger from which a turn counts as angry in the figures (the
// call's Angry flag, the labelled-set measure); the on_anger hook has its own
// threshold, this by default.
const AngryAt = 0.6
