package media

import (
	"bytes"
	"context"
	"net"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// late: frames 10-24 (300 ms) reach the session late in these tests.
const late = 15

// The clock runs on time but the receive goroutine does not (a starved process: it
// is runnable and not running, or holds a batch it has not dispatched). Silence made
// up for the media time its unread packets cover would reach the recogniser before
// them — a gap inside a word. The reader's marks and the kernel's queue say it is
// behind; the session waits.
func TestNoSilenceMadeUpWhileReceiveBehind(t *testing.T) {
	for _, tc := range []struct {
		name string
		// behind makes the receive side late for frames 10-24 and returns how to
		// read them afterwards.
		behind func(t *testing.T, s *Session, d *dtxFeed) (catchUp func())
		gap    bool // silence heard inside the speech
	}{
		{"packets wait in the socket", func(t *testing.T, s *Session, d *dtxFeed) func() {
			c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(s.LocalAddr()))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			for i := 10; i < 10+late; i++ {
				if _, err := c.Write(rtpPacket(t, 0, uint16(i), uint32(1000+i*FrameSamples), 42, d.tone)); err != nil {
					t.Fatal(err)
				}
			}
			waitQueued(t, s)
			return func() {
				buf := make([]byte, 1500)
				for range late {
					n, _, err := s.ep.conn.ReadFromUDPAddrPort(buf)
					if err != nil {
						t.Fatal(err)
					}
					s.handlePacket(buf[:n], d.from, s.start.Add((10+late)*FrameDuration))
				}
			}
		}, false},
		{"a batch read and not dispatched", func(t *testing.T, s *Session, d *dtxFeed) func() {
			s.ep.rx.read()
			return func() {
				handleLate(t, s, d)
				s.ep.rx.dispatched(time.Now(), true)
			}
		}, false},
		{"no watch on the reader", func(t *testing.T, s *Session, d *dtxFeed) func() {
			s.ep.rx = nil // what happened before: "speaking" heard as "the again"
			return func() { handleLate(t, s, d) }
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, heard := dtxSession(t, nil)
			s.ep.rx.base = time.Now().Add(-time.Second) // the reader last emptied the socket a second ago
			d := newDTXFeed(t, s)
			d.talk(0, 10)
			catchUp := tc.behind(t, s, d)
			for i := 10; i < 10+late; i++ { // the clock on time; the packets unread
				s.tick(s.start.Add(time.Duration(i)*FrameDuration), 0)
			}
			catchUp()
			d.talk(10+late, 40)
			silent := 0
			for _, f := range *heard {
				if f.rms == 0 {
					silent++
				}
			}
			st := s.Stats()
			if gap := silent > 0; gap != tc.gap || (st.BehindSilence > 0) != tc.gap {
				t.Fatalf("%d frames of silence inside 40 frames of speech (want a gap: %v); stats %+v", silent, tc.gap, st)
			}
			if tc.gap && st.JitterDepth <= 2*FrameDuration {
				// Silence was made up too early: the wait grows, as for a late packet.
				t.Errorf("jitter depth %v after speech came behind made-up silence, want more than 40 ms", st.JitterDepth)
			}
			if !tc.gap {
				checkContinuous(t, *heard)
				if len(*heard) != 40 || st.ReceiveWaits == 0 || st.ClockStalls != 0 {
					t.Fatalf("heard %d frames, want the 40 sent; stats %+v", len(*heard), st)
				}
			}
		})
	}
}

// A receive side that stays behind must not hold silence back for ever (a DTX
// caller's turn has to end): after maxStallTicks silence is made up anyway.
func TestSilenceWhileReceiveStaysBehind(t *testing.T) {
	s, heard := dtxSession(t, nil)
	s.ep.rx.base = time.Now().Add(-time.Second)
	d := newDTXFeed(t, s)
	d.talk(0, 10)
	s.ep.rx.read() // and never done
	end := 10 + maxStallTicks + 25
	tickTo(s, 10*FrameDuration, time.Duration(end)*FrameDuration)
	silent := 0
	for _, f := range (*heard)[10:] {
		if f.rms != 0 {
			t.Fatalf("sound in the silence: %+v", f)
		}
		silent++
	}
	if silent < 15 || s.Stats().ReceiveWaits != maxStallTicks {
		t.Fatalf("%d frames of silence after %d ticks behind; stats %+v", silent, end-10, s.Stats())
	}
}

