//go:build cgo

package asr

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// rmsOf is the RMS of pcm.
func rmsOf(pcm []int16) float64 {
	var s float64
	for _, v := range pcm {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s / float64(len(pcm)))
}

// noisyLine is n samples of white noise at RMS noise with a 1 kHz tone of the given
// peak on top.
func noisyLine(seed uint64, noise, tone float64, n int) []int16 {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([]int16, n)
	for i := range out {
		v := r.NormFloat64()*noise + tone*math.Sin(2*math.Pi*1000*float64(i)/8000)
		out[i] = int16(max(-32768, min(32767, v)))
	}
	return out
}

// cleaned runs pcm through c 20 ms at a time, the frames from speechFrom on marked
// as speech, and closes c.
func cleaned(c *lineCleaner, pcm []int16, speechFrom int) []int16 {
	defer c.close()
	out := slices.Clone(pcm)
	for i := 0; i+160 <= len(out); i += 160 {
		c.process(out[i:i+160], i >= speechFrom)
	}
	return out
}

// TestFrameDenoisers: each suppressor, once it has heard a second of steady line
// noise, takes it down by at least minDB over the next second, and a loud tone
// standing out of the same noise keeps most of its power; WebRTC's policies suppress
// more the higher they go.
func TestFrameDenoisers(t *testing.T) {
	cases := []struct {
		name  string
		opts  SphinxOptions
		minDB float64
	}{
		{"speex -15 dB", SphinxOptions{DenoiseDB: -15}, 6},
		{"webrtc policy 0", SphinxOptions{Denoiser: DenoiserWebRTC, NSPolicy: 0}, 4},
		{"webrtc policy 1", SphinxOptions{Denoiser: DenoiserWebRTC, NSPolicy: 1}, 6},
		{"webrtc policy 3", SphinxOptions{Denoiser: DenoiserWebRTC, NSPolicy: 3}, 10},
	}
	suppressed := map[string]float64{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := noisyLine(7, 800, 0, 16000)
			out := cleaned(c.opts.newLineCleaner(), in, len(in))
			db := 20 * math.Log10(rmsOf(in[8000:])/max(rmsOf(out[8000:]), 1))
			suppressed[c.name] = db
			t.Logf("steady noise down by %.1f dB", db)
			if db < c.minDB {
				t.Errorf("steady noise down by %.1f dB, want ≥ %.0f dB", db, c.minDB)
			}
			// The same noise, then a tone 20 dB above it for the second second.
			// (Held for long, a steady tone is noise to WebRTC too: look at its first
			// 100–400 ms, as long as a syllable.)
			copy(in[8000:], noisyLine(8, 800, 8000*math.Sqrt2, 8000))
			out = cleaned(c.opts.newLineCleaner(), in, 8000)
			if keep := rmsOf(out[8800:11200]) / rmsOf(in[8800:11200]); keep < 0.7 {
				t.Errorf("a tone 20 dB above the noise kept %.2f of its level, want ≥ 0.7", keep)
			}
		})
	}
	if a, b := suppressed["webrtc policy 0"], suppressed["webrtc policy 3"]; b <= a+2 {
		t.Errorf("webrtc policy 3 suppressed %.1f dB, policy 0 %.1f dB: want the higher policy at least 2 dB harder", b, a)
	}
}

