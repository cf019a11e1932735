package media

import (
	"fmt"
	"io"
	"strings"
)

// EncodedPrompt is a prompt encoded once for one codec and shared by every leg that
// plays it: sending it costs a copy per frame and no codec work, which matters for Opus
// (35-300 µs per frame to encode) and for a bot that plays the same greeting on
// thousands of legs. A leg whose negotiated codec differs plays the PCM instead,
// encoding as usual. Immutable once made; safe to play on many legs at once.
type EncodedPrompt struct {
	pcm    *PCM
	codec  Codec
	frames [][]byte // one payload per 20 ms frame (the last one zero-padded)
}

// EncodePrompt encodes p for c (PCMU, PCMA or Opus; o configures Opus).
func EncodePrompt(p *PCM, c Codec, o OpusOptions) (*EncodedPrompt, error) {
	if !c.Supported() {
		return nil, fmt.Errorf("encode prompt: codec %s: %w", c.Name, ErrCodecUnavailable)
	}
	n := (len(p.Samples) + FrameSamples - 1) / FrameSamples
	e := &EncodedPrompt{pcm: p, codec: c, frames: make([][]byte, n)}
	var enc *opusEncoder
	if c.IsOpus() {
		var err error
		if enc, err = newOpusEncoder(o, parseOpusFmtp(c.Fmtp)); err != nil {
			return nil, fmt.Errorf("encode prompt: %w", err)
		}
	}
	var frame [FrameSamples]int16
	var buf [rtpBufSize]byte
	for i := range n {
		clear(frame[:])
		copy(frame[:], p.Samples[i*FrameSamples:])
		var k int
		if enc != nil {
			var err error
			if k, err = enc.encode(buf[:], frame[:]); err != nil {
				return nil, fmt.Errorf("encode prompt frame %d: %w", i, err)
			}
		} else {
			k = c.Encode(buf[:FrameSamples], frame[:])
		}
		e.frames[i] = append([]byte(nil), buf[:k]...)
	}
	return e, nil
}

// Codec is the codec the prompt is encoded for.
func (e *EncodedPrompt) Codec() Codec { return e.codec }

// PCM is the prompt's audio.
func (e *EncodedPrompt) PCM() *PCM { return e.pcm }

// Source returns a new cursor over the prompt, for Session.Play.
func (e *EncodedPrompt) Source() Source { return &encodedCursor{p: e} }

// matches reports whether payloads encoded for e.codec can be sent as c (the payload
// type may differ: it is in the RTP header, not the payload).
func (e *EncodedPrompt) matches(c *Codec) bool {
	return strings.EqualFold(e.codec.Name, c.Name) && e.codec.ClockRate == c.ClockRate
}

// encodedCursor plays an EncodedPrompt: ReadFrame yields the PCM (for the recorder, or
// a leg on another codec) and remembers which frame it was, so the tick can send that
// frame's ready payload.
type encodedCursor struct {
	p     *EncodedPrompt
	frame int // index of the next frame
	last  int // index of the frame ReadFrame last returned, -1 none
}

func (c *encodedCursor) ReadFrame(dst []int16) (int, error) {
	s := c.p.pcm.Samples
	pos := c.frame * FrameSamples
	if pos >= len(s) || len(dst) < FrameSamples {
		c.last = -1
		if pos >= len(s) {
			return 0, io.EOF
		}
		return 0, nil
	}
	n := copy(dst[:FrameSamples], s[pos:])
	c.last = c.frame
	c.frame++
	return n, nil
}

// payload is the encoded frame ReadFrame last returned, if it suits codec.
func (c *encodedCursor) payload(codec *Codec) []byte {
	if c.last < 0 || c.last >= len(c.p.frames) || !c.p.matches(codec) {
		return nil
	}
	return c.p.frames[c.last]
}
