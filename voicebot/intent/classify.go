package intent

import (
	"math"
	"slices"
)

// Intent is one intent the classifier can pick: a name and the phrases that express
// it, as the script lists them.
type Intent struct {
	Name    string
	Phrases []string
	// MinConfidence is the calibrated score below which a match of this intent does not
	// route (the caller is asked again). Zero takes Options.MinConfidence.
	MinConfidence float64
}

// Options configure New. Zero values take the defaults.
type Options struct {
	// MinConfidence is the default routing threshold; default DefaultMinConfidence.
	MinConfidence float64
	// NoMatchBelow: a best score below this is no_match (off-topic), at or above it
	// but under the intent's threshold it is low_confidence; default DefaultNoMatchBelow.
	NoMatchBelow float64
	// Model turns match features into a calibrated score; nil takes the language's:
	// DefaultModel for English, DefaultModelZh for an utterance in Chinese characters
	// (the features mean different things for words and for characters).
	Model *Model
	// Spoken scores an intent read from a recogniser's words (ClassifyHeard); nil
	// takes DefaultSpokenModel.
	Spoken *SpokenModel
	// HeardMinConfidence is the least spoken score (ClassifyHeard) that routes, over
	// the intent's own threshold; default DefaultHeardMinConfidence.
	HeardMinConfidence float64
	// GrammarKeepMinConfidence is the least grammar confidence at which a grammar
	// match the open words replaced (Heard.Grammar) is kept when those words hold no
	// intent; default DefaultGrammarKeepMinConfidence, negative never.
	GrammarKeepMinConfidence float64
	// BestReading scores the answer of a classifier that saw only the best reading
	// (ScoreBestReading); nil takes DefaultBestReadingModel.
	BestReading *SpokenModel
	// Prevail names the intents a caller who says one of their phrases in full has
	// asked for, whatever else they say: the script's opt-out (consent is revoked by
	// any reasonable means). "Don't call me, I'm not talking to a machine" opts out
	// rather than asking for a person.
	Prevail []string
	// SharedWordsCount lets a half match on a key word other entries share win (it
	// is vetoed by default: "calling" is neither "call back" nor "stop calling").
	// For many entries about one subject (a script's knowledge questions all say
	// "pay"), where the margin over the next entry tells them apart.
	SharedWordsCount bool
}

// Defaults for Options, chosen on the tuning sets (see eval_test.go and BENCHMARKS.md).
const (
	DefaultMinConfidence = 0.5
	DefaultNoMatchBelow  = 0.3
	// DefaultHeardMinConfidence: a recogniser's words route only from 0.6. The spoken
	// score is calibrated, so words scored 0.5–0.6 are wrong almost half the time,
	// and asking again gives the caller another chance where a wrong route does not.
	// On the tuning resources (tenth session; a tuning-split half and the held-out
	// sentences, spoken by the tuning voices, the open pass deciding under grammar
	// confidence 0.95) 0.6 against 0.5 routed 16 and 11 fewer answers right clean
	// for 9 and 4 fewer wrong, and 21 and 20 fewer right at 10 dB for 17 fewer
	// wrong each.
	DefaultHeardMinConfidence = 0.6
	// DefaultGrammarKeepMinConfidence: a grammar match is kept from 0.85. The live
	// engine decodes open words under 0.95, and a grammar match they replace with
	// words that read nothing (a "stop calling" at 0.86 against "that calling") is
	// the grammar's to route. On the tuning split's other half spoken by a tuning
	// voice the adapted model had not heard (two such voices): from 0.85, 5 more
	// right routes and none more wrong than never; from 0.8, 3 more wrong; from 0.5
	// (with the MLLR model) 44 more of 1,192 answers wrong at 10 dB for 14 more right.
	DefaultGrammarKeepMinConfidence = 0.85
)

// Verdict is what the classifier concluded about an utterance.
type Verdict string

// Verdicts.
const (
	VerdictMatch   Verdict = "match"          // route to Intent
	VerdictLow     Verdict = "low_confidence" // some evidence for Intent, not enough to route
	VerdictNoMatch Verdict = "no_match"       // nothing the caller said fits (off-topic)
)

