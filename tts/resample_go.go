package tts

import "math"

// goResampler converts a mono 16-bit stream between any two rates in pure Go:
// windowed-sinc interpolation (Hann window, goTaps input samples each side),
// its cut-off lowered to the output's Nyquist rate when downsampling. It is
// the Resampler of builds without cgo (resample_nocgo.go); speexdsp is faster
// and is used when cgo is on. Not safe for concurrent use.
type goResampler struct {
	from, to int64
	fc       float64 // cut-off as a fraction of the input's Nyquist rate
	buf      []int16 // input from stream index base on
	base     int64
	n        int64 // next output sample
	out      []int16
}

// goTaps is the half-width of the interpolation kernel in input samples.
const goTaps = 16

func newGoResampler(from, to int) *goResampler {
	return &goResampler{from: int64(from), to: int64(to), fc: math.Min(1, float64(to)/float64(from))}
}

// kernel is the low-pass interpolation filter at distance d input samples.
func (r *goResampler) kernel(d float64) float64 {
	if d <= -goTaps || d >= goTaps {
		return 0
	}
	x := d * r.fc
	s := r.fc
	if x != 0 {
		s = r.fc * math.Sin(math.Pi*x) / (math.Pi * x)
	}
	return s * 0.5 * (1 + math.Cos(math.Pi*d/goTaps))
}

// process resamples in; the result aliases an internal buffer valid until the next call.
func (r *goResampler) process(in []int16) []int16 {
	r.buf = append(r.buf, in...)
	total := r.base + int64(len(r.buf))
	r.out = r.out[:0]
	for {
		num := r.n * r.from // output n is at input time num/to
		i0 := num / r.to
		if i0+goTaps >= total {
			break
		}
		frac := float64(num%r.to) / float64(r.to)
		var acc float64
		for k := i0 - goTaps + 1; k <= i0+goTaps; k++ {
			if k < r.base {
				continue // before the stream began: silence
			}
			acc += float64(r.buf[k-r.base]) * r.kernel(float64(k-i0)-frac)
		}
		r.out = append(r.out, clamp16(acc))
		r.n++
	}
	// Keep only what the next output still needs.
	if keep := (r.n*r.from)/r.to - goTaps + 1; keep > r.base {
		drop := int(min(keep-r.base, int64(len(r.buf))))
		r.buf = append(r.buf[:0], r.buf[drop:]...)
		r.base += int64(drop)
	}
	return r.out
}

// flush drains the kernel's tail by feeding silence.
func (r *goResampler) flush() []int16 { return r.process(make([]int16, 2*goTaps)) }

func clamp16(v float64) int16 {
	v = math.Round(v)
	if v > math.MaxInt16 {
		return math.MaxInt16
	}
	if v < math.MinInt16 {
		return math.MinInt16
	}
	return int16(v)
}
