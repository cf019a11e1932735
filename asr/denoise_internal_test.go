//go:build cgo

package asr

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// rms of pcm.
func rmsOf(pcm []int16) float64 {
	var s float64
	for _, v := range pcm {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s / float64(len(pcm)))
}

// TestFrameDenoisers: each suppressor, once it has heard a second of steady line
// noise, takes it down by at least minDB over the next second, and a loud tone
// standing out of the same noise keeps most of its power; WebRTC's policies suppress
// more the higher they go.
func TestFrameDenoisers(t *testing.T) {
	noisy := func(seed uint64, tone float64, n int) []int16 {
		r := rand.New(rand.NewPCG(seed, 1))
		out := make([]int16, n)
		for i := range out {
			v := r.NormFloat64()*800 + tone*math.Sin(2*math.Pi*1000*float64(i)/8000)
			out[i] = int16(max(-32768, min(32767, v)))
		}
		return out
	}
	run := func(d frameDenoiser, pcm []int16) []int16 {
		defer d.close()
		out := append([]int16(nil), pcm...)
		for i := 0; i+160 <= len(out); i += 160 {
			d.process(out[i : i+160])
		}
		return out
	}
	cases := []struct {
		name  string
		opts  SphinxOptions
		minDB float64
	}{
		{"speex -15 dB", SphinxOptions{DenoiseDB: -15}, 6},
		{"webrtc policy 0", SphinxOptions{Denoiser: DenoiserWebRTC, NSPolicy: -1}, 4},
		{"webrtc policy 1", SphinxOptions{Denoiser: DenoiserWebRTC, NSPolicy: 1}, 6},
		{"webrtc policy 3", SphinxOptions{Denoiser: DenoiserWebRTC, NSPolicy: 3}, 10},
	}
	suppressed := map[string]float64{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := c.opts
			if o.NSPolicy < 0 {
				o.NSPolicy = 0
			}
			in := noisy(7, 0, 16000)
			out := run(o.newFrameDenoiser(), in)
			db := 20 * math.Log10(rmsOf(in[8000:])/max(rmsOf(out[8000:]), 1))
			suppressed[c.name] = db
			t.Logf("steady noise down by %.1f dB", db)
			if db < c.minDB {
				t.Errorf("steady noise down by %.1f dB, want ≥ %.0f dB", db, c.minDB)
			}
			// The same noise, then a tone 20 dB above it for the second second.
			in = noisy(7, 0, 16000)
			copy(in[8000:], noisy(8, 8000*math.Sqrt2, 8000))
			out = run(o.newFrameDenoiser(), in)
			// (Held for long, a steady tone is noise to WebRTC too: look at its first
			// 100–400 ms, as long as a syllable.)
			if keep := rmsOf(out[8800:11200]) / rmsOf(in[8800:11200]); keep < 0.7 {
				t.Errorf("a tone 20 dB above the noise kept %.2f of its level, want ≥ 0.7", keep)
			}
		})
	}
	if a, b := suppressed["webrtc policy 0"], suppressed["webrtc policy 3"]; b <= a+2 {
		t.Errorf("webrtc policy 3 suppressed %.1f dB, policy 0 %.1f dB: want the higher policy at least 2 dB harder", b, a)
	}
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
	want := append([]int16(nil), pcm[160:]...)
	d.process(pcm)
	for i, v := range pcm[160:] {
		if v != want[i] {
			t.Fatalf("sample %d of the 40-sample tail changed: %d, want %d", 160+i, v, want[i])
		}
	}
	short := []int16{5, -5, 5}
	d.process(short)
	if short[0] != 5 || short[1] != -5 || short[2] != 5 {
		t.Errorf("a 3-sample frame changed: %v", short)
	}
}

// TestDenoiserOption: an unknown suppressor is refused by name.
func TestDenoiserOption(t *testing.T) {
	if _, err := NewSphinx(SphinxOptions{Denoiser: "rnnoise"}); err == nil {
		t.Fatal("NewSphinx with Denoiser rnnoise: no error")
	} else if !strings.Contains(err.Error(), `denoiser "rnnoise"`) {
		t.Errorf("error %q does not name the denoiser", err)
	}
}
