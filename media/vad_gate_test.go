//go:build cgo && !novadwebrtc

package media

import (
	"math/rand/v2"
	"testing"
	"time"
)

// The digital-silence gate in front of the WebRTC engine must not change its answers:
// on speech padded with digital silence (gated), with a faint hiss and with line noise
// (both left to the engine), every frame's decision matches the ungated engine.
func TestWebRTCQuietGateKeepsDecisions(t *testing.T) {
	requireTTS(t)
	speech := synth(t, ttsVoices[0], vadPhrases[0]).Samples
	padded := Concat(Silence(time.Second), &PCM{Samples: speech}, Silence(1200*time.Millisecond),
		&PCM{Samples: speech}, Silence(2*time.Second)).Samples
	hiss := append([]int16(nil), padded...)
	r := rand.New(rand.NewPCG(7, 7))
	for i := range hiss {
		if hiss[i] == 0 {
			hiss[i] = int16(r.IntN(41) - 20) // ±20: above the gate, under -60 dBFS
		}
	}
	cases := []struct {
		name      string
		pcm       []int16
		wantGated bool // some frames must skip the engine, or the test proves nothing
	}{
		{"digital silence", padded, true},
		{"faint hiss", hiss, false},
		{"line noise 20 dB", withNoise(padded, speech, 20, 3), false},
	}
	for _, c := range cases {
		gated, err := newWebRTCVAD(2)
		if err != nil {
			t.Fatal(err)
		}
		plain, _ := newWebRTCVAD(2)
		plain.noGate = true
		skipped, differ, speechFrames := 0, 0, 0
		for i := 0; i+FrameSamples <= len(c.pcm); i += FrameSamples {
			f := c.pcm[i : i+FrameSamples]
			before := gated.quietRun
			g, p := gated.speech(f), plain.speech(f)
			if before >= quietLeadIn && gated.quietRun == before {
				skipped++
			}
			if g != p {
				differ++
				t.Logf("%s: frame %d gated %v plain %v quietRun %d", c.name, i/FrameSamples, g, p, gated.quietRun)
			}
			if p {
				speechFrames++
			}
		}
		gated.close()
		plain.close()
		if differ != 0 {
			t.Errorf("%s: %d frames decided differently with the gate", c.name, differ)
		}
		if speechFrames == 0 {
			t.Errorf("%s: no speech found at all", c.name)
		}
		if c.wantGated && skipped == 0 || !c.wantGated && skipped != 0 {
			t.Errorf("%s: %d frames skipped the engine", c.name, skipped)
		}
		t.Logf("%s: %d speech frames, %d frames answered by the gate", c.name, speechFrames, skipped)
	}
}

// What the gate calls digital silence must cover the silence codes of both G.711 laws.
func TestQuietPeakCoversG711Silence(t *testing.T) {
	var pcm [4]int16
	MulawDecode(pcm[0:2], []byte{0xFF, 0x7F})
	AlawDecode(pcm[2:4], []byte{0xD5, 0x55})
	if !quietFrame(pcm[:]) {
		t.Errorf("G.711 silence decodes to %v, outside ±%d", pcm, quietPeak)
	}
	if quietFrame([]int16{0, quietPeak + 1}) {
		t.Error("a sample above quietPeak counted as quiet")
	}
}
