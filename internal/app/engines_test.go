package app

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/voxdial/voxdial/asr"
	"github.com/voxdial/voxdial/asr/evalset"
	"github.com/voxdial/voxdial/voicebot/intent"
)

// TestOpenEngineHearsLexiconWords: the open pass can write down words the classifier
// understands that no tuning sentence holds ("shower", "highway"); before the
// lexicon went into its language model it could not, and such answers were lost
// whatever the classifier knew.
func TestOpenEngineHearsLexiconWords(t *testing.T) {
	t.Parallel()
	if !asr.SphinxBuiltIn {
		t.Fatal("this build has no pocketsphinx (cgo)")
	}
	requireUnseen(t, []string{"shower", "highway", "studying"}, intent.AnswerCorpus("en"), "a tuning sentence")
	// Synthesis and decoding are deterministic (flite's and the decoder's own
	// generators), and this voice's "i am studying" comes out as other words: two of
	// three are written down.
	want := map[string]string{"i am in the shower": "shower", "i am on the highway": "highway", "i am studying": "studying"}
	if heard := wordsWrittenDown(t, want); heard < 2 {
		t.Errorf("%d of 3 lexicon words written down, want at least 2", heard)
	}
}

// TestOpenEngineHearsAsides: the open pass can write down everyday words no answer and
// no lexicon line holds ("printer", "fishing", "dishwasher"), from the aside corpus:
// off-topic speech comes out as its own words, not as the nearest answer's (without the
// asides, "the printer is out of ink" was read "transfer it out again"). Not every
// aside is read whole: this voice's "we went" comes out as "human", an agent word, so
// the test holds the words, not the routes (the live bench measures those).
func TestOpenEngineHearsAsides(t *testing.T) {
	t.Parallel()
	if !asr.SphinxBuiltIn {
		t.Fatal("this build has no pocketsphinx (cgo)")
	}
	want := map[string]string{"the printer is out of ink": "printer", "we went fishing at the lake": "fishing", "the dishwasher is broken": "dishwasher"}
	requireUnseen(t, slices.Collect(maps.Values(want)), append(intent.AnswerCorpus("en"), intent.LexiconCorpus("en")...), "an answer or lexicon line")
	if heard := wordsWrittenDown(t, want); heard < 2 {
		t.Errorf("%d of 3 aside words written down, want at least 2", heard)
	}
}

// TestOpenEngineHearsWrittenAnswers: the open pass can write down answer words that
// only the written answers hold ("standing order", "by card", "automated"), in no
// tuning sentence, lexicon line or aside: without intent.WrittenCorpus the model has
// no path through them.
func TestOpenEngineHearsWrittenAnswers(t *testing.T) {
	t.Parallel()
	if !asr.SphinxBuiltIn {
		t.Fatal("this build has no pocketsphinx (cgo)")
	}
	want := map[string]string{"it's on a standing order": "standing", "i paid it by card": "card", "i don't want automated calls": "automated"}
	seen := append(intent.AnswerCorpus("en"), intent.LexiconCorpus("en")...)
	requireUnseen(t, slices.Collect(maps.Values(want)), append(seen, intent.AsideCorpus("en")...), "an answer, lexicon or aside line")
	requireSeen(t, slices.Collect(maps.Values(want)), intent.WrittenCorpus("en"))
	if heard := wordsWrittenDown(t, want); heard < 2 {
		t.Errorf("%d of 3 written answers' words written down, want at least 2", heard)
	}
}

// wordsWrittenDown speaks each sentence of want (flite's slt, clean) to the live
// calls' English engine and counts those whose open words hold the word want gives it.
func wordsWrittenDown(t *testing.T, want map[string]string) int {
	t.Helper()
	ctx := context.Background()
	eng := openTestEngine(t)
	var phrases []evalset.Labeled
	for _, text := range slices.Sorted(maps.Keys(want)) {
		phrases = append(phrases, evalset.Labeled{Text: text})
	}
	us, err := evalset.Generate(ctx, evalset.Options{Phrases: phrases, Voices: []evalset.Voice{{Engine: "flite", Name: "slt"}}, Speeds: []float64{1}, SNRs: []float64{0}})
	if err != nil {
		t.Fatal(err)
	}
	g := &asr.Grammar{Name: "open-test", Intents: []asr.Intent{{Name: "all", Phrases: openTestVocab}}}
	heard := 0
	for _, u := range us {
		o, err := evalset.Recognize(ctx, eng, g, u)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%q → %q (open %v)", u.Text, o.Text, o.Open)
		if strings.Contains(o.Text, want[u.Text]) {
			heard++
		}
	}
	return heard
}

// openTestVocab is the grammar of the open-engine tests.
var openTestVocab = []string{"yes", "no", "stop calling", "remove me", "agent", "human", "already paid", "call me later"}

// openTestEngine is the live calls' English engine (open pass, channel transform) over
// openTestVocab, closed at the test's end.
func openTestEngine(t *testing.T) asr.Engine {
	t.Helper()
	eng, err := NewSphinxEngine(openTestVocab, true, true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.(interface{ Close() error }).Close() })
	return eng
}

// requireSeen stops the test when one of words is in no line of lines.
func requireSeen(t *testing.T, words, lines []string) {
	t.Helper()
	for _, w := range words {
		if !slices.ContainsFunc(lines, func(s string) bool { return strings.Contains(" "+s+" ", " "+w+" ") }) {
			t.Fatalf("%q is in no written answer: the test would not show what it is about", w)
		}
	}
}

// requireUnseen stops the test when one of words is already in lines: the test would
// not show the part of the corpus it is about.
func requireUnseen(t *testing.T, words, lines []string, what string) {
	t.Helper()
	for _, w := range words {
		for _, s := range lines {
			if strings.Contains(" "+s+" ", " "+w+" ") {
				t.Fatalf("%q is in %s (%q): the test would not show what it is about", w, what, s)
			}
		}
	}
}
