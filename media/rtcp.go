package media

import (
	"math/rand/v2"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"go.uber.org/zap"
)

// RTCP (RFC 3550 §6): every session sends a report about every 5 s (randomised ±50 %,
// §6.3.1, so legs started together do not report together): a sender report when it
// has sent RTP since the last one, else a receiver report, with one reception block
// about the far end's stream. Reports go to the RTP address when rtcp-mux (RFC 5761)
// was negotiated, else to the RTP port + 1. Reports arriving on the RTP port (muxed)
// give the far end's view of our stream — its loss and jitter — and the round-trip
// time from the LSR/DLSR of its report blocks (§6.4.1).
//
// pion/rtcp marshals and parses with allocations; at one report per leg per 5 s that
// is ~0.004 allocations per RTP packet, which we accept rather than hand-roll RTCP.
const rtcpInterval = 5 * time.Second

// rtcpState is shared between the clock goroutine (sending) and the receive path
// (receiving): atomics only.
type rtcpState struct {
	mux        atomic.Bool
	nextTick   atomic.Int64 // frame index of the next report
	sent, recv atomic.Uint64

	// what the receive path knows about the far end's stream, for our report blocks
	remoteSSRC atomic.Uint32
	extMaxSeq  atomic.Uint32 // extended highest sequence number received
	expected   atomic.Int64  // packets expected so far (for fraction lost)
	lastSRNTP  atomic.Uint32 // middle 32 bits of the far end's last SR NTP time
	lastSRAt   atomic.Int64  // when it arrived (unix ns)

	// reported by the far end about our stream
	rtt          atomic.Int64 // ns; 0 unknown
	remoteLost   atomic.Uint64
	remoteFrac   atomic.Uint32 // fraction lost ×256 in its last report
	remoteJitter atomic.Int64  // ns

	// clock goroutine only: for the fraction lost between our reports
	every        atomic.Int64 // mean frames between reports (tests shorten it)
	prevExpected int64
	prevReceived uint64
}

// SetRTCPMux says whether RTCP shares the RTP port (a=rtcp-mux in both SDPs).
func (s *Session) SetRTCPMux(mux bool) { s.rtcp.mux.Store(mux) }

func (rs *rtcpState) period() int64 {
	if e := rs.every.Load(); e > 0 {
		return e
	}
	return int64(rtcpInterval / FrameDuration)
}

// ntpTime is t as a 64-bit NTP timestamp (seconds since 1900 . fraction).
func ntpTime(t time.Time) uint64 {
	const ntpEpochOffset = 2208988800
	ns := t.UnixNano()
	sec := uint64(ns/1e9) + ntpEpochOffset
	frac := (uint64(ns%1e9) << 32) / 1e9
	return sec<<32 | frac
}

// maybeReport sends this session's RTCP report when due. Clock goroutine.
func (s *Session) maybeReport(now time.Time, dst netip.AddrPort, ts uint32) {
	rs := &s.rtcp
	next := rs.nextTick.Load()
	if next == 0 {
		// First report after 0.2-0.5 of the interval (RFC 3550 allows an early first
		// one), then every 0.5-1.5 intervals.
		rs.nextTick.Store(s.tx.frame + 1 + int64(float64(rs.period())*(0.2+0.3*rand.Float64())))
		return
	}
	if s.tx.frame < next {
		return
	}
	rs.nextTick.Store(s.tx.frame + 1 + int64(float64(rs.period())*(0.5+rand.Float64())))
	block, haveBlock := s.receptionReport(now)
	var pkt rtcp.Packet
	if s.sent.Load() > 0 {
		sr := &rtcp.SenderReport{
			SSRC: s.tx.hdr.SSRC, NTPTime: ntpTime(now), RTPTime: ts,
			PacketCount: uint32(s.sent.Load()), OctetCount: uint32(s.sentBytes.Load()),
		}
		if haveBlock {
			sr.Reports = []rtcp.ReceptionReport{block}
		}
		pkt = sr
	} else {
		rr := &rtcp.ReceiverReport{SSRC: s.tx.hdr.SSRC}
		if haveBlock {
			rr.Reports = []rtcp.ReceptionReport{block}
		}
		pkt = rr
	}
	b, err := pkt.Marshal()
	if err != nil {
		return
	}
	if !rs.mux.Load() {
		dst = netip.AddrPortFrom(dst.Addr(), dst.Port()+1)
	}
	if s.ep.sendRaw(s, b, dst) {
		rs.sent.Add(1)
	}
}

