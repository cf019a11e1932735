package media

import (
	"fmt"
	"math"
	"time"
)

// VADEventKind is a speech boundary.
type VADEventKind uint8

const (
	SpeechStart VADEventKind = iota + 1
	SpeechEnd
)

func (k VADEventKind) String() string {
	switch k {
	case SpeechStart:
		return "speech_start"
	case SpeechEnd:
		return "speech_end"
	}
	return "unknown"
}

// VADEvent is a speech start or end on the media timeline (the `at` of OnAudio).
type VADEvent struct {
	Kind VADEventKind
	At   time.Duration // start: the first speech frame; end: the end of the last one
	// Speech is the length of the talkspurt that ended (SpeechEnd only).
	Speech time.Duration
}

// VAD engines.
const (
	VADWebRTC = "webrtc" // Debian's libwebrtc-audio-processing via cgo (the default when built in)
	VADEnergy = "energy" // pure Go: adaptive energy floor plus zero-crossing rate
)

// VADOptions configure NewVAD. Zero values take defaults.
type VADOptions struct {
	// Engine is VADWebRTC or VADEnergy; default WebRTC when this build has it.
	Engine string
	// Mode is the WebRTC aggressiveness 0-3 (default 2: measured 90 % of speech frames
	// flagged and 0 % of noise frames, docs/measured-facts.md).
	Mode int
	// StartFrames: speech frames among the last StartWindow that start a talkspurt
	// (default 3 of 5: 60 ms, so a click does not count).
	StartFrames, StartWindow int
	// Hangover: silence that ends a talkspurt (default 300 ms).
	Hangover time.Duration
	// OnEvent receives speech starts and ends, on the goroutine calling Process.
	OnEvent func(VADEvent)
	// OnFrame, when set, receives every 20 ms frame's raw decision (AMD uses it).
	OnFrame func(speech bool, at time.Duration)
}

// frameClassifier decides speech / not speech for one 20 ms frame at 8 kHz.
type frameClassifier interface {
	speech(frame []int16) bool
	close()
}

// VAD turns 8 kHz audio into speech start/stop events. Feed it from OnAudio; it
// buffers to 20 ms frames itself. Not safe for concurrent use; cheap: ~1.6 µs per frame
// for WebRTC, ~0.5 µs for the energy engine.
type VAD struct {
	o        VADOptions
	cls      frameClassifier
	frame    [FrameSamples]int16
	n        int
	frameAt  time.Duration // media time of frame[0]
	history  uint32        // last StartWindow decisions, newest in bit 0
	speaking bool
	startAt  time.Duration
	lastVoc  time.Duration // end of the last speech frame
	silent   time.Duration // silence since then
}

// NewVAD returns a detector; Close it to free the WebRTC instance.
func NewVAD(o VADOptions) (*VAD, error) {
	if o.Engine == "" {
		o.Engine = VADEnergy
		if WebRTCVADAvailable {
			o.Engine = VADWebRTC
		}
	}
	if o.Mode < 0 || o.Mode > 3 {
		return nil, fmt.Errorf("new vad: mode %d (want 0-3): %w", o.Mode, ErrInvalidOptions)
	}
	if o.Mode == 0 && o.Engine == VADWebRTC {
		o.Mode = 2
	}
	if o.StartWindow <= 0 || o.StartWindow > 32 {
		o.StartWindow = 5
	}
	if o.StartFrames <= 0 || o.StartFrames > o.StartWindow {
		o.StartFrames = min(3, o.StartWindow)
	}
	if o.Hangover <= 0 {
		o.Hangover = 300 * time.Millisecond
	}
	v := &VAD{o: o}
	switch o.Engine {
	case VADWebRTC:
		c, err := newWebRTCVAD(o.Mode)
		if err != nil {
			return nil, err
		}
		v.cls = c
	case VADEnergy:
		v.cls = newEnergyVAD()
	default:
		return nil, fmt.Errorf("new vad: engine %q: %w", o.Engine, ErrInvalidOptions)
	}
	return v, nil
}

// Engine is the engine in use.
func (v *VAD) Engine() string { return v.o.Engine }

// Speaking reports whether a talkspurt is in progress.
func (v *VAD) Speaking() bool { return v.speaking }

