package media

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	"go.uber.org/zap"
)

// SessionOptions configures NewSession: an Endpoint from a Plane, or a Conn and a
// Clock.
type SessionOptions struct {
	// Endpoint is the leg's place in a Plane (shared or per-leg socket, and its clock);
	// the session owns it and closes it on Close. When set, Conn and Clock are ignored.
	Endpoint *Endpoint
	Conn     *net.UDPConn // without Endpoint: the session owns it and closes it on Close
	Clock    Clock        // without Endpoint: required
	Codec    Codec        // zero value = PCMU
	Opus     OpusOptions  // internal rate, complexity, bitrate when Opus is used
	// Jitter configures the receive jitter buffer (on by default: received audio
	// reaches OnAudio and the Recorder in sequence order, gaps concealed).
	Jitter          JitterOptions
	DTMFPayloadType uint8 // 0 = telephone-event not negotiated
	// SSRC of what we send; 0 picks a random one. Set it when the SDP carrying a=ssrc is
	// written before the session exists.
	SSRC     uint32
	Logger   *zap.Logger
	Recorder *Recorder // optional; the caller closes it after Session.Close
	// OnAudio receives decoded caller audio per packet, in sequence order with lost
	// frames concealed (jitter buffer), on the receive path; pcm is reused after the call
	// returns (copy it to keep it). On a shared socket that goroutine serves many legs:
	// it must be quick (VAD, a copy into a buffer).
	OnAudio func(pcm []int16, at time.Duration)
	// ContinuousAudio keeps OnAudio fed on the media clock: every 20 ms from Start that
	// no packet covers (the far end's DTX, RFC 3389 comfort noise, loss) reaches it as
	// silence once the jitter buffer's wait has passed, so silence timers downstream
	// (end of turn) run whether packets arrive or not. OnAudio is then also called from
	// the clock goroutine, never at the same time as from the receive path; it must not
	// call back into the session.
	ContinuousAudio bool
}

// Stats is a snapshot of one session's counters.
type Stats struct {
	PacketsSent, PacketsReceived, BytesSent, BytesReceived, PacketsLost, PacketsInvalid uint64
	// PacketsRejected: well-formed packets from a source the leg does not take media from
	// (neither the SDP address nor the latched one; see Session's latching rules).
	PacketsRejected uint64
	SRTP            bool          // media is protected with SRTP (SetSRTP)
	FirstPacketAt   time.Duration // first valid packet, since session start; 0 if none yet
	RemoteAddr      string        // where we send now ("" if unknown)
	SendErrors      uint64        // failed socket writes (added: the send path never returns errors)
	// RTCP: what the far end reported about our stream, and the round trip.
	RTT          time.Duration // 0 until a report block with LSR came back
	RemoteLost   uint64        // packets of ours the far end reports lost
	RemoteJitter time.Duration // jitter the far end measures on our stream
	RTCPSent     uint64
	RTCPReceived uint64
	// Jitter buffer (zero when disabled): see JitterStats.
	Jitter                                         time.Duration // RFC 3550 interarrival jitter of what we receive
	JitterDepth                                    time.Duration // current wait for a missing packet
	LatePackets, DuplicatePackets, ConcealedFrames uint64
	// Silence on the wire: RFC 3389 comfort-noise packets received (and the last one's
	// noise level, -dBov), and frames of silence ContinuousAudio made up on the clock.
	ComfortNoisePackets uint64
	ComfortNoiseLevel   uint8
	SilenceFrames       uint64
	// BehindSilence counts frames of received audio that reached OnAudio after silence
	// had been made up for their media time: the receive side read them late (a
	// starved process), and the consumer heard a gap the far end did not send.
	BehindSilence uint64
	// ReceiveWaits counts ticks on which made-up silence waited because the receive
	// goroutine had not read what arrived (a starved process; see BehindSilence).
	ReceiveWaits uint64
	// ClockStalls counts ticks on which the media clock ran more than a frame behind:
	// the process was starved of CPU (or paused), so what it sent went out late or
	// with a gap, and silence for the far end waited for the packets to be read.
	ClockStalls uint64
}

const (
	// rtpBufSize fits any RTP packet on an Ethernet path.
	rtpBufSize = 1500
	// relatchPackets: consecutive valid packets from one new source, with one SSRC,
	// before symmetric RTP follows it, so stray or spoofed packets cannot hijack the
	// stream (see latch).
	relatchPackets = 5
	// relatchSilence: how long the current source must have been quiet before another
	// source may take the leg over (NAT rebinding); while it sends, nobody else can. A
	// new SDP address gets the same grace before anyone else may latch.
	relatchSilence = 500 * time.Millisecond
	// reanchorAfter: if RTP time and arrival time disagree by more than this, the
	// sender jumped its timestamps and arrival time wins.
	reanchorAfter = time.Second
	// dtmfGap is the pause between digits.
	dtmfGap        = 60 * time.Millisecond
	dtmfEndPackets = 3 // RFC 4733 §2.5.1.4: the end packet is sent three times
	dtmfVolume     = 10
	dtmfChanSize   = 32
	logEvery       = 5 * time.Second
)