// Result is the classifier's answer for one utterance.
type Result struct {
	Intent  string  `json:"intent,omitempty"` // best intent; empty when none has any evidence
	Phrase  string  `json:"phrase,omitempty"` // the phrase that gave the evidence
	Score   float64 `json:"score"`            // calibrated probability that Intent is right
	Verdict Verdict `json:"verdict"`
	// Exact: a listed phrase occurs as it is written (its own words, stemmed, in order,
	// contiguous, not negated): "stop calling me", not "quit phoning me".
	Exact bool `json:"exact,omitempty"`
	// Flipped: the evidence is another intent's phrase, negated ("I don't need an
	// agent"), counted for the script's negative answer.
	Flipped  bool     `json:"flipped,omitempty"`
	Features Features `json:"-"`
	// Spoken: the score weighs the recogniser's doubt too (ClassifyHeard).
	Spoken *SpokenFeatures `json:"-"`
	// Grammar: the recogniser's grammar match (Heard.Grammar), kept because the open
	// words that replaced it hold no intent; it is the grammar's word, not theirs.
	Grammar bool `json:"grammar,omitempty"`
}

// Classifier matches utterances to intents on their words. It is built once per
// script and is safe for concurrent use.
type Classifier struct {
	intents []compiled
	neg     int // index of the negative-answer intent ("no", "不是"), -1 none
	pos     int // index of the affirmative-answer intent ("yes", "是"), -1 none
	opts    Options
	en, zh  *Model // the default calibrations (Options.Model nil)
}

type compiled struct {
	name    string
	min     float64
	phrases []cphrase
}

type cphrase struct {
	raw     string
	toks    []tok
	weights []float64
	total   float64
	hasCue  bool
	allStop bool
	hasKey  bool // a content word other than a negation cue
	nonStop int  // words that are not function words (content words and cues)
	// shared[i]: toks[i] is a key word (content, not a negation cue) that a phrase of
	// another intent has too ("call" in "call back" and in "stop calling").
	shared []bool
}

// New compiles intents; phrases that normalise to nothing are ignored.
func New(intents []Intent, opts Options) *Classifier {
	if opts.MinConfidence <= 0 {
		opts.MinConfidence = DefaultMinConfidence
	}
	if opts.NoMatchBelow <= 0 {
		opts.NoMatchBelow = DefaultNoMatchBelow
	}
	if opts.HeardMinConfidence <= 0 {
		opts.HeardMinConfidence = DefaultHeardMinConfidence
	}
	switch {
	case opts.GrammarKeepMinConfidence == 0:
		opts.GrammarKeepMinConfidence = DefaultGrammarKeepMinConfidence
	case opts.GrammarKeepMinConfidence < 0:
		opts.GrammarKeepMinConfidence = 2 // never
	}
	if opts.Spoken == nil {
		opts.Spoken = DefaultSpokenModel()
	}
	if opts.BestReading == nil {
		opts.BestReading = DefaultBestReadingModel()
	}
	c := &Classifier{neg: -1, pos: -1, opts: opts, en: DefaultModel(), zh: DefaultModelZh()}
	for _, in := range intents {
		ci := compiled{name: in.Name, min: in.MinConfidence}
		if ci.min <= 0 {
			ci.min = opts.MinConfidence
		}
		for _, ph := range in.Phrases {
			p, ok := compilePhrase(ph)
			if !ok {
				continue
			}
			switch bareAnswer(p.toks) {
			case "no":
				if c.neg < 0 {
					c.neg = len(c.intents)
				}
			case "yes":
				if c.pos < 0 {
					c.pos = len(c.intents)
				}
			}
			ci.phrases = append(ci.phrases, p)
		}
		c.intents = append(c.intents, ci)
	}
	c.markShared()
	return c
}

