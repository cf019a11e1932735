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

// cleaned runs pcm through d 20 ms at a time and closes d.
func cleaned(d frameDenoiser, pcm []int16) []int16 {
	defer d.close()
	out := slices.Clone(pcm)
	for i := 0; i+160 <= len(out); i += 160 {
		d.process(out[i : i+160])
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
			out := cleaned(c.opts.newFrameDenoiser(), in)
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
			out = cleaned(c.opts.newFrameDenoiser(), in)
			if keep := rmsOf(out[8800:11200]) / rmsOf(in[8800:11200]); keep < 0.7 {
				t.Errorf("a tone 20 dB above the noise kept %.2f of its level, want ≥ 0.7", keep)
			}
		})
	}
	if a, b := suppressed["webrtc policy 0"], suppressed["webrtc policy 3"]; b <= a+2 {
		t.Errorf("webrtc policy 3 suppressed %.1f dB, policy 0 %.1f dB: want the higher policy at least 2 dB harder", b, a)
	}
	if d := (&SphinxOptions{Denoiser: DenoiserAuto, DenoiseDB: -15}).newFrameDenoiser(); d == nil {
		t.Error("auto: no frame suppressor")
	} else if _, ok := d.(*denoiser); !ok {
		t.Errorf("auto's frames go through %T, want speexdsp's", d)
	}
}

// TestNoiseLevel: an utterance's noise is its quietest tenth of frames, so the
// pauses of a clean answer read as a quiet line and noise under it as noisy, however
// much digital silence came before it, and the
// prime before it is only the trailing frames of noise.
func TestNoiseLevel(t *testing.T) {
	speech := noisyLine(2, 0, 6000, 8000) // a second of loud tone, no noise
	withNoise := func(lead []int16, noise float64) []int16 {
		out := slices.Concat(lead, speech)
		n := noisyLine(3, noise, 0, len(out))
		for i := range out {
			out[i] = int16(max(-32768, min(32767, int(out[i])+int(n[i]))))
		}
		return out
	}
	for _, c := range []struct {
		name   string
		pcm    []int16
		lo, hi float64
	}{
		{"clean answer with pauses, 300 ms of digital silence before it", slices.Concat(make([]int16, 2400), speech[:3200], make([]int16, 1600), speech[3200:]), 0, 1},
		{"answer at 600 noise, after 1 s of digital silence", slices.Concat(make([]int16, 8000), withNoise(make([]int16, 2400), 600)), 400, 700},
		{"answer at 600 noise, 300 ms of it before", withNoise(make([]int16, 2400), 600), 400, 700},
		{"answer over 100 noise", withNoise(make([]int16, 2400), 100), 50, 130},
		{"shorter than a frame", make([]int16, 100), 0, 0},
	} {
		if got := noiseLevel(c.pcm); got < c.lo || got > c.hi {
			t.Errorf("%s: noise level %.0f, want %.0f to %.0f", c.name, got, c.lo, c.hi)
		}
	}
	line := slices.Concat(make([]int16, 16000), noisyLine(4, 300, 0, 4000))
	if got := noisyTail(line, 150); len(got) != 4000 {
		t.Errorf("2 s of silence then 0.5 s of noise: a tail of %d samples, want the 4000 of noise", len(got))
	}
	if got := noisyTail(noisyLine(4, 300, 0, 20000), 150); len(got) != primeSamples {
		t.Errorf("2.5 s of noise: a tail of %d samples, want the last %d", len(got), primeSamples)
	}
	if got := noisyTail(make([]int16, 8000), 150); len(got) != 0 {
		t.Errorf("digital silence: a tail of %d samples, want none", len(got))
	}
}

