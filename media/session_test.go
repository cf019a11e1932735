package media

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/netip"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"go.uber.org/goleak"
)

const testDTMFPT = 101

func startClock(t testing.TB) *SharedClock {
	t.Helper()
	c := NewClock(ClockOptions{})
	c.Start(context.Background())
	t.Cleanup(c.Stop)
	return c
}

func listen(t testing.TB) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(loopback, 0)))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newTestSession(t testing.TB, clock Clock, mod func(*SessionOptions)) *Session {
	t.Helper()
	opts := SessionOptions{Conn: listen(t), Clock: clock, DTMFPayloadType: testDTMFPT}
	if mod != nil {
		mod(&opts)
	}
	s, err := NewSession(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// pair returns two started sessions sending to each other.
func pair(t *testing.T, modA, modB func(*SessionOptions)) (a, b *Session) {
	clock := startClock(t)
	a = newTestSession(t, clock, modA)
	b = newTestSession(t, clock, modB)
	a.SetRemote(b.LocalAddr())
	b.SetRemote(a.LocalAddr())
	a.Start()
	b.Start()
	return a, b
}

// waitFor polls cond; RTP is paced by the clock, so there is no event to wait on.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second) // generous: CI machines are shared
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestNewSessionOptions(t *testing.T) {
	t.Parallel()
	conn := listen(t)
	defer conn.Close()
	clock := NewClock(ClockOptions{})
	tests := []struct {
		name string
		opts SessionOptions
	}{
		{"no conn", SessionOptions{Clock: clock}},
		{"no clock", SessionOptions{Conn: conn}},
		{"g729", SessionOptions{Conn: conn, Clock: clock, Codec: Codec{Name: "G729", PayloadType: 18, ClockRate: 8000}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewSession(tt.opts); !errors.Is(err, ErrInvalidOptions) {
				t.Errorf("err = %v", err)
			}
		})
	}
}

func TestSessionToneReachesRecording(t *testing.T) {
	t.Parallel()
	for _, codec := range []Codec{PCMU, PCMA} {
		t.Run(codec.Name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "b.wav")
			rec, err := NewRecorder(path)
			if err != nil {
				t.Fatal(err)
			}
			var audioMu sync.Mutex
			var heard []int16
			a, b := pair(t, func(o *SessionOptions) { o.Codec = codec }, func(o *SessionOptions) {
				o.Recorder = rec
				o.OnAudio = func(pcm []int16, at time.Duration) {
					audioMu.Lock()
					heard = append(heard, pcm...)
					audioMu.Unlock()
				}
			})
			src := Concat(Tone(440, 300*time.Millisecond, 8000), Tone(1300, 200*time.Millisecond, 6000),
				Silence(100*time.Millisecond), Tone(750, 300*time.Millisecond, 9000))
			if err := a.Play(context.Background(), src.Source()); err != nil {
				t.Fatal(err)
			}
			time.Sleep(100 * time.Millisecond)
			b.Close()
			if err := rec.Close(); err != nil {
				t.Fatal(err)
			}
			left, right := readStereo(t, path)
			if c := Correlation(src.Samples, right); c < 0.8 {
				t.Errorf("right channel correlation %.3f < 0.8", c)
			}
			if r := RMS(left); r != 0 {
				t.Errorf("B sent silence, left RMS %.1f", r)
			}
			audioMu.Lock()
			if c := Correlation(src.Samples, heard); c < 0.8 {
				t.Errorf("OnAudio correlation %.3f", c)
			}
			audioMu.Unlock()
			sa, sb := a.Stats(), b.Stats()
			// 0.9 s of playback is 45 frames, plus silence frames before and after.
			if sb.PacketsReceived < 45 || sa.PacketsSent < sb.PacketsReceived {
				t.Errorf("A sent %d, B received %d", sa.PacketsSent, sb.PacketsReceived)
			}
			if sb.BytesReceived != sb.PacketsReceived*(12+FrameSamples) {
				t.Errorf("B bytes %d for %d packets", sb.BytesReceived, sb.PacketsReceived)
			}
			if sb.PacketsLost != 0 || sb.PacketsInvalid != 0 || sb.FirstPacketAt <= 0 {
				t.Errorf("B stats %+v", sb)
			}
		})
	}
}

