package media

import (
	"errors"
	"math"
	"net/netip"
	"time"
)

// Silence on the wire: discontinuous transmission (DTX) and RFC 3389 comfort noise.
//
// Carriers and SIP phones often stop sending RTP while their user is quiet, sending at
// most a comfort-noise packet (payload type 13) at the start of the pause and now and
// then after it. A receiver that only reacts to packets then hears nothing at all after
// the caller's last word — no silence for an end-of-turn detector to count. Sessions
// with ContinuousAudio therefore keep OnAudio fed on the media clock: a comfort-noise
// packet is a frame of silence, and every 20 ms that no packet covers, once the jitter
// buffer's wait for it has passed, is delivered as silence from the clock tick.

// ComfortNoisePT is comfort noise's static RTP payload type (RFC 3551 table 4, RFC 3389).
const ComfortNoisePT uint8 = 13

// MaxComfortNoiseOrder bounds the spectral coefficients a CN payload may carry.
// RFC 3389 leaves the model order to the sender; G.711 Appendix II uses at most 10 and
// 32 leaves room. A longer payload is invalid (and, like a lost packet, silence).
const MaxComfortNoiseOrder = 32

// ErrInvalidComfortNoise: an RFC 3389 payload that cannot be read.
var ErrInvalidComfortNoise = errors.New("media: invalid comfort-noise payload")

// The parse errors are built once: the receive path must not allocate, even for garbage.
var (
	errCNEmpty    = errors.Join(ErrInvalidComfortNoise, errors.New("empty payload (RFC 3389 §3 needs the noise-level byte)"))
	errCNLevelBit = errors.Join(ErrInvalidComfortNoise, errors.New("noise-level byte has its reserved top bit set"))
	errCNOrder    = errors.Join(ErrInvalidComfortNoise, errors.New("more spectral coefficients than MaxComfortNoiseOrder"))
	errCNShortBuf = errors.Join(ErrInvalidComfortNoise, errors.New("buffer too small"))
)

// ComfortNoise is an RFC 3389 payload: the noise level and an optional spectral
// envelope as quantised reflection coefficients.
type ComfortNoise struct {
	// Level is the noise level in -dBov, 0-127 (127: -127 dBov, digital silence).
	Level uint8
	// Order is how many of Coeffs the payload carried (0: white noise).
	Order  int
	Coeffs [MaxComfortNoiseOrder]uint8
}

// Unmarshal parses payload (RTP header and padding removed) without allocating.
func (c *ComfortNoise) Unmarshal(payload []byte) error {
	switch {
	case len(payload) == 0:
		return errCNEmpty
	case payload[0]&0x80 != 0:
		return errCNLevelBit
	case len(payload)-1 > MaxComfortNoiseOrder:
		return errCNOrder
	}
	c.Level = payload[0]
	c.Order = copy(c.Coeffs[:], payload[1:])
	return nil
}

// MarshalTo writes the payload into b and returns its length.
func (c *ComfortNoise) MarshalTo(b []byte) (int, error) {
	order := min(max(c.Order, 0), MaxComfortNoiseOrder)
	if len(b) < 1+order {
		return 0, errCNShortBuf
	}
	b[0] = c.Level & 0x7F
	copy(b[1:], c.Coeffs[:order])
	return 1 + order, nil
}

// RMS is the level as the RMS of 16-bit samples (0 dBov: a full-scale square wave).
func (c *ComfortNoise) RMS() float64 { return 32767 * math.Pow(10, -float64(c.Level&0x7F)/20) }

// ---- send side: DTX (the simulator plays phones that use it) ----

// DTXMode is what a session sends while it has nothing to say.
type DTXMode uint8

const (
	// DTXOff sends a silence frame every 20 ms (the default; NATs and media timeouts
	// expect RTP to keep flowing).
	DTXOff DTXMode = iota
	// DTXSilent sends nothing during silence: RTP stops until the next talkspurt, whose
	// first packet carries the marker bit (RFC 3551 §4.1).
	DTXSilent
	// DTXComfortNoise sends an RFC 3389 comfort-noise packet at the start of each
	// silence (and every DTXOptions.Refresh after), nothing else.
	DTXComfortNoise
)