// TestRenderUtterance: a quiet utterance is rendered as the stream's frames are
// (speexdsp's suppressor, comfort noise, the upsampler); a noisy one through WebRTC's,
// which its prime changes; the result is cut or padded to the stream's length.
func TestRenderUtterance(t *testing.T) {
	o := SphinxOptions{Denoiser: DenoiserAuto, DenoiseDB: -15, NSPolicy: 1, NoisyLineRMS: 150}
	pcm := slices.Concat(noisyLine(5, 600, 0, 4000), noisyLine(6, 600, 6000, 8000))
	// The stream's way, frame by frame.
	dn, up := newDenoiser(-15), must(newUpsampler())
	defer up.close()
	var cn uint64
	var want []int16
	for i := 0; i < len(pcm); i += 160 {
		f := slices.Clone(pcm[i:min(i+160, len(pcm))])
		dn.process(f)
		addNoise(&cn, f, defaultComfortNoise)
		want = append(want, up.process(f)...)
	}
	dn.close()
	quiet, err := o.renderUtterance(nil, nil, pcm, false, defaultComfortNoise, len(want))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(quiet, want) {
		t.Error("the quiet rendering differs from the stream's frames")
	}
	noisy, _ := o.renderUtterance(nil, nil, pcm, true, defaultComfortNoise, len(want))
	primed, _ := o.renderUtterance(nil, noisyLine(7, 600, 0, 8000), pcm, true, defaultComfortNoise, len(want))
	if slices.Equal(noisy, quiet) || slices.Equal(noisy, primed) {
		t.Error("WebRTC's rendering equals speexdsp's, or a prime changed nothing")
	}
	// In the noise-only first half second, WebRTC's leaves less than speexdsp's.
	if a, b := rmsOf(noisy[1600:8000]), rmsOf(quiet[1600:8000]); a >= b {
		t.Errorf("noise left: WebRTC %.0f, speexdsp %.0f RMS", a, b)
	}
	for _, n := range []int{len(want) - 100, len(want) + 100} {
		got, _ := o.renderUtterance([]int16{1, 2}, nil, pcm, true, 0, n)
		if len(got) != 2+n || got[0] != 1 || got[1] != 2 {
			t.Errorf("n=%d: %d samples after dst's 2 (%v), want %d", n, len(got)-2, got[:2], n)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
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

// BenchmarkFrameDenoiser: one 20 ms frame of noisy 8 kHz audio through each
// suppressor (allocation-free: it runs on every frame of every call).
func BenchmarkFrameDenoiser(b *testing.B) {
	for _, o := range []SphinxOptions{{Denoiser: DenoiserSpeex, DenoiseDB: -15}, {Denoiser: DenoiserWebRTC, NSPolicy: 1}} {
		b.Run(o.Denoiser, func(b *testing.B) {
			d := o.newFrameDenoiser()
			defer d.close()
			src := noisyLine(3, 800, 0, 160*50)
			fr := make([]int16, 160)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				off := (i % 50) * 160
				copy(fr, src[off:off+160])
				d.process(fr)
			}
		})
	}
}

// TestFreshSuppressorAfterDigitalSilence: noise that arrives after digital silence
// is taken down by the rendering of a noisy utterance (a fresh speexdsp suppressor,
// nothing to prime it) within the answer's first second or two, where the stream's
// suppressor, which spent two seconds adapting to nothing, leaves it in (measured:
// 0.75-1.75 s into 600 RMS of white noise, ~250 RMS left fresh, ~590 stale).
func TestFreshSuppressorAfterDigitalSilence(t *testing.T) {
	o := SphinxOptions{DenoiseDB: -15}
	noise := noisyLine(7, 600, 0, 16000)
	lead := make([]int16, 16000)
	if p := noisyTail(lead, 150); len(p) != 0 {
		t.Fatalf("digital silence primed %d samples", len(p))
	}
	stale := cleaned(o.newFrameDenoiser(), slices.Concat(lead, noise))[len(lead):]
	fresh := must(o.renderUtterance(nil, nil, noise, false, 0, -1)) // 16 kHz
	if f, s := rmsOf(fresh[12000:28000]), rmsOf(stale[6000:14000]); f > s*0.7 {
		t.Errorf("0.75-1.75 s into the noise: %.0f RMS left through the fresh suppressor, %.0f through the stale one; want at least 3 dB less", f, s)
	}
}
