package media

import (
	"bytes"
	"fmt"
	"net/netip"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
	"go.uber.org/zap"
)

// SRTPKeyLen is the length of an AES_CM_128_HMAC_SHA1_80 master key followed by its
// master salt (16 + 14 bytes), as SDES carries them (RFC 4568 inline:).
const SRTPKeyLen = 30

const (
	srtpKeyLen = 16
	// srtpReplayWindow: packets this far behind the newest are refused as replays; wider
	// than any reordering the jitter buffer waits for.
	srtpReplayWindow = 256
	// srtpOverhead: the 80-bit tag on RTP; SRTCP adds its 4-byte index too.
	srtpOverhead  = 10
	srtcpOverhead = 14
)

// srtpTx and srtpRx are one direction's SRTP state. A session swaps them whole (atomic
// pointers) on SetSRTP; each is then used by one goroutine only: srtpTx by the clock
// goroutine (RTP and RTCP we send), srtpRx by the receive path. pion's Context is not
// safe for concurrent use, which this split respects.
type srtpTx struct {
	ctx  *srtp.Context
	key  [SRTPKeyLen]byte
	hdr  rtp.Header
	rhdr rtcp.Header
	buf  [rtpBufSize + srtpOverhead]byte // encrypted RTP, reused per packet
	rbuf [64 + srtcpOverhead]byte        // encrypted RTCP report
}

type srtpRx struct {
	ctx  *srtp.Context
	key  [SRTPKeyLen]byte
	rhdr rtcp.Header
	buf  [rtpBufSize]byte // decrypted packet, reused per packet
}

// SetSRTP turns SRTP (RFC 3711, AES_CM_128_HMAC_SHA1_80) on for both directions: local
// is the master key and salt we encrypt with (our SDP a=crypto), remote the far end's.
// From then on every packet we send is protected and every packet received must
// authenticate, or it is counted invalid and dropped; plain RTP is no longer taken. A
// key equal to the one in use keeps that direction's state (rollover counter, replay
// window), so a re-INVITE repeating the keys changes nothing. SetSRTP(nil, nil) turns
// SRTP off again.
func (s *Session) SetSRTP(local, remote []byte) error {
	if local == nil && remote == nil {
		s.srtpTx.Store(nil)
		s.srtpRx.Store(nil)
		return nil
	}
	if len(local) != SRTPKeyLen || len(remote) != SRTPKeyLen {
		return fmt.Errorf("set srtp: keys are %d and %d bytes, want %d: %w", len(local), len(remote), SRTPKeyLen, ErrInvalidOptions)
	}
	if cur := s.srtpTx.Load(); cur == nil || !bytes.Equal(cur.key[:], local) {
		ctx, err := srtp.CreateContext(local[:srtpKeyLen], local[srtpKeyLen:], srtp.ProtectionProfileAes128CmHmacSha1_80)
		if err != nil {
			return fmt.Errorf("set srtp: local key: %w", err)
		}
		tx := &srtpTx{ctx: ctx}
		copy(tx.key[:], local)
		s.srtpTx.Store(tx)
	}
	if cur := s.srtpRx.Load(); cur == nil || !bytes.Equal(cur.key[:], remote) {
		ctx, err := srtp.CreateContext(remote[:srtpKeyLen], remote[srtpKeyLen:], srtp.ProtectionProfileAes128CmHmacSha1_80,
			srtp.SRTPReplayProtection(srtpReplayWindow), srtp.SRTCPReplayProtection(srtpReplayWindow))
		if err != nil {
			return fmt.Errorf("set srtp: remote key: %w", err)
		}
		rx := &srtpRx{ctx: ctx}
		copy(rx.key[:], remote)
		s.srtpRx.Store(rx)
	}
	return nil
}

// SRTP reports whether media is protected with SRTP.
func (s *Session) SRTP() bool { return s.srtpTx.Load() != nil }

// protect encrypts an RTP packet for sending; ok false means drop it (counted as a
// send error). Clock goroutine; no allocation.
func (s *Session) protect(pkt []byte) ([]byte, bool) {
	tx := s.srtpTx.Load()
	if tx == nil {
		return pkt, true
	}
	out, err := tx.ctx.EncryptRTP(tx.buf[:0], pkt, &tx.hdr)
	if err != nil {
		s.sendErrs.Add(1)
		if now := time.Now(); s.logAllowed(now) {
			s.log.Warn("srtp encrypt", zap.Error(err))
		}
		return nil, false
	}
	return out, true
}

// protectRTCP is protect for an RTCP report (SRTCP).
func (s *Session) protectRTCP(pkt []byte) ([]byte, bool) {
	tx := s.srtpTx.Load()
	if tx == nil {
		return pkt, true
	}
	out, err := tx.ctx.EncryptRTCP(tx.rbuf[:0], pkt, &tx.rhdr)
	if err != nil {
		if now := time.Now(); s.logAllowed(now) {
			s.log.Warn("srtcp encrypt", zap.Error(err))
		}
		return nil, false
	}
	return out, true
}

// unprotect authenticates and decrypts a received RTP (or, with rtcpPkt, SRTCP) packet
// into the session's receive buffer. srtp false: SRTP is off and b comes back as it is.
// ok false: the packet did not authenticate (forged, replayed, plain RTP, wrong key).
// Receive path; no allocation on success.
func (s *Session) unprotect(b []byte, rtcpPkt bool) (out []byte, srtp, ok bool) {
	rx := s.srtpRx.Load()
	if rx == nil {
		return b, false, true
	}
	var err error
	if rtcpPkt {
		out, err = rx.ctx.DecryptRTCP(rx.buf[:0], b, &rx.rhdr)
	} else {
		out, err = rx.ctx.DecryptRTP(rx.buf[:0], b, &s.rx.hdr)
	}
	return out, true, err == nil
}

// latchVerified follows an authenticated SRTP source at once: only the holder of the
// far end's key can produce it, and the replay window refuses copies.
func (s *Session) latchVerified(from netip.AddrPort, ssrc uint32, now time.Time) {
	rx := &s.rx
	rx.candN, rx.lastOK, rx.okSSRC = 0, now.UnixNano(), ssrc
	if cur := s.latched.Load(); cur != nil && *cur == from {
		return
	}
	addr := from
	s.latched.Store(&addr) // once per (re)latch
	if s.logAllowed(now) {
		s.log.Info("rtp latched (srtp authenticated)", zap.Stringer("remote", from))
	}
}