func TestSessionSymmetricRTP(t *testing.T) {
	t.Parallel()
	a, b := pair(t, nil, nil)
	dead := listen(t) // the wrong address from "SDP": a socket nobody reads
	defer dead.Close()
	b.SetRemote(dead.LocalAddr().(*net.UDPAddr).AddrPort())
	waitFor(t, "A to hear B after B latches onto A's source", func() bool {
		return a.Stats().PacketsReceived > 5
	})
	if got, want := b.Stats().RemoteAddr, a.LocalAddr().String(); got != want {
		t.Errorf("B sends to %s, want %s", got, want)
	}
}

func TestSessionRelatchNeedsPersistence(t *testing.T) {
	t.Parallel()
	s := newTestSession(t, NewClock(ClockOptions{}), nil)
	first := netip.MustParseAddrPort("10.0.0.1:4000") // the SDP address
	second := netip.MustParseAddrPort("10.0.0.2:5000")
	s.SetRemote(first)
	pkt := rtpPacket(t, 0, 1, 160, 0x1234, make([]byte, 160))
	now := time.Now().Add(relatchSilence) // past the new SDP address's grace
	s.handlePacket(pkt, first, now)
	// While the far end sends, nobody else takes the leg, however many packets in a row.
	for i := range 3 * relatchPackets {
		s.handlePacket(pkt, second, now)
		if got, _ := s.dest(); got != first {
			t.Fatalf("re-latched after %d packets", i+1)
		}
	}
	// The far end falls quiet (NAT rebinding): its SSRC from another address takes over,
	// after relatchPackets in a row.
	now = now.Add(relatchSilence)
	for i := range relatchPackets - 1 {
		s.handlePacket(pkt, second, now)
		if got, _ := s.dest(); got != first {
			t.Fatalf("re-latched after %d packets", i+1)
		}
	}
	s.handlePacket(pkt, second, now)
	if got, _ := s.dest(); got != second {
		t.Errorf("dest %v, want %v", got, second)
	}
	// The SDP address speaks again: it wins at once.
	s.handlePacket(pkt, first, now)
	if got, _ := s.dest(); got != first {
		t.Errorf("dest %v, want the SDP address %v back", got, first)
	}
	if st := s.Stats(); st.PacketsRejected != 3*relatchPackets+relatchPackets-1 || st.PacketsReceived != 3 {
		t.Errorf("stats %+v", st)
	}
}

