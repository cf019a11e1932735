package asr_test

import (
	"context"
	"reflect"
	"sync"
	"testing"

	"github.com/voxdial/voxdial/asr"
	"github.com/voxdial/voxdial/asr/evalset"
)

// TestSphinxDecodeIsAFunctionOfItsAudio: the same utterance decoded by several
// recognisers at once, twice over, reads the same every time, down to its readings'
// shares and word confidence. sphinxbase's own dither draws from one process-wide
// generator that concurrent decoders share, so with it the readings' weights (and
// near a threshold, the words) moved from decode to decode.
func TestSphinxDecodeIsAFunctionOfItsAudio(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	corpus := []string{"i already paid", "i paid it last week", "please stop calling me", "yes that's me", "call me later"}
	eng, err := asr.NewSphinx(asr.SphinxOptions{Vocabulary: []string{"yes", "stop calling", "already paid"}, OpenFallback: true, Corpus: corpus, LMWords: 300})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	us, err := evalset.Generate(ctx, evalset.Options{
		Phrases: []evalset.Labeled{{Text: "i paid the bill last week", Intent: "paid"}},
		Voices:  []evalset.Voice{{Engine: "espeak", Name: "en-us"}}, Speeds: []float64{1}, SNRs: []float64{10},
	})
	if err != nil {
		t.Fatal(err)
	}
	g := &asr.Grammar{Name: "determinism-test", Intents: []asr.Intent{
		{Name: "yes", Phrases: []string{"yes"}}, {Name: "opt_out", Phrases: []string{"stop calling"}}, {Name: "paid", Phrases: []string{"already paid"}},
	}}
	const parallel, rounds = 4, 2
	var outs []evalset.Outcome
	for range rounds {
		got := make([]evalset.Outcome, parallel)
		errs := make([]error, parallel)
		var wg sync.WaitGroup
		for i := range parallel {
			wg.Go(func() { got[i], errs[i] = evalset.Recognize(ctx, eng, g, us[0]) })
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		outs = append(outs, got...)
	}
	if !outs[0].Open || len(outs[0].Alternatives) < 2 {
		t.Fatalf("want an open reading with several alternatives (their weights show any drift): %+v", outs[0])
	}
	for i, o := range outs[1:] {
		if !reflect.DeepEqual(o, outs[0]) {
			t.Errorf("decode %d differs from the first:\n%+v\n%+v", i+1, o, outs[0])
		}
	}
}

// TestSphinxDecodeForgetsThePreviousOne: one pooled decoder decodes an utterance,
// then other speech (noisy, another voice), then the first utterance again — and
// reads it exactly as it did the first time, whichever pass runs first. The front
// end's noise tracking (-remove_noise) carried over from the decoder's last
// utterance into the next, so what a pooled decoder had decoded before (another
// call, or the utterance's other pass) moved the words and readings of the next.
func TestSphinxDecodeForgetsThePreviousOne(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	corpus := []string{"i already paid", "i paid it last week", "please stop calling me", "yes that's me", "call me later"}
	us, err := evalset.Generate(ctx, evalset.Options{
		Phrases: []evalset.Labeled{{Text: "i paid the bill last week", Intent: "paid"}, {Text: "hold on the kettle is boiling over", Intent: ""}},
		Voices:  []evalset.Voice{{Engine: "espeak", Name: "en-us"}, {Engine: "flite", Name: "awb"}}, Speeds: []float64{1}, SNRs: []float64{10},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		holds func(string) bool
	}{{"grammar first", nil}, {"open words first", func(string) bool { return true }}} {
		t.Run(c.name, func(t *testing.T) {
			eng, err := asr.NewSphinx(asr.SphinxOptions{Vocabulary: []string{"yes", "stop calling", "already paid"}, OpenFallback: true,
				Corpus: corpus, LMWords: 300, MaxDecoders: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer eng.Close()
			g := &asr.Grammar{Name: "forget-test", Holds: c.holds, Intents: []asr.Intent{
				{Name: "yes", Phrases: []string{"yes"}}, {Name: "opt_out", Phrases: []string{"stop calling"}}, {Name: "paid", Phrases: []string{"already paid"}},
			}}
			first, err := evalset.Recognize(ctx, eng, g, us[0])
			if err != nil {
				t.Fatal(err)
			}
			if !first.Open || len(first.Alternatives) < 2 {
				t.Fatalf("want an open reading with several alternatives: %+v", first)
			}
			for _, u := range us[1:] {
				if _, err := evalset.Recognize(ctx, eng, g, u); err != nil {
					t.Fatal(err)
				}
				again, err := evalset.Recognize(ctx, eng, g, us[0])
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(again, first) {
					t.Errorf("after %q (%s), the first utterance reads\n%+v\nnot\n%+v", u.Text, u.Voice, again, first)
				}
			}
		})
	}
}
