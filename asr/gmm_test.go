//go:build cgo

package asr_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/voxdial/voxdial/asr"
	"github.com/voxdial/voxdial/asr/evalset"
	"github.com/voxdial/voxdial/asr/internal/gmm"
	"github.com/voxdial/voxdial/media"
)

// gmmEngine is the live engine's configuration (grammar, then the open pass on
// doubt, the telephone model), so both Gaussian scorings are compared on the
// model and searches calls use.
func gmmEngine(t testing.TB) (*asr.Sphinx, *asr.Grammar) {
	t.Helper()
	corpus := []string{"i already paid", "i paid it last week", "please stop calling me", "yes that's me", "call me later", "can you call me tomorrow"}
	eng := newSphinx(t, asr.SphinxOptions{
		Vocabulary: []string{"yes", "no", "stop calling", "already paid", "call me later"}, OpenFallback: true,
		Corpus: corpus, LMWords: 300, ChannelAdaptation: true,
	})
	g := &asr.Grammar{Name: "gmm-test", Intents: []asr.Intent{
		{Name: "yes", Phrases: []string{"yes"}}, {Name: "no", Phrases: []string{"no"}}, {Name: "opt_out", Phrases: []string{"stop calling"}},
		{Name: "paid", Phrases: []string{"already paid"}}, {Name: "later", Phrases: []string{"call me later"}},
	}}
	return eng, g
}

// TestGMMScoringIsUpstreams: the vectorised Gaussian scoring (asr/internal/gmm)
// decodes every utterance exactly as pocketsphinx's own does — the same words,
// confidence, grammar match and open readings with their shares — clean and in
// noise, grammar and open pass alike, with AVX2 and with the portable loops
// other CPUs run; and it is the one decoders use unless
// VOXDIAL_GMM_REFERENCE=1. Not parallel: the frame counters are the process's,
// and parallel tests wait while this one runs.
func TestGMMScoringIsUpstreams(t *testing.T) {
	ctx := context.Background()
	us, err := evalset.Generate(ctx, evalset.Options{
		Phrases: []evalset.Labeled{
			{Text: "yes", Intent: "yes"}, {Text: "stop calling", Intent: "opt_out"},
			{Text: "i paid the bill last week", Intent: "paid"}, {Text: "can you ring me tomorrow", Intent: "later"},
			{Text: "the weather is nice today"},
		},
		Voices: []evalset.Voice{{Engine: "flite", Name: "slt"}, {Engine: "espeak", Name: "en-us"}},
		Speeds: []float64{1}, SNRs: []float64{0, 10},
	})
	if err != nil {
		t.Fatal(err)
	}
	decodeAll := func(label string) ([]evalset.Outcome, uint64, uint64) {
		eng, g := gmmEngine(t)
		f0, r0 := gmm.Frames()
		var outs []evalset.Outcome
		for _, u := range us {
			o, err := evalset.Recognize(ctx, eng, g, u)
			if err != nil {
				t.Fatalf("%s: %v", label, err)
			}
			outs = append(outs, o)
		}
		f1, r1 := gmm.Frames()
		return outs, f1 - f0, r1 - r0
	}
	fast, fastFrames, refDuringFast := decodeAll("vectorised")
	// The loops CPUs without AVX2 run, on this one.
	t.Setenv("VOXDIAL_GMM_REFERENCE", "portable")
	portable, portableFrames, _ := decodeAll("portable")
	t.Setenv("VOXDIAL_GMM_REFERENCE", "1")
	ref, fastDuringRef, refFrames := decodeAll("upstream")

	if fastFrames == 0 || refDuringFast != 0 {
		t.Errorf("default decoders scored %d frames vectorised and %d as upstream: want all vectorised", fastFrames, refDuringFast)
	}
	if refFrames == 0 || fastDuringRef != 0 {
		t.Errorf("with VOXDIAL_GMM_REFERENCE=1: %d frames as upstream, %d vectorised: want all as upstream", refFrames, fastDuringRef)
	}
	if fastFrames != refFrames || portableFrames != refFrames {
		t.Errorf("frames scored: %d vectorised, %d portable, %d upstream: the same decodes should score the same frames", fastFrames, portableFrames, refFrames)
	}
	open := 0
	for i, u := range us {
		if fast[i].Open {
			open++
		}
		if !reflect.DeepEqual(fast[i], ref[i]) {
			t.Errorf("%s %q (snr %v): vectorised scoring decoded\n%+v\nupstream's\n%+v", u.Voice, u.Text, u.SNR, fast[i], ref[i])
		}
		if !reflect.DeepEqual(portable[i], ref[i]) {
			t.Errorf("%s %q (snr %v): the portable loops decoded\n%+v\nupstream's\n%+v", u.Voice, u.Text, u.SNR, portable[i], ref[i])
		}
	}
	if open == 0 {
		t.Errorf("no utterance reached the open pass: its search went unchecked")
	}
}

