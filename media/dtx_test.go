package media

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/rtp"
)

func TestComfortNoiseUnmarshal(t *testing.T) {
	for _, c := range []struct {
		name    string
		payload []byte
		level   uint8
		order   int
		err     error
	}{
		{"level only (white noise)", []byte{40}, 40, 0, nil},
		{"digital silence", []byte{127}, 127, 0, nil},
		{"spectral envelope", []byte{62, 0x80, 0x7F, 3, 255}, 62, 4, nil},
		{"largest order", append([]byte{10}, make([]byte, MaxComfortNoiseOrder)...), 10, MaxComfortNoiseOrder, nil},
		{"empty", nil, 0, 0, errCNEmpty},
		{"reserved bit", []byte{0x80 | 20}, 0, 0, errCNLevelBit},
		{"too many coefficients", append([]byte{10}, make([]byte, MaxComfortNoiseOrder+1)...), 0, 0, errCNOrder},
	} {
		t.Run(c.name, func(t *testing.T) {
			var cn ComfortNoise
			err := cn.Unmarshal(c.payload)
			if !errors.Is(err, c.err) || (err != nil && !errors.Is(err, ErrInvalidComfortNoise)) {
				t.Fatalf("err %v, want %v", err, c.err)
			}
			if err != nil {
				return
			}
			if cn.Level != c.level || cn.Order != c.order || !bytes.Equal(cn.Coeffs[:cn.Order], c.payload[1:]) {
				t.Fatalf("got %+v", cn)
			}
			var buf [1 + MaxComfortNoiseOrder]byte
			n, err := cn.MarshalTo(buf[:])
			if err != nil || !bytes.Equal(buf[:n], c.payload) {
				t.Fatalf("marshal % x, %v; want % x", buf[:n], err, c.payload)
			}
		})
	}
	var cn ComfortNoise
	if a := testing.AllocsPerRun(100, func() { _ = cn.Unmarshal([]byte{0xFF}) }); a != 0 {
		t.Errorf("rejecting a payload: %v allocs, want 0", a)
	}
	if _, err := (&ComfortNoise{Order: 3}).MarshalTo(make([]byte, 2)); !errors.Is(err, ErrInvalidComfortNoise) {
		t.Errorf("marshal into a short buffer: %v", err)
	}
	if r := (&ComfortNoise{Level: 0}).RMS(); r != 32767 {
		t.Errorf("0 dBov RMS %v", r)
	}
	if r := (&ComfortNoise{Level: 20}).RMS(); r < 3276 || r > 3277 {
		t.Errorf("-20 dBov RMS %v", r)
	}
}

func FuzzComfortNoise(f *testing.F) {
	f.Add([]byte{40})
	f.Add([]byte{62, 0x80, 0x7F, 3, 255})
	f.Add([]byte{0xFF})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		var cn ComfortNoise
		if err := cn.Unmarshal(b); err != nil {
			if !errors.Is(err, ErrInvalidComfortNoise) {
				t.Fatalf("error %v is not ErrInvalidComfortNoise", err)
			}
			return
		}
		if cn.Level > 127 || cn.Order != len(b)-1 {
			t.Fatalf("accepted % x as %+v", b, cn)
		}
		var buf [1 + MaxComfortNoiseOrder]byte
		n, err := cn.MarshalTo(buf[:])
		if err != nil || !bytes.Equal(buf[:n], b) {
			t.Fatalf("round trip % x → % x (%v)", b, buf[:n], err)
		}
	})
}

// heardFrame is one OnAudio call.
type heardFrame struct {
	at  time.Duration
	n   int
	rms float64
}

// dtxSession is a ContinuousAudio session driven by hand: packets through
// handlePacket and ticks at chosen media times, so every timer is deterministic.
func dtxSession(t *testing.T, mod func(*SessionOptions)) (*Session, *[]heardFrame) {
	t.Helper()
	var heard []heardFrame
	s := newTestSession(t, NewClock(ClockOptions{}), func(o *SessionOptions) {
		o.ContinuousAudio = true
		o.OnAudio = func(pcm []int16, at time.Duration) {
			heard = append(heard, heardFrame{at: at, n: len(pcm), rms: frameRMS(pcm)})
		}
		if mod != nil {
			mod(o)
		}
	})
	s.start = time.Unix(1_700_000_000, 0) // media time zero
	s.SetRemote(dtxFrom)                  // the SDP address: its packets are taken from the first
	return s, &heard
}

