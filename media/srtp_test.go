package media

import (
	"bytes"
	"context"
	"crypto/rand"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
)

func srtpKey(t testing.TB) []byte {
	k := make([]byte, SRTPKeyLen)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

// Two sessions with SDES-style keys talk SRTP: the far end hears our audio, the wire
// carries no plain RTP, and RTCP (SRTCP) reports still flow.
func TestSessionSRTPRoundTrip(t *testing.T) {
	t.Parallel()
	ka, kb := srtpKey(t), srtpKey(t)
	path := t.TempDir() + "/b.wav"
	rec, err := NewRecorder(path)
	if err != nil {
		t.Fatal(err)
	}
	// Keys and muxing before either side starts, as a call sets them from the SDP
	// before media flows: set on running sessions, a report the first side sent
	// protected could reach the second while it was still plain (one invalid
	// packet, a CI failure).
	clock := startClock(t)
	a := newTestSession(t, clock, nil)
	b := newTestSession(t, clock, func(o *SessionOptions) { o.Recorder = rec })
	a.SetRemote(b.LocalAddr())
	b.SetRemote(a.LocalAddr())
	a.rtcp.every.Store(5)
	b.rtcp.every.Store(5)
	a.SetRTCPMux(true)
	b.SetRTCPMux(true)
	if err := a.SetSRTP(ka, kb); err != nil {
		t.Fatal(err)
	}
	if err := b.SetSRTP(kb, ka); err != nil {
		t.Fatal(err)
	}
	a.Start()
	b.Start()
	src := Tone(440, 900*time.Millisecond, 8000)
	if err := a.Play(context.Background(), src.Source()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	waitFor(t, "SRTCP reports both ways", func() bool { return a.Stats().RTCPReceived > 0 && b.Stats().RTCPReceived > 0 })
	b.Close()
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	_, right := readStereo(t, path)
	if c := Correlation(src.Samples, right); c < 0.8 {
		t.Errorf("far end's recording correlation %.2f < 0.8", c)
	}
	if st := b.Stats(); st.PacketsInvalid != 0 || st.PacketsReceived < 45 {
		t.Errorf("far end stats %+v", st)
	}
	if !a.SRTP() || !b.SRTP() {
		t.Error("SRTP() false")
	}
}

// What leaves the socket is SRTP a third party cannot read, and the far end's own
// pion context (the key holder) can.
func TestSessionSRTPOnTheWire(t *testing.T) {
	t.Parallel()
	ka := srtpKey(t)
	s := newTestSession(t, startClock(t), nil)
	sink := listen(t)
	defer sink.Close()
	s.SetRemote(sink.LocalAddr().(*net.UDPAddr).AddrPort())
	if err := s.SetSRTP(ka, srtpKey(t)); err != nil {
		t.Fatal(err)
	}
	tone := Tone(1000, time.Second, 12000)
	go func() { _ = s.Play(context.Background(), tone.Source()) }() // ends when the session closes
	s.Start()
	dec, err := srtp.CreateContext(ka[:16], ka[16:], srtp.ProtectionProfileAes128CmHmacSha1_80)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1500)
	plain := make([]byte, FrameSamples)
	MulawEncode(plain, tone.Samples[:FrameSamples])
	for i := range 10 {
		_ = sink.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, _, err := sink.ReadFromUDPAddrPort(buf)
		if err != nil {
			t.Fatal(err)
		}
		if n != 12+FrameSamples+10 {
			t.Fatalf("packet %d is %d bytes, want RTP header + 160 + 10-byte tag", i, n)
		}
		if bytes.Contains(buf[:n], plain[:32]) {
			t.Fatalf("packet %d carries the plain μ-law audio", i)
		}
		var h rtp.Header
		if _, err := dec.DecryptRTP(nil, buf[:n], &h); err != nil {
			t.Fatalf("packet %d does not decrypt with our key: %v", i, err)
		}
	}
}

// With SRTP on, nothing unauthenticated gets in: plain RTP (even from the SDP
// address), a wrong key, a replayed packet, a flipped bit.
func TestSessionSRTPRejects(t *testing.T) {
	t.Parallel()
	ours, theirs := srtpKey(t), srtpKey(t)
	var heard int
	s := newTestSession(t, NewClock(ClockOptions{}), func(o *SessionOptions) {
		o.Jitter.Disabled = true
		o.OnAudio = func(pcm []int16, _ time.Duration) { heard += len(pcm) }
	})
	from := netip.MustParseAddrPort("10.0.0.1:4000")
	s.SetRemote(from)
	if err := s.SetSRTP(ours, theirs); err != nil {
		t.Fatal(err)
	}
	enc := func(key []byte, seq uint16) []byte {
		c, err := srtp.CreateContext(key[:16], key[16:], srtp.ProtectionProfileAes128CmHmacSha1_80)
		if err != nil {
			t.Fatal(err)
		}
		out, err := c.EncryptRTP(nil, rtpPacket(t, 0, seq, uint32(seq)*160, 0x1111, make([]byte, 160)), nil)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	now := time.Now()
	good := enc(theirs, 1)
	s.handlePacket(good, from, now)
	if st := s.Stats(); st.PacketsReceived != 1 || st.PacketsInvalid != 0 {
		t.Fatalf("a good SRTP packet: %+v", st)
	}
	flipped := enc(theirs, 2)
	flipped[20] ^= 1
	for name, b := range map[string][]byte{
		"plain RTP":  rtpPacket(t, 0, 3, 480, 0x1111, make([]byte, 160)),
		"wrong key":  enc(srtpKey(t), 4),
		"replayed":   good,
		"bit flip":   flipped,
		"tag cut":    enc(theirs, 5)[:12+160],
		"short":      good[:14],
		"srtcp junk": {0x80, 200, 0, 6, 0, 0, 0x11, 0x11, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 0x80, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
	} {
		before := s.Stats()
		s.handlePacket(b, from, now)
		if st := s.Stats(); st.PacketsInvalid != before.PacketsInvalid+1 || st.PacketsReceived != before.PacketsReceived || st.RTCPReceived != 0 {
			t.Errorf("%s: %+v", name, st)
		}
	}
	if heard != FrameSamples {
		t.Errorf("OnAudio heard %d samples, want one frame", heard)
	}
	// An authenticated packet from a new address is the far end (NAT): followed at once.
	nat := netip.MustParseAddrPort("198.51.100.9:7000")
	s.handlePacket(enc(theirs, 6), nat, now)
	if got, _ := s.dest(); got != nat {
		t.Errorf("dest %v, want the authenticated source %v", got, nat)
	}
	if err := s.SetSRTP(ours[:10], theirs); err == nil {
		t.Error("short key accepted")
	}
}

func TestSRTPPathsNoAllocs(t *testing.T) {
	ours, theirs := srtpKey(t), srtpKey(t)
	s, _ := sendBench(t)
	if err := s.SetSRTP(ours, theirs); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	s.plays = append(s.plays, &playback{src: Tone(440, time.Minute, 8000).Source(), done: make(chan error, 1)})
	s.mu.Unlock()
	now := time.Now()
	tick := func() { s.tick(now, 0); now = now.Add(FrameDuration) }
	tick()
	if a := testing.AllocsPerRun(200, tick); a != 0 {
		t.Errorf("send with SRTP: %v allocs, want 0", a)
	}

	r := newTestSession(t, NewClock(ClockOptions{}), func(o *SessionOptions) { o.OnAudio = func([]int16, time.Duration) {} })
	from := netip.MustParseAddrPort("127.0.0.1:40000")
	r.SetRemote(from)
	if err := r.SetSRTP(theirs, ours); err != nil {
		t.Fatal(err)
	}
	pkts := srtpStream(t, ours, 300)
	i := 0
	recv := func() { r.handlePacket(pkts[i], from, now); i++ }
	recv()
	if a := testing.AllocsPerRun(200, recv); a != 0 {
		t.Errorf("receive with SRTP: %v allocs, want 0", a)
	}
	if st := r.Stats(); st.PacketsInvalid != 0 || st.PacketsReceived != 202 {
		t.Errorf("stats %+v", st)
	}
}

// srtpStream is n consecutive SRTP packets of a tone under key.
func srtpStream(t testing.TB, key []byte, n int) [][]byte {
	c, err := srtp.CreateContext(key[:16], key[16:], srtp.ProtectionProfileAes128CmHmacSha1_80)
	if err != nil {
		t.Fatal(err)
	}
	payload := make([]byte, FrameSamples)
	MulawEncode(payload, Tone(440, FrameDuration, 8000).Samples)
	out := make([][]byte, n)
	for i := range out {
		seq := uint16(i + 1)
		if out[i], err = c.EncryptRTP(nil, rtpPacket(t, 0, seq, uint32(seq)*160, 42, payload), nil); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func BenchmarkSendPacketSRTP(b *testing.B) {
	s, _ := sendBench(b)
	if err := s.SetSRTP(srtpKey(b), srtpKey(b)); err != nil {
		b.Fatal(err)
	}
	s.mu.Lock()
	s.plays = append(s.plays, &playback{src: Tone(440, time.Hour, 8000).Source(), done: make(chan error, 1)})
	s.mu.Unlock()
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		s.tick(now, 0)
		now = now.Add(FrameDuration)
	}
}

func BenchmarkReceivePacketSRTP(b *testing.B) {
	ours, theirs := srtpKey(b), srtpKey(b)
	s := newTestSession(b, NewClock(ClockOptions{}), func(o *SessionOptions) { o.OnAudio = func([]int16, time.Duration) {} })
	from := netip.MustParseAddrPort("127.0.0.1:40000")
	s.SetRemote(from)
	if err := s.SetSRTP(theirs, ours); err != nil {
		b.Fatal(err)
	}
	pkts := srtpStream(b, ours, 1<<16-1)
	now := time.Now()
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		if i == len(pkts) { // new key: a fresh replay window for the next round
			b.StopTimer()
			ours = srtpKey(b)
			pkts = srtpStream(b, ours, len(pkts))
			_ = s.SetSRTP(theirs, ours)
			i = 0
			b.StartTimer()
		}
		s.handlePacket(pkts[i], from, now)
		i++
	}
}