// TestLineCleanerAuto: DenoiserAuto hears a quiet line exactly as speexdsp alone
// does and a noisy one exactly as WebRTC's alone does; a line that turns noisy
// mid-utterance keeps the utterance's suppressor until the utterance ends.
func TestLineCleanerAuto(t *testing.T) {
	auto := SphinxOptions{Denoiser: DenoiserAuto, DenoiseDB: -15, NSPolicy: 1, NoisyLineRMS: 150}
	speex := SphinxOptions{Denoiser: DenoiserSpeex, DenoiseDB: -15}
	webrtc := SphinxOptions{Denoiser: DenoiserWebRTC, NSPolicy: 1}
	for _, c := range []struct {
		name  string
		noise float64
		like  SphinxOptions
	}{
		{"quiet line (noise RMS 40)", 40, speex},
		{"noisy line (noise RMS 600)", 600, webrtc},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := noisyLine(3, c.noise, 0, 8000)
			copy(in[4000:], noisyLine(4, c.noise, 6000, 4000))
			got := cleaned(auto.newLineCleaner(), in, 4000)
			want := cleaned(c.like.newLineCleaner(), in, 4000)
			if !slices.Equal(got, want) {
				t.Errorf("auto's output differs from %s's alone", c.like.Denoiser)
			}
			other := speex
			if c.like.Denoiser == DenoiserSpeex {
				other = webrtc
			}
			if slices.Equal(got, cleaned(other.newLineCleaner(), in, 4000)) {
				t.Errorf("auto's output equals %s's too: the test tells nothing", other.Denoiser)
			}
		})
	}
	t.Run("a quiet line turns noisy", func(t *testing.T) {
		// Three seconds of digital silence, then noise: from the frame at which the
		// line is heard as noisy, the output is a fresh WebRTC suppressor's, not that
		// of the one that heard the silence.
		in := append(make([]int16, 24000), noisyLine(9, 600, 0, 16000)...)
		c := auto.newLineCleaner()
		defer c.close()
		out := slices.Clone(in)
		flip := -1
		for i := 0; i+160 <= len(out); i += 160 {
			c.process(out[i:i+160], false)
			if flip < 0 && c.noisyLine() {
				flip = i
			}
		}
		if flip < 24000 || flip > 24000+5*160 {
			t.Fatalf("heard as noisy from sample %d, want within 100 ms of the noise at 24000", flip)
		}
		if fresh := cleaned(webrtc.newLineCleaner(), in[flip:], len(in)); !slices.Equal(out[flip:], fresh) {
			t.Error("after the line turned noisy the output is not a fresh WebRTC suppressor's")
		}
		if slices.Equal(out[flip:], cleaned(webrtc.newLineCleaner(), in, len(in))[flip:]) {
			t.Error("a suppressor that heard the silence gives the same output: the test tells nothing")
		}
	})
	t.Run("noise rises during speech", func(t *testing.T) {
		c := auto.newLineCleaner()
		defer c.close()
		quiet, loud := noisyLine(5, 40, 0, 160), noisyLine(6, 900, 0, 160)
		c.process(slices.Clone(quiet), false)
		c.process(slices.Clone(quiet), true)
		for range 20 {
			c.process(slices.Clone(loud), true)
		}
		if c.noisyLine() {
			t.Fatal("the suppressor changed during an utterance")
		}
		for range 3 {
			c.process(slices.Clone(loud), false)
		}
		if !c.noisyLine() {
			t.Error("a line whose quiet frames average RMS 900 is still heard as quiet after the utterance")
		}
	})
}

// TestWebRTCDenoiserShortTail: samples past the last whole 10 ms pass unchanged, and
// a frame shorter than 10 ms is left alone.
func TestWebRTCDenoiserShortTail(t *testing.T) {
	d := newWebRTCDenoiser(1)
	defer d.close()
	pcm := make([]int16, 200)
	for i := range pcm {
		pcm[i] = int16(1000 * math.Sin(float64(i)))
	}
	want := slices.Clone(pcm[160:])
	d.process(pcm)
	if !slices.Equal(pcm[160:], want) {
		t.Errorf("the 40-sample tail changed: %v, want %v", pcm[160:], want)
	}
	short := []int16{5, -5, 5}
	d.process(short)
	if !slices.Equal(short, []int16{5, -5, 5}) {
		t.Errorf("a 3-sample frame changed: %v", short)
	}
}

// TestDenoiserOption: an unknown suppressor is refused by name.
func TestDenoiserOption(t *testing.T) {
	_, err := NewSphinx(SphinxOptions{Denoiser: "rnnoise"})
	if err == nil {
		t.Fatal("NewSphinx with Denoiser rnnoise: no error")
	}
	if !strings.Contains(err.Error(), `denoiser "rnnoise"`) {
		t.Errorf("error %q does not name the denoiser", err)
	}
}

// BenchmarkLineCleaner: one 20 ms frame of noisy 8 kHz audio through each front
// end's noise suppression (allocation-free: it runs on every frame of every call).
func BenchmarkLineCleaner(b *testing.B) {
	for _, o := range []SphinxOptions{
		{Denoiser: DenoiserSpeex, DenoiseDB: -15},
		{Denoiser: DenoiserWebRTC, NSPolicy: 1},
		{Denoiser: DenoiserAuto, DenoiseDB: -15, NSPolicy: 1, NoisyLineRMS: 150},
	} {
		b.Run(o.Denoiser, func(b *testing.B) {
			c := o.newLineCleaner()
			defer c.close()
			src := noisyLine(3, 800, 0, 160*50)
			fr := make([]int16, 160)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				off := (i % 50) * 160
				copy(fr, src[off:off+160])
				c.process(fr, false)
			}
		})
	}
}
