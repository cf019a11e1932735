package asr_test

import (
	"context"
	"testing"
	"time"

	"github.com/voxdial/voxdial/asr"
	"github.com/voxdial/voxdial/asr/evalset"
	"github.com/voxdial/voxdial/media"
)

// A short answer is decoded from its first frame: the VAD needs a few loud frames to
// be sure of speech, and the 300 ms pre-roll gives the decoder what came before —
// also when only 100 ms of silence precede it (the least a live call's recogniser
// gets: its stream starts with the silence before the answer).
func TestSphinxShortAnswerFromFirstFrame(t *testing.T) {
	t.Parallel()
	set, err := evalset.Generate(context.Background(), evalset.Options{
		Phrases: []evalset.Labeled{{Text: "no", Intent: "no"}, {Text: "yes", Intent: "yes"}},
		Voices:  []evalset.Voice{{Engine: "flite", Name: "slt"}, {Engine: "espeak", Name: "en-us"}},
		Speeds:  []float64{1.3}, SNRs: []float64{0},
	})
	if err != nil {
		t.Fatal(err)
	}
	eng := newSphinx(t, asr.SphinxOptions{})
	for _, u := range set {
		onset := 0
		for onset < len(u.PCM) && abs(u.PCM[onset]) < 300 {
			onset++
		}
		onset -= onset % media.FrameSamples
		for _, c := range []struct {
			name string
			pcm  []int16
			at   time.Duration // where the speech starts in pcm
		}{
			{"after silence", u.PCM, time.Duration(onset) * time.Second / 8000},
			{"100 ms after the start", append(make([]int16, 800), u.PCM[onset:]...), 100 * time.Millisecond},
		} {
			t.Run(u.Voice.String()+"/"+u.Text+"/"+c.name, func(t *testing.T) {
				r, err := eng.NewRecognizer(context.Background(), asr.StreamOptions{Grammar: evalset.Grammar(), PartialEvery: -1})
				if err != nil {
					t.Fatal(err)
				}
				res := collect(r)
				feed(t, r, c.pcm)
				if err := r.Flush(); err != nil {
					t.Fatal(err)
				}
				r.Close()
				var final *asr.Result
				for _, x := range <-res {
					if x.Kind == asr.KindFinal && final == nil {
						final = &x
					}
				}
				if final == nil || final.Intent != u.Intent {
					t.Fatalf("final %+v, want intent %s", final, u.Intent)
				}
				if final.Start > c.at+20*time.Millisecond {
					t.Errorf("utterance starts at %v, the speech at %v: its first frame was not decoded", final.Start, c.at)
				}
			})
		}
	}
}

func abs(v int16) int16 {
	if v < 0 {
		return -v
	}
	return v
}