// TestGMMSenoneScoresAreUpstreams: frame by frame, every codebook's top-N
// codewords and every senone score the vectorised scoring computes — with AVX2
// (eight senones of a codebook at a time) and in the portable loops — equal
// pocketsphinx's own (VOXDIAL_GMM_CHECK=1 scores each frame both ways and
// compares), on the grammar's and the open pass's searches, clean and in
// noise. Not parallel: the counters are the process's.
func TestGMMSenoneScoresAreUpstreams(t *testing.T) {
	ctx := context.Background()
	us, err := evalset.Generate(ctx, evalset.Options{
		Phrases: []evalset.Labeled{{Text: "i paid the bill last week", Intent: "paid"}, {Text: "the weather is nice today"}},
		Voices:  []evalset.Voice{{Engine: "flite", Name: "slt"}, {Engine: "espeak", Name: "en-us"}},
		Speeds:  []float64{1}, SNRs: []float64{0, 10},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("VOXDIAL_GMM_CHECK", "1")
	for _, c := range []struct{ name, env string }{{"vectorised", ""}, {"portable", "portable"}} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("VOXDIAL_GMM_REFERENCE", c.env)
			c0 := gmm.Checked()
			eng, g := gmmEngine(t)
			for _, u := range us {
				if _, err := evalset.Recognize(ctx, eng, g, u); err != nil {
					t.Fatal(err)
				}
			}
			c1 := gmm.Checked()
			if c1.SenoneFrames == c0.SenoneFrames || c1.TopNFrames == c0.TopNFrames {
				t.Fatal("no frame was compared")
			}
			if d := c1.TopNDiffer - c0.TopNDiffer; d != 0 {
				t.Errorf("%d of %d frames' top-N codewords differ from upstream's", d, c1.TopNFrames-c0.TopNFrames)
			}
			if d := c1.SenoneDiffer - c0.SenoneDiffer; d != 0 {
				t.Errorf("%d of %d frames' senone scores differ from upstream's", d, c1.SenoneFrames-c0.SenoneFrames)
			}
			switch grouped := c1.Grouped - c0.Grouped; {
			case c.env == "" && gmm.AVX2() && grouped == 0:
				t.Error("no senones were scored eight at a time: the AVX2 path went unchecked")
			case c.env == "portable" && grouped != 0:
				t.Errorf("the portable loops scored %d senones with AVX2", grouped)
			}
			t.Logf("%d frames compared, %d senones scored eight at a time", c1.SenoneFrames-c0.SenoneFrames, c1.Grouped-c0.Grouped)
		})
	}
}

