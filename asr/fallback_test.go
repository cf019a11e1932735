package asr_test

import (
	"context"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/voxdial/voxdial/asr"
	"github.com/voxdial/voxdial/asr/evalset"
)

// TestSphinxOpenFallback: an utterance the grammar holds is answered by the grammar
// alone; a paraphrase it cannot hold is decoded again with the state's language model
// and comes out as words (Result.Open) for the classifier.
func TestSphinxOpenFallback(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	corpus := []string{"i already paid", "i paid it last week", "please stop calling me", "quit calling me", "yes that's me", "call me later"}
	eng, err := asr.NewSphinx(asr.SphinxOptions{Vocabulary: []string{"yes", "stop calling", "already paid"}, OpenFallback: true, Corpus: corpus, LMWords: 300})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	us := sltSaying(t, []evalset.Labeled{{Text: "yes", Intent: "yes"}, {Text: "i paid the bill last week", Intent: "paid"}})
	g := &asr.Grammar{Name: "fallback-test", Intents: []asr.Intent{
		{Name: "yes", Phrases: []string{"yes"}}, {Name: "opt_out", Phrases: []string{"stop calling"}}, {Name: "paid", Phrases: []string{"already paid"}},
	}}
	for _, u := range us {
		o, err := evalset.Recognize(ctx, eng, g, u)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%q → %q (open %v, intent %q, confidence %.2f)", u.Text, o.Text, o.Open, o.Intent, o.Confidence)
		switch u.Intent {
		case "yes":
			if o.Open || o.Intent != "yes" {
				t.Errorf("%q: the grammar's sure answer was replaced: %+v", u.Text, o)
			}
		case "paid":
			if !o.Open {
				t.Errorf("%q: no open pass: %+v", u.Text, o)
			}
			words := 0
			for _, w := range []string{"paid", "bill", "last", "week"} {
				if strings.Contains(" "+o.Text+" ", " "+w+" ") {
					words++
				}
			}
			if words < 2 {
				t.Errorf("%q → %q: the open pass wrote down %d of its content words", u.Text, o.Text, words)
			}
			// Its readings: shares summing to 1, best first.
			if len(o.Alternatives) < 2 {
				t.Fatalf("%q: %d readings, want the lattice's several", u.Text, len(o.Alternatives))
			}
			sum := 0.0
			for i, a := range o.Alternatives {
				sum += a.Weight
				if a.Weight <= 0 || (i > 0 && a.Weight > o.Alternatives[i-1].Weight) {
					t.Errorf("reading %d %+v: weights not positive and descending", i, a)
				}
			}
			if math.Abs(sum-1) > 1e-9 {
				t.Errorf("readings %+v: shares sum to %v", o.Alternatives, sum)
			}
			if o.Confidence <= 0 || o.Confidence > 1 {
				t.Errorf("word confidence %v, want in (0, 1]", o.Confidence)
			}
		}
	}
}

func TestSphinxOpenFallbackNeedsBatch(t *testing.T) {
	t.Parallel()
	_, err := asr.NewSphinx(asr.SphinxOptions{OpenFallback: true, Streaming: true})
	if !errors.Is(err, asr.ErrEngine) || !strings.Contains(err.Error(), "batch") {
		t.Errorf("err = %v, want ErrEngine naming batch decoding", err)
	}
}