// markShared marks the key words that phrases of more than one intent use: such a
// word alone is evidence for none of them ("calling" is neither "call back" nor
// "stop calling").
func (c *Classifier) markShared() {
	owner := map[string]int{} // key word → its intent, -1 when several
	for i, in := range c.intents {
		for _, p := range in.phrases {
			for _, t := range p.toks {
				if t.stop || t.cue {
					continue
				}
				if o, ok := owner[t.canon]; ok && o != i {
					owner[t.canon] = -1
				} else if !ok {
					owner[t.canon] = i
				}
			}
		}
	}
	for i := range c.intents {
		for k := range c.intents[i].phrases {
			p := &c.intents[i].phrases[k]
			p.shared = make([]bool, len(p.toks))
			for j, t := range p.toks {
				p.shared[j] = !t.stop && !t.cue && owner[t.canon] == -1
			}
		}
	}
}

func compilePhrase(ph string) (cphrase, bool) {
	toks := analyseAny(ph)
	askPay(toks) // a question phrase ("how can i pay") asks as the caller's question does
	toks = slices.DeleteFunc(toks, func(t tok) bool { return t.canon == "，" })
	if len(toks) == 0 {
		return cphrase{}, false
	}
	p := cphrase{raw: ph, toks: toks, weights: make([]float64, len(toks)), allStop: true}
	for _, t := range toks {
		if !t.stop {
			p.allStop = false
			p.nonStop++
			p.hasKey = p.hasKey || !t.cue
		}
		if t.cue {
			p.hasCue = true
		}
	}
	for i, t := range toks {
		w := 1.0
		if t.stop && !p.allStop {
			w = stopWeight
		}
		p.weights[i] = w
		p.total += w
	}
	return p, true
}

// minCoverage is the least share of a phrase's weight an utterance must contain.
const minCoverage = 0.5

// stopWeight is what a function word weighs in a phrase, against 1 for a content word.
const stopWeight = 0.25

// strayWords is how many content words a match leaves unexplained before part of a
// phrase is no evidence for its intent. From three it costs no answer of the tuning
// and held-out sets (two of 180 blind ones) and keeps 25 more of the 127 decoys
// (testdata/en.decoy.txt) out; from two, eight blind answers (BENCHMARKS.md,
// "Fourteenth session").
const strayWords = 3

// bareAnswer is "no" for a bare negative answer ("no", "不", "不是", "不对"), "yes" for
// a bare affirmative one ("yes", "是", "对", "是的"), and "" for any other phrase.
func bareAnswer(toks []tok) string {
	var s string
	for _, t := range toks {
		s += t.canon + " "
	}
	switch s {
	case "no ", "不 ", "不 是 ", "不 对 ":
		return "no"
	case "yes ", "是 ", "对 ", "是 的 ":
		return "yes"
	}
	return ""
}

// Features describe how the best intent matched; the Model turns them into a score.
type Features struct {
	Coverage   float64 // share of the phrase's weight found in the utterance
	Weight     float64 // the matched weight, capped at 3, over 3
	Explained  float64 // share of the utterance's content words the phrase accounts for
	Margin     float64 // lead over the next intent, relative to the best
	Exact      float64 // 1 when the phrase occurs as written
	Flipped    float64 // 1 when a negated phrase of another intent counts for no
	Unexplain  float64 // content words left unexplained, capped at 4, over 4
	Contiguous float64 // 1 when the matched words are in order and adjacent
	Question   float64 // 1 when the utterance asks something (who, what, 谁, 什么): seldom an answer
	Initial    float64 // 1 when the match starts the utterance (answers come first: "是，…")
}

func (f Features) vector() [nFeatures]float64 {
	return [nFeatures]float64{f.Coverage, f.Weight, f.Explained, f.Margin, f.Exact, f.Flipped, f.Unexplain, f.Contiguous, f.Question, f.Initial}
}

const nFeatures = 10

type pmatch struct {
	ok        bool
	cov, w    float64
	key       float64
	used      []int
	ordered   bool
	contig    bool
	literal   bool // every matched word is the phrase's own (no synonym, no near miss)
	negated   bool
	phrase    string
	intent    int
	flipped   bool
	explained int
	// ambiguous: the only key words matched are ones another intent's phrases have too,
	// and the phrase's other words are missing. Such a match is a competitor (it
	// lowers the margin of the best), never the best.
	ambiguous bool
}

// Classify finds the intent of text among allowed (every intent when allowed is nil).
func (c *Classifier) Classify(text string, allowed []string) Result {
	return c.classify(text, allowed, !c.opts.SharedWordsCount)
}

