package media

import (
	"testing"
	"time"
)

// jbHarness pushes packets (payload byte = a marker) and collects what the buffer
// releases after each push: the marker, or 'C' for a concealed frame.
type jbHarness struct {
	j   *jitterBuffer
	f   jbFrame
	out []byte
}

func newJB(o JitterOptions) *jbHarness { return &jbHarness{j: newJitterBuffer(o)} }

func (h *jbHarness) pushAt(seq uint16, ssrc uint32, b byte, at, arrival time.Duration) {
	h.j.push(seq, ssrc, 0, []byte{b}, at, arrival, false)
	for h.j.pop(&h.f) {
		if h.f.kind == jbConceal {
			h.out = append(h.out, 'C')
		} else {
			h.out = append(h.out, h.f.payload[0])
		}
	}
}

func (h *jbHarness) push(seq uint16, ssrc uint32, b byte) {
	at := time.Duration(seq) * FrameDuration
	h.pushAt(seq, ssrc, b, at, at)
}

func TestJitterReorderAndLoss(t *testing.T) {
	h := newJB(JitterOptions{})
	for _, p := range []struct {
		seq uint16
		b   byte
	}{{10, 'a'}, {12, 'c'}, {11, 'b'}, {14, 'e'}, {13, 'd'}, {16, 'g'}, {17, 'h'}} { // 15 lost
		h.push(p.seq, 1, p.b)
	}
	if got := string(h.out); got != "abcdeCgh" {
		t.Errorf("released %q, want abcdeCgh", got)
	}
	st := h.j.stats()
	if st.Concealed != 1 || st.Late != 0 || st.Duplicates != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestJitterLateAndDuplicate(t *testing.T) {
	h := newJB(JitterOptions{})
	h.push(100, 1, 'a')
	h.push(101, 1, 'b')
	h.push(101, 1, 'X') // duplicate
	h.push(103, 1, 'd')
	h.push(104, 1, 'e') // two frames past the gap: 102 is concealed
	h.push(102, 1, 'Y') // too late
	if got := string(h.out); got != "abCde" {
		t.Errorf("released %q, want abCde", got)
	}
	st := h.j.stats()
	if st.Duplicates != 1 || st.Late != 1 || st.Concealed != 1 {
		t.Errorf("stats %+v", st)
	}
	// A late packet means we gave up too early: the wait grows.
	if st.Depth <= 40*time.Millisecond {
		t.Errorf("depth %v after a late packet", st.Depth)
	}
}

func TestJitterSequenceWrap(t *testing.T) {
	h := newJB(JitterOptions{})
	for _, p := range []struct {
		seq uint16
		b   byte
	}{{65533, 'a'}, {65534, 'b'}, {0, 'd'}, {65535, 'c'}, {1, 'e'}, {2, 'f'}} {
		h.push(p.seq, 7, p.b)
	}
	if got := string(h.out); got != "abcdef" {
		t.Errorf("released across the wrap %q", got)
	}
}

func TestJitterSSRCChangeResets(t *testing.T) {
	h := newJB(JitterOptions{})
	h.push(500, 1, 'a')
	h.push(501, 1, 'b')
	// A new source with an unrelated sequence number: no late drops, no concealment.
	h.push(9, 2, 'x')
	h.push(10, 2, 'y')
	h.push(11, 2, 'z')
	if got := string(h.out); got != "abxyz" {
		t.Errorf("released %q", got)
	}
	if st := h.j.stats(); st.Late != 0 || st.Concealed != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestJitterJumpRestarts(t *testing.T) {
	h := newJB(JitterOptions{})
	h.push(1, 1, 'a')
	h.push(3, 1, 'c') // held: 2 missing
	h.push(1000, 1, 'z')
	h.push(1001, 1, 'y')
	if got := string(h.out); got != "azy" {
		t.Errorf("released %q", got)
	}
	if st := h.j.stats(); st.Dropped != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestJitterAdaptsDepthWithCap(t *testing.T) {
	h := newJB(JitterOptions{MinDelay: 40 * time.Millisecond, MaxDelay: 100 * time.Millisecond})
	if d := h.j.stats().Depth; d != 40*time.Millisecond {
		t.Fatalf("initial depth %v", d)
	}
	// Bursty arrival: five packets every 100 ms, one missing per burst.
	seq := uint16(0)
	for burst := range 40 {
		arrival := time.Duration(burst) * 100 * time.Millisecond
		for k := range 5 {
			if k != 2 {
				h.pushAt(seq, 1, 'p', time.Duration(seq)*FrameDuration, arrival)
			}
			seq++
		}
	}
	st := h.j.stats()
	if st.Jitter < 10*time.Millisecond {
		t.Errorf("jitter estimate %v for 100 ms bursts", st.Jitter)
	}
	if st.Depth <= 40*time.Millisecond || st.Depth > 100*time.Millisecond {
		t.Errorf("depth %v (want above the minimum, capped at 100 ms)", st.Depth)
	}
}

// Timestamps wrap independently of sequence numbers: media time uses the signed
// distance, so a stream across the 32-bit wrap keeps its frames 20 ms apart.
func TestMediaTimeTimestampWrap(t *testing.T) {
	s := newTestSession(t, NewClock(ClockOptions{}), nil)
	ts := uint32(0xFFFFFF00)
	var last time.Duration
	for i := range 10 {
		at := s.mediaTime(ts, 9, time.Duration(i)*FrameDuration, true, SampleRate)
		if i > 0 && at-last != FrameDuration {
			t.Fatalf("frame %d: %v after %v", i, at, last)
		}
		last = at
		ts += FrameSamples
	}
}

// Whatever order, loss, duplication or SSRC changes the network produces, releases of
// one stream go strictly forward, each pushed packet comes out at most once, and the
// buffer never holds more than its ring.
func FuzzJitterBuffer(f *testing.F) {
	f.Add([]byte{1, 0, 3, 0, 2, 0, 2, 0, 9, 1, 10, 1})
	f.Add([]byte{255, 0, 0, 0, 1, 0, 128, 0})
	f.Fuzz(func(t *testing.T, ops []byte) {
		j := newJitterBuffer(JitterOptions{})
		var fr jbFrame
		out := map[int64]int{}
		var last int64 = -1
		epoch := byte(0)
		for i := 0; i+1 < len(ops); i += 2 {
			seq := uint16(ops[i]) * 3 // spread: exercises gaps and the 16-bit wrap
			ssrc := uint32(ops[i+1] & 1)
			if byte(ssrc) != epoch {
				epoch, last, out = byte(ssrc), -1, map[int64]int{}
			}
			j.push(seq, ssrc, 0, []byte{ops[i]}, 0, 0, false)
			for j.pop(&fr) {
				ext := j.next - 1
				if ext <= last {
					t.Fatalf("released %d after %d", ext, last)
				}
				last = ext
				if fr.kind == jbPacket {
					if out[ext]++; out[ext] > 1 {
						t.Fatalf("frame %d released twice", ext)
					}
				}
			}
			if j.count > jbSlots || j.count < 0 {
				t.Fatalf("count %d", j.count)
			}
		}
	})
}
