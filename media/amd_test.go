package media

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// phoneLine passes audio through G.711 µ-law, as a call would.
func phoneLine(s []int16) []int16 {
	enc := make([]byte, len(s))
	MulawEncode(enc, s)
	out := make([]int16, len(s))
	MulawDecode(out, enc)
	return out
}

// runAMD feeds pcm in 20 ms packets from media time 0 and returns the verdict.
func runAMD(t testing.TB, pcm []int16, o AMDOptions) (AMDResult, time.Duration) {
	t.Helper()
	var beep time.Duration
	o.OnBeep = func(at time.Duration) { beep = at }
	a, err := NewAMD(o)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	for i := 0; i+FrameSamples <= len(pcm) && !a.Done(); i += FrameSamples {
		a.Process(pcm[i:i+FrameSamples], time.Duration(i/FrameSamples)*FrameDuration)
	}
	return a.Finish(), beep
}

func TestAMDTones(t *testing.T) {
	sit := Concat(Tone(913.8, 330*time.Millisecond, 6000), Tone(1370.6, 330*time.Millisecond, 6000),
		Tone(1776.7, 330*time.Millisecond, 6000), Silence(2*time.Second))
	fax := Concat(Tone(1100, 500*time.Millisecond, 6000), Silence(3*time.Second))
	beep := Concat(Silence(500*time.Millisecond), Tone(1000, 400*time.Millisecond, 8000), Silence(2*time.Second))
	cases := []struct {
		name          string
		pcm           *PCM
		verdict, tone string
	}{
		{"sit", sit, AMDNotSure, "sit"},
		{"fax", fax, AMDMachine, "fax"},
		{"beep", beep, AMDMachine, "beep"},
		{"silence", Silence(4 * time.Second), AMDMachine, ""},
	}
	for _, c := range cases {
		res, _ := runAMD(t, phoneLine(c.pcm.Samples), AMDOptions{})
		if res.Verdict != c.verdict || res.Tone != c.tone {
			t.Errorf("%s: %+v", c.name, res)
		}
	}
	res, _ := runAMD(t, Silence(4*time.Second).Samples, AMDOptions{InitialSilenceVerdict: AMDNotSure})
	if res.Verdict != AMDNotSure || res.Reason != "initial_silence" || res.Decided != 2500*time.Millisecond {
		t.Errorf("silence, not-sure policy: %+v", res)
	}
	if _, err := NewAMD(AMDOptions{InitialSilenceVerdict: "robot"}); err == nil {
		t.Error("bad verdict accepted")
	}
}

// The sentences a person or a machine says on answering. Machines: voicemail greetings.
var (
	humanOpenings = []string{"Hello?", "Hello, this is John.", "Yes?", "Hi, who's calling?", "Yes, who is this?", "Speaking."}
	machineGreets = []string{
		"Hi, you have reached Mary. I can't come to the phone right now, please leave a message after the tone.",
		"The person you are calling is not available. Please leave your message after the beep.",
		"Hello, this is Dave's phone. Leave your name and number and I will call you back.",
		"You have reached the offices of Acme Insurance. Our office hours are nine to five, Monday to Friday.",
	}
)

type amdCase struct {
	name  string
	truth string
	pcm   []int16
}

func amdCorpus(t testing.TB) []amdCase {
	var cs []amdCase
	for vi, v := range ttsVoices {
		for hi, h := range humanOpenings {
			s := synth(t, v, h).Samples
			pcm := Concat(Silence(300*time.Millisecond), &PCM{Samples: s}, Silence(4*time.Second)).Samples
			snr := 0.0
			if (vi+hi)%3 == 0 {
				snr = 20 // a third with line noise
			}
			cs = append(cs, amdCase{fmt.Sprintf("human %s %q snr=%v", v, h, snr), AMDHuman, phoneLine(withNoise(pcm, s, snr, uint64(vi*10+hi)))})
		}
		for mi, m := range machineGreets {
			s := synth(t, v, m).Samples
			parts := []*PCM{Silence(200 * time.Millisecond), {Samples: s}, Silence(300 * time.Millisecond)}
			if (vi+mi)%2 == 0 {
				parts = append(parts, Tone(1000, 400*time.Millisecond, 8000))
			}
			parts = append(parts, Silence(3*time.Second))
			pcm := Concat(parts...).Samples
			snr := 0.0
			if (vi+mi)%3 == 1 {
				snr = 20
			}
			cs = append(cs, amdCase{fmt.Sprintf("machine %s %q snr=%v", v, m[:20], snr), AMDMachine, phoneLine(withNoise(pcm, s, snr, uint64(vi*10+mi+500)))})
		}
	}
	return cs
}

