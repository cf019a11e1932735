package asr

import (
	"math"
	"testing"
)

// TestEnergyVADNoiseWithSpeech: the VAD's speech ends on time whether the line's
// noise was there before the answer or arrived with it, and the noise alone is
// never speech once the VAD has heard it between the words.
func TestEnergyVADNoiseWithSpeech(t *testing.T) {
	const (
		frame    = 160 // 20 ms at 8 kHz
		endFrame = 35  // 700 ms of end silence
		speechDB = 3000.0
	)
	// seg is one stretch of the line: frames of digital silence, noise, or a
	// spoken-like tone (a 300 Hz tone in 240 ms bursts with 60 ms gaps, counted
	// from the first frame) over the noise.
	type seg struct {
		frames       int
		noise, voice bool
	}
	build := func(noiseRMS float64, segs []seg) [][]int16 {
		var out [][]int16
		var state uint64
		n := 0
		for _, s := range segs {
			for range s.frames {
				pcm := make([]int16, frame)
				if s.voice && n%15 < 12 {
					for i := range pcm {
						pcm[i] = int16(speechDB * math.Sqrt2 * math.Sin(2*math.Pi*300*float64(n*frame+i)/8000))
					}
				}
				if s.noise {
					addNoise(&state, pcm, noiseRMS)
				}
				out = append(out, pcm)
				n++
			}
		}
		return out
	}
	cases := []struct {
		name      string
		noiseRMS  float64
		segs      []seg
		wantStart int // frame the speech starts at (±3): the third loud one
		wantEnd   int // frame it ends at (±3): endFrame after the last loud one
	}{
		{"clean", 0, []seg{{50, false, false}, {75, false, true}, {150, false, false}}, 52, 50 + 75 + endFrame},
		{"noise before and after", 950, []seg{{100, true, false}, {75, true, true}, {150, true, false}}, 107, 100 + 75 + endFrame},
		// Silence, then the answer with its noise 800 ms either side: the noise's first
		// frames are speech, but the speech ends on time, not when the noise stops.
		{"noise arrives with the answer", 950, []seg{{50, false, false}, {40, true, false}, {75, true, true}, {150, true, false}, {50, false, false}}, 52, 161 + endFrame},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := newEnergyVAD(endFrame)
			var starts, ends []int
			for i, pcm := range build(c.noiseRMS, c.segs) {
				_, started, ended := v.frame(pcm)
				if started {
					starts = append(starts, i)
				}
				if ended {
					ends = append(ends, i)
				}
			}
			if len(starts) != 1 || len(ends) != 1 {
				t.Fatalf("speech started at frames %v and ended at %v; want one utterance", starts, ends)
			}
			if d := starts[0] - c.wantStart; d < -3 || d > 3 {
				t.Errorf("speech started at frame %d; want %d", starts[0], c.wantStart)
			}
			if d := ends[0] - c.wantEnd; d < -3 || d > 3 {
				t.Errorf("speech ended at frame %d; want %d", ends[0], c.wantEnd)
			}
		})
	}
}