// BenchmarkSphinxGMM decodes one paraphrase (grammar, then the open pass) with each
// Gaussian scoring: the ratio of the two is what the vectorised scoring saves.
//
//	go test ./asr -run '^$' -bench SphinxGMM -benchmem -count 5
func BenchmarkSphinxGMM(b *testing.B) {
	ctx := context.Background()
	us, err := evalset.Generate(ctx, evalset.Options{
		Phrases: []evalset.Labeled{{Text: "i paid the bill last week", Intent: "paid"}},
		Voices:  []evalset.Voice{{Engine: "flite", Name: "slt"}}, Speeds: []float64{1}, SNRs: []float64{10},
	})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct{ name, env string }{{"vectorised", ""}, {"upstream", "1"}} {
		b.Run(c.name, func(b *testing.B) {
			b.Setenv("VOXDIAL_GMM_REFERENCE", c.env)
			eng, g := gmmEngine(b)
			audio := float64(len(us[0].PCM)) / media.SampleRate
			for b.Loop() {
				if _, err := evalset.Recognize(ctx, eng, g, us[0]); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(audio*float64(b.N)/b.Elapsed().Seconds(), "audio-s/s")
		})
	}
}

// TestGMMCacheKeepsDecodes: a decoder's later pass over the same audio takes the
// active codebooks' top-N from its earlier pass (asr/internal/gmm's cache)
// instead of searching them again, and decodes exactly as without the cache
// (VOXDIAL_GMM_CACHE=off) — words, confidence, grammar match and open readings —
// with the grammar first and the open words first. Not parallel: the counters
// are the process's.
func TestGMMCacheKeepsDecodes(t *testing.T) {
	ctx := context.Background()
	us, err := evalset.Generate(ctx, evalset.Options{
		Phrases: []evalset.Labeled{
			{Text: "yes", Intent: "yes"}, {Text: "stop calling", Intent: "opt_out"},
			{Text: "i paid the bill last week", Intent: "paid"}, {Text: "can you ring me tomorrow", Intent: "later"},
			{Text: "my cat is hungry"},
			// Long enough (over 4 s) that the cache grows past its first size.
			{Text: "i already paid the whole bill last week so please stop calling me about it every single day", Intent: "paid"},
		},
		Voices: []evalset.Voice{{Engine: "flite", Name: "awb"}, {Engine: "espeak", Name: "en-gb-scotland"}},
		Speeds: []float64{1}, SNRs: []float64{0, 10},
	})
	if err != nil {
		t.Fatal(err)
	}
	decodeAll := func(openFirst bool) ([]evalset.Outcome, uint64, uint64) {
		eng, g := gmmEngine(t)
		if openFirst {
			g.Holds = func(string) bool { return false } // every decode reaches the grammar
		}
		h0, m0 := gmm.CacheCounts()
		var outs []evalset.Outcome
		for _, u := range us {
			o, err := evalset.Recognize(ctx, eng, g, u)
			if err != nil {
				t.Fatal(err)
			}
			outs = append(outs, o)
		}
		h1, m1 := gmm.CacheCounts()
		return outs, h1 - h0, m1 - m0
	}
	for _, openFirst := range []bool{false, true} {
		t.Setenv("VOXDIAL_GMM_CACHE", "")
		cached, hits, misses := decodeAll(openFirst)
		t.Setenv("VOXDIAL_GMM_CACHE", "off")
		plain, offHits, offMisses := decodeAll(openFirst)
		if hits == 0 || misses == 0 {
			t.Errorf("open first %v: %d codebooks taken from the cache, %d searched: want both", openFirst, hits, misses)
		}
		if offHits != 0 || offMisses != 0 {
			t.Errorf("open first %v, VOXDIAL_GMM_CACHE=off: the cache was used (%d hits, %d misses)", openFirst, offHits, offMisses)
		}
		for i, u := range us {
			if !reflect.DeepEqual(cached[i], plain[i]) {
				t.Errorf("open first %v, %s %q (snr %v): with the cache\n%+v\nwithout\n%+v", openFirst, u.Voice, u.Text, u.SNR, cached[i], plain[i])
			}
		}
		t.Logf("open first %v: %d codebook searches taken from the cache, %d made", openFirst, hits, misses)
	}
}

// BenchmarkSphinxGMMCache decodes paraphrases with the open words first and the
// grammar after them (every decode both passes, as when the open words hold no
// intent), with the top-N cache and without: the ratio is what the grammar pass
// saves by taking the open pass's Gaussian search.
//
//	go test ./asr -run '^$' -bench SphinxGMMCache -benchmem -count 5
func BenchmarkSphinxGMMCache(b *testing.B) {
	ctx := context.Background()
	us, err := evalset.Generate(ctx, evalset.Options{
		Phrases: []evalset.Labeled{
			{Text: "i paid the bill last week", Intent: "paid"}, {Text: "the baby is crying"},
			{Text: "can you ring me tomorrow", Intent: "later"},
		},
		Voices: []evalset.Voice{{Engine: "flite", Name: "slt"}, {Engine: "espeak", Name: "en-us"}}, Speeds: []float64{1}, SNRs: []float64{0, 10},
	})
	if err != nil {
		b.Fatal(err)
	}
	audio := 0.0
	for _, u := range us {
		audio += float64(len(u.PCM)) / media.SampleRate
	}
	for _, c := range []struct{ name, env string }{{"cache", ""}, {"no-cache", "off"}} {
		b.Run(c.name, func(b *testing.B) {
			b.Setenv("VOXDIAL_GMM_CACHE", c.env)
			eng, g := gmmEngine(b)
			g.Holds = func(string) bool { return false }
			for b.Loop() {
				for _, u := range us {
					if _, err := evalset.Recognize(ctx, eng, g, u); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(audio*float64(b.N)/b.Elapsed().Seconds(), "audio-s/s")
		})
	}
}
