package media

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// WAVE format codes we decode (RFC 2361).
const (
	wavFormatPCM        = 1
	wavFormatFloat      = 3
	wavFormatALaw       = 6
	wavFormatMuLaw      = 7
	wavFormatExtensible = 0xFFFE
)

// Sanity bounds: anything beyond them is a corrupt header, not a real prompt.
const (
	wavMaxChannels = 16
	wavMinRate     = 4000 // below this up-sampling would balloon memory for nothing
	wavMaxRate     = 768000
	wavHeaderSize  = 44
)

// ReadWAV decodes the WAV file at path into 8 kHz mono.
func ReadWAV(path string) (*PCM, error) { return ReadWAVChannel(path, -1) }

// ReadWAVChannel decodes one channel (0 the first; -1 all, averaged) of the WAV
// file at path into 8 kHz: a call recording's right channel is the far end alone.
func ReadWAVChannel(path string, channel int) (*PCM, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read wav: %w", err)
	}
	defer f.Close()
	p, err := decodeWAV(bufio.NewReader(f), channel)
	if err != nil {
		return nil, fmt.Errorf("read wav %s: %w", path, err)
	}
	return p, nil
}

type wavFormat struct {
	format     uint16
	channels   int
	rate       int
	blockAlign int
	bits       int
}

// DecodeWAV reads a RIFF WAVE stream: PCM 8/16/24/32-bit, float32, µ-law and A-law,
// any channel count (averaged to mono) and any rate (resampled to 8 kHz). A data chunk
// whose declared size runs past the end of the input (a recorder that never patched
// its header) is read to EOF.
func DecodeWAV(r io.Reader) (*PCM, error) { return decodeWAV(r, -1) }

// DecodeWAVChannel is DecodeWAV of one channel (0 the first) instead of their
// average; a channel the file does not have is ErrUnsupportedWAV.
func DecodeWAVChannel(r io.Reader, channel int) (*PCM, error) {
	if channel < 0 {
		return nil, fmt.Errorf("channel %d: %w", channel, ErrUnsupportedWAV)
	}
	return decodeWAV(r, channel)
}

func decodeWAV(r io.Reader, channel int) (*PCM, error) {
	var hdr [12]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, fmt.Errorf("riff header: %w: %w", ErrInvalidWAV, err)
	}
	if string(hdr[0:4]) != "RIFF" || string(hdr[8:12]) != "WAVE" {
		return nil, fmt.Errorf("not a RIFF WAVE file (starts %q): %w", hdr[:4], ErrInvalidWAV)
	}
	var fm *wavFormat
	for {
		var ch [8]byte
		if _, err := io.ReadFull(r, ch[:]); err != nil {
			if fm == nil {
				return nil, fmt.Errorf("no fmt chunk: %w", ErrInvalidWAV)
			}
			return nil, fmt.Errorf("no data chunk: %w", ErrInvalidWAV)
		}
		id := string(ch[0:4])
		size := int64(binary.LittleEndian.Uint32(ch[4:8]))
		switch id {
		case "fmt ":
			f, err := readFmt(r, size)
			if err != nil {
				return nil, err
			}
			fm = f
		case "data":
			if fm == nil {
				return nil, fmt.Errorf("data chunk before fmt chunk: %w", ErrInvalidWAV)
			}
			if channel >= fm.channels {
				return nil, fmt.Errorf("channel %d of a %d-channel file: %w", channel, fm.channels, ErrUnsupportedWAV)
			}
			data, err := io.ReadAll(io.LimitReader(r, size))
			if err != nil {
				return nil, fmt.Errorf("data chunk: %w", err)
			}
			mono := fm.toMono(data, channel)
			return &PCM{Samples: resampleTo8k(mono, fm.rate)}, nil
		default:
			if _, err := io.CopyN(io.Discard, r, size+size&1); err != nil {
				return nil, fmt.Errorf("chunk %q of %d bytes: %w: %w", id, size, ErrInvalidWAV, err)
			}
		}
	}
}

