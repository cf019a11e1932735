package sentiment

import (
	"math"
	"time"
)

// Acoustic measures a caller's voice, frame by frame, for the turns' arousal. Feed
// it the caller's 8 kHz audio as it arrives (Write, on the media receive path: no
// allocation, about 20 µs per 20 ms frame); ask Turn for a span's summary. It is
// not safe for concurrent use: the caller serialises Write and Turn.
type Acoustic struct {
	frame  [frameLen]int16 // the frame being filled
	prev   [frameLen]int16 // the one before: pitch looks 40 ms back
	fill   int
	frames [ringFrames]frameFeat
	n      int // frames written so far (the ring holds the last ringFrames)
	// floor tracks the line's noise level (dBFS): frames 10 dB above it are speech.
	floor float64
}

// frameFeat is one 20 ms frame's features.
type frameFeat struct {
	at      int64   // arrival of the frame's end, Unix nanoseconds
	db      float32 // level, dBFS
	pitchHz float32 // 0: unvoiced
}

const (
	sampleRate      = 8000
	frameLen        = 160            // 20 ms
	ringFrames      = 30 * 1000 / 20 // 30 s
	minLag          = sampleRate / 500
	maxLag          = sampleRate / 70
	voicedCorr      = 0.5
	speechOverFloor = 10.0 // dB
)

// Centres and weights of the arousal mix (doc.go).
const (
	loudCentre, loudScale               = -22.0, 4.0 // dBFS
	rangeCentre, rangeScale             = 7.0, 1.5   // semitones
	rateCentre, rateScale               = 5.0, 0.7   // syllable nuclei per second
	loudWeight, rangeWeight, rateWeight = 0.45, 0.35, 0.2
)

// NewAcoustic returns an empty Acoustic.
func NewAcoustic() *Acoustic { return &Acoustic{floor: -60} }

// Write adds the caller's audio that arrived at at.
func (ac *Acoustic) Write(pcm []int16, at time.Time) {
	for len(pcm) > 0 {
		k := copy(ac.frame[ac.fill:], pcm)
		ac.fill += k
		pcm = pcm[k:]
		if ac.fill == frameLen {
			ac.analyse(at.UnixNano())
			ac.prev = ac.frame
			ac.fill = 0
		}
	}
}

func (ac *Acoustic) analyse(at int64) {
	var e float64
	for _, s := range ac.frame {
		e += float64(s) * float64(s)
	}
	rms := math.Sqrt(e / frameLen)
	db := -96.0
	if rms > 0 {
		db = 20 * math.Log10(rms/32768)
	}
	// The floor follows quiet frames quickly and loud ones very slowly.
	if db < ac.floor {
		ac.floor = 0.7*ac.floor + 0.3*db
	} else {
		ac.floor += 0.002 * (db - ac.floor)
	}
	f := frameFeat{at: at, db: float32(db)}
	if db > ac.floor+speechOverFloor && db > -60 {
		f.pitchHz = float32(ac.pitch())
	}
	ac.frames[ac.n%ringFrames] = f
	ac.n++
}