// classify is Classify; with veto false an ambiguous match (a key word other intents
// share, the rest of its phrase missing) may be the best, as it could before the
// veto: the model is fitted on those candidates too (see Samples).
func (c *Classifier) classify(text string, allowed []string, veto bool) Result {
	u := analyse(text)
	u = slices.DeleteFunc(u, func(t tok) bool { return t.canon == "，" })
	return c.classifyToks(u, allowed, veto, true)
}

// classifyToks is classify on analysed words; with preface, an answer particle that
// starts them may give way to the answer after it.
func (c *Classifier) classifyToks(u []tok, allowed []string, veto, preface bool) Result {
	if len(u) == 0 {
		return Result{Verdict: VerdictNoMatch}
	}
	content := 0
	for _, t := range u {
		if !t.stop {
			content++
		}
	}
	question := isQuestion(u)
	words := !slices.ContainsFunc(u, func(t tok) bool { return t.cjk })
	best := make([]pmatch, len(c.intents))  // best evidence per intent, flips included
	rival := make([]pmatch, len(c.intents)) // the same, ambiguous matches included
	for i, in := range c.intents {
		if allowed != nil && !slices.Contains(allowed, in.name) {
			continue
		}
		for _, p := range in.phrases {
			m := matchPhrase(p, u)
			if !m.ok {
				continue
			}
			m.intent, m.phrase = i, p.raw
			if m.negated {
				if c.neg < 0 || c.neg == i || (allowed != nil && !slices.Contains(allowed, c.intents[c.neg].name)) {
					continue
				}
				m.intent, m.flipped = c.neg, true
			}
			m.explained = explained(m.used, u)
			// Part of a phrase in a sentence about something else is no evidence
			// either ("the rain finally stopped" is not "stop calling", "we took
			// the later train" not "call back later"), though, like an ambiguous
			// match, it narrows the lead of another intent's. Words, not
			// characters: a Mandarin answer leaves many characters unexplained.
			stray := words && m.cov < 1 && content-m.explained >= strayWords
			// A phrase whose word was said in another sense ("already paid" in "I
			// got paid yesterday": wages, "yesterday" read as "already") was not
			// said: its other words are no evidence.
			stray = stray || (m.cov < 1 && saidOtherwise(p, u))
			if better(m, rival[m.intent]) {
				rival[m.intent] = m
			}
			if !stray && (!m.ambiguous || !veto) && better(m, best[m.intent]) {
				best[m.intent] = m
			}
		}
	}
	var top, second pmatch
	for _, m := range best {
		if better(m, top) {
			top = m
		}
	}
	if !top.ok {
		return Result{Verdict: VerdictNoMatch}
	}
	for i, m := range best {
		// Said in full: every word, in order, together ("i can't do this, call me
		// later" has "do not call" only scattered).
		if m.ok && i != top.intent && m.cov == 1 && m.ordered && m.contig && !m.flipped && slices.Contains(c.opts.Prevail, c.intents[i].name) &&
			!slices.Contains(c.opts.Prevail, c.intents[top.intent].name) {
			top = m
			break
		}
	}
	// An answer particle before another intent's answer is its preface: "yes, that's
	// paid", "yes, let me speak to a person" say what the words after "yes" say. The
	// particle's one word matches its phrase in full and outweighs a paraphrase that
	// matches in part, so the rest is classified on its own, and routes when it
	// would on its own. Words only: a Mandarin answer's tokens are characters, and a
	// first character is no particle of its own ("好呀，到期我就还" promises).
	// A "no" does not give way to a yes after it: "no, I'm fine thanks", "no that's
	// fine", "no way I can pay that" decline.
	if preface && words && len(u) > 1 && len(top.used) == 1 && top.used[0] == 0 && top.cov == 1 {
		if r := c.classifyToks(u[1:], allowed, veto, false); r.Verdict == VerdictMatch && r.Intent != c.intents[top.intent].name &&
			(top.intent != c.neg || c.pos < 0 || r.Intent != c.intents[c.pos].name) {
			return r
		}
	}
	for i, m := range rival {
		if i != top.intent && better(m, second) {
			second = m
		}
	}
	f := Features{Coverage: top.cov, Weight: min(top.w, 3) / 3, Contiguous: b2f(top.ordered && top.contig), Question: b2f(question)}
	if content > 0 {
		f.Explained = float64(top.explained) / float64(content)
		f.Unexplain = float64(min(content-top.explained, 4)) / 4
	} else {
		f.Explained = 1
	}
	if second.ok {
		// An ambiguous rival can outweigh the best ("stop calling" half heard beside a
		// weak "later"): no lead at all.
		f.Margin = max(0, (top.key-second.key)/top.key)
	} else {
		f.Margin = 1
	}
	f.Initial = b2f(slices.Min(top.used) == 0)
	exact := top.cov == 1 && top.ordered && top.contig && top.literal && !top.flipped
	f.Exact, f.Flipped = b2f(exact), b2f(top.flipped)
	score := c.model(u).Score(f)
	r := Result{Intent: c.intents[top.intent].name, Phrase: top.phrase, Score: round3(score), Exact: exact, Flipped: top.flipped, Features: f}
	r.Verdict = c.verdict(r.Intent, score)
	return r
}

