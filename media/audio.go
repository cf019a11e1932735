package media

import (
	"io"
	"math"
	"math/cmplx"
	"time"
)

// PCM is 8 kHz mono linear audio, the form every prompt and recording passes through.
type PCM struct {
	Samples []int16
}

// Duration is the length of p at 8 kHz.
func (p *PCM) Duration() time.Duration {
	return time.Duration(len(p.Samples)) * time.Second / SampleRate
}

// Source yields audio a frame at a time. The session calls ReadFrame from the clock
// tick, so it must not block: a streaming source with nothing ready yet returns (0, nil)
// and the session sends silence for that frame. io.EOF ends the playback (it may come
// with the last n > 0 samples).
type Source interface {
	ReadFrame(dst []int16) (int, error)
}

// pcmSource is a cursor over a PCM; the PCM itself is never written.
type pcmSource struct {
	p   *PCM
	pos int
}

func (s *pcmSource) ReadFrame(dst []int16) (int, error) {
	if s.pos >= len(s.p.Samples) {
		return 0, io.EOF
	}
	n := copy(dst, s.p.Samples[s.pos:])
	s.pos += n
	return n, nil
}

// Source returns a new reader over p; each call starts at the beginning, so one PCM
// (a cached prompt) can play on many legs at once.
func (p *PCM) Source() Source { return &pcmSource{p: p} }

func samplesFor(dur time.Duration) int {
	if dur <= 0 {
		return 0
	}
	return int(dur * SampleRate / time.Second)
}

// Tone is a sine of freqHz lasting dur (e.g. a 1 kHz voicemail beep).
func Tone(freqHz float64, dur time.Duration, amplitude int16) *PCM {
	s := make([]int16, samplesFor(dur))
	w := 2 * math.Pi * freqHz / SampleRate
	for i := range s {
		s[i] = int16(math.Round(float64(amplitude) * math.Sin(w*float64(i))))
	}
	return &PCM{Samples: s}
}

// Silence is dur of zeros.
func Silence(dur time.Duration) *PCM { return &PCM{Samples: make([]int16, samplesFor(dur))} }

// Concat joins parts into a new PCM; nil parts are skipped.
func Concat(parts ...*PCM) *PCM {
	n := 0
	for _, p := range parts {
		if p != nil {
			n += len(p.Samples)
		}
	}
	out := make([]int16, 0, n)
	for _, p := range parts {
		if p != nil {
			out = append(out, p.Samples...)
		}
	}
	return &PCM{Samples: out}
}

// RMS is the root mean square of samples (0 for none).
func RMS(samples []int16) float64 {
	if len(samples) == 0 {
		return 0
	}
	var sum float64
	for _, s := range samples {
		f := float64(s)
		sum += f * f
	}
	return math.Sqrt(sum / float64(len(samples)))
}

// Correlation is the maximum over every lag k of the normalised
// cross-correlation Σ a[i]·b[i+k] / √(Σ a[i]² · Σ b[i+k]²), both energies taken over
// the overlap only, so a recording that holds a source plus leading or trailing
// silence still scores ≈1. Lags whose overlap is shorter than half the shorter input
// are ignored (a few samples always correlate perfectly). It returns a value in
// [-1, 1]; 0 when either input is silent. Tests use it to check that a recording
// contains what was sent; it is computed by FFT, O(n log n).
func Correlation(a, b []int16) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	n := 1
	for n < len(a)+len(b) {
		n <<= 1
	}
	fa := make([]complex128, n)
	fb := make([]complex128, n)
	for i, v := range a {
		fa[i] = complex(float64(v), 0)
	}
	for i, v := range b {
		fb[i] = complex(float64(v), 0)
	}
	fft(fa, false)
	fft(fb, false)
	for i := range fa {
		fa[i] = cmplx.Conj(fa[i]) * fb[i]
	}
	fft(fa, true) // fa[k mod n] = Σ a[i]·b[i+k]

	// Prefix sums of squares give each lag's overlap energies in O(1).
	pa := prefixSquares(a)
	pb := prefixSquares(b)
	minOverlap := max(1, min(len(a), len(b))/2)
	best := 0.0
	found := false
	// Every lag: a source may sit anywhere in a long recording (a callee's
	// reply comes seconds after answer).
	for k := -(len(a) - 1); k < len(b); k++ {
		// overlap: i in [lo, hi) with 0 <= i < len(a) and 0 <= i+k < len(b)
		lo := max(0, -k)
		hi := min(len(a), len(b)-k)
		if hi-lo < minOverlap {
			continue
		}
		ea := pa[hi] - pa[lo]
		eb := pb[hi+k] - pb[lo+k]
		if ea <= 0 || eb <= 0 {
			continue
		}
		c := real(fa[(k+n)%n]) / float64(n) / math.Sqrt(ea*eb)
		if !found || c > best {
			best, found = c, true
		}
	}
	return math.Max(-1, math.Min(1, best))
}

func prefixSquares(s []int16) []float64 {
	p := make([]float64, len(s)+1)
	for i, v := range s {
		f := float64(v)
		p[i+1] = p[i] + f*f
	}
	return p
}

// fft is an in-place iterative radix-2 transform; len(x) must be a power of two. The
// inverse is unscaled.
func fft(x []complex128, inverse bool) {
	n := len(x)
	for i, j := 1, 0; i < n; i++ {
		bit := n >> 1
		for ; j&bit != 0; bit >>= 1 {
			j ^= bit
		}
		j ^= bit
		if i < j {
			x[i], x[j] = x[j], x[i]
		}
	}
	sign := -1.0
	if inverse {
		sign = 1
	}
	for size := 2; size <= n; size <<= 1 {
		ang := sign * 2 * math.Pi / float64(size)
		wn := complex(math.Cos(ang), math.Sin(ang))
		half := size / 2
		for start := 0; start < n; start += size {
			w := complex(1, 0)
			for k := range half {
				u := x[start+k]
				v := x[start+k+half] * w
				x[start+k] = u + v
				x[start+k+half] = u - v
				w *= wn
			}
		}
	}
}
