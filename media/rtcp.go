package media

import (
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
)

// RTCP (RFC 3550 §6): every session sends a report about every 5 s (randomised ±50 %,
// §6.3.1, so legs started together do not report together): a sender report when it
// has sent RTP since the last one, else a receiver report, with one reception block
// about the far end's stream. Reports go to the RTP address when rtcp-mux (RFC 5761)
// was negotiated, else to the RTP port + 1. Reports arriving on the RTP port (muxed)
// give the far end's view of our stream — its loss and jitter — and the round-trip
// time from the LSR/DLSR of its report blocks (§6.4.1).
//
// Sending is allocation-free: the report is written into a per-session buffer (the SR
// and RR layouts are fixed; the tests parse what we write with pion/rtcp). Receiving
// parses with pion/rtcp, which allocates a little per report — one every 5 s per leg.
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
	buf          [52]byte // SR with one block
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
	b := s.marshalReport(now, ts, block, haveBlock)
	if !rs.mux.Load() {
		dst = netip.AddrPortFrom(dst.Addr(), dst.Port()+1)
	}
	b, ok := s.protectRTCP(b)
	if ok && s.ep.sendRaw(s, b, dst) {
		rs.sent.Add(1)
	}
}

// marshalReport writes an SR (when we have sent RTP) or an RR with up to one
// reception block into the session's RTCP buffer (RFC 3550 §6.4.1, §6.4.2).
func (s *Session) marshalReport(now time.Time, ts uint32, blk rtcp.ReceptionReport, haveBlock bool) []byte {
	b := s.rtcp.buf[:]
	rc := 0
	if haveBlock {
		rc = 1
	}
	sender := s.sent.Load() > 0
	n := 8 // header + SSRC
	pt := byte(201)
	if sender {
		pt = 200
		n += 20
	}
	n += 24 * rc
	b[0] = 0x80 | byte(rc)
	b[1] = pt
	binary.BigEndian.PutUint16(b[2:], uint16(n/4-1))
	binary.BigEndian.PutUint32(b[4:], s.tx.hdr.SSRC)
	off := 8
	if sender {
		binary.BigEndian.PutUint64(b[8:], ntpTime(now))
		binary.BigEndian.PutUint32(b[16:], ts)
		binary.BigEndian.PutUint32(b[20:], uint32(s.sent.Load()))
		binary.BigEndian.PutUint32(b[24:], uint32(s.sentBytes.Load()))
		off = 28
	}
	if haveBlock {
		binary.BigEndian.PutUint32(b[off:], blk.SSRC)
		binary.BigEndian.PutUint32(b[off+4:], uint32(blk.FractionLost)<<24|blk.TotalLost&0xFFFFFF)
		binary.BigEndian.PutUint32(b[off+8:], blk.LastSequenceNumber)
		binary.BigEndian.PutUint32(b[off+12:], blk.Jitter)
		binary.BigEndian.PutUint32(b[off+16:], blk.LastSenderReport)
		binary.BigEndian.PutUint32(b[off+20:], blk.Delay)
	}
	return b[:n]
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

// handleRTCP reads a compound RTCP packet from the far end, allocation-free: pion/rtcp
// parses each header and report block in place; SDES, BYE and APP are skipped.
// Receive goroutine.
func (s *Session) handleRTCP(b []byte, arrival time.Time) {
	rs := &s.rtcp
	var h rtcp.Header
	valid := false
	for len(b) >= 4 {
		if err := h.Unmarshal(b); err != nil {
			break
		}
		size := 4 * (int(h.Length) + 1)
		if size > len(b) {
			break
		}
		pkt := b[:size]
		b = b[size:]
		var blocks []byte
		switch h.Type {
		case rtcp.TypeSenderReport:
			if len(pkt) < 28 {
				continue
			}
			rs.lastSRNTP.Store(uint32(binary.BigEndian.Uint64(pkt[8:16]) >> 16))
			rs.lastSRAt.Store(arrival.UnixNano())
			blocks = pkt[28:]
		case rtcp.TypeReceiverReport:
			if len(pkt) < 8 {
				continue
			}
			blocks = pkt[8:]
		default:
			valid = true
			continue
		}
		valid = true
		for i := 0; i < int(h.Count) && len(blocks) >= 24; i++ {
			var r rtcp.ReceptionReport
			if r.Unmarshal(blocks[:24]) == nil {
				s.readBlock(r, arrival)
			}
			blocks = blocks[24:]
		}
	}
	if !valid {
		s.invalid.Add(1)
		return
	}
	rs.recv.Add(1)
}

func (s *Session) readBlock(r rtcp.ReceptionReport, arrival time.Time) {
	rs := &s.rtcp
	{
		if r.SSRC != s.tx.hdr.SSRC {
			return
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
	}
}