// dtxFrom is the far end's address, as its SDP gives it.
var dtxFrom = netip.MustParseAddrPort("127.0.0.1:40000")

// dtxFeed sends frames of tone as the far end's talkspurt: seq, ts and arrival
// follow frame index i (arrival exactly on time).
type dtxFeed struct {
	t    *testing.T
	s    *Session
	tone []byte
	from netip.AddrPort
}

func newDTXFeed(t *testing.T, s *Session) *dtxFeed {
	tone := make([]byte, FrameSamples)
	MulawEncode(tone, Tone(440, FrameDuration, 8000).Samples)
	return &dtxFeed{t: t, s: s, tone: tone, from: dtxFrom}
}

// packet delivers frame i (media time i·20 ms) with sequence number seq.
func (d *dtxFeed) packet(pt uint8, seq uint16, i int, payload []byte) {
	pkt := rtpPacket(d.t, pt, seq, uint32(1000+i*FrameSamples), 42, payload)
	d.s.handlePacket(pkt, d.from, d.s.start.Add(time.Duration(i)*FrameDuration))
}

// talk delivers frames from to to-1 of tone (sequence number = frame index), each on
// time and followed by its clock tick.
func (d *dtxFeed) talk(from, to int) {
	for i := from; i < to; i++ {
		d.packet(0, uint16(i), i, d.tone)
		d.s.tick(d.s.start.Add(time.Duration(i)*FrameDuration), 0)
	}
}

// tickTo runs the clock's ticks up to media time end.
func tickTo(s *Session, from, end time.Duration) {
	for at := from; at <= end; at += FrameDuration {
		s.tick(s.start.Add(at), 0)
	}
}

// checkContinuous fails unless the frames cover media time without a gap or overlap.
func checkContinuous(t *testing.T, heard []heardFrame) {
	t.Helper()
	for i := 1; i < len(heard); i++ {
		if want := heard[i-1].at + FrameDuration; heard[i].at != want {
			t.Fatalf("frame %d at %v, want %v (frames %+v)", i, heard[i].at, want, heard[max(0, i-3):min(len(heard), i+3)])
		}
	}
}

// A talkspurt, then the far end stops sending (DTX): silence keeps coming on the
// media clock, the holdback (jitter wait + a frame) behind it, and the next
// talkspurt — timestamp jumped, sequence number not — lands in place.
func TestContinuousAudioThroughDTX(t *testing.T) {
	s, heard := dtxSession(t, nil)
	d := newDTXFeed(t, s)
	for i := range 10 { // 200 ms of speech, frames 0-9
		d.packet(0, uint16(100+i), i, d.tone)
		tickTo(s, time.Duration(i)*FrameDuration, time.Duration(i)*FrameDuration)
	}
	if len(*heard) != 10 {
		t.Fatalf("heard %d frames during the talkspurt", len(*heard))
	}
	tickTo(s, 10*FrameDuration, time.Second) // nothing arrives
	hold := FrameDuration + time.Duration(s.jb.target)*FrameDuration
	h := *heard
	checkContinuous(t, h)
	if last := h[len(h)-1].at; last+FrameDuration > time.Second-hold || last+2*FrameDuration <= time.Second-hold {
		t.Fatalf("silence up to %v at media time 1s, holdback %v", last+FrameDuration, hold)
	}
	for _, f := range h[10:] {
		if f.rms != 0 || f.n != FrameSamples {
			t.Fatalf("made-up frame %+v is not a frame of silence", f)
		}
	}
	silent := len(h) - 10
	if st := s.Stats(); st.SilenceFrames != uint64(silent) || st.PacketsReceived != 10 || st.ConcealedFrames != 0 {
		t.Fatalf("stats %+v, %d silence frames heard", st, silent)
	}
	// The caller speaks again at 1.5 s: the next sequence number, the timestamp of 1.5 s.
	tickTo(s, time.Second+FrameDuration, 1500*time.Millisecond-FrameDuration)
	d.packet(0, 110, 75, d.tone)
	h = *heard
	checkContinuous(t, h)
	if f := h[len(h)-1]; f.at != 1500*time.Millisecond || f.rms == 0 {
		t.Fatalf("the new talkspurt arrived as %+v", f)
	}
}

