package asr

import (
	"context"
	"os"
	"testing"

	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/tts"
)

// TestMeasureCMN re-measures the telephony cmninit: it decodes a few µ-law flite and
// espeak-ng utterances upsampled to 16 kHz with live CMN and prints the cepstral mean
// it converged to. Run with VOXDIAL_MEASURE_CMN=1 after changing the audio path.
func TestMeasureCMN(t *testing.T) {
	if os.Getenv("VOXDIAL_MEASURE_CMN") == "" {
		t.Skip("set VOXDIAL_MEASURE_CMN=1 to measure")
	}
	s, err := NewSphinx(SphinxOptions{Vocabulary: []string{"yes", "no"}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d, err := s.acquire(context.Background(), s.main)
	if err != nil {
		t.Fatal(err)
	}
	defer s.release(d)
	c, err := s.compile(&Grammar{Name: "m", Intents: []Intent{{Name: "y", Phrases: []string{"yes"}}, {Name: "n", Phrases: []string{"no"}}}})
	if err != nil {
		t.Fatal(err)
	}
	f, _ := tts.NewFlite(tts.FliteOptions{})
	e, _ := tts.NewESpeak(tts.ESpeakOptions{})
	texts := []string{"yes that is me", "call me later please", "stop calling me", "i already paid it", "can i talk to a real person", "not a good time"}
	for i, text := range texts {
		var pcm []int16
		syn := tts.Synthesizer(f)
		voice := []string{"slt", "rms", "awb", "kal"}[i%4]
		if i%3 == 2 {
			syn, voice = e, "en-us"
		}
		if err := syn.Synthesize(context.Background(), tts.Request{Text: text, Voice: voice}, func(p []int16) error { pcm = append(pcm, p...); return nil }); err != nil {
			t.Fatal(err)
		}
		// Telephone level (RMS 3000, as evalset) and a µ-law round trip.
		g := 3000 / max(1, media.RMS(pcm))
		enc := make([]byte, len(pcm))
		for i, v := range pcm {
			pcm[i] = int16(max(-32768, min(32767, float64(v)*g)))
		}
		media.MulawEncode(enc, pcm)
		media.MulawDecode(pcm, enc)
		up, _ := newUpsampler()
		if err := d.useGrammar(c.search, c.source); err != nil {
			t.Fatal(err)
		}
		if err := d.startUtt(); err != nil {
			t.Fatal(err)
		}
		if err := d.process(up.process(pcm)); err != nil {
			t.Fatal(err)
		}
		if err := d.endUtt(); err != nil {
			t.Fatal(err)
		}
		up.close()
		t.Logf("after %q: -cmninit %s", text, d.cmn())
	}
}