// The watch itself, on a real socket: a datagram left in the kernel's queue is
// "behind" once the reader has not emptied the socket for a frame, and not after it
// is read; a reader that emptied the socket just now is never behind.
func TestRxWatchOnSocket(t *testing.T) {
	conn := listen(t)
	defer conn.Close()
	w := newRxWatch(newUnreadProbe(conn))
	if w.probe == nil {
		t.Skip("no kernel probe on this platform")
	}
	now := time.Now()
	w.base = now.Add(-time.Second)
	if w.behind(now) {
		t.Fatal("behind with an empty socket")
	}
	c, err := net.DialUDP("udp", nil, conn.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !w.behind(now.Add(2 * time.Millisecond)) { // each probe is a millisecond on
		now = now.Add(2 * time.Millisecond)
		if time.Now().After(deadline) {
			t.Fatal("a queued datagram never seen")
		}
	}
	// The probe runs on the clock goroutine of every leg that fills silence: it
	// allocates nothing.
	if n := testing.AllocsPerRun(100, func() { w.probe.pending() }); n != 0 {
		t.Errorf("a probe allocates %v times", n)
	}
	w.dispatched(now, true) // emptied just now: the queue is not looked at
	if w.behind(now.Add(rxSlack)) {
		t.Fatal("behind right after emptying the socket")
	}
	if _, _, err := conn.ReadFromUDPAddrPort(make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	if w.behind(now.Add(time.Second)) {
		t.Fatal("behind with the datagram read")
	}
}

// handleLate hands frames 10 to 10+late-1 of d to s as the receive side reads them
// late, once the last of them is due.
func handleLate(t *testing.T, s *Session, d *dtxFeed) {
	t.Helper()
	for i := 10; i < 10+late; i++ {
		s.handlePacket(rtpPacket(t, 0, uint16(i), uint32(1000+i*FrameSamples), 42, d.tone), d.from, s.start.Add((10+late)*FrameDuration))
	}
}

// waitQueued waits until the kernel holds a datagram for s's socket.
func waitQueued(t *testing.T, s *Session) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !s.ep.rx.probe.pending() {
		if time.Now().After(deadline) {
			t.Fatal("the datagrams never reached the socket")
		}
		time.Sleep(time.Millisecond)
	}
}

// The sending clock skips frames after a long stall. Inside a talkspurt the audio and
// its timestamps go on where they were (the far end hears the words late but whole,
// not with a hole that its receiver fills with silence); the time is made up in the
// next silence, where a timestamp jump loses nothing.
func TestStalledSenderKeepsTalkspurtWhole(t *testing.T) {
	peer := listen(t)
	defer peer.Close()
	s := newTestSession(t, NewClock(ClockOptions{}), nil)
	s.SetRemote(peer.LocalAddr().(*net.UDPAddr).AddrPort())
	s.start = time.Unix(1_700_000_000, 0)
	played := make(chan error, 1)
	go func() { played <- s.Play(context.Background(), Tone(440, 10*FrameDuration, 8000).Source()) }()
	waitFor(t, "the playback queued", func() bool { s.mu.Lock(); defer s.mu.Unlock(); return len(s.plays) == 1 })
	// Frames at 0-3, a 300 ms stall (deadlines 4-18 skipped), then 19-40.
	ticks := []int{0, 1, 2, 3}
	for i := 19; i <= 40; i++ {
		ticks = append(ticks, i)
	}
	for _, i := range ticks {
		s.tick(s.start.Add(time.Duration(i)*FrameDuration), 0)
	}
	if err := <-played; err != nil {
		t.Fatal(err)
	}
	var ts []uint32
	var loud []bool
	buf := make([]byte, 1500)
	for range ticks {
		if err := peer.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
			t.Fatal(err)
		}
		n, err := peer.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		var p rtp.Packet
		if err := p.Unmarshal(buf[:n]); err != nil {
			t.Fatal(err)
		}
		ts = append(ts, p.Timestamp-s.tx.ts0)
		loud = append(loud, bytes.Count(p.Payload, []byte{PCMU.silenceByte()}) < len(p.Payload)/2)
	}
	for k := range 10 { // the ten frames of tone: consecutive timestamps
		if !loud[k] || ts[k] != uint32(k*FrameSamples) {
			t.Fatalf("tone frame %d: timestamp %d (loud %v), want %d; all %v", k, ts[k], loud[k], k*FrameSamples, ts)
		}
	}
	// The first silent frame goes out at its own time (tick 25: frame 25).
	if loud[10] || ts[10] != 25*FrameSamples {
		t.Fatalf("first frame after the tone: timestamp %d (loud %v), want %d", ts[10], loud[10], 25*FrameSamples)
	}
}