// Without ContinuousAudio, nothing is made up: OnAudio hears packets only.
func TestNoContinuousAudioWithoutOption(t *testing.T) {
	s, heard := dtxSession(t, func(o *SessionOptions) { o.ContinuousAudio = false })
	d := newDTXFeed(t, s)
	d.packet(0, 1, 0, d.tone)
	tickTo(s, 0, time.Second)
	if len(*heard) != 1 || s.Stats().SilenceFrames != 0 {
		t.Fatalf("heard %d frames", len(*heard))
	}
}

// Comfort noise (PT 13) is a frame of silence in sequence order, whether or not it
// was negotiated; a bad CN payload is counted invalid, like any garbage.
func TestComfortNoiseIsSilence(t *testing.T) {
	s, heard := dtxSession(t, nil)
	d := newDTXFeed(t, s)
	for i := range 5 {
		d.packet(0, uint16(i), i, d.tone)
	}
	d.packet(ComfortNoisePT, 5, 5, []byte{62, 1, 2, 3})
	d.packet(ComfortNoisePT, 6, 6, []byte{0xC0}) // reserved bit set
	d.packet(ComfortNoisePT, 6, 6, nil)          // no level byte
	h := *heard
	if len(h) != 6 || h[5].rms != 0 || h[5].at != 5*FrameDuration {
		t.Fatalf("heard %+v", h)
	}
	st := s.Stats()
	if st.ComfortNoisePackets != 1 || st.ComfortNoiseLevel != 62 || st.PacketsInvalid != 2 || st.PacketsReceived != 6 {
		t.Fatalf("stats %+v", st)
	}
	tickTo(s, 6*FrameDuration, 600*time.Millisecond)
	checkContinuous(t, *heard)
	if len(*heard) < 25 {
		t.Fatalf("only %d frames by 600 ms", len(*heard))
	}
}

// The end of a talkspurt behind a lost packet: the jitter buffer waits for more
// packets before concealing, and with DTX none come. The clock releases it once the
// gap is overdue, so the caller's last word is not held until they speak again.
func TestJitterTailReleasedOnTheClock(t *testing.T) {
	s, heard := dtxSession(t, func(o *SessionOptions) { o.Jitter.MinDelay = 60 * time.Millisecond })
	d := newDTXFeed(t, s)
	for i := range 8 {
		if i == 6 {
			continue // lost; only frame 7 follows
		}
		d.packet(0, uint16(i), i, d.tone)
	}
	if len(*heard) != 6 {
		t.Fatalf("heard %d frames before the clock ran, want 6 (frame 7 waits behind the gap)", len(*heard))
	}
	tickTo(s, 8*FrameDuration, 400*time.Millisecond)
	h := *heard
	checkContinuous(t, h)
	if len(h) < 8 || h[7].rms == 0 || h[7].at != 7*FrameDuration {
		t.Fatalf("frame 7 not released by the clock: %+v", h[:min(len(h), 9)])
	}
	if st := s.Stats(); st.ConcealedFrames != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// A stalled clock (or a long gap) does not burst: at most maxFillFrames per call.
func TestSilenceFillBounded(t *testing.T) {
	s, heard := dtxSession(t, nil)
	d := newDTXFeed(t, s)
	d.packet(0, 1, 0, d.tone)
	s.tick(s.start.Add(10*time.Second), 0)
	h := *heard
	if len(h) != 1+maxFillFrames {
		t.Fatalf("one tick after a 10 s stall delivered %d frames", len(h)-1)
	}
	checkContinuous(t, h[1:])
}

// The silence fill and comfort noise stay allocation-free.
func TestSilencePathNoAllocs(t *testing.T) {
	s, heard := dtxSession(t, nil)
	d := newDTXFeed(t, s)
	d.packet(0, 1, 0, d.tone)
	cn := rtpPacket(t, ComfortNoisePT, 2, 0, 42, []byte{70})
	at := FrameDuration
	seq := uint16(2)
	step := func() {
		seq++
		cn[2], cn[3] = byte(seq>>8), byte(seq)
		ts := uint32(1000 + int(at/FrameDuration)*FrameSamples)
		cn[4], cn[5], cn[6], cn[7] = byte(ts>>24), byte(ts>>16), byte(ts>>8), byte(ts)
		s.handlePacket(cn, d.from, s.start.Add(at))
		for range 10 {
			at += FrameDuration
			s.tick(s.start.Add(at), 0)
		}
	}
	*heard = make([]heardFrame, 0, 10000)
	if a := testing.AllocsPerRun(100, step); a != 0 {
		t.Errorf("comfort noise + silence on the clock: %v allocs, want 0", a)
	}
	if len(*heard) < 900 {
		t.Errorf("heard %d frames", len(*heard))
	}
}

// dtxSent runs a DTX sender's clock by hand over a playback of loud, quiet, loud
// audio and returns the packets it put on the wire.
func dtxSent(t *testing.T, o DTXOptions) []rtp.Packet {
	t.Helper()
	s, sink := sendBench(t)
	s.SetDTX(o)
	tone := Tone(440, 200*time.Millisecond, 8000)
	src := Concat(tone, Silence(500*time.Millisecond), tone).Source()
	s.mu.Lock()
	s.plays = append(s.plays, &playback{src: src, done: make(chan error, 1)})
	s.mu.Unlock()
	now := s.start
	for range 50 { // 1 s: 200 ms tone, 500 ms silence, 200 ms tone, 100 ms nothing
		s.tick(now, 0)
		now = now.Add(FrameDuration)
	}
	var out []rtp.Packet
	buf := make([]byte, 1500)
	_ = sink.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	for {
		n, err := sink.Read(buf)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return out
			}
			t.Fatal(err)
		}
		var p rtp.Packet
		if err := p.Unmarshal(append([]byte(nil), buf[:n]...)); err != nil {
			t.Fatal(err)
		}
		if p.PayloadType < 72 || p.PayloadType > 76 { // RTCP aside
			out = append(out, p)
		}
	}
}