// Accuracy on synthetic answers: person openings and voicemail greetings across the
// TTS voices and speeds, a third with 20 dB line noise, through µ-law.
func TestAMDAccuracyOnSyntheticAnswers(t *testing.T) {
	requireTTS(t)
	cases := amdCorpus(t)
	for _, eng := range vadEngines() {
		conf := map[string]map[string]int{AMDHuman: {}, AMDMachine: {}}
		var times []time.Duration
		right := 0
		var wrong []string
		for _, c := range cases {
			res, _ := runAMD(t, c.pcm, AMDOptions{VAD: VADOptions{Engine: eng}})
			conf[c.truth][res.Verdict]++
			times = append(times, res.Decided)
			if res.Verdict == c.truth {
				right++
			} else {
				wrong = append(wrong, fmt.Sprintf("%s → %s (%s, %d words, %v speech)", c.name, res.Verdict, res.Reason, res.Words, res.Speech))
			}
		}
		slices.Sort(times)
		acc := float64(right) / float64(len(cases))
		t.Logf("%s VAD: %d answers, accuracy %.1f %%, median decision %v, p90 %v", eng, len(cases), 100*acc,
			times[len(times)/2], times[len(times)*9/10])
		for _, truth := range []string{AMDHuman, AMDMachine} {
			t.Logf("  truth %-7s → human %2d  machine %2d  not_sure %2d", truth, conf[truth][AMDHuman], conf[truth][AMDMachine], conf[truth][AMDNotSure])
		}
		if len(wrong) > 0 {
			t.Logf("  misses:\n    %s", strings.Join(wrong, "\n    "))
		}
		if len(cases) < 60 {
			t.Errorf("only %d synthetic answers", len(cases))
		}
		if acc < 0.85 {
			t.Errorf("%s: accuracy %.3f < 0.85", eng, acc)
		}
	}
}

// Wait-for-beep: the verdict comes during the greeting, the beep callback at its end.
func TestAMDWaitForBeep(t *testing.T) {
	requireTTS(t)
	s := synth(t, ttsVoices[0], machineGreets[0]).Samples
	greetEnd := 200*time.Millisecond + time.Duration(len(s))*time.Second/SampleRate
	pcm := Concat(Silence(200*time.Millisecond), &PCM{Samples: s}, Silence(500*time.Millisecond),
		Tone(1000, 400*time.Millisecond, 8000), Silence(3*time.Second)).Samples
	var verdictAt time.Duration
	res, beep := runAMD(t, phoneLine(pcm), AMDOptions{WaitForBeep: true, OnVerdict: func(r AMDResult) { verdictAt = r.Decided }})
	if res.Verdict != AMDMachine || verdictAt == 0 || verdictAt > greetEnd {
		t.Errorf("verdict %+v at %v (greeting ends %v)", res, verdictAt, greetEnd)
	}
	beepEnd := greetEnd + 900*time.Millisecond
	if d := beep - beepEnd; d < -60*time.Millisecond || d > 60*time.Millisecond {
		t.Errorf("beep reported at %v, it ends at %v", beep, beepEnd)
	}
}

func BenchmarkAMDFrame(b *testing.B) {
	a, _ := NewAMD(AMDOptions{TotalAnalysis: time.Hour, Greeting: time.Hour, MaxWords: 1 << 30, MaxWordLength: time.Hour})
	defer a.Close()
	frame := Tone(300, FrameDuration, 5000).Samples
	at := time.Duration(0)
	b.ReportAllocs()
	for b.Loop() {
		a.Process(frame, at)
		at += FrameDuration
	}
}
