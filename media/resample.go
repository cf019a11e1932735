package media

import "math"

// resampler converts a stream between two rates whose ratio is an integer (8 kHz ↔ 16
// or 48 kHz, the rates a session meets), with a windowed-sinc FIR low-pass: as an
// interpolator (up by L) it fills the new samples, as a decimator (down by M) it
// removes what would alias. Streaming: history carries over between frames, so frame
// edges do not click. After construction it allocates nothing.
//
// tapsPerPhase 16 (96 taps at ×6) keeps the pass band flat to ~3.4 kHz, the telephone
// band, with stop-band rejection ≈ 60 dB (Blackman window), for ~10 µs per 20 ms frame.
type resampler struct {
	up, down int
	taps     []float32 // prototype filter, len = max(up, down)·tapsPerPhase
	hist     []float32 // the last len(taps)/up (up) or len(taps) (down) input samples
	buf      []float32
	phase    int // decimator: input samples to skip before the next output
}

const tapsPerPhase = 16

func newResampler(inRate, outRate int) *resampler {
	r := &resampler{up: 1, down: 1}
	switch {
	case outRate > inRate:
		r.up = outRate / inRate
	case inRate > outRate:
		r.down = inRate / outRate
	}
	factor := max(r.up, r.down)
	if factor == 1 {
		return r
	}
	n := factor * tapsPerPhase
	r.taps = make([]float32, n)
	cutoff := 0.5 / float64(factor) * 0.92 // fraction of the higher rate; margin for the transition band
	mid := float64(n-1) / 2
	var sum float64
	for i := range n {
		x := float64(i) - mid
		sinc := 2 * cutoff
		if x != 0 {
			sinc = math.Sin(2*math.Pi*cutoff*x) / (math.Pi * x)
		}
		w := 0.42 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(n-1)) + 0.08*math.Cos(4*math.Pi*float64(i)/float64(n-1))
		r.taps[i] = float32(sinc * w)
		sum += sinc * w
	}
	gain := float32(1 / sum)
	if r.up > 1 {
		gain *= float32(r.up) // zero-stuffing divides the level by L
	}
	for i := range r.taps {
		r.taps[i] *= gain
	}
	h := n
	if r.up > 1 {
		h = tapsPerPhase
	}
	r.hist = make([]float32, h)
	r.buf = make([]float32, h+maxResampleIn)
	return r
}

// maxResampleIn bounds one call's input: 120 ms at 48 kHz, Opus's longest frame.
const maxResampleIn = 5760

// process converts src into dst and returns the samples written (len(src)·up/down;
// dst must hold that many, src at most maxResampleIn).
func (r *resampler) process(dst, src []int16) int {
	if r.up == 1 && r.down == 1 {
		return copy(dst, src)
	}
	src = src[:min(len(src), maxResampleIn)]
	h := len(r.hist)
	buf := r.buf[:h+len(src)]
	copy(buf, r.hist)
	for i, v := range src {
		buf[h+i] = float32(v)
	}
	out := 0
	if r.up > 1 {
		L := r.up
		for n := range src {
			// newest input at buf[h+n]; output phase p uses taps p, p+L, p+2L, ...
			for p := range L {
				if out >= len(dst) {
					break
				}
				var acc float32
				for k := range tapsPerPhase {
					acc += r.taps[k*L+p] * buf[h+n-k]
				}
				dst[out] = clamp16(acc)
				out++
			}
		}
	} else {
		M := r.down
		n := len(r.taps)
		for i := r.phase; i < len(src); i += M {
			if out >= len(dst) {
				break
			}
			var acc float32
			for k := range n {
				acc += r.taps[k] * buf[h+i-k]
			}
			dst[out] = clamp16(acc)
			out++
		}
		// Keep the decimation phase across calls when len(src) is not a multiple of M.
		r.phase = (r.phase + (M-len(src)%M)%M) % M
	}
	copy(r.hist, buf[len(buf)-h:])
	return out
}

func clamp16(v float32) int16 {
	switch {
	case v > 32767:
		return 32767
	case v < -32768:
		return -32768
	}
	return int16(math.Round(float64(v)))
}

func sinTurns(x float64) float64 { return math.Sin(2 * math.Pi * x) }
