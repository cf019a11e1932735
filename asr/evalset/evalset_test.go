package evalset_test

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voxdial/voxdial/asr/evalset"
	"github.com/voxdial/voxdial/media"
)

func TestParseNoise(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		want evalset.Noise
		ok   bool
	}{{"white", evalset.NoiseWhite, true}, {" pink", evalset.NoisePink, true}, {"babble", evalset.NoiseBabble, true}, {"brown", "", false}, {"", "", false}} {
		got, err := evalset.ParseNoise(c.in)
		if got != c.want || (err == nil) != c.ok {
			t.Errorf("ParseNoise(%q) = %q, %v", c.in, got, err)
		}
	}
}

// TestMixNoiseLevel: the noise lands snrDB under the speech level, whatever its own.
func TestMixNoiseLevel(t *testing.T) {
	t.Parallel()
	silence := make([]int16, 8000)
	for _, c := range []struct {
		name  string
		noise []int16
	}{{"pink", evalset.PinkNoise(8000, 3)}, {"loud pink", scale(evalset.PinkNoise(8000, 4), 4)}} {
		for _, snr := range []float64{10, 20} {
			got := media.RMS(evalset.MixNoise(silence, c.noise, 3000, snr))
			want := 3000 / math.Pow(10, snr/20)
			if math.Abs(got-want) > want*0.01 {
				t.Errorf("%s at %g dB: noise RMS %.1f, want %.1f", c.name, snr, got, want)
			}
		}
	}
	if out := evalset.MixNoise(silence[:10], make([]int16, 10), 3000, 10); media.RMS(out) != 0 {
		t.Errorf("silent noise added something")
	}
}

func TestPinkNoiseIsLowHeavy(t *testing.T) {
	t.Parallel()
	n := evalset.PinkNoise(1<<14, 1)
	// Power of first differences against the signal's: white noise has about twice
	// the signal power in its differences, pink far less.
	var p, d float64
	for i := 1; i < len(n); i++ {
		p += float64(n[i]) * float64(n[i])
		x := float64(n[i]) - float64(n[i-1])
		d += x * x
	}
	if d/p > 1 {
		t.Errorf("difference/signal power %.2f: not pink", d/p)
	}
	if again := evalset.PinkNoise(100, 1); again[50] != n[50] {
		t.Errorf("not deterministic")
	}
}

func TestLoopWraps(t *testing.T) {
	t.Parallel()
	got := evalset.Loop([]int16{1, 2, 3}, 8, 5)
	want := []int16{3, 1, 2, 3, 1}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Loop = %v, want %v", got, want)
		}
	}
	if len(evalset.Loop(nil, 3, 4)) != 4 {
		t.Errorf("empty track: want silence of the length asked")
	}
}