func readFmt(r io.Reader, size int64) (*wavFormat, error) {
	if size < 16 {
		return nil, fmt.Errorf("fmt chunk of %d bytes < 16: %w", size, ErrInvalidWAV)
	}
	var b [40]byte
	n := min(size, int64(len(b)))
	if _, err := io.ReadFull(r, b[:n]); err != nil {
		return nil, fmt.Errorf("fmt chunk: %w: %w", ErrInvalidWAV, err)
	}
	if _, err := io.CopyN(io.Discard, r, size-n+size&1); err != nil && !(errors.Is(err, io.EOF) && size&1 == 1) {
		return nil, fmt.Errorf("fmt chunk: %w: %w", ErrInvalidWAV, err)
	}
	f := &wavFormat{
		format:     binary.LittleEndian.Uint16(b[0:]),
		channels:   int(binary.LittleEndian.Uint16(b[2:])),
		rate:       int(binary.LittleEndian.Uint32(b[4:])),
		blockAlign: int(binary.LittleEndian.Uint16(b[12:])),
		bits:       int(binary.LittleEndian.Uint16(b[14:])),
	}
	if f.format == wavFormatExtensible {
		if n < 26 {
			return nil, fmt.Errorf("extensible fmt chunk of %d bytes < 26: %w", size, ErrInvalidWAV)
		}
		f.format = binary.LittleEndian.Uint16(b[24:]) // first two bytes of the sub-format GUID
	}
	if f.channels < 1 || f.channels > wavMaxChannels {
		return nil, fmt.Errorf("%d channels: %w", f.channels, ErrUnsupportedWAV)
	}
	if f.rate < wavMinRate || f.rate > wavMaxRate {
		return nil, fmt.Errorf("sample rate %d Hz: %w", f.rate, ErrUnsupportedWAV)
	}
	switch f.format {
	case wavFormatPCM:
		if f.bits != 8 && f.bits != 16 && f.bits != 24 && f.bits != 32 {
			return nil, fmt.Errorf("PCM with %d bits per sample: %w", f.bits, ErrUnsupportedWAV)
		}
	case wavFormatFloat:
		if f.bits != 32 {
			return nil, fmt.Errorf("float with %d bits per sample: %w", f.bits, ErrUnsupportedWAV)
		}
	case wavFormatALaw, wavFormatMuLaw:
		if f.bits != 8 {
			return nil, fmt.Errorf("G.711 with %d bits per sample: %w", f.bits, ErrUnsupportedWAV)
		}
	default:
		return nil, fmt.Errorf("format code %d: %w", f.format, ErrUnsupportedWAV)
	}
	// Trust our own frame size, not blockAlign: writers get it wrong.
	f.blockAlign = f.channels * f.bits / 8
	return f, nil
}

// toMono converts whole frames of data to linear 16-bit, averaging channels (or
// taking channel alone, when ≥ 0); a partial trailing frame is dropped.
func (f *wavFormat) toMono(data []byte, channel int) []int16 {
	bps := f.bits / 8
	frames := len(data) / f.blockAlign
	out := make([]int16, frames)
	for i := range frames {
		frame := data[i*f.blockAlign:]
		if channel >= 0 {
			out[i] = f.sample(frame[channel*bps:])
			continue
		}
		var sum int32
		for c := range f.channels {
			sum += int32(f.sample(frame[c*bps:]))
		}
		out[i] = int16(sum / int32(f.channels))
	}
	return out
}

func (f *wavFormat) sample(b []byte) int16 {
	switch f.format {
	case wavFormatALaw:
		return alawToLinear[b[0]]
	case wavFormatMuLaw:
		return mulawToLinear[b[0]]
	case wavFormatFloat:
		v := float64(math.Float32frombits(binary.LittleEndian.Uint32(b))) * 32767
		if math.IsNaN(v) {
			return 0
		}
		return int16(max(-32768, min(32767, v)))
	}
	switch f.bits {
	case 8:
		return int16(int(b[0])-128) << 8 // 8-bit WAV is unsigned
	case 16:
		return int16(binary.LittleEndian.Uint16(b))
	case 24:
		return int16(uint16(b[1]) | uint16(b[2])<<8)
	default:
		return int16(uint16(b[2]) | uint16(b[3])<<8)
	}
}