// A DTX sender stops RTP during silence: one comfort-noise packet (in CN mode), then
// nothing; the next talkspurt starts with the marker bit, the next sequence number and
// a timestamp that jumped by the silence.
func TestSendDTX(t *testing.T) {
	for _, c := range []struct {
		name string
		o    DTXOptions
		cn   int
	}{
		{"silent", DTXOptions{Mode: DTXSilent}, 0},
		{"comfort noise", DTXOptions{Mode: DTXComfortNoise}, 2},                                            // one per silence (the middle one and the tail)
		{"comfort noise refreshed", DTXOptions{Mode: DTXComfortNoise, Refresh: 200 * time.Millisecond}, 4}, // 10, 20, 30 ms·20 and the tail
	} {
		t.Run(c.name, func(t *testing.T) {
			pkts := dtxSent(t, c.o)
			audio, cn := 0, 0
			for i, p := range pkts {
				switch p.PayloadType {
				case ComfortNoisePT:
					cn++
					var v ComfortNoise
					if err := v.Unmarshal(p.Payload); err != nil || v.Level != defaultCNLevel {
						t.Fatalf("CN packet % x: %v", p.Payload, err)
					}
				case PCMU.PayloadType:
					audio++
				}
				if i > 0 && p.SequenceNumber != pkts[i-1].SequenceNumber+1 {
					t.Fatalf("sequence %d after %d", p.SequenceNumber, pkts[i-1].SequenceNumber)
				}
			}
			if audio != 20 || cn != c.cn {
				t.Fatalf("%d audio and %d CN packets, want 20 and %d", audio, cn, c.cn)
			}
			// The second talkspurt: the first audio packet more than a frame after the
			// last one.
			var last *rtp.Packet
			for i := range pkts {
				p := &pkts[i]
				if p.PayloadType != PCMU.PayloadType {
					continue
				}
				if last != nil && p.Timestamp-last.Timestamp > FrameSamples {
					if !p.Marker || p.Timestamp-last.Timestamp < 25*FrameSamples {
						t.Fatalf("talkspurt restart %+v after %+v", p.Header, last.Header)
					}
					return
				}
				if last != nil && p.Marker {
					t.Fatalf("marker inside a talkspurt: %+v", p.Header)
				}
				last = p
			}
			t.Fatal("no second talkspurt")
		})
	}
}