// isQuestion reports whether u asks rather than answers. In Mandarin a question
// word or particle anywhere asks (谁, 吗). In English a question word asks where it
// opens or ends the utterance ("who's calling", "is this a person or what"), or a
// verb opens it before its subject ("is this…", "are you…"); inside it, it mostly
// opens a clause of an answer ("someone who can help", "call when I'm home"). Modal
// openings ("can you call back", "could you…") and "is there…" ("is there someone I
// can talk to") are requests, not questions.
func isQuestion(u []tok) bool {
	if len(u) == 0 {
		return false
	}
	if u[0].cjk {
		return slices.ContainsFunc(u, func(t tok) bool { return questionWords[t.word] })
	}
	if questionWords[u[0].word] || questionWords[u[len(u)-1].word] {
		return true
	}
	return len(u) > 1 && enAskVerbs[u[0].word] && enSubjects[u[1].word]
}

// enAskVerbs open a question before its subject (enSubjects).
var (
	enAskVerbs = setOf("is", "are", "am", "was", "were")
	enSubjects = setOf("this", "that", "it", "you", "i", "he", "she", "they")
)

// model is the calibration for utterance u: the caller's, else its language's.
func (c *Classifier) model(u []tok) *Model {
	switch {
	case c.opts.Model != nil:
		return c.opts.Model
	case slices.ContainsFunc(u, func(t tok) bool { return t.cjk }):
		return c.zh
	}
	return c.en
}

// verdict is what a score of the named intent concludes.
func (c *Classifier) verdict(name string, score float64) Verdict {
	switch {
	case score >= c.MinConfidence(name):
		return VerdictMatch
	case score >= c.opts.NoMatchBelow:
		return VerdictLow
	}
	return VerdictNoMatch
}

