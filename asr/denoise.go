package asr

import (
	"math"
	"slices"
)

// The noise suppressors the recogniser's front end can run on 8 kHz audio before it
// is upsampled (SphinxOptions.Denoiser).
const (
	// DenoiserAuto hears an utterance on a quiet line through speexdsp's suppressor
	// and one on a noisy line through WebRTC's: WebRTC's takes more of the noise
	// out of a noisy line, but costs a clean line's answers that speexdsp's (which
	// barely touches them) does not.
	DenoiserAuto   = "auto"
	DenoiserSpeex  = "speex"
	DenoiserWebRTC = "webrtc"
)

const (
	// defaultDenoiser is SphinxOptions.Denoiser's default.
	defaultDenoiser = DenoiserSpeex
	// defaultDenoiseDB is speexdsp's suppression limit when DenoiseDB is 0.
	defaultDenoiseDB = -15
	// defaultNSPolicy is WebRTC's suppression policy when SphinxOptions.NSPolicy is 0.
	defaultNSPolicy = 1
	// defaultNoisyLineRMS: an utterance whose quietest tenth of 20 ms frames is at
	// this RMS or more (≈ -47 dBFS, the VAD's floor for speech) is on a noisy line.
	defaultNoisyLineRMS = 150.0
	// primeSamples: up to a second of the noisy line before an utterance primes a
	// fresh WebRTC suppressor's noise estimate.
	primeSamples = 8000
)

// defaultFrontEnd is the noise suppression of SphinxOptions left at zero.
func defaultFrontEnd() SphinxOptions {
	return SphinxOptions{Denoiser: defaultDenoiser, DenoiseDB: defaultDenoiseDB, NSPolicy: defaultNSPolicy, NoisyLineRMS: defaultNoisyLineRMS}
}

// frameDenoiser suppresses noise in 8 kHz frames in place, keeping its noise
// estimate from one frame to the next.
type frameDenoiser interface {
	process(pcm []int16)
	close()
}

// newFrameDenoiser is the suppressor a stream's frames go through as they arrive;
// nil with NoDenoise. With DenoiserAuto that is speexdsp's, and an utterance found
// to be on a noisy line is heard again, whole, through WebRTC's (renderUtterance).
func (o *SphinxOptions) newFrameDenoiser() frameDenoiser {
	switch {
	case o.NoDenoise:
		return nil
	case o.Denoiser == DenoiserWebRTC:
		return newWebRTCDenoiser(o.NSPolicy)
	default:
		return newDenoiser(o.DenoiseDB)
	}
}

// frameRMS is the RMS of each whole 20 ms frame of 8 kHz audio.
func frameRMS(pcm []int16) []float64 {
	out := make([]float64, 0, len(pcm)/160)
	for i := 0; i+160 <= len(pcm); i += 160 {
		var sum float64
		for _, s := range pcm[i : i+160] {
			sum += float64(s) * float64(s)
		}
		out = append(out, math.Sqrt(sum/160))
	}
	return out
}

// noiseLevel is the line's noise under an utterance: the RMS of its quietest tenth
// of 20 ms frames (the pauses between words and the pre-roll before them). It is
// measured on the utterance itself because on a phone that sends nothing between
// answers (silence suppression) the line's noise arrives with the answer.
func noiseLevel(pcm []int16) float64 { return quietTenth(frameRMS(pcm)) }

// quietTenth is the value of the quietest tenth of frame levels (noiseLevel),
// leaving out the digital silence at either end: a phone that sent nothing before
// the answer gives a pre-roll of zeros that is no measure of the noise that came
// with the answer (the VAD now ends such an utterance on time, so the zeros are a
// fair share of it). rms is left as it was.
func quietTenth(rms []float64) float64 {
	lo, hi := 0, len(rms)
	for lo < hi && rms[lo] < 1 {
		lo++
	}
	for hi > lo && rms[hi-1] < 1 {
		hi--
	}
	if lo == hi {
		return 0
	}
	sorted := slices.Clone(rms[lo:hi])
	slices.Sort(sorted)
	return sorted[len(sorted)/10]
}

// noisyTail is the end of pcm that is the line's noise: its trailing whole 20 ms
// frames at half the noisy level or more, at most primeSamples. Digital silence
// before an answer primes nothing: WebRTC's estimate would then climb to the
// answer's noise far more slowly than its start-up estimate finds it.
func noisyTail(pcm []int16, noisyRMS float64) []int16 {
	start := len(pcm)
	for start >= 160 && len(pcm)-start < primeSamples {
		var sum float64
		for _, s := range pcm[start-160 : start] {
			sum += float64(s) * float64(s)
		}
		if math.Sqrt(sum/160) < noisyRMS/2 {
			break
		}
		start -= 160
	}
	return pcm[start:]
}

// renderUtterance is what the decoder hears of a whole utterance of 8 kHz audio
// heard afresh: a new suppressor (WebRTC's when noisy, else speexdsp's; none with
// NoDenoise) primed with prime, the comfort noise, and a new upsampler; appended to
// dst. With n ≥ 0 the 16 kHz result is cut or padded with silence to n samples (the
// length of the stream's own buffer of the utterance).
func (o *SphinxOptions) renderUtterance(dst, prime, pcm []int16, noisy bool, comfort float64, n int) ([]int16, error) {
	up, err := newUpsampler()
	if err != nil {
		return dst, err
	}
	defer up.close()
	var d frameDenoiser
	switch {
	case o.NoDenoise:
	case noisy:
		d = newWebRTCDenoiser(o.NSPolicy)
	default:
		d = newDenoiser(o.DenoiseDB)
	}
	var fr [160]int16
	if d != nil {
		defer d.close()
		for i := 0; i+160 <= len(prime); i += 160 {
			copy(fr[:], prime[i:i+160])
			d.process(fr[:])
		}
	}
	var cn uint64
	start := len(dst)
	for i := 0; i < len(pcm); i += 160 {
		f := fr[:copy(fr[:], pcm[i:min(i+160, len(pcm))])]
		if d != nil {
			d.process(f)
		}
		if comfort > 0 {
			addNoise(&cn, f, comfort)
		}
		dst = append(dst, up.process(f)...)
	}
	if n >= 0 {
		if got := len(dst) - start; got > n {
			dst = dst[:start+n]
		} else {
			dst = append(dst, make([]int16, n-got)...)
		}
	}
	return dst, nil
}