// Session is one RTP session (one call leg): it sends a 20 ms frame on every clock
// tick and decodes what arrives on its socket. All methods are safe for concurrent use.
type Session struct {
	ep      *Endpoint
	clock   Clock
	log     *zap.Logger
	rec     *Recorder
	onAudio func([]int16, time.Duration)
	opusOpt OpusOptions
	dtmfPT  atomic.Uint32 // telephone-event payload type; 0 = none
	local   netip.AddrPort
	dtmfCh  chan DTMFDigit

	codec   atomic.Pointer[Codec]
	remote  atomic.Pointer[netip.AddrPort] // from SDP
	latched atomic.Pointer[netip.AddrPort] // symmetric RTP: where packets come from
	expect  atomic.Uint32                  // the far end's SSRC from SDP (a=ssrc), 0 unknown
	// remoteAt is when SetRemote named the SDP address (Unix ns): other sources wait
	// relatchSilence from then, so one that starts first cannot beat the far end.
	remoteAt atomic.Int64
	hold     atomic.Bool
	srtpTx   atomic.Pointer[srtpTx] // nil: plain RTP (SetSRTP)
	srtpRx   atomic.Pointer[srtpRx]

	start time.Time // set by Start before the tick and receive goroutine exist

	mu         sync.Mutex // guards the fields below; taken by the tick for a few µs
	plays      []*playback
	dtmfJobs   []*dtmfJob
	started    bool
	closed     bool
	unregister func()

	closeOnce sync.Once
	closeErr  error
	wg        sync.WaitGroup

	tx   txState       // clock goroutine only
	rx   rxState       // receive goroutine only
	jb   *jitterBuffer // receive goroutine only (counters atomic)
	rtcp rtcpState
	po   playoutState // receive goroutine only

	// rxMu serialises the receive path with the clock's silence fill (ContinuousAudio):
	// rx, jb, po and fill are touched under it. Uncontended but for one tick in 20 ms.
	rxMu sync.Mutex
	cont bool
	fill fillState
	dtx  atomic.Pointer[DTXOptions]

	cnRecv, silenceFrames atomic.Uint64
	behindSilence         atomic.Uint64
	rxWaits               atomic.Uint64
	clockStalls           atomic.Uint64
	cnLevel               atomic.Uint32

	sent, sentBytes, recv, recvBytes, lost, invalid, sendErrs atomic.Uint64
	rejected                                                  atomic.Uint64
	firstAt                                                   atomic.Int64
	opusEncoded                                               atomic.Uint64 // frames encoded live (tests)
	logLimit                                                  logLimiter
}

type txState struct {
	hdr     rtp.Header
	buf     [rtpBufSize]byte
	pcm     [FrameSamples]int16
	ts0     uint32
	seq     uint16
	frame   int64
	lag     int64 // frames the talkspurt's timestamps run behind frame (skipped ticks)
	lastNow time.Time
	opus    *opusEncoder
	opusFor *Codec         // the codec value opus was configured for
	pre     *encodedCursor // this frame came from a pre-encoded prompt
	ticked  bool
	sentAny bool
	talking bool
	// DTX (SetDTX): the last frame with sound, the last comfort-noise packet, and
	// whether the session is in a silence now.
	lastLoud, cnFrame int64
	inDTX             bool
}

type rxState struct {
	hdr      rtp.Header
	buf      [rtpBufSize]byte
	pcm      [rtpBufSize]int16
	event    DTMFEvent
	cn       ComfortNoise
	opus     *opusDecoder
	opusNo   bool           // decoder creation failed: drop Opus payloads
	cand     netip.AddrPort // a source not yet trusted, and its SSRC
	candSSRC uint32
	candN    int
	gotAny   bool
	// lastOK is the arrival (Unix ns) of the last packet taken from the latched
	// source, and okSSRC its SSRC: a NAT-rebound far end keeps its SSRC.
	lastOK int64
	okSSRC uint32

	anchored   bool
	anchorSSRC uint32
	anchorTS   uint32
	anchorAt   time.Duration

	seqInit   bool
	seqSSRC   uint32
	baseSeq   int64
	maxSeq    int64
	seqRecv   int64
	lostPrior uint64

	haveEnd   bool
	lastEndTS uint32
}

type playoutState struct {
	f    jbFrame
	last [FrameSamples]int16 // last frame delivered, for G.711 concealment
	fade int                 // concealed frames in a row
}

type playback struct {
	src  Source
	done chan error // buffered 1, written once
}

type dtmfPhase uint8

const (
	dtmfIdle dtmfPhase = iota
	dtmfTone
	dtmfEnding
)

type dtmfJob struct {
	events    []uint8
	each      time.Duration
	total     uint32 // timestamp units per digit, at the codec's clock rate
	i         int
	phase     dtmfPhase
	evTS      uint32
	dur       uint32
	ends      int
	nextTS    uint32 // earliest start of the next digit
	cancelled bool
	done      chan error
}

// sessionTicker keeps Tick off Session's exported API.
type sessionTicker struct{ s *Session }

func (t sessionTicker) Tick(now time.Time, behind time.Duration) { t.s.tick(now, behind) }

