package media

import (
	"fmt"
	"time"
)

// AMD verdicts.
const (
	AMDHuman   = "human"
	AMDMachine = "machine"
	AMDNotSure = "not_sure"
)

// AMDOptions are the detector's parameters (per campaign). Zero values take the
// defaults, which follow the classic answering-machine-detection timings.
type AMDOptions struct {
	// InitialSilence: nobody speaks for this long after answer (default 2500 ms) →
	// InitialSilenceVerdict (default machine: a machine that waits, or a dead line).
	InitialSilence        time.Duration
	InitialSilenceVerdict string
	// Greeting: speech adding up to this much before a pause (default 1500 ms) → machine.
	Greeting time.Duration
	// AfterGreetingSilence: a pause this long after a short greeting (default 800 ms) →
	// human: people say "hello?" and wait.
	AfterGreetingSilence time.Duration
	// MinWord / BetweenWords: a word is at least MinWord of speech (default 100 ms)
	// after at least BetweenWords of silence (default 50 ms).
	MinWord, BetweenWords time.Duration
	// MaxWords: this many words with no pause long enough to decide (default 4) →
	// machine. (Three, the classic value, calls "Yes, who is this?" a machine.)
	MaxWords int
	// MaxWordLength: one unbroken stretch of speech this long (default 5000 ms) → machine.
	MaxWordLength time.Duration
	// TotalAnalysis: no decision by then (default 5000 ms) → not sure.
	TotalAnalysis time.Duration
	// WaitForBeep keeps listening after a machine verdict until the beep (or BeepTimeout,
	// default 20 s), so a voicemail message starts right after it.
	WaitForBeep bool
	BeepTimeout time.Duration
	// BeepMin: a steady tone (400-2100 Hz, tonality > BeepTonality) this long is a beep
	// (default 160 ms, tonality 0.6).
	BeepMin      time.Duration
	BeepTonality float64
	// VAD configures the voice-activity detector that drives the timings.
	VAD VADOptions
	// OnVerdict is called once with the verdict; OnBeep once when a beep ends (with
	// WaitForBeep, possibly after the verdict). Both run on the Process caller.
	OnVerdict func(AMDResult)
	OnBeep    func(at time.Duration)
}

func (o AMDOptions) withDefaults() AMDOptions {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.InitialSilence, 2500*time.Millisecond)
	def(&o.Greeting, 1500*time.Millisecond)
	def(&o.AfterGreetingSilence, 800*time.Millisecond)
	def(&o.MinWord, 100*time.Millisecond)
	def(&o.BetweenWords, 50*time.Millisecond)
	def(&o.MaxWordLength, 5000*time.Millisecond)
	def(&o.TotalAnalysis, 5000*time.Millisecond)
	def(&o.BeepTimeout, 20*time.Second)
	def(&o.BeepMin, 160*time.Millisecond)
	if o.MaxWords <= 0 {
		o.MaxWords = 4
	}
	if o.BeepTonality <= 0 {
		o.BeepTonality = 0.6
	}
	if o.InitialSilenceVerdict == "" {
		o.InitialSilenceVerdict = AMDMachine
	}
	return o
}

// AMDResult is the verdict, in the shape of the call result's amd object.
type AMDResult struct {
	Verdict    string        // human | machine | not_sure
	Confidence float64       // 0-1
	Decided    time.Duration // media time of the decision (since the first audio)
	Reason     string        // initial_silence, long_greeting, short_greeting, max_words, long_word, beep, fax, sit, max_time
	Words      int
	Speech     time.Duration // total speech heard before deciding
	Beep       time.Duration // end of the beep (0: none heard)
	Tone       string        // "beep", "sit", "fax" when a tone was heard
}

