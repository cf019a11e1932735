package tts

import (
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/voxdial/voxdial/media"
)

// Codec names of cached prompts: the two G.711 laws (one byte per sample at 8 kHz) and
// linear 16-bit little-endian PCM at any rate.
const (
	CodecPCMU = "PCMU"
	CodecPCMA = "PCMA"
	CodecL16  = "L16"
)

// Key identifies one synthesised prompt. Speed 0 and 1 are the same key.
type Key struct {
	Engine string
	Voice  string
	Text   string
	Codec  string
	Rate   int
	Speed  float64
}

// canonical is the byte string hashed for file names and stored in files.
func (k Key) canonical() string {
	speed := k.Speed
	if speed == 0 {
		speed = 1
	}
	return k.Engine + "\x00" + k.Voice + "\x00" + k.Codec + "\x00" + strconv.Itoa(k.Rate) + "\x00" +
		strconv.FormatFloat(speed, 'g', -1, 64) + "\x00" + k.Text
}

func (k Key) normalized() Key {
	if k.Speed == 0 {
		k.Speed = 1
	}
	if k.Rate == 0 {
		k.Rate = 8000
	}
	if k.Voice == "default" {
		k.Voice = ""
	}
	return k
}

// frameGeometry returns samples and bytes per 20 ms frame for codec at rate.
func frameGeometry(codec string, rate int) (samples, bytes int, err error) {
	if rate <= 0 || rate%50 != 0 {
		return 0, 0, fmt.Errorf("%s at %d Hz: %w", codec, rate, ErrUnsupportedRate)
	}
	samples = rate / 50
	switch codec {
	case CodecPCMU, CodecPCMA:
		if rate != 8000 {
			return 0, 0, fmt.Errorf("G.711 %s at %d Hz: %w", codec, rate, ErrUnsupportedRate)
		}
		return samples, samples, nil
	case CodecL16:
		return samples, 2 * samples, nil
	}
	return 0, 0, fmt.Errorf("codec %q: %w", codec, ErrUnsupportedCodec)
}

// Prompt is a synthesised prompt cut into encoded 20 ms frames; the last frame is padded
// with silence. A Prompt is immutable once built: share it across any number of calls.
type Prompt struct {
	Key        Key
	frameBytes int
	samples    int // real samples before padding
	data       []byte
}

// newPrompt encodes pcm (at key.Rate) into frames.
func newPrompt(key Key, pcm []int16) (*Prompt, error) {
	spf, fb, err := frameGeometry(key.Codec, key.Rate)
	if err != nil {
		return nil, err
	}
	frames := (len(pcm) + spf - 1) / spf
	p := &Prompt{Key: key, frameBytes: fb, samples: len(pcm), data: make([]byte, frames*fb)}
	padded := make([]int16, frames*spf)
	copy(padded, pcm)
	switch key.Codec {
	case CodecPCMU:
		media.MulawEncode(p.data, padded)
	case CodecPCMA:
		media.AlawEncode(p.data, padded)
	case CodecL16:
		for i, s := range padded {
			binary.LittleEndian.PutUint16(p.data[2*i:], uint16(s))
		}
	}
	return p, nil
}

// Frames is the number of 20 ms frames.
func (p *Prompt) Frames() int { return len(p.data) / p.frameBytes }

// Frame returns frame i's encoded bytes, aliasing the prompt (do not modify).
func (p *Prompt) Frame(i int) []byte { return p.data[i*p.frameBytes : (i+1)*p.frameBytes] }

// Duration is the audio length without the last frame's padding.
func (p *Prompt) Duration() time.Duration {
	return time.Duration(p.samples) * time.Second / time.Duration(p.Key.Rate)
}

// Size is the prompt's memory cost in bytes, as the LRU counts it.
func (p *Prompt) Size() int { return len(p.data) + len(p.Key.Text) + 128 }

// Source plays the prompt as PCM at its rate (8 kHz for G.711, what media.Session
// wants): each ReadFrame decodes one frame, never blocks and allocates nothing. Every
// call returns an independent cursor.
func (p *Prompt) Source() media.Source { return &promptSource{p: p} }

// EncodedSource plays the prompt's frames without decoding, for a media path that sends
// pre-encoded payloads.
func (p *Prompt) EncodedSource() *EncodedSource { return &EncodedSource{p: p} }

type promptSource struct {
	p     *Prompt
	frame int
	off   int // samples already returned from the current frame (dst shorter than a frame)
}

func (s *promptSource) ReadFrame(dst []int16) (int, error) {
	p := s.p
	spf := p.frameBytes
	if p.Key.Codec == CodecL16 {
		spf /= 2
	}
	n := 0
	for n < len(dst) {
		pos := s.frame*spf + s.off
		if pos >= p.samples {
			if n > 0 {
				return n, nil
			}
			return 0, io.EOF
		}
		k := min(len(dst)-n, spf-s.off, p.samples-pos)
		b := p.Frame(s.frame)
		switch p.Key.Codec {
		case CodecPCMU:
			media.MulawDecode(dst[n:n+k], b[s.off:s.off+k])
		case CodecPCMA:
			media.AlawDecode(dst[n:n+k], b[s.off:s.off+k])
		default:
			for i := range k {
				dst[n+i] = int16(binary.LittleEndian.Uint16(b[2*(s.off+i):]))
			}
		}
		n += k
		s.off += k
		if s.off == spf {
			s.frame++
			s.off = 0
		}
	}
	return n, nil
}

// EncodedSource yields a prompt's encoded frames in order.
type EncodedSource struct {
	p    *Prompt
	next int
}

// ReadEncoded copies the next frame into dst and returns its length, or io.EOF after
// the last one; dst shorter than a frame gives io.ErrShortBuffer.
func (s *EncodedSource) ReadEncoded(dst []byte) (int, error) {
	if s.next >= s.p.Frames() {
		return 0, io.EOF
	}
	if len(dst) < s.p.frameBytes {
		return 0, io.ErrShortBuffer
	}
	n := copy(dst, s.p.Frame(s.next))
	s.next++
	return n, nil
}