// pitch is the frame's fundamental by normalised autocorrelation over the last
// 40 ms (the previous frame and this one); 0 when not voiced.
func (ac *Acoustic) pitch() float64 {
	var x [2 * frameLen]float64
	for i, s := range ac.prev {
		x[i] = float64(s)
	}
	for i, s := range ac.frame {
		x[frameLen+i] = float64(s)
	}
	// The window is this frame; it is compared with the same length lag samples
	// back. Its energy is fixed; the lagged energy slides by one sample per lag.
	var e0, e1 float64
	for i := frameLen; i < 2*frameLen; i++ {
		e0 += x[i] * x[i]
		e1 += x[i-minLag] * x[i-minLag]
	}
	if e0 == 0 {
		return 0
	}
	// Lagged energies for every lag, sliding by one sample.
	var e1s [maxLag + 2]float64
	for lag := minLag; lag <= maxLag+1; lag++ {
		if lag > minLag {
			// window [frameLen-lag, 2·frameLen-lag): add the new first, drop the old last
			in, out := x[frameLen-lag], x[2*frameLen-lag]
			e1 += in*in - out*out
		}
		e1s[lag] = e1
	}
	win := x[frameLen : 2*frameLen]
	corr := func(lag int) float64 {
		if e1s[lag] <= 0 {
			return 0
		}
		back := x[frameLen-lag : 2*frameLen-lag]
		back = back[:len(win)]
		var c float64
		for i, v := range win {
			c += v * back[i]
		}
		return c / math.Sqrt(e0*e1s[lag])
	}
	// Every other lag first (half the work), then the neighbours of the best.
	var rs [maxLag + 2]float64
	bestLag, best := 0, 0.0
	for lag := minLag; lag <= maxLag; lag += 2 {
		rs[lag] = corr(lag)
		if rs[lag] > best {
			best, bestLag = rs[lag], lag
		}
	}
	// A period's multiples correlate nearly as well as the period: take the
	// shortest lag that is a local peak within 15 % of the best.
	for lag := minLag + 2; lag < bestLag; lag += 2 {
		if rs[lag] >= 0.85*best && rs[lag] >= rs[lag-2] && rs[lag] >= rs[lag+2] {
			bestLag = lag
			break
		}
	}
	if bestLag > 0 {
		centre := bestLag
		for _, lag := range [2]int{centre - 1, centre + 1} {
			if lag >= minLag && lag <= maxLag {
				if r := corr(lag); r > rs[centre] && r > best*0.85 {
					bestLag, best = lag, max(best, r)
				}
			}
		}
	}
	if best < voicedCorr || bestLag == 0 {
		return 0
	}
	return float64(sampleRate) / float64(bestLag)
}

// Voice is one turn's acoustic summary.
type Voice struct {
	LevelDB     float64 // mean level of the voiced frames, dBFS
	PitchRange  float64 // 10th to 90th percentile of pitch, semitones
	Rate        float64 // syllable nuclei per second of the turn
	VoicedShare float64 // voiced frames over all frames of the turn
	Arousal     float64 // 0 … 1
	Voiced      bool    // enough voiced frames (5, 100 ms) to say anything
}

// pitch histogram: semitones above 60 Hz, one bin each.
const histBins = 48

// Turn summarises the audio that arrived between start and end.
func (ac *Acoustic) Turn(start, end time.Time) Voice {
	var v Voice
	s, e := start.UnixNano(), end.UnixNano()
	first := max(0, ac.n-ringFrames)
	var hist [histBins]int
	var voiced, total, peaks int
	var sumDB float64
	// Syllable nuclei: local maxima of the level (3-frame smoothing) over the
	// speech floor, at least 100 ms apart.
	var p2, p1 float64 = -96, -96
	lastPeak := -1000
	for i := first; i < ac.n; i++ {
		f := ac.frames[i%ringFrames]
		if f.at < s || f.at > e {
			continue
		}
		total++
		cur := float64(f.db)
		if p1 > p2 && p1 >= cur && p1 > ac.floor+speechOverFloor && i-1-lastPeak >= 5 {
			peaks++
			lastPeak = i - 1
		}
		p2, p1 = p1, cur
		if f.pitchHz <= 0 {
			continue
		}
		voiced++
		sumDB += float64(f.db)
		st := int(12 * math.Log2(float64(f.pitchHz)/60))
		hist[max(0, min(histBins-1, st))]++
	}
	if total == 0 {
		return v
	}
	v.VoicedShare = float64(voiced) / float64(total)
	v.Rate = float64(peaks) / (float64(total) * 0.02)
	if voiced < 5 {
		return v
	}
	v.Voiced = true
	v.LevelDB = sumDB / float64(voiced)
	lo, hi := percentile(&hist, voiced, 0.1), percentile(&hist, voiced, 0.9)
	v.PitchRange = float64(hi - lo)
	v.Arousal = loudWeight*logistic((v.LevelDB-loudCentre)/loudScale) +
		rangeWeight*logistic((v.PitchRange-rangeCentre)/rangeScale) +
		rateWeight*logistic((v.Rate-rateCentre)/rateScale)
	return v
}

func percentile(hist *[histBins]int, n int, q float64) int {
	want := int(math.Ceil(q * float64(n)))
	seen := 0
	for i, c := range hist {
		seen += c
		if seen >= want {
			return i
		}
	}
	return histBins - 1
}

func logistic(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
