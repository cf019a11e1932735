package media

import (
	"errors"
	"io"
	"net/netip"
	"testing"
	"time"
)

func TestDTMFEventRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ev   DTMFEvent
		wire [4]byte
	}{
		{"start 5", DTMFEvent{Event: 5, Volume: 10, Duration: 160}, [4]byte{5, 10, 0, 160}},
		{"end #", DTMFEvent{Event: 11, End: true, Volume: 10, Duration: 800}, [4]byte{11, 0x8A, 3, 32}},
		{"max", DTMFEvent{Event: 255, End: true, Volume: 63, Duration: 0xFFFF}, [4]byte{255, 0xBF, 0xFF, 0xFF}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b [8]byte
			n, err := tt.ev.MarshalTo(b[:])
			if err != nil || n != 4 || [4]byte(b[:4]) != tt.wire {
				t.Fatalf("MarshalTo = %d, %v, % x; want 4, nil, % x", n, err, b[:4], tt.wire)
			}
			var got DTMFEvent
			if err := got.Unmarshal(b[:n]); err != nil || got != tt.ev {
				t.Fatalf("Unmarshal = %+v, %v; want %+v", got, err, tt.ev)
			}
		})
	}
}

func TestDTMFEventErrors(t *testing.T) {
	t.Parallel()
	if _, err := (DTMFEvent{}).MarshalTo(make([]byte, 3)); !errors.Is(err, io.ErrShortBuffer) {
		t.Errorf("MarshalTo short: %v", err)
	}
	var e DTMFEvent
	if err := e.Unmarshal([]byte{1, 2, 3}); !errors.Is(err, ErrShortPayload) {
		t.Errorf("Unmarshal short: %v", err)
	}
}

func TestDigitEvent(t *testing.T) {
	t.Parallel()
	for i, d := range "0123456789*#ABCD" {
		ev, ok := DigitEvent(d)
		if !ok || int(ev) != i {
			t.Errorf("DigitEvent(%q) = %d, %v; want %d", d, ev, ok, i)
		}
		back, ok := EventDigit(ev)
		if !ok || back != d {
			t.Errorf("EventDigit(%d) = %q, %v; want %q", ev, back, ok, d)
		}
	}
	if ev, ok := DigitEvent('b'); !ok || ev != 13 {
		t.Errorf("DigitEvent('b') = %d, %v", ev, ok)
	}
	for _, d := range "xE+ 9\u0660" {
		if d == '9' {
			continue
		}
		if _, ok := DigitEvent(d); ok {
			t.Errorf("DigitEvent(%q) accepted", d)
		}
	}
	if _, ok := EventDigit(16); ok {
		t.Error("EventDigit(16) accepted")
	}
}

func FuzzDTMFUnmarshal(f *testing.F) {
	f.Add([]byte{5, 10, 0, 160})
	f.Add([]byte{11, 0x8A, 3, 32, 99})
	f.Add([]byte{1})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		var e DTMFEvent
		err := e.Unmarshal(b)
		if len(b) < 4 {
			if !errors.Is(err, ErrShortPayload) {
				t.Fatalf("%d bytes: err %v", len(b), err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		var out [4]byte
		if _, err := e.MarshalTo(out[:]); err != nil {
			t.Fatal(err)
		}
		// Round trip is exact except the reserved bit, which receivers ignore.
		want := [4]byte(b[:4])
		want[1] &^= 0x40
		if out != want {
			t.Fatalf("round trip % x -> %+v -> % x", b[:4], e, out)
		}
	})
}

// What a far end may send for one key press: the start packet (marker) lost, progress
// updates, the end packet (E bit) three times; then a second press of the same key
// with a new timestamp. Two digits come out, each once.
func TestReceiveDTMFMissingMarkerRedundantEnds(t *testing.T) {
	s := newTestSession(t, NewClock(ClockOptions{}), nil)
	from := netip.MustParseAddrPort("127.0.0.1:40000")
	s.SetRemote(from)
	seq := uint16(100)
	send := func(ts uint32, ev DTMFEvent, marker bool) {
		b := make([]byte, 4)
		if _, err := ev.MarshalTo(b); err != nil {
			t.Fatal(err)
		}
		pkt := rtpPacket(t, testDTMFPT, seq, ts, 77, b)
		if marker {
			pkt[1] |= 0x80
		}
		seq++
		s.handlePacket(pkt, from, time.Now())
	}
	for _, d := range []uint16{320, 480} { // progress; the marker packet (160) was lost
		send(8000, DTMFEvent{Event: 5, Volume: 10, Duration: d}, false)
	}
	for range 3 {
		send(8000, DTMFEvent{Event: 5, End: true, Volume: 10, Duration: 640}, false)
	}
	send(16000, DTMFEvent{Event: 5, Volume: 10, Duration: 160}, true)
	for range 3 {
		send(16000, DTMFEvent{Event: 5, End: true, Volume: 10, Duration: 800}, false)
	}
	var got []DTMFDigit
	for len(got) < 3 {
		select {
		case d := <-s.DTMF():
			got = append(got, d)
			continue
		default:
		}
		break
	}
	if len(got) != 2 || got[0].Digit != '5' || got[1].Digit != '5' ||
		got[0].Duration != 80*time.Millisecond || got[1].Duration != 100*time.Millisecond {
		t.Errorf("digits %+v, want two 5s of 80 and 100 ms", got)
	}
	if st := s.Stats(); st.PacketsInvalid != 0 || st.PacketsReceived != 9 {
		t.Errorf("stats %+v", st)
	}
}
