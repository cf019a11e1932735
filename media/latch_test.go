package media

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Who may take over a leg's media: the table drives handlePacket with packets from the
// SDP address ("sdp"), the far end behind a NAT ("nat") and a third party ("inj").
func TestLatchRules(t *testing.T) {
	t.Parallel()
	sdp := netip.MustParseAddrPort("10.0.0.1:4000")
	nat := netip.MustParseAddrPort("198.51.100.7:31000")
	inj := netip.MustParseAddrPort("203.0.113.66:6666")
	const farSSRC, injSSRC = 0x1111, 0x6666
	type pkt struct {
		from  netip.AddrPort
		ssrc  uint32
		n     int           // packets in a row
		after time.Duration // wait before them
	}
	cases := []struct {
		name       string
		announced  uint32 // a=ssrc from the far end's SDP
		pkts       []pkt
		wantDest   netip.AddrPort
		wantRecv   uint64
		wantReject uint64
	}{
		{"far end at its SDP address; injector bursts are dropped", 0,
			[]pkt{{sdp, farSSRC, 1, 0}, {inj, injSSRC, 50, 0}, {sdp, farSSRC, 1, 0}, {inj, injSSRC, 50, 0}},
			sdp, 2, 100},
		{"injector reusing the far end's SSRC while it sends: dropped", 0,
			[]pkt{{sdp, farSSRC, 1, 0}, {inj, farSSRC, 50, 0}},
			sdp, 1, 50},
		{"far end behind NAT: not followed while the SDP address may still speak", 0,
			[]pkt{{nat, farSSRC, 3 * relatchPackets, 0}},
			sdp, 0, 3 * relatchPackets},
		{"far end behind NAT: followed after the grace and relatchPackets", 0,
			[]pkt{{nat, farSSRC, relatchPackets + 3, relatchSilence}},
			nat, 4, relatchPackets - 1},
		{"after the NAT latch an injector cannot take over", 0,
			[]pkt{{nat, farSSRC, relatchPackets, relatchSilence}, {inj, injSSRC, 50, 0}, {nat, farSSRC, 1, 0}, {inj, injSSRC, 50, 2 * relatchSilence}},
			nat, 2, relatchPackets - 1 + 100},
		{"NAT with a=ssrc: a source with another SSRC never latches", farSSRC,
			[]pkt{{inj, injSSRC, 50, relatchSilence}, {nat, farSSRC, relatchPackets, 0}},
			nat, 1, 50 + relatchPackets - 1},
		{"interleaved foreign sources never reach relatchPackets in a row", 0,
			[]pkt{{inj, injSSRC, 1, relatchSilence}, {nat, farSSRC, 1, 0}, {inj, injSSRC, 1, 0}, {nat, farSSRC, 1, 0}, {inj, injSSRC, 1, 0}, {nat, farSSRC, 1, 0}},
			sdp, 0, 6},
		{"an injector that starts first does not beat the SDP address", 0,
			[]pkt{{inj, injSSRC, 50, 0}, {sdp, farSSRC, 1, 100 * time.Millisecond}, {inj, injSSRC, 50, 0}, {sdp, farSSRC, 1, 0}},
			sdp, 2, 100},
		{"an injector that latched while the SDP address was silent loses the leg to it for good", 0,
			[]pkt{{inj, injSSRC, relatchPackets, relatchSilence}, {sdp, farSSRC, 1, 0}, {inj, injSSRC, 50, 0}, {sdp, farSSRC, 1, 0}},
			sdp, 3, relatchPackets - 1 + 50},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var heard atomic.Int64
			s := newTestSession(t, NewClock(ClockOptions{}), func(o *SessionOptions) {
				o.Jitter.Disabled = true
				o.OnAudio = func(pcm []int16, _ time.Duration) { heard.Add(int64(len(pcm))) }
			})
			s.SetRemote(sdp)
			s.SetRemoteSSRC(tc.announced)
			now := time.Now()
			seq := map[uint32]uint16{}
			for _, p := range tc.pkts {
				now = now.Add(p.after)
				for range p.n {
					seq[p.ssrc]++
					s.handlePacket(rtpPacket(t, 0, seq[p.ssrc], uint32(seq[p.ssrc])*160, p.ssrc, make([]byte, 160)), p.from, now)
					now = now.Add(time.Millisecond)
				}
			}
			st := s.Stats()
			if got, _ := s.dest(); got != tc.wantDest {
				t.Errorf("sends to %v, want %v", got, tc.wantDest)
			}
			if st.PacketsReceived != tc.wantRecv || st.PacketsRejected != tc.wantReject || st.PacketsInvalid != 0 {
				t.Errorf("received %d rejected %d invalid %d, want %d and %d", st.PacketsReceived, st.PacketsRejected, st.PacketsInvalid, tc.wantRecv, tc.wantReject)
			}
			if heard.Load() != int64(tc.wantRecv)*FrameSamples {
				t.Errorf("OnAudio heard %d samples, want %d: rejected audio leaked", heard.Load(), int64(tc.wantRecv)*FrameSamples)
			}
		})
	}
}

