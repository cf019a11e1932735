package tts

import (
	"math"
	"testing"
)

// The pure-Go resampler (the one builds without cgo use) keeps a tone's
// frequency and level and produces the right number of samples, fed in
// uneven chunks.
func TestGoResampler(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ from, to int }{{22050, 8000}, {8000, 16000}, {16000, 8000}, {48000, 8000}} {
		const tone, secs = 440.0, 1
		in := make([]int16, c.from*secs)
		for i := range in {
			in[i] = int16(8000 * math.Sin(2*math.Pi*tone*float64(i)/float64(c.from)))
		}
		r := newGoResampler(c.from, c.to)
		var out []int16
		for i := 0; i < len(in); {
			n := min(1+i%997, len(in)-i)
			out = append(out, r.process(in[i:i+n])...)
			i += n
		}
		out = append(out, r.flush()...)
		want := c.to * secs
		if d := len(out) - want; d < -goTaps || d > 2*goTaps*c.to/c.from+2 {
			t.Errorf("%d→%d: %d samples, want about %d", c.from, c.to, len(out), want)
		}
		// Compare with the ideal tone away from the edges.
		var errSum, sigSum float64
		for i := 2 * goTaps; i < want-2*goTaps; i++ {
			ideal := 8000 * math.Sin(2*math.Pi*tone*float64(i)/float64(c.to))
			d := float64(out[i]) - ideal
			errSum += d * d
			sigSum += ideal * ideal
		}
		if snr := 10 * math.Log10(sigSum/errSum); snr < 40 {
			t.Errorf("%d→%d: SNR %.1f dB against the ideal tone, want ≥ 40", c.from, c.to, snr)
		}
	}
}