// NewSession prepares a session on opts.Conn; nothing is sent or read before Start.
func NewSession(opts SessionOptions) (*Session, error) {
	ep, clock := opts.Endpoint, opts.Clock
	if ep != nil {
		if ep.g != nil {
			clock = ep.clock() // the endpoint's sends must run on its group's clock goroutine
		}
	} else if opts.Conn != nil {
		ep = &Endpoint{conn: opts.Conn, rx: newRxWatch(newUnreadProbe(opts.Conn))}
		if ua, ok := opts.Conn.LocalAddr().(*net.UDPAddr); ok {
			ep.local = ua.AddrPort()
		}
	}
	if ep == nil || clock == nil {
		return nil, fmt.Errorf("new session: an Endpoint, or a Conn and a Clock, are required: %w", ErrInvalidOptions)
	}
	c := opts.Codec
	if c == (Codec{}) {
		c = PCMU
	}
	if !c.Supported() {
		return nil, fmt.Errorf("new session: codec %s/%d: %w", c.Name, c.PayloadType, ErrInvalidOptions)
	}
	if opts.DTMFPayloadType == 0 || opts.DTMFPayloadType > 127 {
		opts.DTMFPayloadType = 0
	}
	log := opts.Logger
	if log == nil {
		log = zap.NewNop()
	}
	s := &Session{
		ep:      ep,
		clock:   clock,
		log:     log,
		rec:     opts.Recorder,
		onAudio: opts.OnAudio,
		cont:    opts.ContinuousAudio && opts.OnAudio != nil,
		opusOpt: opts.Opus.withDefaults(),
		jb:      nil,
		dtmfCh:  make(chan DTMFDigit, dtmfChanSize),
		start:   time.Now(),
	}
	s.dtmfPT.Store(uint32(opts.DTMFPayloadType))
	if !opts.Jitter.Disabled {
		s.jb = newJitterBuffer(opts.Jitter)
	}
	s.local = ep.local
	s.codec.Store(&c)
	// Random SSRC, sequence and timestamp origin (RFC 3550 §5.1), from crypto/rand so
	// there is no shared generator state between legs.
	var seed [10]byte
	_, _ = rand.Read(seed[:]) // never fails since Go 1.24
	s.tx.hdr.Version = 2
	s.tx.hdr.SSRC = binary.BigEndian.Uint32(seed[0:])
	if opts.SSRC != 0 {
		s.tx.hdr.SSRC = opts.SSRC
	}
	s.tx.ts0 = binary.BigEndian.Uint32(seed[4:])
	s.tx.seq = binary.BigEndian.Uint16(seed[8:])
	return s, nil
}

// RandomSSRC returns a random non-zero SSRC (crypto/rand, RFC 3550 §8).
func RandomSSRC() uint32 {
	var b [4]byte
	for {
		_, _ = rand.Read(b[:])
		if v := binary.BigEndian.Uint32(b[:]); v != 0 {
			return v
		}
	}
}

// LocalAddr is the socket's address, for our SDP.
func (s *Session) LocalAddr() netip.AddrPort { return s.local }

// SetRemote sets where to send, from the far end's SDP. A new address also drops a
// latched symmetric-RTP address so the new SDP takes effect at once; packets from the
// far end latch again. The same address again (early media, then the answer; a
// re-INVITE) keeps the latch, so a far end behind NAT is not made to prove itself anew.
func (s *Session) SetRemote(addr netip.AddrPort) {
	if cur := s.remote.Load(); cur != nil && addr.IsValid() && *cur == addr {
		return
	}
	if !addr.IsValid() {
		s.remote.Store(nil)
	} else {
		s.remote.Store(&addr)
	}
	s.remoteAt.Store(time.Now().UnixNano())
	s.latched.Store(nil)
	s.ep.setRemote(addr)
}

// SetRemoteSSRC tells the session the far end's SSRC from its SDP (a=ssrc, RFC 5576),
// 0 for unknown. On a shared socket it lets the first packet find this leg even when
// several legs talk to the same remote address (the far end shares its socket too).
func (s *Session) SetRemoteSSRC(ssrc uint32) {
	s.expect.Store(ssrc)
	s.ep.setRemoteSSRC(ssrc)
}

// SSRC is the synchronisation source of what we send (for a=ssrc in our SDP).
func (s *Session) SSRC() uint32 { return s.tx.hdr.SSRC }

// SetCodec switches the send codec; unsupported payload types are ignored (logged).
// Receiving always decodes PCMU and PCMA by payload type.
func (s *Session) SetCodec(c Codec) {
	if !c.Supported() {
		s.log.Warn("unsupported codec ignored", zap.String("codec", c.Name), zap.Uint8("pt", c.PayloadType))
		return
	}
	s.codec.Store(&c)
}

// SetDTMFPayloadType sets the RFC 4733 telephone-event payload type after
// negotiation: the far end may number it differently from our offer, and we
// send with its number. 0 turns DTMF off; values above 127 are ignored.
func (s *Session) SetDTMFPayloadType(pt uint8) {
	if pt > 127 {
		return
	}
	s.dtmfPT.Store(uint32(pt))
}

// SetHold stops (true) or resumes (false) sending, for a=sendonly/inactive from the far
// end. Playback and DTMF pause while on hold; RTP timestamps keep following the clock.
func (s *Session) SetHold(hold bool) { s.hold.Store(hold) }

// Start registers with the clock and starts the receive goroutine. Later calls, and
// calls after Close, do nothing.
func (s *Session) Start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started || s.closed {
		return
	}
	s.started = true
	s.start = time.Now()
	s.ep.attach(s)
	s.unregister = s.clock.Register(sessionTicker{s})
}

// Close stops sending and receiving, closes the socket, waits for the receive goroutine
// and fails pending Play and SendDTMF calls with ErrSessionClosed. It then closes the
// DTMF channel. Idempotent.
func (s *Session) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		unregister := s.unregister
		s.mu.Unlock()
		if unregister != nil {
			unregister() // after this no Tick runs, so tx state is ours
		}
		s.closeErr = s.ep.Close() // after this no packet reaches handlePacket
		s.wg.Wait()
		s.mu.Lock()
		for _, p := range s.plays {
			p.done <- ErrSessionClosed
		}
		s.plays = nil
		for _, j := range s.dtmfJobs {
			j.done <- ErrSessionClosed
		}
		s.dtmfJobs = nil
		s.mu.Unlock()
		close(s.dtmfCh) // the receive goroutine, its only sender, has exited
	})
	return s.closeErr
}