// TestSphinxOpenWordsFirst: when the listener says which open words hold an intent
// (Grammar.Holds), the open words are decoded first and the grammar only for words
// that hold none: a paraphrase costs one pass, not two, and reads as it does after
// the grammar's; speech whose words hold nothing still gets the grammar's reading
// (its match rides along as Result.Grammar, or stands when sure) — unless they are
// more words than any of its phrases could cover (its longest and one more), which it
// is never sure of: those go on their open words alone.
func TestSphinxOpenWordsFirst(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	corpus := []string{"i already paid", "i paid it last week", "please stop calling me", "yes that's me", "call me later"}
	us, err := evalset.Generate(ctx, evalset.Options{
		Phrases: []evalset.Labeled{{Text: "i paid the bill last week", Intent: "paid"}, {Text: "yes", Intent: "yes"}, {Text: "stop calling", Intent: "opt_out"},
			{Text: "yes that is me speaking right now"}},
		Voices: []evalset.Voice{{Engine: "flite", Name: "slt"}}, Speeds: []float64{1}, SNRs: []float64{0},
	})
	if err != nil {
		t.Fatal(err)
	}
	intents := []asr.Intent{{Name: "yes", Phrases: []string{"yes"}}, {Name: "opt_out", Phrases: []string{"stop calling"}}, {Name: "paid", Phrases: []string{"already paid"}}}
	newEngine := func() *asr.Sphinx {
		return newSphinx(t, asr.SphinxOptions{Vocabulary: []string{"yes", "stop calling", "already paid"}, OpenFallback: true, Corpus: corpus, LMWords: 300})
	}
	// Reference: the grammar on every utterance.
	ref := newEngine()
	refG := &asr.Grammar{Name: "open-first-ref", Intents: intents}
	var want []evalset.Outcome
	for _, u := range us {
		o, err := evalset.Recognize(ctx, ref, refG, u)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, o)
	}
	if st := ref.Stats(); st.GrammarPasses != st.Decodes {
		t.Fatalf("without Holds every decode is a grammar pass: %+v", st)
	}

	// Words that mention paying hold an intent; nothing else does.
	holds := func(text string) bool { return strings.Contains(text, "paid") }
	eng := newEngine()
	g := &asr.Grammar{Name: "open-first", Intents: intents, Holds: holds}
	for i, u := range us {
		before := eng.Stats()
		o, err := evalset.Recognize(ctx, eng, g, u)
		if err != nil {
			t.Fatal(err)
		}
		after := eng.Stats()
		passes := after.GrammarPasses - before.GrammarPasses
		t.Logf("%q → %q (open %v, grammar %+v); %d grammar passes", u.Text, o.Text, o.Open, o.Grammar, passes)
		switch {
		case u.Intent == "":
			// Words that hold nothing, longer than "stop calling" and one word: no
			// phrase could cover them, so no grammar pass.
			if n := len(strings.Fields(o.Text)); n <= 3 {
				t.Fatalf("%q read as %q: too few words to try the rule", u.Text, o.Text)
			}
			if passes != 0 || !o.Open || o.Grammar != nil {
				t.Errorf("%q: want its open words alone, no grammar pass: %+v, %d passes", u.Text, o, passes)
			}
		case u.Intent == "paid":
			if passes != 0 || !o.Open || o.Grammar != nil || !holds(o.Text) {
				t.Errorf("%q: want its open words alone, no grammar pass: %+v, %d passes", u.Text, o, passes)
			}
			// The same words and readings the open pass gives after the grammar's.
			if o.Text != want[i].Text || !reflect.DeepEqual(o.Alternatives, want[i].Alternatives) {
				t.Errorf("%q: open words first read %q %v, after the grammar %q %v", u.Text, o.Text, o.Alternatives, want[i].Text, want[i].Alternatives)
			}
		default:
			// "yes", "stop calling": the open words hold nothing here, so the grammar
			// decodes them too, and its answer is the one the engine gave before.
			if passes != 1 {
				t.Errorf("%q: %d grammar passes, want 1", u.Text, passes)
			}
			if !reflect.DeepEqual(o, want[i]) {
				t.Errorf("%q: open words first\n%+v\nthe grammar first\n%+v", u.Text, o, want[i])
			}
			if o.Intent != u.Intent {
				t.Errorf("%q: intent %q", u.Text, o.Intent)
			}
		}
	}
}

// TestSphinxLMWeightIsTheOpenSearchs: SphinxOptions.LMWeight weighs the open
// search's language model — its readings of a paraphrase change — and leaves the
// grammar's search as it was (its rejection was fitted at pocketsphinx's 6.5): the
// grammar's answer to an exact phrase is the same, confidence included.
func TestSphinxLMWeightIsTheOpenSearchs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	corpus := []string{"i already paid", "i paid it last week", "please stop calling me", "yes that's me", "call me later"}
	us, err := evalset.Generate(ctx, evalset.Options{
		Phrases: []evalset.Labeled{{Text: "stop calling", Intent: "opt_out"}, {Text: "i paid the bill last week", Intent: "paid"}},
		Voices:  []evalset.Voice{{Engine: "espeak", Name: "en-us"}}, Speeds: []float64{1}, SNRs: []float64{10},
	})
	if err != nil {
		t.Fatal(err)
	}
	g := &asr.Grammar{Name: "lw-test", Intents: []asr.Intent{
		{Name: "yes", Phrases: []string{"yes"}}, {Name: "opt_out", Phrases: []string{"stop calling"}}, {Name: "paid", Phrases: []string{"already paid"}},
	}}
	var outs [2][]evalset.Outcome
	for i, lw := range []float64{0, 10} {
		eng := newSphinx(t, asr.SphinxOptions{Vocabulary: []string{"yes", "stop calling", "already paid"}, OpenFallback: true,
			Corpus: corpus, LMWords: 300, LMWeight: lw})
		for _, u := range us {
			o, err := evalset.Recognize(ctx, eng, g, u)
			if err != nil {
				t.Fatal(err)
			}
			outs[i] = append(outs[i], o)
		}
	}
	if o := outs[0][0]; o.Open || o.Intent != "opt_out" {
		t.Fatalf("want the grammar's own answer to %q: %+v", us[0].Text, o)
	}
	if !reflect.DeepEqual(outs[0][0], outs[1][0]) {
		t.Errorf("the grammar's answer moved with the open search's weight:\n%+v\n%+v", outs[0][0], outs[1][0])
	}
	if a, b := outs[0][1], outs[1][1]; !a.Open || !b.Open || reflect.DeepEqual(a.Alternatives, b.Alternatives) {
		t.Errorf("the open readings of %q did not move with the weight:\n%+v\n%+v", us[1].Text, a, b)
	}
}
