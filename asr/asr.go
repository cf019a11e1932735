package asr

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"
)

// Kind tells what a Result reports.
type Kind uint8

const (
	// KindSpeechStart: the caller started speaking (for barge-in); no text yet.
	KindSpeechStart Kind = iota + 1
	// KindPartial: an interim hypothesis of the utterance in progress; may change.
	KindPartial
	// KindFinal: the end of an utterance with its final text and intent.
	KindFinal
	// KindDTMF: a key press, delivered through WriteDTMF, with its intent if the
	// grammar maps it.
	KindDTMF
)

func (k Kind) String() string {
	switch k {
	case KindSpeechStart:
		return "speech_start"
	case KindPartial:
		return "partial"
	case KindFinal:
		return "final"
	case KindDTMF:
		return "dtmf"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Result is one recognition event.
type Result struct {
	Kind Kind
	// Text is the words heard (lower case, as the engine spells them); "" for an
	// utterance the engine could not put into words.
	Text string
	// Intent is the grammar intent the text (or key) matched, "" for no match:
	// off-topic speech is rejected rather than forced into the nearest intent.
	Intent string
	// Confidence in [0, 1]; engines estimate it differently, compare within one engine.
	Confidence float64
	// Rejected: a grammar search heard speech, forced it into the phrase in Text, and
	// its own rejection check refused that phrase (off-topic or unclear speech). Text is
	// then what the grammar forced, not what was said: a listener must not route on it.
	Rejected bool
	// Open: the text came from an open-vocabulary search (SearchLM, the OpenFallback pass, or asr.Dual's open engine) that
	// writes down any words, phrases of the state's included, from a model leaning
	// towards them: a listener trusts its "stop calling" less than a grammar's.
	Open bool
	// Alternatives, for an open-vocabulary result, are the search's best readings of
	// the utterance (its lattice's N best paths, which need not include Text), best
	// first, each with its share of their probability (the shares sum to 1): a
	// listener that acts on meaning adds up the readings that mean the same ("yes",
	// "yep", "yeah") and hesitates when they disagree. Confidence is then the mean
	// posterior probability of Text's words.
	Alternatives []Alternative
	// Grammar, on a result whose words an open pass wrote over a grammar match it
	// doubted (SphinxOptions.OpenFallback), is that match. A listener that finds no
	// answer in the open words may still take the grammar's, as doubtfully as it takes
	// open words: open words that read nothing ("that calling" for "stop calling") are
	// no reason to drop a phrase the grammar heard at 0.9.
	Grammar *GrammarMatch
	// Start and End bound the utterance, measured in audio written since the recogniser
	// was created (so they line up with the call's media clock, not wall time).
	Start, End time.Duration
	DTMF       string // the key for KindDTMF
	// Err, on a final result, says the utterance was cut short (engine failure or
	// disconnect): Text holds whatever had been recognised.
	Err error
}

// GrammarMatch is a grammar phrase, its intent and its confidence.
type GrammarMatch struct {
	Text       string  `json:"text"`
	Intent     string  `json:"intent"`
	Confidence float64 `json:"confidence"`
}

// Alternative is one reading of an utterance and its share of the probability.
type Alternative struct {
	Text   string  `json:"text"`
	Weight float64 `json:"weight"`
}

// Recognizer is one caller's audio stream, usually one per call.
//
// Write and WriteDTMF never block for long: they are called from the media receive
// goroutine. Results are delivered on the Results channel, which is closed after Close
// (or when the context given to the engine ends). Partials may be dropped when the
// reader is slow; finals and DTMF are not. A Recognizer is safe for use by one writer
// and one reader at a time, and Close may be called from anywhere, more than once.
type Recognizer interface {
	// Write feeds caller audio: 8 kHz mono, any length (normally 160 samples). It
	// returns ErrOverrun when the engine is behind (the frame is dropped) and ErrClosed
	// after Close.
	Write(pcm []int16) error
	// WriteDTMF reports a key press; it ends any utterance in progress.
	WriteDTMF(digit rune) error
	// SetGrammar switches to the next listening state's intents; it applies from the
	// next utterance.
	SetGrammar(g *Grammar) error
	// Results delivers partial and final results in order.
	Results() <-chan Result
	// Flush ends the utterance in progress now (end of turn decided by the caller)
	// and returns once everything written before it has been recognised and the final
	// result emitted; read Results concurrently.
	Flush() error
	Close() error
}

// Engine creates recognisers.
type Engine interface {
	// Name identifies the engine ("sphinx", "vosk", "funasr", "dtmf").
	Name() string
	NewRecognizer(ctx context.Context, opts StreamOptions) (Recognizer, error)
}

// StreamOptions configures one recogniser.
// DefaultMaxUtterance is where a recogniser ends an utterance that has not ended by
// itself (voicebot.MaxCallerTurn waits for it).
const DefaultMaxUtterance = 15 * time.Second

type StreamOptions struct {
	// Grammar is the first listening state's intents; nil listens for DTMF only (for
	// embedded engines) or transcribes freely (network engines).
	Grammar *Grammar
	// EndSilence is the trailing silence that ends an utterance (the script's
	// end_of_turn); 0 means 700 ms.
	EndSilence time.Duration
	// MaxUtterance forces an end of utterance; 0 means DefaultMaxUtterance.
	MaxUtterance time.Duration
	// PartialEvery is how often partial hypotheses are produced; 0 means 300 ms,
	// negative disables partials.
	PartialEvery time.Duration
}

func (o StreamOptions) withDefaults() StreamOptions {
	if o.EndSilence <= 0 {
		o.EndSilence = 700 * time.Millisecond
	}
	if o.MaxUtterance <= 0 {
		o.MaxUtterance = DefaultMaxUtterance
	}
	if o.PartialEvery == 0 {
		o.PartialEvery = 300 * time.Millisecond
	}
	return o
}

// Intent is what a caller may mean, with the phrases that express it.
type Intent struct {
	Name    string
	Phrases []string
}

// Grammar is what one listening state listens for: its intents (including the
// script's global ones, such as opt-out) and its DTMF keys.
type Grammar struct {
	// Name identifies the grammar (the listening state); engines cache compiled
	// grammars by it, so two different grammars must not share a name.
	Name    string
	Intents []Intent
	// DTMF maps keys to intents ("1" → "yes").
	DTMF map[string]string
	// Holds, when set, says whether a recogniser's open words hold an intent the
	// listener routes on them (its classifier). An engine with an open pass then
	// decodes the open words first and the grammar only when they hold none — where
	// the grammar's reading is still used — and one of the grammar's phrases could
	// cover them (open words longer than its longest phrase and one word never get a
	// sure grammar reading), instead of the grammar on every utterance. Not part of
	// what engines compile and cache by Name.
	Holds func(text string) bool
}

// Validate checks names and phrases.
func (g *Grammar) Validate() error {
	if g == nil {
		return fmt.Errorf("nil grammar: %w", ErrBadGrammar)
	}
	if g.Name == "" {
		return fmt.Errorf("grammar without a name: %w", ErrBadGrammar)
	}
	seen := map[string]bool{}
	for _, in := range g.Intents {
		if in.Name == "" || seen[in.Name] {
			return fmt.Errorf("grammar %s: intent name %q empty or repeated: %w", g.Name, in.Name, ErrBadGrammar)
		}
		seen[in.Name] = true
		if len(in.Phrases) == 0 {
			return fmt.Errorf("grammar %s: intent %s has no phrases: %w", g.Name, in.Name, ErrBadGrammar)
		}
		for _, p := range in.Phrases {
			if len(Words(p)) == 0 {
				return fmt.Errorf("grammar %s: intent %s: phrase %q has no words: %w", g.Name, in.Name, p, ErrBadGrammar)
			}
		}
	}
	if len(g.Intents) == 0 && len(g.DTMF) == 0 {
		return fmt.Errorf("grammar %s: no intents and no DTMF keys: %w", g.Name, ErrBadGrammar)
	}
	for k := range g.DTMF {
		if len(k) != 1 || !validDigit(rune(k[0])) {
			return fmt.Errorf("grammar %s: DTMF key %q: %w", g.Name, k, ErrBadGrammar)
		}
	}
	return nil
}

// Phrases returns every phrase with its intent, longest first (for matching).
func (g *Grammar) phrases() []phrase {
	var out []phrase
	for _, in := range g.Intents {
		for _, p := range in.Phrases {
			out = append(out, phrase{intent: in.Name, words: Words(p)})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i].words) > len(out[j].words) })
	return out
}