// MinConfidence is the routing threshold of the named intent (the default for an
// unknown name).
func (c *Classifier) MinConfidence(name string) float64 {
	for _, in := range c.intents {
		if in.name == name {
			return in.min
		}
	}
	return c.opts.MinConfidence
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func round3(f float64) float64 { return math.Round(f*1000) / 1000 }

// better orders matches: more matched weight times coverage, then coverage, then
// words in order, then the earlier intent.
func better(a, b pmatch) bool {
	if !a.ok {
		return false
	}
	if !b.ok {
		return true
	}
	if math.Abs(a.key-b.key) > 1e-9 {
		return a.key > b.key
	}
	if math.Abs(a.cov-b.cov) > 1e-9 {
		return a.cov > b.cov
	}
	if a.contig != b.contig {
		return a.contig
	}
	if a.flipped != b.flipped {
		return !a.flipped
	}
	if a.literal != b.literal {
		// "representative" matches both the phrase "representative" (as written)
		// and "agent" (a synonym): the phrase as written is the evidence, so the
		// match is exact and a confirm question is not needed.
		return a.literal
	}
	return a.intent < b.intent
}

// explained counts the utterance's content words a match used.
func explained(used []int, u []tok) int {
	n := 0
	for _, j := range used {
		if !u[j].stop {
			n++
		}
	}
	return n
}

// matchPhrase aligns a phrase's words with the utterance's, in any order (in order
// preferred), and scores the alignment.
// saidOtherwise reports whether a word of phrase p occurs in u in another sense
// (inert): the phrase was not said, whatever else of it was.
func saidOtherwise(p cphrase, u []tok) bool {
	for _, ut := range u {
		if !ut.inert {
			continue
		}
		for _, pt := range p.toks {
			if pt.canon == ut.sense {
				return true
			}
		}
	}
	return false
}

func matchPhrase(p cphrase, u []tok) pmatch {
	m := pmatch{ordered: true, contig: true, literal: true}
	taken := uint64(0) // utterance positions used (utterances past 64 words match on their first 64)
	last := -1
	keyMatched := false
	specific := false // a matched key word no other intent's phrase has
	nonStopMatched := 0
	// The key words are the content words other than negation cues; a phrase with
	// none ("not really", "没有") keys on its cue, one with no content word on all.
	cueKeyed := !p.allStop
	for _, pt := range p.toks {
		if !pt.stop && !pt.cue {
			cueKeyed = false
		}
	}
	for i, pt := range p.toks {
		j := -1
		for k := last + 1; k < len(u) && k < 64; k++ {
			if taken&(1<<k) == 0 && same(pt, u[k]) && negOK(p, pt, u[k]) {
				j = k
				break
			}
		}
		if j < 0 {
			for k := 0; k <= last && k < 64; k++ {
				if taken&(1<<k) == 0 && same(pt, u[k]) && negOK(p, pt, u[k]) {
					j = k
					m.ordered = false
					break
				}
			}
		}
		if j < 0 {
			if len(m.used) > 0 {
				m.contig = false
			}
			continue
		}
		if last >= 0 && j != last+1 {
			m.contig = false
		}
		taken |= 1 << j
		last = max(last, j)
		if pt.stem != u[j].stem {
			m.literal = false
		}
		m.used = append(m.used, j)
		m.w += p.weights[i]
		if p.allStop || (!pt.stop && (!pt.cue || cueKeyed)) {
			keyMatched = true
		}
		if !pt.stop && !pt.cue && (p.shared == nil || !p.shared[i]) {
			specific = true
		}
		if !pt.stop {
			nonStopMatched++
		}
		if !p.hasCue && u[j].neg && (!pt.stop || p.allStop) {
			m.negated = true
		}
	}
	if len(m.used) < len(p.toks) {
		m.contig = false
	}
	m.cov = m.w / p.total
	m.key = m.w * m.cov
	// Words another intent claims too are evidence only with the rest of the phrase's
	// content words and cues.
	m.ambiguous = p.hasKey && !specific && nonStopMatched < p.nonStop
	m.ok = keyMatched && m.cov >= minCoverage && (!p.allStop || len(m.used) == len(p.toks))
	return m
}

// negOK: in a phrase that carries its own negation ("do not call"), a word the
// phrase negates must be negated in the utterance too.
func negOK(p cphrase, pt, ut tok) bool {
	if !p.hasCue || pt.cue {
		return true
	}
	return !pt.neg || ut.neg
}

// same compares words: the same concept, or (Latin words of six letters and more)
// stems one edit apart, two from ten letters, as a recogniser's near misses are
// (five-letter words one edit apart are too often other words: water, later).
func same(a, b tok) bool {
	if a.inert || b.inert {
		return false
	}
	if a.canon == b.canon {
		return true
	}
	if a.cjk || b.cjk || a.cue || b.cue {
		return false
	}
	n := min(len(a.stem), len(b.stem))
	if n < 6 {
		return false
	}
	tol := 1
	if n >= 10 {
		tol = 2
	}
	return levenshtein(a.stem, b.stem, tol) <= tol
}

// levenshtein is the edit distance of a and b in bytes (Latin words), giving up at
// limit+1.
func levenshtein(a, b string, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	var prevBuf, curBuf [32]int
	if len(b)+1 > len(prevBuf) {
		return limit + 1
	}
	prev, cur := prevBuf[:len(b)+1], curBuf[:len(b)+1]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
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
	return prev[len(b)]
}