// AMD decides whether a person or a machine answered, from the first seconds of what
// the far end sends (feed it from OnAudio with the media time). It is the classic
// timing analysis — initial silence, greeting length, word count, the pause after a
// greeting — written afresh from its published description and driven by our VAD's
// 20 ms decisions, plus Goertzel tone detection for voicemail beeps, special
// information tones (SIT) and fax calling tones. Not safe for concurrent use.
//
//	listening ──(rule fires)──► decided ──(WaitForBeep: beep or timeout)──► done
//
// Decision rules, checked every frame, first match wins:
//
//	fax CNG (1100 Hz ≥ 400 ms)             machine, fax
//	SIT (913.8 → 1370.6 → 1776.7 Hz)        not_sure, sit (no one is there)
//	a beep (steady tone ≥ BeepMin)          machine, beep
//	silence ≥ InitialSilence, no speech     InitialSilenceVerdict, initial_silence
//	one word ≥ MaxWordLength                machine, long_word
//	speech total ≥ Greeting                 machine, long_greeting
//	words ≥ MaxWords                        machine, max_words
//	pause ≥ AfterGreetingSilence after speech (< Greeting)   human, short_greeting
//	TotalAnalysis elapsed                   not_sure, max_time
type AMD struct {
	o     AMDOptions
	vad   *VAD
	tones *toneBank
	at0   time.Duration // media time of the first audio
	begun bool
	now   time.Duration // media time of the current frame's end, since at0

	speech, silence, word time.Duration // totals and current runs
	inWord, heard         bool
	words                 int

	toneF             float64
	toneRun           time.Duration
	sitStage          int
	sitGap, sitRun    time.Duration
	faxRun            time.Duration
	res               AMDResult
	decided, beepDone bool
}

// NewAMD returns a detector; Close it (it owns a VAD).
func NewAMD(o AMDOptions) (*AMD, error) {
	o = o.withDefaults()
	switch o.InitialSilenceVerdict {
	case AMDHuman, AMDMachine, AMDNotSure:
	default:
		return nil, fmt.Errorf("new amd: initial silence verdict %q: %w", o.InitialSilenceVerdict, ErrInvalidOptions)
	}
	a := &AMD{o: o, tones: newToneBank()}
	vo := o.VAD
	vo.OnFrame = a.onFrame
	vo.OnEvent = nil
	v, err := NewVAD(vo)
	if err != nil {
		return nil, err
	}
	a.vad = v
	return a, nil
}

// Close frees the VAD.
func (a *AMD) Close() { a.vad.Close() }

// Result is the verdict so far (Verdict empty until decided).
func (a *AMD) Result() AMDResult { return a.res }

// Decided reports whether the verdict is in.
func (a *AMD) Decided() bool { return a.decided }

// Done reports whether the detector needs no more audio (decided, and the beep heard
// or not awaited).
func (a *AMD) Done() bool {
	return a.decided && (!a.o.WaitForBeep || a.beepDone || a.res.Verdict != AMDMachine)
}

// Process feeds audio at media time at.
func (a *AMD) Process(pcm []int16, at time.Duration) {
	if !a.begun {
		a.begun, a.at0 = true, at
	}
	a.vad.Process(pcm, at)
}

// Finish decides now if nothing was decided (the call ended): not sure, or by the
// rules that need no more audio.
func (a *AMD) Finish() AMDResult {
	if !a.decided {
		if a.heard && a.speech < a.o.Greeting && a.silence > 0 {
			a.decide(AMDHuman, 0.55, "short_greeting")
		} else {
			a.decide(AMDNotSure, 0.3, "max_time")
		}
	}
	return a.res
}