type phrase struct {
	intent string
	words  []string
}

// Words normalises text to lower-case words: punctuation other than apostrophes inside
// words is dropped, CJK characters become one word each (Mandarin engines return
// unspaced text, and phrase matching must not depend on their spacing).
func Words(text string) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, strings.Trim(cur.String(), "'"))
			cur.Reset()
		}
	}
	for _, r := range strings.ToLower(text) {
		switch {
		case unicode.Is(unicode.Han, r):
			flush()
			out = append(out, string(r))
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '’':
			if r == '’' {
				r = '\''
			}
			cur.WriteRune(r)
		default:
			flush()
		}
	}
	flush()
	n := 0
	for _, w := range out {
		if w != "" {
			out[n] = w
			n++
		}
	}
	return out[:n]
}

// MatchIntent finds the intent whose phrase occurs in text as a whole-word sequence,
// preferring the longest phrase ("not really" beats "really"); ties go to the
// earliest occurrence. It returns "" when no phrase occurs. Network engines, which
// transcribe freely, use it to turn text into an intent.
func (g *Grammar) MatchIntent(text string) string {
	if g == nil {
		return ""
	}
	words := Words(text)
	best, bestLen, bestAt := "", 0, 0
	for _, p := range g.phrases() {
		if len(p.words) < bestLen {
			break
		}
		if at := indexWords(words, p.words); at >= 0 && (len(p.words) > bestLen || at < bestAt) {
			best, bestLen, bestAt = p.intent, len(p.words), at
		}
	}
	return best
}

func indexWords(hay, needle []string) int {
	for i := 0; i+len(needle) <= len(hay); i++ {
		ok := true
		for j, w := range needle {
			if hay[i+j] != w {
				ok = false
				break
			}
		}
		if ok {
			return i
		}
	}
	return -1
}

func validDigit(d rune) bool {
	return (d >= '0' && d <= '9') || d == '*' || d == '#' || (d >= 'A' && d <= 'D')
}

// samplesToDuration converts an 8 kHz sample count.
func samplesToDuration(n int64) time.Duration { return time.Duration(n) * time.Second / 8000 }