// Play queues src and waits until its last frame is sent (nil), StopPlayback
// (ErrPlaybackStopped), Close (ErrSessionClosed), a source error, or ctx. Calls queue
// in order: a second Play starts when the first ends, with no gap, so a bot can queue
// the next sentence while the current one plays. Cancelling ctx drops only this
// playback.
func (s *Session) Play(ctx context.Context, src Source) error {
	p := &playback{src: src, done: make(chan error, 1)}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrSessionClosed
	}
	s.plays = append(s.plays, p)
	s.mu.Unlock()
	select {
	case err := <-p.done:
		return err
	case <-ctx.Done():
		s.mu.Lock()
		if i := slices.Index(s.plays, p); i >= 0 {
			s.plays = slices.Delete(s.plays, i, i+1)
		}
		s.mu.Unlock()
		return ctx.Err()
	}
}

// StopPlayback ends the current and all queued playbacks (barge-in); their Play calls
// return ErrPlaybackStopped. Silence follows from the next frame.
func (s *Session) StopPlayback() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.plays {
		p.done <- ErrPlaybackStopped
	}
	s.plays = nil
}

// SendDTMF sends digits as RFC 4733 events, each lasting each (default 100 ms, at
// least 40 ms), 60 ms apart, and returns when the last end packet is sent. Audio is
// suspended meanwhile (playback resumes where it was). Calls queue. Cancelling ctx ends
// the current digit properly (end packets) and drops the rest.
func (s *Session) SendDTMF(ctx context.Context, digits string, each time.Duration) error {
	if s.dtmfPT.Load() == 0 {
		return fmt.Errorf("send dtmf: %w", ErrDTMFNotNegotiated)
	}
	events := make([]uint8, 0, len(digits))
	for _, d := range digits {
		ev, ok := DigitEvent(d)
		if !ok {
			return fmt.Errorf("send dtmf %q: digit %q: %w", digits, d, ErrInvalidDigit)
		}
		events = append(events, ev)
	}
	if len(events) == 0 {
		return nil
	}
	if each <= 0 {
		each = 100 * time.Millisecond
	}
	j := &dtmfJob{events: events, each: each, done: make(chan error, 1)}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrSessionClosed
	}
	s.dtmfJobs = append(s.dtmfJobs, j)
	s.mu.Unlock()
	select {
	case err := <-j.done:
		return err
	case <-ctx.Done():
		s.mu.Lock()
		if i := slices.Index(s.dtmfJobs, j); i > 0 || (i == 0 && j.phase == dtmfIdle && j.i == 0) {
			s.dtmfJobs = slices.Delete(s.dtmfJobs, i, i+1)
		} else if i == 0 {
			j.cancelled = true // the tick finishes the digit on the wire
		}
		s.mu.Unlock()
		return ctx.Err()
	}
}

// DTMF delivers received digits, one per key press. When the buffer (32) is full,
// further digits are dropped. Closed by Close.
func (s *Session) DTMF() <-chan DTMFDigit { return s.dtmfCh }

// Stats returns a snapshot of the counters.
func (s *Session) Stats() Stats {
	st := Stats{
		PacketsSent:     s.sent.Load(),
		PacketsReceived: s.recv.Load(),
		BytesSent:       s.sentBytes.Load(),
		BytesReceived:   s.recvBytes.Load(),
		PacketsLost:     s.lost.Load(),
		PacketsInvalid:  s.invalid.Load(),
		PacketsRejected: s.rejected.Load(),
		SRTP:            s.srtpTx.Load() != nil,
		FirstPacketAt:   time.Duration(s.firstAt.Load()),
		SendErrors:      s.sendErrs.Load(),
	}
	if dst, ok := s.dest(); ok {
		st.RemoteAddr = dst.String()
	}
	rs := &s.rtcp
	st.RTT, st.RemoteLost, st.RemoteJitter = time.Duration(rs.rtt.Load()), rs.remoteLost.Load(), time.Duration(rs.remoteJitter.Load())
	st.RTCPSent, st.RTCPReceived = rs.sent.Load(), rs.recv.Load()
	if s.jb != nil {
		js := s.jb.stats()
		st.Jitter, st.JitterDepth = js.Jitter, js.Depth
		st.LatePackets, st.DuplicatePackets, st.ConcealedFrames = js.Late, js.Duplicates, js.Concealed
	}
	st.ComfortNoisePackets, st.ComfortNoiseLevel, st.SilenceFrames = s.cnRecv.Load(), uint8(s.cnLevel.Load()), s.silenceFrames.Load()
	st.ClockStalls, st.BehindSilence, st.ReceiveWaits = s.clockStalls.Load(), s.behindSilence.Load(), s.rxWaits.Load()
	return st
}

// dest is the latched source if any, else the SDP address.
func (s *Session) dest() (netip.AddrPort, bool) {
	if p := s.latched.Load(); p != nil {
		return *p, true
	}
	if p := s.remote.Load(); p != nil {
		return *p, true
	}
	return netip.AddrPort{}, false
}

// logAllowed rate-limits per-packet-path logs to one per logEvery per session.
func (s *Session) logAllowed(now time.Time) bool { return s.logLimit.allow(now) }

// logLimiter lets one log through per logEvery, however many goroutines ask: the
// packet paths must not flood the log when something fails for every packet.
type logLimiter struct{ last atomic.Int64 }

func (l *logLimiter) allow(now time.Time) bool {
	last := l.last.Load()
	return now.UnixNano()-last >= int64(logEvery) && l.last.CompareAndSwap(last, now.UnixNano())
}

// ---- send path (clock goroutine) ----

