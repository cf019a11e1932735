package media_test

import (
	"testing"
	"time"

	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/sim"
)

// The simulator's own answers: its voicemail (greeting.wav then a 1 kHz beep of
// sim.DefaultBeep) is a machine, with the beep reported at its end; its person
// ("yes.wav", then waiting for the bot) is a human.
func TestAMDOnSimulatorAssets(t *testing.T) {
	greeting, err := sim.Asset("greeting.wav")
	if err != nil {
		t.Fatal(err)
	}
	yes, err := sim.Asset("yes.wav")
	if err != nil {
		t.Fatal(err)
	}
	beep := media.Tone(1000, sim.DefaultBeep, 8000)
	voicemail := media.Concat(greeting, beep, media.Silence(3*time.Second))
	person := media.Concat(media.Silence(400*time.Millisecond), yes, media.Silence(4*time.Second))
	beepEnd := greeting.Duration() + sim.DefaultBeep
	for _, c := range []struct {
		name    string
		pcm     *media.PCM
		verdict string
	}{{"voicemail", voicemail, media.AMDMachine}, {"person", person, media.AMDHuman}, {"silence", media.Silence(5 * time.Second), media.AMDMachine}} {
		var beepAt time.Duration
		a, err := media.NewAMD(media.AMDOptions{WaitForBeep: true, OnBeep: func(at time.Duration) { beepAt = at }})
		if err != nil {
			t.Fatal(err)
		}
		s := c.pcm.Samples
		for i := 0; i+media.FrameSamples <= len(s) && !a.Done(); i += media.FrameSamples {
			a.Process(s[i:i+media.FrameSamples], time.Duration(i/media.FrameSamples)*media.FrameDuration)
		}
		res := a.Finish()
		a.Close()
		t.Logf("%s: %+v", c.name, res)
		if res.Verdict != c.verdict {
			t.Errorf("%s: verdict %s (%s), want %s", c.name, res.Verdict, res.Reason, c.verdict)
		}
		if c.name == "voicemail" {
			if d := beepAt - beepEnd; d < -60*time.Millisecond || d > 60*time.Millisecond {
				t.Errorf("beep at %v, the greeting's beep ends at %v", beepAt, beepEnd)
			}
		}
	}
}
