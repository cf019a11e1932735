package asr_test

import (
	"context"
	"errors"
	"math"
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
	us, err := evalset.Generate(ctx, evalset.Options{
		Phrases: []evalset.Labeled{{Text: "yes", Intent: "yes"}, {Text: "i paid the bill last week", Intent: "paid"}},
		Voices:  []evalset.Voice{{Engine: "flite", Name: "slt"}}, Speeds: []float64{1}, SNRs: []float64{0},
	})
	if err != nil {
		t.Fatal(err)
	}
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
