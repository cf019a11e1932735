package media

import (
	"encoding/binary"
	"fmt"
	"io"
	"time"
)

// DTMFEvent is the 4-byte RFC 4733 telephone-event payload.
//
//	 0                   1                   2                   3
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|     event     |E|R| volume    |          duration             |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
type DTMFEvent struct {
	Event    uint8
	End      bool
	Volume   uint8  // 0-63, in -dBm0 (10 is customary)
	Duration uint16 // in RTP timestamp units (samples at 8 kHz)
}

// dtmfEventSize is the fixed RFC 4733 payload size.
const dtmfEventSize = 4

// MarshalTo writes the event into b and returns 4, or io.ErrShortBuffer.
func (e DTMFEvent) MarshalTo(b []byte) (int, error) {
	if len(b) < dtmfEventSize {
		return 0, io.ErrShortBuffer
	}
	b[0] = e.Event
	b[1] = e.Volume & 0x3F
	if e.End {
		b[1] |= 0x80
	}
	binary.BigEndian.PutUint16(b[2:], e.Duration)
	return dtmfEventSize, nil
}

// Unmarshal parses the first 4 bytes of b; the reserved bit is ignored as RFC 4733 asks.
func (e *DTMFEvent) Unmarshal(b []byte) error {
	if len(b) < dtmfEventSize {
		return fmt.Errorf("telephone-event %d < %d bytes: %w", len(b), dtmfEventSize, ErrShortPayload)
	}
	e.Event = b[0]
	e.End = b[1]&0x80 != 0
	e.Volume = b[1] & 0x3F
	e.Duration = binary.BigEndian.Uint16(b[2:])
	return nil
}

// DigitEvent maps a key to its RFC 4733 event code: '0'-'9' -> 0-9, '*' -> 10,
// '#' -> 11, 'A'-'D' -> 12-15 (lower case accepted).
func DigitEvent(d rune) (uint8, bool) {
	switch {
	case d >= '0' && d <= '9':
		return uint8(d - '0'), true
	case d == '*':
		return 10, true
	case d == '#':
		return 11, true
	case d >= 'A' && d <= 'D':
		return uint8(d-'A') + 12, true
	case d >= 'a' && d <= 'd':
		return uint8(d-'a') + 12, true
	}
	return 0, false
}

// EventDigit is the inverse of DigitEvent (upper case A-D); events above 15 are not DTMF.
func EventDigit(ev uint8) (rune, bool) {
	switch {
	case ev <= 9:
		return rune('0' + ev), true
	case ev == 10:
		return '*', true
	case ev == 11:
		return '#', true
	case ev <= 15:
		return rune('A' + ev - 12), true
	}
	return 0, false
}

// DTMFDigit is one key press received on a session.
type DTMFDigit struct {
	Digit    rune
	Duration time.Duration
	At       time.Duration // since session start, when the key went down
}
