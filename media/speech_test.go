package media

import (
	"math"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Synthetic speech for VAD and AMD tests, from the local TTS engines (flite and
// espeak-ng command-line tools, Debian packages flite and espeak-ng). Their output varies
// a little run to run, so tests assert rates with margins, never bytes.

type ttsVoice struct {
	engine, voice string
	speed         int // words per minute (espeak-ng), 0 default
}

var ttsVoices = []ttsVoice{
	{"flite", "slt", 0}, {"flite", "kal", 0}, {"flite", "awb", 0}, {"flite", "rms", 0},
	{"espeak-ng", "en-us", 175}, {"espeak-ng", "en-gb", 140}, {"espeak-ng", "en-us+f3", 200},
}

func (v ttsVoice) String() string {
	s := v.engine + ":" + v.voice
	if v.speed > 0 {
		s += "@" + strconv.Itoa(v.speed)
	}
	return s
}

var ttsCache sync.Map // text+voice → *PCM

func requireTTS(t testing.TB) {
	t.Helper()
	for _, bin := range []string{"flite", "espeak-ng"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("%s not installed (Debian packages flite and espeak-ng): %v", bin, err)
		}
	}
}

// synth speaks text with v and returns it at 8 kHz.
func synth(t testing.TB, v ttsVoice, text string) *PCM {
	t.Helper()
	key := v.String() + "|" + text
	if p, ok := ttsCache.Load(key); ok {
		return p.(*PCM)
	}
	out := filepath.Join(t.TempDir(), "tts.wav")
	var cmd *exec.Cmd
	if v.engine == "flite" {
		cmd = exec.Command("flite", "-voice", v.voice, "-t", text, "-o", out)
	} else {
		args := []string{"-v", v.voice, "-w", out}
		if v.speed > 0 {
			args = append(args, "-s", strconv.Itoa(v.speed))
		}
		cmd = exec.Command("espeak-ng", append(args, text)...)
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v: %s", v, err, b)
	}
	p, err := ReadWAV(out)
	if err != nil {
		t.Fatal(err)
	}
	// Normalise to a telephone level (RMS ≈ 3000 over speech) so voices compare.
	if r := activeRMS(p.Samples); r > 0 {
		g := 3000 / r
		for i, s := range p.Samples {
			p.Samples[i] = int16(max(-32768, min(32767, float64(s)*g)))
		}
	}
	ttsCache.Store(key, p)
	return p
}

// activeRMS is the RMS over frames louder than 1 % of the loudest.
func activeRMS(s []int16) float64 {
	var peak float64
	for i := 0; i+FrameSamples <= len(s); i += FrameSamples {
		peak = max(peak, RMS(s[i:i+FrameSamples]))
	}
	var sum float64
	n := 0
	for i := 0; i+FrameSamples <= len(s); i += FrameSamples {
		if r := RMS(s[i : i+FrameSamples]); r > 0.01*peak {
			sum += r * r
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return math.Sqrt(sum / float64(n))
}

// withNoise adds white Gaussian noise at snrDB below the speech level (activeRMS of
// speech); snrDB ≤ 0 means no noise.
func withNoise(s []int16, speech []int16, snrDB float64, seed uint64) []int16 {
	out := append([]int16(nil), s...)
	if snrDB <= 0 {
		return out
	}
	sigma := activeRMS(speech) / math.Pow(10, snrDB/20)
	r := rand.New(rand.NewPCG(seed, 1))
	for i, v := range out {
		out[i] = int16(max(-32768, min(32767, float64(v)+r.NormFloat64()*sigma)))
	}
	return out
}

var vadPhrases = []string{
	"Hello, this is John speaking.",
	"Yes, who is this?",
	"I am not interested, thank you.",
	"Please call me back tomorrow afternoon.",
	"Sorry, you have reached the voicemail of Mary Smith.",
	"Twenty three dollars and fifty cents.",
}

// frameLabels marks each 20 ms frame of clean speech: 1 speech (within 22 dB of the
// loudest frame), 0 unclear (quiet, or within 200 ms of speech), -1 certainly not
// speech (the padding around it).
func frameLabels(clean []int16, lead int) []int8 {
	n := len(clean) / FrameSamples
	var peak float64
	for i := range n {
		peak = max(peak, RMS(clean[i*FrameSamples:(i+1)*FrameSamples]))
	}
	lab := make([]int8, n)
	lastSpeech := -1000
	for i := range n {
		if RMS(clean[i*FrameSamples:(i+1)*FrameSamples]) >= 0.08*peak {
			lab[i] = 1
			lastSpeech = i
		} else if i-lastSpeech > 10 {
			lab[i] = -1
		}
	}
	// and 200 ms before speech is unclear too
	next := 1 << 30
	for i := n - 1; i >= 0; i-- {
		if lab[i] == 1 {
			next = i
		} else if lab[i] == -1 && next-i <= 10 {
			lab[i] = 0
		}
	}
	return lab
}

type vadScore struct{ speechHit, speech, noiseHit, noise int }

func (s vadScore) recall() float64 { return float64(s.speechHit) / float64(max(1, s.speech)) }
func (s vadScore) fp() float64     { return float64(s.noiseHit) / float64(max(1, s.noise)) }

func TestVADAccuracyOnSyntheticSpeech(t *testing.T) {
	requireTTS(t)
	engines := []string{VADEnergy}
	if WebRTCVADAvailable {
		engines = append(engines, VADWebRTC)
	}
	snrs := []float64{0, 20, 10} // 0: clean
	scores := map[string]*vadScore{}
	for _, v := range ttsVoices {
		for pi, phrase := range vadPhrases {
			speech := synth(t, v, phrase).Samples
			clean := Concat(Silence(time.Second), &PCM{Samples: speech}, Silence(time.Second)).Samples
			lab := frameLabels(clean, SampleRate)
			for _, snr := range snrs {
				noisy := withNoise(clean, speech, snr, uint64(pi*100+int(snr)))
				for _, eng := range engines {
					key := eng + "/" + snrName(snr)
					sc := scores[key]
					if sc == nil {
						sc = &vadScore{}
						scores[key] = sc
					}
					i := 0
					vad, err := NewVAD(VADOptions{Engine: eng, OnFrame: func(sp bool, _ time.Duration) {
						if i < len(lab) {
							switch lab[i] {
							case 1:
								sc.speech++
								if sp {
									sc.speechHit++
								}
							case -1:
								sc.noise++
								if sp {
									sc.noiseHit++
								}
							}
						}
						i++
					}})
					if err != nil {
						t.Fatal(err)
					}
					vad.Process(noisy, 0)
					vad.Close()
				}
			}
		}
	}
	// Floors a little under what was measured (see BENCHMARKS.md, Media plane).
	floors := map[string][2]float64{ // min speech recall, max false-positive rate
		"webrtc/clean": {0.85, 0.02}, "webrtc/20dB": {0.85, 0.10}, "webrtc/10dB": {0.80, 0.30},
		"energy/clean": {0.75, 0.02}, "energy/20dB": {0.60, 0.10}, "energy/10dB": {0.30, 0.15},
	}
	for _, eng := range engines {
		for _, snr := range snrs {
			key := eng + "/" + snrName(snr)
			sc := scores[key]
			t.Logf("%-13s speech frames flagged %5.1f %% (%d), non-speech frames flagged %5.1f %% (%d)",
				key, 100*sc.recall(), sc.speech, 100*sc.fp(), sc.noise)
			if f := floors[key]; sc.recall() < f[0] || sc.fp() > f[1] {
				t.Errorf("%s: recall %.3f (min %.2f), false positives %.3f (max %.2f)", key, sc.recall(), f[0], sc.fp(), f[1])
			}
		}
	}
}

func snrName(snr float64) string {
	if snr <= 0 {
		return "clean"
	}
	return strconv.Itoa(int(snr)) + "dB"
}
