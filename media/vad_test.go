package media

import (
	"testing"
	"time"
)

func vadEngines() []string {
	if WebRTCVADAvailable {
		return []string{VADEnergy, VADWebRTC}
	}
	return []string{VADEnergy}
}

// Speech start and end events land near the true boundaries of a TTS utterance (the
// labels mark frames within 22 dB of the loudest, so soft onsets start a little earlier)
// padded with silence, fed in odd-sized chunks.
func TestVADEventsTimestamps(t *testing.T) {
	requireTTS(t)
	speech := synth(t, ttsVoices[0], "Hello, this is John speaking. How can I help you?").Samples
	clean := Concat(Silence(time.Second), &PCM{Samples: speech}, Silence(1500*time.Millisecond)).Samples
	lab := frameLabels(clean, SampleRate)
	var first, last int
	for i, l := range lab {
		if l == 1 {
			if first == 0 {
				first = i
			}
			last = i
		}
	}
	trueStart := time.Duration(first) * FrameDuration
	trueEnd := time.Duration(last+1) * FrameDuration
	for _, eng := range vadEngines() {
		var evs []VADEvent
		v, err := NewVAD(VADOptions{Engine: eng, OnEvent: func(e VADEvent) { evs = append(evs, e) }})
		if err != nil {
			t.Fatal(err)
		}
		at := time.Duration(0)
		for rest := clean; len(rest) > 0; {
			k := min(len(rest), 97) // chunks that never align with frames
			v.Process(rest[:k], at)
			at += time.Duration(k) * time.Second / SampleRate
			rest = rest[k:]
		}
		v.Close()
		if len(evs) < 2 || evs[0].Kind != SpeechStart || evs[len(evs)-1].Kind != SpeechEnd {
			t.Fatalf("%s: events %+v", eng, evs)
		}
		if d := evs[0].At - trueStart; d < -150*time.Millisecond || d > 100*time.Millisecond {
			t.Errorf("%s: start at %v, speech starts at %v", eng, evs[0].At, trueStart)
		}
		end := evs[len(evs)-1]
		if d := end.At - trueEnd; d < -150*time.Millisecond || d > 150*time.Millisecond {
			t.Errorf("%s: end at %v, speech ends at %v", eng, end.At, trueEnd)
		}
		if end.Speech <= 0 || end.Speech > end.At {
			t.Errorf("%s: talkspurt length %v", eng, end.Speech)
		}
		t.Logf("%s: %d events, start %v (true %v), end %v (true %v)", eng, len(evs), evs[0].At, trueStart, end.At, trueEnd)
	}
}

func TestVADSilenceAndToneQuiet(t *testing.T) {
	for _, eng := range vadEngines() {
		n := 0
		v, err := NewVAD(VADOptions{Engine: eng, OnEvent: func(VADEvent) { n++ }})
		if err != nil {
			t.Fatal(err)
		}
		v.Process(Silence(3*time.Second).Samples, 0)
		if n != 0 || v.Speaking() {
			t.Errorf("%s: %d events on silence", eng, n)
		}
		v.Close()
		v.Close() // idempotent
	}
	if _, err := NewVAD(VADOptions{Mode: 7}); err == nil {
		t.Error("mode 7 accepted")
	}
	if _, err := NewVAD(VADOptions{Engine: "bogus"}); err == nil {
		t.Error("bogus engine accepted")
	}
}

func TestVADNoAllocs(t *testing.T) {
	frame := Tone(300, FrameDuration, 5000).Samples
	for _, eng := range vadEngines() {
		v, err := NewVAD(VADOptions{Engine: eng, OnEvent: func(VADEvent) {}})
		if err != nil {
			t.Fatal(err)
		}
		at := time.Duration(0)
		if a := testing.AllocsPerRun(200, func() { v.Process(frame, at); at += FrameDuration }); a != 0 {
			t.Errorf("%s: %v allocs per frame", eng, a)
		}
		v.Close()
	}
}

func BenchmarkVADFrame(b *testing.B) {
	frame := Tone(300, FrameDuration, 5000).Samples
	for _, eng := range vadEngines() {
		b.Run(eng, func(b *testing.B) {
			v, _ := NewVAD(VADOptions{Engine: eng})
			defer v.Close()
			b.ReportAllocs()
			for b.Loop() {
				v.Process(frame, 0)
			}
		})
	}
}