// The timeline is anchored on the first packet's arrival. When that packet came late
// (the next ones queued behind it), media time runs ahead of arrival for the rest of
// the stream; the silence after the talkspurt still starts a holdback after the last
// packet arrived, not the first packet's delay later.
func TestSilenceAfterLateFirstPacket(t *testing.T) {
	s, heard := dtxSession(t, nil)
	d := newDTXFeed(t, s)
	from := d.from
	send := func(i int, arrival time.Duration) {
		pkt := rtpPacket(t, 0, uint16(i), uint32(1000+i*FrameSamples), 42, d.tone)
		s.handlePacket(pkt, from, s.start.Add(arrival))
	}
	for i := range 11 { // frame 0 took 200 ms; 1-10 queued behind it
		send(i, 200*time.Millisecond)
	}
	for i := 11; i < 30; i++ { // then on time: frame i at i·20 ms
		send(i, time.Duration(i)*FrameDuration)
		s.tick(s.start.Add(time.Duration(i)*FrameDuration), 0)
	}
	hold := FrameDuration + time.Duration(s.jb.target)*FrameDuration
	lastArrival := 29 * FrameDuration
	tickTo(s, 30*FrameDuration, lastArrival+hold+2*FrameDuration)
	h := *heard
	checkContinuous(t, h)
	// Silence before the first packet (from the session's start), the 30 frames, then
	// silence again.
	last := len(h) - 1
	for last >= 0 && h[last].rms == 0 {
		last--
	}
	if last < 0 || h[last].at != 200*time.Millisecond+29*FrameDuration || last == len(h)-1 {
		t.Fatalf("no silence %v after the last packet arrived (holdback %v): it waits on the first packet's delay; frames %+v",
			2*FrameDuration+hold, hold, h[max(0, len(h)-3):])
	}
}

// A stalled process (CPU starvation, a GC pause) fires the missed clock deadlines
// back to back before its receive side reads the packets that arrived meanwhile.
// Silence made up on those ticks would reach the recogniser before the speech it
// stands in for: a gap inside a word. The clock says it is behind; the session waits.
func TestNoSilenceMadeUpWhileClockBehind(t *testing.T) {
	const stalled = 15 // frames 10-24: 300 ms
	for _, tc := range []struct {
		name   string
		behind time.Duration // what the clock says on the catch-up ticks
		gap    bool          // silence heard inside the speech
	}{
		{"clock says it is behind", 300 * time.Millisecond, false},
		{"a little late is on time", stallBehind, true},
		{"clock not consulted", 0, true}, // what happened before: "stop" heard as "staff"
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, heard := dtxSession(t, nil)
			d := newDTXFeed(t, s)
			d.talk(0, 10)
			for i := 10; i < 10+stalled; i++ { // catch-up ticks; the packets wait unread
				s.tick(s.start.Add(time.Duration(i)*FrameDuration), tc.behind)
			}
			for i := 10; i < 10+stalled; i++ { // then the receive side reads them
				pkt := rtpPacket(t, 0, uint16(i), uint32(1000+i*FrameSamples), 42, d.tone)
				s.handlePacket(pkt, d.from, s.start.Add(time.Duration(10+stalled)*FrameDuration))
			}
			d.talk(10+stalled, 40) // on time again
			silent := 0
			for _, f := range *heard {
				if f.rms == 0 {
					silent++
				}
			}
			if gap := silent > 0; gap != tc.gap {
				t.Fatalf("%d frames of silence inside 40 frames of speech (want a gap: %v); stats %+v", silent, tc.gap, s.Stats())
			}
			wantStalls := uint64(0)
			if tc.behind > stallBehind {
				wantStalls = stalled
			}
			if st := s.Stats(); st.ClockStalls != wantStalls {
				t.Errorf("clock stalls %d, want %d", st.ClockStalls, wantStalls)
			}
			if !tc.gap {
				checkContinuous(t, *heard)
				if len(*heard) != 40 {
					t.Fatalf("heard %d frames, want the 40 sent", len(*heard))
				}
			}
		})
	}
}

// A clock that stays behind must not hold silence back for ever: a DTX caller's turn
// has to end. After maxStallTicks, silence comes on every tick.
func TestSilenceWhileClockStaysBehind(t *testing.T) {
	s, heard := dtxSession(t, nil)
	d := newDTXFeed(t, s)
	d.talk(0, 10)
	end := 10 + maxStallTicks + 25
	for i := 10; i <= end; i++ { // the far end is in DTX, the clock always 30 ms late
		s.tick(s.start.Add(time.Duration(i)*FrameDuration), 30*time.Millisecond)
	}
	h := *heard // the wait is skipped ahead (maxFillFrames), not replayed: no continuity check
	hold := FrameDuration + time.Duration(s.jb.target)*FrameDuration
	if last := h[len(h)-1].at + FrameDuration; last < time.Duration(end)*FrameDuration-hold-FrameDuration {
		t.Fatalf("silence up to %v at media time %v: still held back", last, time.Duration(end)*FrameDuration)
	}
	if s.Stats().SilenceFrames == 0 {
		t.Fatal("no silence made up")
	}
}