// TestGenerateColouredNoise: pink and babble utterances are named by their kind and
// are noisier than the clean one; babble without a track is refused.
func TestGenerateColouredNoise(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	phrase := []evalset.Labeled{{Text: "stop calling", Intent: "opt_out"}}
	voice := []evalset.Voice{{Engine: "flite", Name: "slt"}}
	if _, err := evalset.Generate(ctx, evalset.Options{Phrases: phrase, Voices: voice, SNRs: []float64{10}, Noise: evalset.NoiseBabble}); err == nil || !strings.Contains(err.Error(), "babble track") {
		t.Errorf("babble without a track: %v", err)
	}
	if _, err := evalset.Generate(ctx, evalset.Options{Phrases: phrase, Voices: voice, Noise: "brown"}); err == nil || !strings.Contains(err.Error(), "brown") {
		t.Errorf("unknown noise: %v", err)
	}
	babble, err := evalset.BabbleTrack(ctx, voice, []string{"the train leaves at nine", "we painted the kitchen"}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(babble) != 2*media.SampleRate || media.RMS(babble) < 100 {
		t.Fatalf("babble track: %d samples, RMS %.0f", len(babble), media.RMS(babble))
	}
	for _, c := range []struct {
		noise evalset.Noise
		key   string
	}{{evalset.NoiseWhite, "snr=10dB"}, {evalset.NoisePink, "snr=10dB-pink"}, {evalset.NoiseBabble, "snr=10dB-babble"}} {
		us, err := evalset.Generate(ctx, evalset.Options{Phrases: phrase, Voices: voice, Speeds: []float64{1}, SNRs: []float64{0, 10}, Noise: c.noise, Babble: babble})
		if err != nil {
			t.Fatal(err)
		}
		if len(us) != 2 || us[0].Condition() != "snr=clean" || us[1].Condition() != c.key {
			t.Fatalf("%s: conditions %q, %q", c.noise, us[0].Condition(), us[1].Condition())
		}
		// The lead silence (first 0.5 s) carries only the noise.
		quiet, noisy := media.RMS(us[0].PCM[:4000]), media.RMS(us[1].PCM[:4000])
		if noisy < 10*max(quiet, 1) {
			t.Errorf("%s: lead silence RMS %.1f, clean %.1f: no noise mixed", c.noise, noisy, quiet)
		}
	}
}

func scale(pcm []int16, g float64) []int16 {
	out := make([]int16, len(pcm))
	for i, s := range pcm {
		out[i] = int16(max(-32768, min(32767, float64(s)*g)))
	}
	return out
}

// TestGenerateRecorded: the recorded voice plays each phrase's own WAV file (any
// rate, resampled to 8 kHz) once, at its own speed, under the noise asked; a phrase
// without a recording, a missing file and a silent one are refused by name.
func TestGenerateRecorded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	// A 16 kHz recording: 0.5 s of a 440 Hz tone.
	tone := make([]int16, 8000)
	for i := range tone {
		tone[i] = int16(8000 * math.Sin(2*math.Pi*440*float64(i)/16000))
	}
	writeWAV(t, filepath.Join(dir, "tone.wav"), 16000, tone)
	writeWAV(t, filepath.Join(dir, "silent.wav"), 8000, make([]int16, 4000))

	if v, err := evalset.ParseVoice("recorded"); err != nil || v != evalset.Recorded || v.String() != "recorded" {
		t.Fatalf("ParseVoice(recorded) = %v, %v", v, err)
	}
	voices := []evalset.Voice{evalset.Recorded}
	us, err := evalset.Generate(ctx, evalset.Options{
		Phrases: []evalset.Labeled{{Text: "a tone", Recording: filepath.Join(dir, "tone.wav")}},
		Voices:  voices, Speeds: []float64{0.8, 1.3}, SNRs: []float64{0, 10}, Noise: evalset.NoisePink,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(us) != 2 || us[0].Speed != 1 || us[0].Voice != evalset.Recorded || us[1].Condition() != "snr=10dB-pink" {
		t.Fatalf("utterances: %d, speed %v, voice %v, second %q", len(us), us[0].Speed, us[0].Voice, us[1].Condition())
	}
	// 0.8 s lead, the tone at 8 kHz (4,000 samples), 1 s tail.
	if want := 800*8 + 4000 + 1000*8; len(us[0].PCM) != want {
		t.Errorf("clean utterance: %d samples, want %d", len(us[0].PCM), want)
	}
	if mid := media.RMS(us[0].PCM[6400+1000 : 6400+3000]); mid < 1000 {
		t.Errorf("the recording is not where it belongs: RMS %.0f", mid)
	}

	for _, c := range []struct {
		phrase evalset.Labeled
		want   string
	}{
		{evalset.Labeled{Text: "no file"}, `"no file" has no recording`},
		{evalset.Labeled{Text: "gone", Recording: filepath.Join(dir, "gone.wav")}, "gone.wav"},
		{evalset.Labeled{Text: "hush", Recording: filepath.Join(dir, "silent.wav")}, "silent.wav is silent"},
	} {
		_, err := evalset.Generate(ctx, evalset.Options{Phrases: []evalset.Labeled{c.phrase}, Voices: voices, SNRs: []float64{0}})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v, want %q", c.phrase.Text, err, c.want)
		}
	}
}

func writeWAV(t *testing.T, path string, rate int, pcm []int16) {
	t.Helper()
	if err := media.WriteWAVFile(path, rate, 1, pcm); err != nil {
		t.Fatal(err)
	}
}
