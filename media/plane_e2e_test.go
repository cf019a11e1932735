package media_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/sim"
)

// newSim retries sim.New: it binds UDP on port 0 and then TCP on the same port, which
// another process may hold.
func newSim(t *testing.T, o sim.Options) *sim.Server {
	t.Helper()
	var err error
	for range 10 {
		var s *sim.Server
		if s, err = sim.New(o); err == nil {
			return s
		}
	}
	t.Fatal(err)
	return nil
}

// Calls between the dialer and the simulator carry audio in every combination of
// shared and per-leg RTP ports, and a shared side offers its shared socket's port.
func TestPortModesThroughDialerAndSimulator(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end calls")
	}
	prof, err := sim.ParseProfile(strings.NewReader(`
defaults: {end_of_speech: 700ms, max_wait: 200ms, max_duration: 20s}
behaviours:
  person: {kind: person, turns: [{say: asset:yes.wav}, {silence: 10s}]}
mix: [{behaviour: person, weight: 1}]
`), "modes")
	if err != nil {
		t.Fatal(err)
	}
	for _, dm := range []media.PortMode{media.SharedPorts, media.PerLegPorts} {
		for _, sm := range []media.PortMode{media.SharedPorts, media.PerLegPorts} {
			t.Run(string(dm)+"-to-"+string(sm), func(t *testing.T) {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				far := newSim(t, sim.Options{Profile: prof, Logger: zap.NewNop(), RTPMode: sm})
				if err := far.Start(ctx); err != nil {
					t.Fatal(err)
				}
				defer far.Close()
				plane, err := media.NewPlane(media.PlaneOptions{Mode: dm})
				if err != nil {
					t.Fatal(err)
				}
				plane.Start(ctx)
				defer plane.Close()
				ua, err := dialer.NewUA(dialer.Options{Plane: plane})
				if err != nil {
					t.Fatal(err)
				}
				if err := ua.Start(ctx); err != nil {
					t.Fatal(err)
				}
				defer ua.Close()
				trunk, _ := dialer.ParseTrunk("sip:" + far.Addr().String())
				var loud atomic.Int64
				call, err := ua.Dial(ctx, dialer.DialRequest{Trunk: trunk, To: "+15550100001", RingTimeout: 5 * time.Second,
					OnAudio: func(pcm []int16, _ time.Duration) {
						if media.RMS(pcm) > 300 {
							loud.Add(1)
						}
					}})
				if err != nil {
					t.Fatal(err)
				}
				if dm == media.SharedPorts {
					if got := call.Media().LocalAddr(); got != plane.SharedAddrs()[0] && got != plane.SharedAddrs()[len(plane.SharedAddrs())-1] {
						t.Errorf("shared leg offers %v, not a shared socket %v", got, plane.SharedAddrs())
					}
				}
				deadline := time.Now().Add(15 * time.Second)
				for loud.Load() < 10 && time.Now().Before(deadline) {
					time.Sleep(20 * time.Millisecond)
				}
				if loud.Load() < 10 {
					t.Errorf("heard %d loud frames of the simulator's answer", loud.Load())
				}
				_ = call.Hangup(ctx)
				<-call.Done()
				if m := call.Result().Media; m == nil || m.PacketsSent == 0 || m.PacketsReceived == 0 {
					t.Errorf("media %+v", m)
				}
			})
		}
	}
}