func (s *Session) tick(now time.Time, behind time.Duration) {
	tx := &s.tx
	// Frame index since start: derived from the deadline so the RTP timestamp follows
	// wall time across hold, DTMF and clock stalls (skipped frames advance it too).
	if !tx.ticked {
		tx.frame = max(0, int64(now.Sub(s.start)/FrameDuration))
		tx.ticked = true
	} else {
		step := max(1, int64((now.Sub(tx.lastNow)+FrameDuration/2)/FrameDuration))
		tx.frame += step
		if tx.talking {
			// The clock skipped frames (a stall) inside a talkspurt: the audio goes on
			// from where it was, its timestamps too, and the far end hears it late but
			// whole rather than with a hole in a word. The time is made up in the next
			// silence (lag back to 0: a timestamp jump where nothing is lost).
			tx.lag += step - 1
		}
	}
	tx.lastNow = now
	if behind > stallBehind {
		s.clockStalls.Add(1)
	}
	if s.cont {
		s.fillSilence(now, behind)
	}
	codec := s.codec.Load()

	dst, ok := s.dest()
	if !ok || s.hold.Load() {
		tx.talking, tx.lag = false, 0
		return
	}
	s.mu.Lock()
	if len(s.dtmfJobs) > 0 {
		tx.lag = 0
		n, handled := s.dtmfTick(s.dtmfJobs[0], tx.ts0+uint32(tx.frame)*codec.tsPerFrame(), codec.ClockRate)
		if handled {
			s.mu.Unlock()
			tx.talking = false
			if n > 0 {
				s.write(tx.buf[:n], dst)
			}
			return
		}
	}
	n := s.readPlayback(tx.pcm[:])
	s.mu.Unlock()
	if n == 0 {
		tx.lag = 0
	}
	ts := tx.ts0 + uint32(tx.frame-tx.lag)*codec.tsPerFrame()
	if s.dtxSilence(now, dst, ts, n) {
		tx.lag = 0 // nothing sent: the next talkspurt starts on time
		return
	}
	tx.inDTX = false

	marker := !tx.sentAny || (n > 0 && !tx.talking) // start of a talkspurt (RFC 3551 §4.1)
	tx.talking, tx.sentAny = n > 0, true
	if size := s.audioPacket(codec, ts, marker, n); size > 0 {
		s.write(tx.buf[:size], dst)
	}
	s.maybeReport(now, dst, ts)
	if s.rec != nil {
		s.rec.WriteSent(time.Duration(tx.frame-tx.lag)*FrameDuration, tx.pcm[:])
	}
}

// readPlayback fills pcm from the playback queue and returns the samples of real audio
// (the rest is zeroed). Caller holds mu.
func (s *Session) readPlayback(pcm []int16) int {
	n := 0
	s.tx.pre = nil
	for len(s.plays) > 0 {
		p := s.plays[0]
		k, err := p.src.ReadFrame(pcm)
		n = max(0, min(k, len(pcm)))
		if ec, ok := p.src.(*encodedCursor); ok && n > 0 {
			s.tx.pre = ec
		}
		if err == nil {
			break // audio, or an underrun (n == 0): silence this frame, keep the playback
		}
		if errors.Is(err, io.EOF) {
			err = nil
		} else {
			err = fmt.Errorf("playback source: %w", err)
		}
		p.done <- err
		s.plays[0] = nil
		s.plays = s.plays[1:]
		if n > 0 {
			break // its last samples go out in this frame
		}
		// ended with nothing left: the next playback fills this frame, no gap
	}
	clear(pcm[n:])
	return n
}

// audioPacket marshals one audio frame from tx.pcm into tx.buf and returns its size.
func (s *Session) audioPacket(codec *Codec, ts uint32, marker bool, n int) int {
	tx := &s.tx
	tx.hdr.PayloadType = codec.PayloadType
	tx.hdr.Marker = marker
	tx.hdr.SequenceNumber = tx.seq
	tx.hdr.Timestamp = ts
	tx.seq++
	hn, _ := tx.hdr.MarshalTo(tx.buf[:]) // cannot fail: 12 bytes into 1500
	if n > 0 && tx.pre != nil {
		if p := tx.pre.payload(codec); p != nil { // pre-encoded prompt: no codec work
			return hn + copy(tx.buf[hn:], p)
		}
	}
	if codec.IsOpus() {
		return s.opusPayload(codec, hn)
	}
	payload := tx.buf[hn : hn+FrameSamples]
	if n == 0 {
		b := codec.silenceByte()
		for i := range payload {
			payload[i] = b
		}
	} else {
		codec.Encode(payload, tx.pcm[:])
	}
	return hn + FrameSamples
}

// opusPayload encodes tx.pcm after the header at hn and returns the packet size, 0 to
// send nothing (no encoder). The encoder follows the far end's fmtp, so a new codec
// value (SetCodec) makes a new one.
func (s *Session) opusPayload(codec *Codec, hn int) int {
	tx := &s.tx
	if tx.opusFor != codec {
		tx.opusFor = codec
		enc, err := newOpusEncoder(s.opusOpt, parseOpusFmtp(codec.Fmtp))
		if err != nil {
			s.log.Warn("opus encoder", zap.Error(err))
		}
		tx.opus = enc
	}
	if tx.opus == nil {
		return 0
	}
	n, err := tx.opus.encode(tx.buf[hn:], tx.pcm[:])
	s.opusEncoded.Add(1)
	if err != nil {
		if s.logAllowed(time.Now()) {
			s.log.Warn("opus encode", zap.Error(err))
		}
		return 0
	}
	return hn + n
}

func (s *Session) write(pkt []byte, dst netip.AddrPort) {
	if pkt, ok := s.protect(pkt); ok {
		s.ep.send(s, pkt, dst)
	}
}

