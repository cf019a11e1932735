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