// onFrame is the VAD's per-frame decision; the VAD hands us its frame order, and we
// re-read the same samples for tones through the frame buffer the VAD filled.
func (a *AMD) onFrame(speech bool, at time.Duration) {
	a.now = at + FrameDuration - a.at0
	a.checkTones(a.vad.frame[:])
	if a.decided {
		if a.o.WaitForBeep && !a.beepDone && a.now-a.res.Decided >= a.o.BeepTimeout {
			a.beepDone = true
		}
		return
	}
	if speech {
		a.heard = true
		a.speech += FrameDuration
		if !a.inWord {
			a.inWord, a.word = true, 0
		}
		a.word += FrameDuration
		if a.word >= a.o.MinWord && a.word-FrameDuration < a.o.MinWord {
			a.words++ // the stretch just became long enough to be a word
		}
		a.silence = 0
	} else {
		a.silence += FrameDuration
		if a.silence >= a.o.BetweenWords {
			a.inWord = false
		}
	}
	switch {
	case !a.heard && a.silence >= a.o.InitialSilence:
		conf := 0.6
		if a.o.InitialSilenceVerdict == AMDNotSure {
			conf = 0.5
		}
		a.decide(a.o.InitialSilenceVerdict, conf, "initial_silence")
	case a.inWord && a.word >= a.o.MaxWordLength:
		a.decide(AMDMachine, 0.85, "long_word")
	case a.speech >= a.o.Greeting:
		a.decide(AMDMachine, min(0.97, 0.75+0.1*float64(a.speech-a.o.Greeting)/float64(time.Second)+0.02*float64(a.words)), "long_greeting")
	case a.words >= a.o.MaxWords:
		a.decide(AMDMachine, 0.7, "max_words")
	case a.heard && a.silence >= a.o.AfterGreetingSilence:
		// Shorter greetings are more surely a person.
		a.decide(AMDHuman, min(0.95, 0.95-0.2*float64(a.speech)/float64(a.o.Greeting)), "short_greeting")
	case a.now >= a.o.TotalAnalysis:
		a.decide(AMDNotSure, 0.4, "max_time")
	}
}

func (a *AMD) decide(verdict string, conf float64, reason string) {
	if a.decided {
		return
	}
	a.decided = true
	a.res.Verdict, a.res.Confidence, a.res.Reason = verdict, conf, reason
	a.res.Decided, a.res.Words, a.res.Speech = a.now, a.words, a.speech
	if a.o.OnVerdict != nil {
		a.o.OnVerdict(a.res)
	}
}

func (a *AMD) checkTones(frame []int16) {
	f, tonality := a.tones.strongest(frame)
	tonal := tonality >= a.o.BeepTonality
	// Fax CNG.
	if tonal && near(f, faxCNG, 30) {
		a.faxRun += FrameDuration
		if a.faxRun >= 400*time.Millisecond && a.res.Tone == "" {
			a.res.Tone = "fax"
			a.decide(AMDMachine, 0.95, "fax")
		}
	} else {
		a.faxRun = 0
	}
	// SIT: the three tones in order, each ≥ 100 ms, gaps ≤ 100 ms.
	if a.sitStage < 3 {
		if tonal && near(f, sitFreqs[a.sitStage], 30) {
			a.toneRunSIT()
		} else if a.sitStage > 0 && tonal && near(f, sitFreqs[a.sitStage-1], 30) {
			a.sitGap = 0 // still in the previous tone
		} else {
			a.sitGap += FrameDuration
			if a.sitGap > 100*time.Millisecond {
				a.sitStage, a.sitGap = 0, 0
			}
		}
	}
	// Beep: a steady tone, not a SIT or CNG frequency, reported when it ends.
	isSITorFax := near(f, faxCNG, 30) || near(f, sitFreqs[0], 20) || near(f, sitFreqs[1], 20) || near(f, sitFreqs[2], 20)
	if tonal && !isSITorFax && (a.toneRun == 0 || near(f, a.toneF, 50)) {
		if a.toneRun == 0 {
			a.toneF = f
		}
		a.toneRun += FrameDuration
		if a.toneRun >= a.o.BeepMin && !a.decided {
			a.res.Tone = "beep"
			a.decide(AMDMachine, 0.99, "beep")
		}
		return
	}
	if a.toneRun >= a.o.BeepMin && !a.beepDone {
		a.beepDone = true
		a.res.Tone = "beep"
		a.res.Beep = a.now - FrameDuration
		if a.o.OnBeep != nil {
			a.o.OnBeep(a.at0 + a.res.Beep)
		}
	}
	a.toneRun = 0
}

func (a *AMD) toneRunSIT() {
	a.sitGap = 0
	a.toneRun = 0 // a SIT tone is not a beep
	a.faxRun = 0
	a.sitRun += FrameDuration
	if a.sitRun >= 100*time.Millisecond {
		a.sitStage++
		a.sitRun = 0
		if a.sitStage == 3 {
			a.res.Tone = "sit"
			a.decide(AMDNotSure, 0.9, "sit")
		}
	}
}
