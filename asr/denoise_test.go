package asr_test

import (
	"context"
	"testing"

	"github.com/voxdial/voxdial/asr"
	"github.com/voxdial/voxdial/asr/evalset"
)

// TestSphinxNoisyLine: on one call whose phone sends digital silence between
// answers (so a noisy line's noise arrives with each answer), the answers in pink
// noise at 20 and 10 dB are heard again afresh — through WebRTC's suppressor with
// DenoiserAuto, through speexdsp's by default — and the engine counts those
// (SphinxStats.NoisyLine); the clean answer is not.
func TestSphinxNoisyLine(t *testing.T) {
	t.Parallel()
	set, err := evalset.Generate(context.Background(), evalset.Options{
		Phrases: []evalset.Labeled{{Text: "yes", Intent: "yes"}}, Voices: []evalset.Voice{{Engine: "flite", Name: "slt"}},
		Speeds: []float64{1}, SNRs: []float64{0, 20, 10}, Noise: evalset.NoisePink, Seed: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		denoiser string
		want     []int64 // NoisyLine after each answer: clean, 20 dB, 10 dB
	}{
		{asr.DenoiserAuto, []int64{0, 1, 2}},
		{asr.DenoiserSpeex, []int64{0, 1, 2}},
	} {
		eng := newSphinx(t, asr.SphinxOptions{Denoiser: c.denoiser})
		r, err := eng.NewRecognizer(context.Background(), asr.StreamOptions{Grammar: evalset.Grammar()})
		if err != nil {
			t.Fatal(err)
		}
		res := collect(r)
		for i, u := range set {
			feed(t, r, make([]int16, 3*8000))
			feed(t, r, u.PCM)
			if err := r.Flush(); err != nil {
				t.Fatal(err)
			}
			if got := eng.Stats(); got.Utterances != int64(i+1) || got.NoisyLine != c.want[i] {
				t.Errorf("denoiser %q, after %q at %g dB SNR: %d utterances, %d on a noisy line; want %d, %d",
					c.denoiser, u.Text, u.SNR, got.Utterances, got.NoisyLine, i+1, c.want[i])
			}
		}
		r.Close()
		var finals []string
		for _, x := range <-res {
			if x.Kind == asr.KindFinal {
				finals = append(finals, x.Intent)
			}
		}
		if len(finals) != len(set) {
			t.Errorf("denoiser %q: %d final results %v, want %d", c.denoiser, len(finals), finals, len(set))
		}
		t.Logf("denoiser %q: %v", c.denoiser, finals)
	}
}