// dtmfTick advances the DTMF job at ts. It returns the packet size in tx.buf (0: send
// nothing this frame) and whether the frame belongs to DTMF (false: the job is over,
// send audio). Events run on the audio codec's clock (RFC 4733 §2.1: telephone-event is
// negotiated at the codec's rate, e.g. telephone-event/48000 beside Opus), so
// durations and gaps are in units of rate. Caller holds mu.
func (s *Session) dtmfTick(j *dtmfJob, ts, rate uint32) (int, bool) {
	if rate == 0 {
		rate = SampleRate
	}
	step := rate / 50 // one 20 ms frame
	switch j.phase {
	case dtmfIdle:
		if j.cancelled || j.i >= len(j.events) {
			s.finishDTMF(j, nil)
			return 0, false
		}
		if j.i > 0 && int32(ts-j.nextTS) < 0 {
			return 0, true // inter-digit gap: nothing on the wire
		}
		j.total = uint32(min(max(int64(j.each)*int64(rate)/int64(time.Second), 2*int64(step)), 0xFFFF))
		j.evTS, j.dur, j.phase = ts, step, dtmfTone
		return s.dtmfPacket(j, true, false), true
	case dtmfTone:
		j.dur += step
		if j.dur >= j.total || j.cancelled {
			j.dur = min(j.dur, j.total)
			j.phase, j.ends = dtmfEnding, 1
			return s.dtmfPacket(j, false, true), true
		}
		return s.dtmfPacket(j, false, false), true
	default: // dtmfEnding: repeat the end packet, same timestamp and duration
		n := s.dtmfPacket(j, false, true)
		j.ends++
		if j.ends >= dtmfEndPackets {
			j.nextTS = j.evTS + j.dur + uint32(int64(dtmfGap)*int64(rate)/int64(time.Second))
			j.i++
			j.phase = dtmfIdle
			if j.cancelled || j.i >= len(j.events) {
				s.finishDTMF(j, nil)
			}
		}
		return n, true
	}
}

func (s *Session) finishDTMF(j *dtmfJob, err error) {
	if len(s.dtmfJobs) > 0 && s.dtmfJobs[0] == j {
		s.dtmfJobs[0] = nil
		s.dtmfJobs = s.dtmfJobs[1:]
	}
	select {
	case j.done <- err:
	default:
	}
}

func (s *Session) dtmfPacket(j *dtmfJob, marker, end bool) int {
	tx := &s.tx
	tx.hdr.PayloadType = uint8(s.dtmfPT.Load())
	tx.hdr.Marker = marker
	tx.hdr.SequenceNumber = tx.seq
	tx.hdr.Timestamp = j.evTS
	tx.seq++
	hn, _ := tx.hdr.MarshalTo(tx.buf[:])
	ev := DTMFEvent{Event: j.events[j.i], End: end, Volume: dtmfVolume, Duration: uint16(j.dur)}
	en, _ := ev.MarshalTo(tx.buf[hn:])
	return hn + en
}

// ---- receive path (receive goroutine) ----

func (s *Session) readLoop() {
	defer s.wg.Done()
	for {
		n, from, err := s.ep.conn.ReadFromUDPAddrPort(s.rx.buf[:])
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if now := time.Now(); s.logAllowed(now) {
				s.log.Warn("rtp read", zap.Error(err))
			}
			continue
		}
		now := time.Now()
		if w := s.ep.rx; w != nil {
			w.read()
			s.handlePacket(s.rx.buf[:n], from, now)
			w.dispatched(now, false) // one datagram: whether more wait, the probe says
			continue
		}
		s.handlePacket(s.rx.buf[:n], from, now)
	}
}

