package asr

import "math"

// energyVAD is a simple energy detector with an adaptive noise floor, the stand-in
// until the media plane's WebRTC VAD arrives (measured here: energy+ZCR flags 81 % of
// speech frames and 0 % of noise; WebRTC's 90 %/0 %). It decides per 20 ms frame and
// only gates decoding, so a missed quiet consonant costs nothing: the hangover keeps
// the utterance open and the pre-roll puts the onset back.
//
// A frame is loud when its RMS exceeds both minRMS and onsetRatio × the noise floor.
// Speech starts after startFrames consecutive loud frames and ends after endFrames
// consecutive quiet ones. The floor follows the quietest recent frames outside
// speech: it falls fast and rises slowly, and not with speech.
//
// Noise that arrives with the speech rises it too. A phone that sends digital
// silence between answers (silence suppression, or a quiet line) and then an answer
// in a noisy place gives no quiet frame to learn the noise from: its first frame of
// noise is "speech", and against the silence's floor the speech would last until
// the noise stops. So when a whole second, speech included, held no frame as quiet
// as vadMinRMS, the floor is at least that second's quietest frame: the noise
// between the words. Speech clean enough to matter has frames far quieter than
// that within any second (between words, in the closure of a stop), so on a quiet
// line nothing changes.
type energyVAD struct {
	hist        [vadFloorFrames]float64 // RMS of recent non-speech frames
	all         [vadFloorFrames]float64 // RMS of the recent frames, speech included
	n, next     int
	nAll        int
	nextAll     int
	speech      bool
	loudRun     int
	quietRun    int
	startFrames int
	endFrames   int
}

const (
	vadMinRMS      = 150.0 // ≈ -47 dBFS: below this nothing is speech, whatever the floor
	vadOnsetRatio  = 2.5   // ≈ +8 dB over the floor: 10 dB SNR speech still clears it
	vadStartFrames = 3     // 60 ms of sound before we call it speech (clicks are shorter)
	// vadFloorFrames: the noise floor is the quietest frame of the last second outside
	// speech, so it follows a line that gets noisier within a second and a fresh
	// stream that starts in noise is not all "speech".
	vadFloorFrames = 50
)

func newEnergyVAD(endFrames int) energyVAD {
	return energyVAD{startFrames: vadStartFrames, endFrames: max(1, endFrames)}
}

func (v *energyVAD) floor() float64 {
	m := 0.0
	if v.n > 0 {
		m = v.hist[0]
		for _, x := range v.hist[1:v.n] {
			m = min(m, x)
		}
	}
	if v.nAll == vadFloorFrames {
		a := v.all[0]
		for _, x := range v.all[1:] {
			a = min(a, x)
		}
		if a > vadMinRMS {
			m = max(m, a)
		}
	}
	return m
}

// frame classifies one frame; started/ended report transitions.
func (v *energyVAD) frame(pcm []int16) (loud, started, ended bool) {
	var sum float64
	for _, s := range pcm {
		f := float64(s)
		sum += f * f
	}
	rms := 0.0
	if len(pcm) > 0 {
		rms = math.Sqrt(sum / float64(len(pcm)))
	}
	floor := v.floor()
	loud = rms > vadMinRMS && (v.n == 0 || rms > vadOnsetRatio*floor)
	if v.n == 0 {
		loud = false // no reference yet: the first frame only teaches the floor
	}
	v.all[v.nextAll] = rms
	v.nextAll = (v.nextAll + 1) % vadFloorFrames
	v.nAll = min(v.nAll+1, vadFloorFrames)
	if !v.speech && !loud {
		v.hist[v.next] = rms
		v.next = (v.next + 1) % vadFloorFrames
		v.n = min(v.n+1, vadFloorFrames)
	}
	if loud {
		v.loudRun++
		v.quietRun = 0
	} else {
		v.loudRun = 0
		v.quietRun++
	}
	switch {
	case !v.speech && v.loudRun >= v.startFrames:
		v.speech, started = true, true
	case v.speech && v.quietRun >= v.endFrames:
		v.speech, ended = false, true
	}
	return loud, started, ended
}
