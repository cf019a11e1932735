package asr_test

import (
	"context"
	"testing"

	"github.com/voxdial/voxdial/asr"
	"github.com/voxdial/voxdial/asr/evalset"
)

// TestSphinxNoisyLine: with DenoiserAuto a caller on a quiet line is heard through
// speexdsp's suppressor and one on a line with pink noise at 20 and 10 dB through
// WebRTC's, and the engine counts the latter (SphinxStats.NoisyLine, the
// voxdial_asr_utterances_noisy_line_total metric); with speexdsp's alone none are.
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
		want     []int64 // NoisyLine after each utterance: clean, 20 dB, 10 dB
	}{
		{asr.DenoiserAuto, []int64{0, 1, 2}},
		{asr.DenoiserSpeex, []int64{0, 0, 0}},
	} {
		eng := newSphinx(t, asr.SphinxOptions{Denoiser: c.denoiser})
		for i, u := range set {
			if _, err := evalset.Recognize(context.Background(), eng, evalset.Grammar(), u); err != nil {
				t.Fatal(err)
			}
			if got := eng.Stats().NoisyLine; got != c.want[i] {
				t.Errorf("denoiser %q, after %q at %g dB SNR: %d utterances on a noisy line, want %d", c.denoiser, u.Text, u.SNR, got, c.want[i])
			}
		}
	}
}