// DTXOptions configure Session.SetDTX.
type DTXOptions struct {
	Mode DTXMode
	// Threshold is the RMS under which a frame with audio still counts as silence (a
	// phone's own VAD); 0 means 50 (about -56 dBov).
	Threshold float64
	// Hangover keeps sending this long after the last loud frame; 0 sends none.
	Hangover time.Duration
	// Refresh repeats the comfort-noise packet this often during a long silence; 0
	// sends one per silence.
	Refresh time.Duration
	// Level is the noise level the comfort-noise packets announce (-dBov); 0 means 70.
	Level uint8
}

const (
	defaultDTXThreshold = 50
	defaultCNLevel      = 70
)

// SetDTX sets what the session sends during silence (see DTXMode). It applies from
// the next frame.
func (s *Session) SetDTX(o DTXOptions) {
	if o.Threshold <= 0 {
		o.Threshold = defaultDTXThreshold
	}
	if o.Level == 0 {
		o.Level = defaultCNLevel
	}
	s.dtx.Store(&o)
}

// dtxSilence decides, on the clock goroutine, whether this frame (n samples of audio
// in tx.pcm) is DTX silence; if so it sends what the mode wants in its place and
// reports true. The frame index runs on, so the next talkspurt's timestamp jumps by
// the silence and its sequence number does not (RFC 3389 §4).
func (s *Session) dtxSilence(now time.Time, dst netip.AddrPort, ts uint32, n int) bool {
	o := s.dtx.Load()
	if o == nil || o.Mode == DTXOff {
		return false
	}
	tx := &s.tx
	if n > 0 && frameRMS(tx.pcm[:n]) >= o.Threshold {
		tx.lastLoud = tx.frame
		return false
	}
	if tx.sentAny && tx.frame-tx.lastLoud <= int64(o.Hangover/FrameDuration) {
		return false // hangover: the end of a word is not cut
	}
	tx.talking = false
	if o.Mode == DTXComfortNoise {
		refresh := int64(o.Refresh / FrameDuration)
		if !tx.inDTX || (refresh > 0 && tx.frame-tx.cnFrame >= refresh) {
			tx.cnFrame = tx.frame
			s.write(tx.buf[:s.cnPacket(o.Level, ts)], dst)
		}
	}
	tx.inDTX = true
	tx.sentAny = true
	s.maybeReport(now, dst, ts)
	return true
}

// cnPacket marshals a comfort-noise packet into tx.buf.
func (s *Session) cnPacket(level uint8, ts uint32) int {
	tx := &s.tx
	tx.hdr.PayloadType = ComfortNoisePT
	tx.hdr.Marker = false
	tx.hdr.SequenceNumber = tx.seq
	tx.hdr.Timestamp = ts
	tx.seq++
	hn, _ := tx.hdr.MarshalTo(tx.buf[:])
	cn := ComfortNoise{Level: level}
	k, _ := cn.MarshalTo(tx.buf[hn:]) // one byte: cannot fail
	return hn + k
}

func frameRMS(pcm []int16) float64 {
	var sum float64
	for _, v := range pcm {
		f := float64(v)
		sum += f * f
	}
	return math.Sqrt(sum / float64(max(1, len(pcm))))
}

// ---- receive side: silence on the media clock ----

// maxFillFrames bounds the silence delivered at once; a longer gap (a stalled clock,
// a long hold) skips ahead instead: the consumers need to hear that time passed, not
// every frame of it, and a burst would overrun a recogniser's one-second queue.
const maxFillFrames = 10

// fillState is what ContinuousAudio needs; guarded by rxMu.
type fillState struct {
	covered time.Duration // media time up to which OnAudio has had audio
	// offset is media time minus arrival time of the last packet: the clock's
	// media time runs on from there. The timeline is anchored on the first packet's
	// arrival, so a first packet that came late would otherwise delay every silence.
	offset time.Duration
	frames uint64 // silence frames made up (Stats.SilenceFrames)
	zero   [FrameSamples]int16
	// stalls counts ticks that made up nothing because the clock was behind
	// (fillSilence); 0 once a tick has run on time.
	stalls int
	// behind: the last frame delivered came after silence made up for its time.
	behind bool
	// waits counts ticks that made up nothing because the receive goroutine was
	// behind; 0 once it is not.
	waits int
}

const (
	// stallBehind is how late a clock may be and the receive side still be trusted to
	// have read what arrived: normal lateness is a few milliseconds (p99 1.6-3.9 ms).
	stallBehind = FrameDuration
	// maxStallTicks bounds the wait for a clock that stays behind: after half a
	// second silence is made up anyway, or a DTX caller's turn would never end.
	maxStallTicks = 25
)

