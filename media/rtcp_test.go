package media

import (
	"net/netip"
	"testing"

	"github.com/pion/rtcp"
	"time"
)

// Two sessions with rtcp-mux exchange reports: each learns the round trip and the far
// end's view of its stream; without mux, reports go to port+1 and none come back.
func TestRTCPReportsAndRTT(t *testing.T) {
	a, b := pair(t, nil, nil)
	for _, s := range []*Session{a, b} {
		s.rtcp.every.Store(10) // a report every ~200 ms instead of ~5 s
		s.SetRTCPMux(true)
	}
	waitFor(t, "RTT on both sides", func() bool { return a.Stats().RTT > 0 && b.Stats().RTT > 0 })
	sa := a.Stats()
	if sa.RTCPSent == 0 || sa.RTCPReceived == 0 || sa.RTT > time.Second || sa.PacketsInvalid != 0 {
		t.Errorf("stats %+v", sa)
	}
	if sa.RemoteLost != 0 {
		t.Errorf("far end reports %d lost on loopback", sa.RemoteLost)
	}
}

func TestRTCPWithoutMuxGoesToNextPort(t *testing.T) {
	a, b := pair(t, nil, nil)
	a.rtcp.every.Store(5)
	sink := listen(t)
	defer sink.Close()
	waitFor(t, "a report", func() bool { return a.Stats().RTCPSent > 0 })
	if a.LocalAddr().Port()+1 == b.LocalAddr().Port() || b.LocalAddr().Port()+1 == a.LocalAddr().Port() {
		t.Skip("the OS gave adjacent ports: port+1 is the other session")
	}
	if st := b.Stats(); st.RTCPReceived != 0 {
		t.Errorf("b got RTCP on its RTP port without mux: %+v", st)
	}
}

// Hostile RTCP on the RTP port is counted invalid, never a panic.
func FuzzHandleRTCP(f *testing.F) {
	f.Add([]byte{0x80, 200, 0, 6, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{0x81, 201, 0, 7, 1, 2, 3, 4})
	f.Add([]byte{0x80, 203, 0, 1, 9, 9, 9, 9})
	s := newTestSession(f, NewClock(ClockOptions{}), nil)
	s.SetRemote(netip.MustParseAddrPort("127.0.0.1:4000"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < 2 {
			return
		}
		b[0] = 0x80 | b[0]&0x3F
		b[1] = 200 + b[1]%5
		before := s.Stats()
		s.handlePacket(b, netip.MustParseAddrPort("127.0.0.1:4000"), time.Now())
		after := s.Stats()
		if after.RTCPReceived+after.PacketsInvalid != before.RTCPReceived+before.PacketsInvalid+1 {
			t.Fatalf("packet neither a report nor invalid: %+v → %+v", before, after)
		}
	})
}

// What we write is what pion/rtcp reads: an SR with its block, or an RR before we send.
func TestRTCPMarshalParsesWithPion(t *testing.T) {
	s := newTestSession(t, NewClock(ClockOptions{}), nil)
	blk := rtcp.ReceptionReport{SSRC: 99, FractionLost: 12, TotalLost: 345, LastSequenceNumber: 70000, Jitter: 88, LastSenderReport: 0xABCD1234, Delay: 6553}
	now := time.Unix(1_800_000_000, 500_000_000)
	rr, err := rtcp.Unmarshal(s.marshalReport(now, 1234, blk, true))
	if err != nil || len(rr) != 1 {
		t.Fatalf("rr: %v %v", rr, err)
	}
	if r, ok := rr[0].(*rtcp.ReceiverReport); !ok || r.SSRC != s.SSRC() || len(r.Reports) != 1 || r.Reports[0] != blk {
		t.Errorf("rr %+v", rr[0])
	}
	s.sent.Store(10)
	s.sentBytes.Store(1720)
	sr, err := rtcp.Unmarshal(s.marshalReport(now, 1234, blk, true))
	if err != nil || len(sr) != 1 {
		t.Fatalf("sr: %v %v", sr, err)
	}
	p, ok := sr[0].(*rtcp.SenderReport)
	if !ok || p.SSRC != s.SSRC() || p.NTPTime != ntpTime(now) || p.RTPTime != 1234 || p.PacketCount != 10 ||
		p.OctetCount != 1720 || len(p.Reports) != 1 || p.Reports[0] != blk {
		t.Errorf("sr %+v", sr[0])
	}
	if _, err := rtcp.Unmarshal(s.marshalReport(now, 1, blk, false)); err != nil {
		t.Errorf("sr without block: %v", err)
	}
	// Receiving it (as the far end would) allocates nothing.
	pkt := append([]byte(nil), s.marshalReport(now, 1234, rtcp.ReceptionReport{SSRC: s.SSRC(), LastSenderReport: 1}, true)...)
	if a := testing.AllocsPerRun(100, func() { s.handleRTCP(pkt, now) }); a != 0 {
		t.Errorf("handleRTCP: %v allocs", a)
	}
	if a := testing.AllocsPerRun(100, func() { s.marshalReport(now, 1, blk, true) }); a != 0 {
		t.Errorf("marshalReport: %v allocs", a)
	}
}