// Close frees the engine. Idempotent.
func (v *VAD) Close() {
	if v.cls != nil {
		v.cls.close()
	}
}

// Process feeds audio starting at media time at (any length; frames complete across
// calls).
func (v *VAD) Process(pcm []int16, at time.Duration) {
	for len(pcm) > 0 {
		if v.n == 0 {
			v.frameAt = at
		}
		k := copy(v.frame[v.n:], pcm)
		v.n += k
		pcm = pcm[k:]
		at += time.Duration(k) * time.Second / SampleRate
		if v.n == FrameSamples {
			v.n = 0
			v.decide(v.cls.speech(v.frame[:]), v.frameAt)
		}
	}
}

func (v *VAD) decide(speech bool, at time.Duration) {
	if v.o.OnFrame != nil {
		v.o.OnFrame(speech, at)
	}
	mask := uint32(1)<<v.o.StartWindow - 1
	v.history = (v.history<<1 | b2u(speech)) & mask
	end := at + FrameDuration
	if speech {
		v.lastVoc, v.silent = end, 0
	} else {
		v.silent += FrameDuration
	}
	switch {
	case !v.speaking && countBits(v.history) >= v.o.StartFrames:
		v.speaking = true
		// The talkspurt began at the oldest speech frame in the window.
		first := at
		for i := v.o.StartWindow - 1; i >= 0; i-- {
			if v.history>>i&1 == 1 {
				first = at - time.Duration(i)*FrameDuration
				break
			}
		}
		v.startAt = first
		v.emit(VADEvent{Kind: SpeechStart, At: first})
	case v.speaking && v.silent >= v.o.Hangover:
		v.speaking = false
		v.emit(VADEvent{Kind: SpeechEnd, At: v.lastVoc, Speech: v.lastVoc - v.startAt})
	}
}

func (v *VAD) emit(e VADEvent) {
	if v.o.OnEvent != nil {
		v.o.OnEvent(e)
	}
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

func countBits(x uint32) int {
	n := 0
	for ; x != 0; x &= x - 1 {
		n++
	}
	return n
}

// energyVAD is the pure-Go engine: a frame is speech when its energy stands well above
// a tracked noise floor (fast to fall, slow to rise) and above an absolute minimum,
// with a zero-crossing rate that is not white-noise-like unless it is loud.
type energyVAD struct {
	floor float64 // noise floor, dB
	init  bool
}

func newEnergyVAD() *energyVAD { return &energyVAD{} }

func (e *energyVAD) close() {}

func (e *energyVAD) speech(frame []int16) bool {
	var sum float64
	zc := 0
	for i, s := range frame {
		f := float64(s)
		sum += f * f
		if i > 0 && (s >= 0) != (frame[i-1] >= 0) {
			zc++
		}
	}
	db := 10 * log10(sum/float64(len(frame))+1)
	if !e.init {
		e.floor, e.init = db, true
	}
	if db < e.floor {
		e.floor = db // the floor falls at once
	} else {
		e.floor += 0.02 * (db - e.floor) // and rises slowly (about 1 s to follow)
	}
	above := db - e.floor
	zcr := float64(zc) / float64(len(frame))
	switch {
	case db < 30: // below ~-60 dBFS: silence whatever the floor says
		return false
	case above > 15:
		return true
	case above > 9 && zcr < 0.35: // voiced-like
		return true
	}
	return false
}

func log10(x float64) float64 { return math.Log10(x) }

const (
	// quietPeak bounds the samples of a digitally silent frame (µ-law and A-law
	// silence decode to 0 or ±8 at most). WebRTC neither flags such a frame nor learns
	// from it: its energy is under the engine's kMinEnergy. Anything louder, even a
	// faint hiss, does feed its noise model, so the gate must not take it.
	quietPeak = 8
	// quietLeadIn quiet frames still go to the WebRTC engine after sound stops: its
	// hangover lasts at most 5 frames of 20 ms in mode 2, and its state then settles.
	quietLeadIn = 10
)

// quietFrame reports whether every sample is within ±quietPeak (digital silence).
func quietFrame(frame []int16) bool {
	for _, s := range frame {
		if s > quietPeak || s < -quietPeak {
			return false
		}
	}
	return true
}