// resampleTo8k converts mono audio at rate Hz to 8 kHz. Up-sampling interpolates
// linearly; down-sampling first low-passes at 3.6 kHz (a Hann-windowed sinc computed
// only at the two input positions each output sample needs) so higher rates do not
// alias into the telephone band.
func resampleTo8k(in []int16, rate int) []int16 {
	if rate == SampleRate || len(in) == 0 {
		return in
	}
	outLen := int(int64(len(in)) * SampleRate / int64(rate))
	out := make([]int16, outLen)
	var taps []float64
	if rate > SampleRate {
		fc := 3600.0 / float64(rate)   // cutoff, cycles per input sample
		half := int(math.Ceil(4 / fc)) // ~8 zero crossings each side
		taps = make([]float64, 2*half+1)
		var sum float64
		for i := range taps {
			t := float64(i - half)
			h := 2 * fc
			if t != 0 {
				h = math.Sin(2*math.Pi*fc*t) / (math.Pi * t)
			}
			h *= 0.5 + 0.5*math.Cos(math.Pi*t/float64(half+1))
			taps[i] = h
			sum += h
		}
		for i := range taps {
			taps[i] /= sum
		}
	}
	at := func(i int) float64 {
		if i >= len(in) {
			i = len(in) - 1
		}
		if taps == nil {
			return float64(in[i])
		}
		half := len(taps) / 2
		var acc float64
		for k, h := range taps {
			j := i + k - half
			if j >= 0 && j < len(in) {
				acc += h * float64(in[j])
			}
		}
		return acc
	}
	step := float64(rate) / SampleRate
	for o := range out {
		x := float64(o) * step
		i := int(x)
		frac := x - float64(i)
		v := at(i)
		if frac > 0 {
			v += frac * (at(i+1) - v)
		}
		out[o] = int16(max(-32768, min(32767, math.Round(v))))
	}
	return out
}

// WriteWAVFile writes samples as a 16-bit PCM WAV file at path (created or
// truncated), buffered; a write or close error names the path.
func WriteWAVFile(path string, rate, channels int, samples []int16) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write wav: %w", err)
	}
	w := bufio.NewWriter(f)
	err = WriteWAV(w, rate, channels, samples)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write wav %s: %w", path, err)
	}
	return nil
}

// WriteWAV writes samples as a 16-bit PCM WAV at rate Hz; with channels > 1 the samples
// are interleaved frames.
func WriteWAV(w io.Writer, rate int, channels int, samples []int16) error {
	if rate < 1 || channels < 1 || channels > wavMaxChannels {
		return fmt.Errorf("write wav: rate %d, %d channels: %w", rate, channels, ErrInvalidOptions)
	}
	dataBytes := int64(len(samples)) * 2
	if dataBytes > math.MaxUint32-wavHeaderSize {
		return fmt.Errorf("write wav: %d bytes of audio exceed the 4 GiB RIFF limit: %w", dataBytes, ErrInvalidOptions)
	}
	hdr := wavHeader(rate, channels, uint32(dataBytes))
	if _, err := w.Write(hdr[:]); err != nil {
		return fmt.Errorf("write wav header: %w", err)
	}
	var buf [4096]byte
	for len(samples) > 0 {
		n := min(len(samples), len(buf)/2)
		for i, s := range samples[:n] {
			binary.LittleEndian.PutUint16(buf[2*i:], uint16(s))
		}
		if _, err := w.Write(buf[:2*n]); err != nil {
			return fmt.Errorf("write wav data: %w", err)
		}
		samples = samples[n:]
	}
	return nil
}

// wavHeader is the canonical 44-byte PCM16 header.
func wavHeader(rate, channels int, dataBytes uint32) [wavHeaderSize]byte {
	var h [wavHeaderSize]byte
	copy(h[0:], "RIFF")
	binary.LittleEndian.PutUint32(h[4:], 36+dataBytes)
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], wavFormatPCM)
	binary.LittleEndian.PutUint16(h[22:], uint16(channels))
	binary.LittleEndian.PutUint32(h[24:], uint32(rate))
	binary.LittleEndian.PutUint32(h[28:], uint32(rate*channels*2))
	binary.LittleEndian.PutUint16(h[32:], uint16(channels*2))
	binary.LittleEndian.PutUint16(h[34:], 16)
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], dataBytes)
	return h
}