// receptionReport describes the far end's stream as we received it.
func (s *Session) receptionReport(now time.Time) (rtcp.ReceptionReport, bool) {
	rs := &s.rtcp
	ssrc := rs.remoteSSRC.Load()
	if ssrc == 0 {
		return rtcp.ReceptionReport{}, false
	}
	expected := rs.expected.Load()
	received := s.recv.Load()
	de, dr := expected-rs.prevExpected, int64(received-rs.prevReceived)
	rs.prevExpected, rs.prevReceived = expected, received
	var frac uint8
	if de > 0 && de > dr {
		frac = uint8(min(255, (de-dr)*256/de))
	}
	rate := float64(s.codec.Load().ClockRate)
	if rate == 0 {
		rate = SampleRate
	}
	var jitter uint32
	if s.jb != nil {
		jitter = uint32(s.jb.stats().Jitter.Seconds() * rate)
	}
	r := rtcp.ReceptionReport{
		SSRC: ssrc, FractionLost: frac, TotalLost: uint32(min(s.lost.Load(), 1<<23-1)),
		LastSequenceNumber: rs.extMaxSeq.Load(), Jitter: jitter,
	}
	if lsr := rs.lastSRNTP.Load(); lsr != 0 {
		r.LastSenderReport = lsr
		r.Delay = uint32(time.Duration(now.UnixNano()-rs.lastSRAt.Load()).Seconds() * 65536)
	}
	return r, true
}

// handleRTCP reads a (compound) RTCP packet from the far end. Receive goroutine.
func (s *Session) handleRTCP(b []byte, arrival time.Time) {
	pkts, err := rtcp.Unmarshal(b)
	if err != nil {
		s.invalid.Add(1)
		return
	}
	rs := &s.rtcp
	rs.recv.Add(1)
	for _, p := range pkts {
		switch p := p.(type) {
		case *rtcp.SenderReport:
			rs.lastSRNTP.Store(uint32(p.NTPTime >> 16))
			rs.lastSRAt.Store(arrival.UnixNano())
			s.readBlocks(p.Reports, arrival)
		case *rtcp.ReceiverReport:
			s.readBlocks(p.Reports, arrival)
		}
	}
}

func (s *Session) readBlocks(blocks []rtcp.ReceptionReport, arrival time.Time) {
	rs := &s.rtcp
	for _, r := range blocks {
		if r.SSRC != s.tx.hdr.SSRC {
			continue
		}
		rs.remoteLost.Store(uint64(r.TotalLost))
		rs.remoteFrac.Store(uint32(r.FractionLost))
		rate := float64(s.codec.Load().ClockRate)
		if rate == 0 {
			rate = SampleRate
		}
		rs.remoteJitter.Store(int64(float64(r.Jitter) / rate * 1e9))
		if r.LastSenderReport != 0 {
			// RTT = A - LSR - DLSR in 1/65536 s (RFC 3550 §6.4.1).
			a := uint32(ntpTime(arrival) >> 16)
			if rtt := int32(a - r.LastSenderReport - r.Delay); rtt >= 0 {
				rs.rtt.Store(int64(time.Duration(rtt) * time.Second / 65536))
			}
		}
		if s.logAllowed(arrival) {
			s.log.Debug("rtcp report", zap.Uint32("lost", r.TotalLost), zap.Uint8("fraction", r.FractionLost))
		}
	}
}