// The SDP address signalled again (early media, then the answer; a re-INVITE) keeps a
// NAT latch; a new SDP address drops it.
func TestSetRemoteSameAddressKeepsLatch(t *testing.T) {
	t.Parallel()
	sdp := netip.MustParseAddrPort("10.0.0.1:4000")
	nat := netip.MustParseAddrPort("198.51.100.7:31000")
	s := newTestSession(t, NewClock(ClockOptions{}), nil)
	s.SetRemote(sdp)
	now := time.Now().Add(relatchSilence)
	for i := range relatchPackets {
		s.handlePacket(rtpPacket(t, 0, uint16(i+1), uint32(i)*160, 0x1111, make([]byte, 160)), nat, now)
	}
	if got, _ := s.dest(); got != nat {
		t.Fatalf("dest %v, want the NAT source %v", got, nat)
	}
	s.SetRemote(sdp)
	if got, _ := s.dest(); got != nat {
		t.Fatalf("the same SDP address again dropped the latch: dest %v", got)
	}
	moved := netip.MustParseAddrPort("10.0.0.9:4000")
	s.SetRemote(moved)
	if got, _ := s.dest(); got != moved {
		t.Fatalf("a new SDP address did not take effect: dest %v", got)
	}
}

// Over real sockets: a third party sprays bursts of loud audio at a leg while the far
// end talks. The leg keeps sending to the far end only, and records the far end only.
func TestInjectorDoesNotHijackLeg(t *testing.T) {
	t.Parallel()
	path := t.TempDir() + "/rec.wav"
	rec, err := NewRecorder(path)
	if err != nil {
		t.Fatal(err)
	}
	a, b := pair(t, func(o *SessionOptions) { o.Recorder = rec }, nil)
	inj, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 3)})
	if err != nil {
		t.Fatal(err)
	}
	defer inj.Close()
	var got atomic.Int64 // packets our leg sent to the injector
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		buf := make([]byte, 1500)
		for {
			_ = inj.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
			if _, _, err := inj.ReadFromUDPAddrPort(buf); err == nil {
				got.Add(1)
			} else if ctx.Err() != nil {
				return
			}
		}
	})
	loud := make([]byte, FrameSamples)
	MulawEncode(loud, Tone(1000, FrameDuration, 30000).Samples)
	wg.Go(func() {
		seq := uint16(1)
		for ctx.Err() == nil {
			for range 10 { // a burst: more than relatchPackets in a row
				seq++
				_, _ = inj.WriteToUDPAddrPort(rtpPacket(t, 0, seq, uint32(seq)*160, 0x6666, loud), a.LocalAddr())
			}
			time.Sleep(FrameDuration)
		}
	})
	speech := Tone(440, time.Second, 8000)
	if err := b.Play(context.Background(), speech.Source()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	cancel()
	wg.Wait()
	a.Close()
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	st := a.Stats()
	if st.RemoteAddr != b.LocalAddr().String() || got.Load() != 0 {
		t.Fatalf("leg latched onto the injector: sends to %s, injector got %d packets", st.RemoteAddr, got.Load())
	}
	if st.PacketsRejected < 100 {
		t.Fatalf("injector packets not rejected: %+v", st)
	}
	_, right := readStereo(t, path)
	if c := Correlation(speech.Samples, right); c < 0.8 {
		t.Fatalf("recording's far-end channel does not hold the far end's audio: correlation %.2f", c)
	}
}
