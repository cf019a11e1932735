package media_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/sim"
)

// End to end through the shared media plane: the dialer calls the simulator, feeds
// each answered call's audio (jitter buffer → OnAudio) to an AMD, and gets the right
// verdict for a person who says "Yes, speaking." and waits, a voicemail (greeting and
// 1 kHz beep; the beep reported in wait-for-beep mode), and a line that stays silent.
func TestAMDAgainstSimulator(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end calls")
	}
	prof, err := sim.ParseProfile(strings.NewReader(`
defaults: {end_of_speech: 700ms, max_wait: 300ms, max_duration: 20s}
behaviours:
  person:
    kind: person
    turns: [{say: asset:yes.wav}, {silence: 10s}]
  voicemail:
    kind: voicemail
    greeting: asset:greeting.wav
  silent:
    kind: person
    turns: [{silence: 10s}]
routes:
  - {match: '1$', behaviour: person}
  - {match: '2$', behaviour: voicemail}
  - {match: '3$', behaviour: silent}
mix: [{behaviour: person, weight: 1}]
`), "amd-e2e")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	far := newSim(t, sim.Options{Profile: prof, Logger: zap.NewNop()})
	if err := far.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer far.Close()
	ua, err := dialer.NewUA(dialer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := ua.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer ua.Close()
	trunk, err := dialer.ParseTrunk("sip:" + far.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		to, verdict string
		beep        bool
	}{{"+15550100001", media.AMDHuman, false}, {"+15550100002", media.AMDMachine, true}, {"+15550100003", media.AMDMachine, false}}
	var wg sync.WaitGroup
	for _, c := range cases {
		wg.Go(func() {
			var mu sync.Mutex
			done := make(chan struct{})
			var beepAt time.Duration
			amd, err := media.NewAMD(media.AMDOptions{WaitForBeep: c.beep, BeepTimeout: 8 * time.Second,
				OnBeep: func(at time.Duration) { beepAt = at }})
			if err != nil {
				t.Error(err)
				return
			}
			defer amd.Close()
			closed := false
			call, err := ua.Dial(ctx, dialer.DialRequest{Trunk: trunk, To: c.to, RingTimeout: 5 * time.Second,
				OnAudio: func(pcm []int16, at time.Duration) {
					mu.Lock()
					defer mu.Unlock()
					if closed {
						return
					}
					amd.Process(pcm, at)
					if amd.Done() {
						closed = true
						close(done)
					}
				}})
			if err != nil {
				t.Error(err)
				return
			}
			select {
			case <-done:
			case <-time.After(15 * time.Second):
				t.Errorf("%s: no verdict in 15 s", c.to)
			}
			_ = call.Hangup(ctx)
			mu.Lock()
			res := amd.Finish()
			mu.Unlock()
			t.Logf("%s: %+v", c.to, res)
			if res.Verdict != c.verdict {
				t.Errorf("%s: verdict %s (%s), want %s", c.to, res.Verdict, res.Reason, c.verdict)
			}
			if c.beep && beepAt == 0 {
				t.Errorf("%s: no beep reported", c.to)
			}
			st := call.Result().Media
			if st == nil || st.PacketsReceived == 0 {
				t.Errorf("%s: media %+v", c.to, st)
			}
		})
	}
	wg.Wait()
}