// handlePacket validates, counts and dispatches one datagram. Every input ends in
// exactly one of PacketsReceived, PacketsInvalid or PacketsRejected. It never retains b.
func (s *Session) handlePacket(b []byte, from netip.AddrPort, arrival time.Time) {
	s.rxMu.Lock()
	defer s.rxMu.Unlock()
	rx := &s.rx
	// Cheap checks first: pion's errors allocate, and garbage is the common invalid case.
	if len(b) < 12 || b[0]>>6 != 2 {
		s.invalid.Add(1)
		return
	}
	if b[1] >= 200 && b[1] <= 204 { // RTCP SR, RR, SDES, BYE, APP on the RTP port (rtcp-mux)
		out, secure, ok := s.unprotect(b, true)
		if !ok {
			s.invalid.Add(1)
			return
		}
		if !secure && !s.fromPeer(from) {
			s.rejected.Add(1)
			return
		}
		s.handleRTCP(out, arrival)
		return
	}
	pt := b[1] & 0x7F
	codec := s.codec.Load()
	isOpus := codec.IsOpus() && pt == codec.PayloadType
	isAudio := isOpus || pt == PCMU.PayloadType || pt == PCMA.PayloadType
	dtmfPT := uint8(s.dtmfPT.Load())
	isDTMF := dtmfPT != 0 && pt == dtmfPT
	isCN := pt == ComfortNoisePT      // static (RFC 3551): accepted whether offered or not
	if !isAudio && !isDTMF && !isCN { // includes RTCP multiplexed on the port (PT 72-76)
		s.invalid.Add(1)
		return
	}
	wire := len(b)
	b, secure, ok := s.unprotect(b, false)
	if !ok {
		s.invalid.Add(1) // did not authenticate: forged, replayed, or plain RTP
		return
	}
	hn, err := rx.hdr.Unmarshal(b)
	if err != nil {
		s.invalid.Add(1)
		return
	}
	end := len(b)
	if rx.hdr.Padding {
		pad := int(b[end-1])
		if pad == 0 || end-pad < hn {
			s.invalid.Add(1)
			return
		}
		end -= pad
	}
	payload := b[hn:end]
	if (isDTMF && rx.event.Unmarshal(payload) != nil) || (isCN && rx.cn.Unmarshal(payload) != nil) {
		s.invalid.Add(1)
		return
	}
	arrAt := arrival.Sub(s.start)
	if secure {
		s.latchVerified(from, rx.hdr.SSRC, arrival)
	} else if !s.latch(from, rx.hdr.SSRC, arrival) {
		s.rejected.Add(1)
		return
	}

	s.recv.Add(1)
	s.recvBytes.Add(uint64(wire))
	if !rx.gotAny {
		rx.gotAny = true
		s.firstAt.Store(int64(max(arrAt, 1))) // 1 ns marks "seen" even at t=0
	}
	s.countLoss(rx.hdr.SequenceNumber, rx.hdr.SSRC)
	rate := uint32(SampleRate)
	if codec.IsOpus() { // audio and telephone-event both run on the codec's clock
		rate = codec.ClockRate
	}
	if isCN && codec.IsOpus() {
		// CN/8000 beside a 48 kHz codec runs on another clock: no place on the
		// timeline from its timestamp. Counted; the clock's fill is the silence.
		s.cnRecv.Add(1)
		return
	}
	at := s.mediaTime(rx.hdr.Timestamp, rx.hdr.SSRC, arrAt, isAudio || isCN, rate)
	if isAudio || isCN {
		s.fill.offset = at - arrAt
	}
	if isCN {
		s.comfortNoise(rx.hdr.SequenceNumber, rx.hdr.SSRC, pt, at, arrAt)
		return
	}

	if isDTMF {
		if !rx.event.End || (rx.haveEnd && rx.hdr.Timestamp == rx.lastEndTS) {
			if s.jb != nil { // the event holds a sequence number the audio lacks: silence
				s.jb.push(rx.hdr.SequenceNumber, rx.hdr.SSRC, pt, nil, at, arrAt, true)
				s.drainJitter()
			}
			return // progress update or a repeated end packet
		}
		if s.jb != nil {
			s.jb.push(rx.hdr.SequenceNumber, rx.hdr.SSRC, pt, nil, at, arrAt, true)
			s.drainJitter()
		}
		rx.haveEnd, rx.lastEndTS = true, rx.hdr.Timestamp
		if d, ok := EventDigit(rx.event.Event); ok {
			select {
			case s.dtmfCh <- DTMFDigit{Digit: d, Duration: time.Duration(rx.event.Duration) * time.Second / time.Duration(rate), At: at}:
			default: // nobody listening fast enough; dropping beats blocking the socket
			}
		}
		return
	}
	if s.jb != nil && len(payload) <= jbPayload {
		s.jb.push(rx.hdr.SequenceNumber, rx.hdr.SSRC, pt, payload, at, arrAt, false)
		s.drainJitter()
		return
	}
	var n int
	if isOpus {
		n = s.decodeOpus(payload)
	} else {
		c, _ := CodecByPayloadType(pt)
		n = c.Decode(rx.pcm[:], payload)
	}
	if n == 0 {
		return
	}
	s.deliver(rx.pcm[:n], at)
}

// drainJitter delivers every frame the jitter buffer releases: decoded packets in
// order, concealment for frames given up on. Receive goroutine.
func (s *Session) drainJitter() {
	f := &s.po.f
	for s.jb.pop(f) {
		s.playout(f)
	}
}

// playout decodes or conceals one frame the jitter buffer released and delivers it.
// Caller holds rxMu.
func (s *Session) playout(f *jbFrame) {
	po := &s.po
	rx := &s.rx
	var pcm []int16
	switch f.kind {
	case jbPacket:
		po.fade = 0
		switch {
		case f.silence:
			pcm = rx.pcm[:FrameSamples]
			clear(pcm)
		case s.isOpusPT(f.pt):
			pcm = rx.pcm[:s.decodeOpus(f.payload)]
		default:
			c, _ := CodecByPayloadType(f.pt)
			pcm = rx.pcm[:c.Decode(rx.pcm[:], f.payload)]
		}
	case jbConceal:
		po.fade++
		if s.isOpusPT(s.codec.Load().PayloadType) {
			if dec := s.opusDecoder(); dec != nil {
				if n, err := dec.conceal(rx.pcm[:], f.fec); err == nil {
					pcm = rx.pcm[:n]
				}
			}
			break
		}
		// G.711: repeat the last frame fading out over three frames (60 ms), then silence.
		pcm = rx.pcm[:FrameSamples]
		gain := max(0, 4-po.fade) // 3/4, 2/4, 1/4, 0
		for i := range pcm {
			pcm[i] = int16(int(po.last[i]) * gain / 4)
		}
	}
	if len(pcm) == 0 {
		return
	}
	if f.kind == jbPacket && len(pcm) >= FrameSamples {
		copy(po.last[:], pcm[len(pcm)-FrameSamples:])
	}
	s.deliver(pcm, f.at)
}

func (s *Session) isOpusPT(pt uint8) bool {
	c := s.codec.Load()
	return c.IsOpus() && c.PayloadType == pt
}

// opusDecoder returns the session's decoder, made on first use. Receive goroutine.
func (s *Session) opusDecoder() *opusDecoder {
	rx := &s.rx
	if rx.opus == nil && !rx.opusNo {
		dec, err := newOpusDecoder(s.opusOpt)
		if err != nil {
			rx.opusNo = true
			s.log.Warn("opus decoder", zap.Error(err))
			return nil
		}
		rx.opus = dec
	}
	return rx.opus
}

// decodeOpus decodes into rx.pcm (8 kHz) and returns the samples.
func (s *Session) decodeOpus(payload []byte) int {
	dec := s.opusDecoder()
	if dec == nil {
		return 0
	}
	n, err := dec.decode(s.rx.pcm[:], payload)
	if err != nil {
		return 0
	}
	return n
}