func TestSessionDTMFBothWays(t *testing.T) {
	t.Parallel()
	a, b := pair(t, nil, nil)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, s := range []*Session{a, b} {
		wg.Go(func() { errs[i] = s.SendDTMF(ctx, "12#", 60*time.Millisecond) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]*Session{"A": a, "B": b} {
		var got []rune
		timeout := time.After(2 * time.Second)
	collect:
		for {
			select {
			case d := <-s.DTMF():
				got = append(got, d.Digit)
				if d.Duration != 60*time.Millisecond || d.At <= 0 {
					t.Errorf("%s: digit %+v", name, d)
				}
			case <-timeout:
				break collect
			case <-time.After(300 * time.Millisecond):
				if len(got) >= 3 {
					break collect // and nothing more came: no duplicates
				}
			}
		}
		if string(got) != "12#" {
			t.Errorf("%s received %q, want \"12#\"", name, string(got))
		}
	}
}

func TestSessionDTMFWire(t *testing.T) {
	t.Parallel()
	clock := startClock(t)
	s := newTestSession(t, clock, nil)
	sink := listen(t)
	defer sink.Close()
	s.SetRemote(sink.LocalAddr().(*net.UDPAddr).AddrPort())
	s.Start()
	done := make(chan error, 1)
	go func() { done <- s.SendDTMF(context.Background(), "5", 60*time.Millisecond) }()
	var events []DTMFEvent
	var hdrs []rtp.Header
	buf := make([]byte, 1500)
	if err := sink.SetReadDeadline(time.Now().Add(3 * time.Second)); err != nil {
		t.Fatal(err)
	}
	for len(events) < 5 {
		n, err := sink.Read(buf)
		if err != nil {
			t.Fatalf("read: %v (events so far %+v)", err, events)
		}
		var h rtp.Header
		hn, err := h.Unmarshal(buf[:n])
		if err != nil || h.PayloadType != testDTMFPT {
			continue
		}
		var ev DTMFEvent
		if err := ev.Unmarshal(buf[hn:n]); err != nil {
			t.Fatalf("event %d: %v", len(events), err)
		}
		events = append(events, ev)
		hdrs = append(hdrs, h)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// 60 ms = 480 samples: start (160, marker), 320, end 480 ×3.
	want := []DTMFEvent{{5, false, 10, 160}, {5, false, 10, 320}, {5, true, 10, 480}, {5, true, 10, 480}, {5, true, 10, 480}}
	if len(events) < len(want) || !slices.Equal(events[:5], want) {
		t.Fatalf("events %+v, want %+v", events, want)
	}
	if !hdrs[0].Marker || hdrs[1].Marker {
		t.Error("marker must be on the first packet only")
	}
	for i, h := range hdrs[:5] {
		if h.Timestamp != hdrs[0].Timestamp || h.SequenceNumber != hdrs[0].SequenceNumber+uint16(i) {
			t.Errorf("packet %d: ts %d seq %d", i, h.Timestamp, h.SequenceNumber)
		}
	}
}

func TestSessionDTMFErrors(t *testing.T) {
	t.Parallel()
	clock := NewClock(ClockOptions{})
	noDTMF := newTestSession(t, clock, func(o *SessionOptions) { o.DTMFPayloadType = 0 })
	if err := noDTMF.SendDTMF(context.Background(), "1", 0); !errors.Is(err, ErrDTMFNotNegotiated) {
		t.Errorf("not negotiated: %v", err)
	}
	s := newTestSession(t, clock, nil)
	if err := s.SendDTMF(context.Background(), "1x", 0); !errors.Is(err, ErrInvalidDigit) {
		t.Errorf("bad digit: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if err := s.SendDTMF(ctx, "123", 0); !errors.Is(err, context.DeadlineExceeded) { // clock not running
		t.Errorf("ctx: %v", err)
	}
}

func TestSessionHoldStopsPackets(t *testing.T) {
	t.Parallel()
	a, b := pair(t, nil, nil)
	waitFor(t, "packets", func() bool { return b.Stats().PacketsReceived > 3 })
	a.SetHold(true)
	time.Sleep(60 * time.Millisecond) // packets in flight land
	before := b.Stats().PacketsReceived
	time.Sleep(200 * time.Millisecond)
	if after := b.Stats().PacketsReceived; after != before {
		t.Errorf("on hold, B still received %d packets", after-before)
	}
	if a.Stats().PacketsReceived == 0 {
		t.Error("hold must not stop receiving")
	}
	a.SetHold(false)
	waitFor(t, "packets after resume", func() bool { return b.Stats().PacketsReceived > before+3 })
	if lost := b.Stats().PacketsLost; lost != 0 {
		t.Errorf("hold counted as %d lost (sequence must stay continuous)", lost)
	}
}

func TestSessionPlayControl(t *testing.T) {
	t.Parallel()
	a, _ := pair(t, nil, nil)
	long := Tone(440, 10*time.Second, 5000)
	errc := make(chan error, 2)
	go func() { errc <- a.Play(context.Background(), long.Source()) }()
	go func() { errc <- a.Play(context.Background(), long.Source()) }() // queued behind
	time.Sleep(100 * time.Millisecond)
	a.StopPlayback()
	for range 2 {
		if err := <-errc; !errors.Is(err, ErrPlaybackStopped) {
			t.Errorf("Play after StopPlayback: %v", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := a.Play(ctx, long.Source()); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Play with ctx: %v", err)
	}
	// Sequential short plays complete.
	for range 2 {
		if err := a.Play(context.Background(), Tone(1000, 60*time.Millisecond, 3000).Source()); err != nil {
			t.Fatal(err)
		}
	}
	go func() { errc <- a.Play(context.Background(), long.Source()) }()
	time.Sleep(50 * time.Millisecond)
	a.Close()
	if err := <-errc; !errors.Is(err, ErrSessionClosed) {
		t.Errorf("Play across Close: %v", err)
	}
	if err := a.Play(context.Background(), long.Source()); !errors.Is(err, ErrSessionClosed) {
		t.Errorf("Play after Close: %v", err)
	}
}

func TestSessionGarbageCountedInvalid(t *testing.T) {
	t.Parallel()
	a, b := pair(t, nil, nil)
	a.SetHold(true) // only garbage reaches B
	raw := listen(t)
	defer raw.Close()
	to := b.LocalAddr()
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 200)
	for i := range random {
		random[i] = byte(rng.UintN(256))
	}
	random[0] = 0x00 // version 0
	v1 := rtpPacket(t, 0, 1, 160, 1, make([]byte, 160))
	v1[0] = 1 << 6
	garbage := [][]byte{
		random,
		v1,
		{0x80, 0x00, 0x01}, // short
		rtpPacket(t, 96, 2, 160, 1, []byte{1, 2}),      // unknown payload type
		rtpPacket(t, testDTMFPT, 3, 160, 1, []byte{1}), // short telephone-event
		{0x80, 0xC8, 0, 6, 0, 0, 0, 1, 0, 0, 0, 0},     // RTCP SR header
	}
	time.Sleep(60 * time.Millisecond)
	base := b.Stats()
	for _, g := range garbage {
		if _, err := raw.WriteToUDPAddrPort(g, to); err != nil {
			t.Fatal(err)
		}
	}
	// From a source that is not the far end, RTCP is not even parsed: rejected.
	waitFor(t, "garbage counted", func() bool {
		st := b.Stats()
		return st.PacketsInvalid+st.PacketsRejected-base.PacketsInvalid-base.PacketsRejected == uint64(len(garbage))
	})
	if got := b.Stats().PacketsReceived; got != base.PacketsReceived {
		t.Errorf("garbage counted as received: %d", got-base.PacketsReceived)
	}
	if b.Stats().RemoteAddr != a.LocalAddr().String() {
		t.Error("garbage must not latch")
	}
}

func TestSessionCodecSwitchAndForeignPT(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var heard []int16
	a, _ := pair(t, func(o *SessionOptions) { o.Codec = PCMA }, func(o *SessionOptions) {
		o.OnAudio = func(pcm []int16, _ time.Duration) {
			mu.Lock()
			heard = append(heard, pcm...)
			mu.Unlock()
		}
	})
	// B speaks PCMU by default yet decodes A's PCMA by payload type.
	src := Tone(600, 300*time.Millisecond, 7000)
	if err := a.Play(context.Background(), src.Source()); err != nil {
		t.Fatal(err)
	}
	a.SetCodec(Codec{Name: "G729", PayloadType: 18, ClockRate: 8000}) // unsupported: ignored
	a.SetCodec(PCMU)
	if err := a.Play(context.Background(), src.Source()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(60 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if c := Correlation(Concat(src, src).Samples, heard); c < 0.8 {
		t.Errorf("correlation %.3f", c)
	}
}

func TestSessionCloseNoLeaks(t *testing.T) {
	defer goleak.VerifyNone(t)
	clock := NewClock(ClockOptions{})
	clock.Start(context.Background())
	var sessions []*Session
	for range 4 {
		s := newTestSession(t, clock, nil)
		sessions = append(sessions, s)
	}
	for i, s := range sessions {
		s.SetRemote(sessions[(i+1)%len(sessions)].LocalAddr())
		s.Start()
	}
	go func() { _ = sessions[0].Play(context.Background(), Tone(440, time.Minute, 1000).Source()) }() // ends when the session closes
	time.Sleep(100 * time.Millisecond)
	for _, s := range sessions {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
		if err := s.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
		if _, ok := <-s.DTMF(); ok {
			t.Error("DTMF channel open after Close")
		}
	}
	if clock.Len() != 0 {
		t.Errorf("%d tickers left on the clock", clock.Len())
	}
	clock.Stop()
	// Close before Start and Start after Close are harmless.
	s := newTestSession(t, clock, nil)
	s.Close()
	s.Start()
}

// rtpPacket builds a packet the way a far end would.
func rtpPacket(t testing.TB, pt uint8, seq uint16, ts, ssrc uint32, payload []byte) []byte {
	t.Helper()
	p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: seq, Timestamp: ts, SSRC: ssrc}, Payload: payload}
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The far end may number telephone-event differently from our offer (96
// instead of 101); after negotiation we send with its number.
func TestSessionDTMFRenumbered(t *testing.T) {
	t.Parallel()
	a, b := pair(t, nil, func(o *SessionOptions) { o.DTMFPayloadType = 96 })
	a.SetDTMFPayloadType(96)
	if err := a.SendDTMF(context.Background(), "7", 60*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	select {
	case d := <-b.DTMF():
		if d.Digit != '7' {
			t.Fatalf("got %q", d.Digit)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("digit sent with payload type 96 not received")
	}
	a.SetDTMFPayloadType(0)
	if err := a.SendDTMF(context.Background(), "1", 0); !errors.Is(err, ErrDTMFNotNegotiated) {
		t.Fatalf("DTMF after turning it off: %v", err)
	}
}