// deliver hands one frame of received audio to OnAudio and the recorder. With
// ContinuousAudio, a gap before it (the far end sent nothing) is filled with silence
// first. Caller holds rxMu.
func (s *Session) deliver(pcm []int16, at time.Duration) {
	if s.cont {
		if at < s.fill.covered {
			s.behindSilence.Add(1)
			if s.jb != nil && !s.fill.behind {
				// Silence was made up too early for this stream (a late burst, a
				// stalled sender): hold it back longer from now on, as for a late packet.
				s.jb.waitLonger()
			}
			s.fill.behind = true
		} else {
			s.fill.behind = false
		}
		s.fillTo(at)
	}
	if s.onAudio != nil {
		s.onAudio(pcm, at)
	}
	if s.rec != nil {
		s.rec.WriteReceived(at, pcm)
	}
	if end := at + time.Duration(len(pcm))*time.Second/SampleRate; end > s.fill.covered {
		s.fill.covered = end
	}
}

// fillTo delivers silence frames from the covered time up to t. Caller holds rxMu.
func (s *Session) fillTo(t time.Duration) {
	f := &s.fill
	if gap := t - f.covered; gap > maxFillFrames*FrameDuration {
		f.covered += (gap/FrameDuration - maxFillFrames) * FrameDuration
	}
	for f.covered+FrameDuration <= t {
		s.onAudio(f.zero[:], f.covered)
		f.covered += FrameDuration
		f.frames++
		s.silenceFrames.Add(1)
	}
}

// fillSilence runs on every clock tick of a ContinuousAudio session: frames the jitter
// buffer still holds behind a gap are released once the gap is overdue (with DTX no
// later packet comes to push them out), and media time that no packet covered is
// delivered as silence. now is the tick's deadline, read on the timeline of the last
// packet (fillState.offset); the holdback (the jitter buffer's wait plus a frame)
// leaves time for packets in flight.
//
// Not while the clock is behind (a stalled process catching up): packets that arrived
// during the stall may still wait unread in the socket, and silence made up for their
// media time would reach the recogniser before them — a gap inside a word ("stop"
// heard as "staff"). Nothing waits for the first tick on time either, so the receive
// side has had a period to read; maxStallTicks keeps a clock that stays behind from
// holding the silence back for ever.
func (s *Session) fillSilence(now time.Time, behind time.Duration) {
	s.rxMu.Lock()
	defer s.rxMu.Unlock()
	switch fs := &s.fill; {
	case behind > stallBehind && fs.stalls < maxStallTicks:
		fs.stalls++
		return
	case behind <= stallBehind && fs.stalls > 0:
		fs.stalls = 0
		return
	}
	hold := 2 * FrameDuration
	if s.jb != nil {
		hold = FrameDuration + time.Duration(s.jb.target)*FrameDuration
	}
	t := now.Sub(s.start) + s.fill.offset - hold
	if t <= s.fill.covered {
		return
	}
	// The clock is on time, but the receive goroutine may not be: silence waits while
	// it has not read what arrived (rxWatch), as long as for a late clock.
	if fs := &s.fill; s.ep != nil && s.ep.rxBehind(time.Now()) {
		if fs.waits < maxStallTicks {
			fs.waits++
			s.rxWaits.Add(1)
			return
		}
	} else {
		fs.waits = 0
	}
	if s.jb != nil {
		f := &s.po.f
		for s.jb.popOverdue(f, t) {
			s.playout(f)
			for s.jb.pop(f) {
				s.playout(f)
			}
		}
	}
	s.fillTo(t)
}

// comfortNoise handles a received CN packet: a frame of silence in sequence order.
// Caller holds rxMu.
func (s *Session) comfortNoise(seq uint16, ssrc uint32, pt uint8, at, arrAt time.Duration) {
	s.cnRecv.Add(1)
	s.cnLevel.Store(uint32(s.rx.cn.Level))
	if s.jb != nil {
		s.jb.push(seq, ssrc, pt, nil, at, arrAt, true)
		s.drainJitter()
		return
	}
	pcm := s.rx.pcm[:FrameSamples]
	clear(pcm)
	s.deliver(pcm, at)
}