// latch decides whether a packet from `from` carrying ssrc is the far end's media, and
// keeps the send address on it (symmetric RTP: NATs and SBCs often send from, and
// expect media at, another address than their SDP says). It runs on the receive path
// and allocates only when the latched address changes. The rules:
//
//   - the latched source is taken;
//   - the SDP address is always taken and latched at once: the signalling named it;
//   - any other source is a candidate. It is taken, and latched, only after
//     relatchPackets consecutive packets from the same address with the same SSRC —
//     which must be the SSRC the far end announced (a=ssrc) if it did, or the SSRC of
//     the stream we had so far — and only once the current source has been quiet for
//     relatchSilence (with nothing latched yet: relatchSilence since the SDP address
//     was set). Until then its packets are dropped (PacketsRejected).
//
// So a third party spraying packets at our port cannot take over a leg whose far end
// is sending, nor get its audio into the recording, even if it starts first; a far end
// behind a NAT whose SDP address never sends is followed after relatchSilence plus
// relatchPackets packets. What this cannot stop is an off-path sender that guesses our
// port and keeps the leg while the far end never sends from its SDP address and
// announced no SSRC: that race is why trunks crossing untrusted networks should use
// SRTP, whose authentication runs before this check.
func (s *Session) latch(from netip.AddrPort, ssrc uint32, now time.Time) bool {
	rx := &s.rx
	at := now.UnixNano()
	cur := s.latched.Load()
	if cur != nil && *cur == from {
		rx.candN, rx.lastOK, rx.okSSRC = 0, at, ssrc
		return true
	}
	if sdp := s.remote.Load(); sdp != nil && *sdp == from {
		rx.candN, rx.lastOK, rx.okSSRC = 0, at, ssrc
		s.latched.Store(sdp) // the SDP's own pointer: no allocation
		if cur != nil && s.logAllowed(now) {
			s.log.Info("rtp latched back to the sdp address", zap.Stringer("remote", from))
		}
		return true
	}
	// A source the signalling did not name.
	want := s.expect.Load()
	if want == 0 && cur != nil {
		want = rx.okSSRC
	}
	quietSince := rx.lastOK
	if cur == nil {
		quietSince = s.remoteAt.Load()
	}
	if (want != 0 && ssrc != want) || at-quietSince < int64(relatchSilence) {
		rx.candN = 0
		return false
	}
	if from == rx.cand && ssrc == rx.candSSRC && rx.candN > 0 {
		rx.candN++
	} else {
		rx.cand, rx.candSSRC, rx.candN = from, ssrc, 1
	}
	if rx.candN < relatchPackets {
		return false
	}
	rx.candN, rx.lastOK, rx.okSSRC = 0, at, ssrc
	addr := from
	s.latched.Store(&addr) // the one allocation, once per (re)latch
	if s.logAllowed(now) {
		s.log.Info("rtp latched", zap.Stringer("remote", from), zap.Bool("relatch", cur != nil))
	}
	return true
}

// fromPeer reports whether RTCP from `from` is the far end's: the latched source or the
// SDP address. RTCP never moves the latch.
func (s *Session) fromPeer(from netip.AddrPort) bool {
	if p := s.latched.Load(); p != nil && *p == from {
		return true
	}
	p := s.remote.Load()
	return p != nil && *p == from
}

// countLoss keeps RFC 3550 A.1-style expected-vs-received counts per SSRC.
func (s *Session) countLoss(seq uint16, ssrc uint32) {
	rx := &s.rx
	if !rx.seqInit || ssrc != rx.seqSSRC {
		if rx.seqInit {
			rx.lostPrior += uint64(max(0, rx.maxSeq-rx.baseSeq+1-rx.seqRecv))
		}
		rx.seqInit, rx.seqSSRC = true, ssrc
		rx.baseSeq, rx.maxSeq, rx.seqRecv = int64(seq), int64(seq), 1
	} else {
		rx.seqRecv++
		// Distance from the highest seen, in the 16-bit circle: forward moves extend.
		if d := int64(int16(seq - uint16(rx.maxSeq))); d > 0 {
			rx.maxSeq += d
		}
	}
	s.lost.Store(rx.lostPrior + uint64(max(0, rx.maxSeq-rx.baseSeq+1-rx.seqRecv)))
	rs := &s.rtcp
	rs.remoteSSRC.Store(ssrc)
	rs.extMaxSeq.Store(uint32(rx.maxSeq))
	rs.expected.Store(int64(s.recv.Load() + s.lost.Load()))
}

// mediaTime places a packet on the session timeline: the first packet's arrival plus
// the RTP timestamp distance from it, so jitter does not smear the recording. Audio
// re-anchors on a new SSRC or a timestamp jump; DTMF (whose timestamp is the key-down
// time, possibly seconds ago) never does.
func (s *Session) mediaTime(ts, ssrc uint32, arrAt time.Duration, audio bool, rate uint32) time.Duration {
	rx := &s.rx
	if !rx.anchored || (audio && ssrc != rx.anchorSSRC) {
		if !audio {
			return max(0, arrAt)
		}
		rx.anchored, rx.anchorSSRC, rx.anchorTS, rx.anchorAt = true, ssrc, ts, arrAt
	}
	at := rx.anchorAt + time.Duration(int32(ts-rx.anchorTS))*(time.Second/time.Duration(rate))
	if audio && (at-arrAt > reanchorAfter || arrAt-at > reanchorAfter) {
		rx.anchorTS, rx.anchorAt = ts, arrAt
		at = arrAt
	}
	return max(0, at)
}
