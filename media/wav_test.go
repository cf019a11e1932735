package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// wavBytes builds a WAV with an arbitrary fmt (format code, bits) around raw data.
func wavBytes(format uint16, channels, rate, bits int, data []byte, extra ...[]byte) []byte {
	var b bytes.Buffer
	fmtChunk := make([]byte, 16)
	binary.LittleEndian.PutUint16(fmtChunk[0:], format)
	binary.LittleEndian.PutUint16(fmtChunk[2:], uint16(channels))
	binary.LittleEndian.PutUint32(fmtChunk[4:], uint32(rate))
	binary.LittleEndian.PutUint32(fmtChunk[8:], uint32(rate*channels*bits/8))
	binary.LittleEndian.PutUint16(fmtChunk[12:], uint16(channels*bits/8))
	binary.LittleEndian.PutUint16(fmtChunk[14:], uint16(bits))
	b.WriteString("RIFF\x00\x00\x00\x00WAVE")
	for _, e := range extra { // chunks to skip, e.g. LIST
		b.Write(e)
	}
	chunk := func(id string, p []byte) {
		b.WriteString(id)
		_ = binary.Write(&b, binary.LittleEndian, uint32(len(p))) // a bytes.Buffer never fails
		b.Write(p)
		if len(p)%2 == 1 {
			b.WriteByte(0)
		}
	}
	chunk("fmt ", fmtChunk)
	chunk("data", data)
	return b.Bytes()
}

func le16(s []int16) []byte {
	out := make([]byte, 2*len(s))
	for i, v := range s {
		binary.LittleEndian.PutUint16(out[2*i:], uint16(v))
	}
	return out
}

func TestDecodeWAVFormats(t *testing.T) {
	t.Parallel()
	tone := Tone(440, 200*time.Millisecond, 10000).Samples // 1600 samples at 8 kHz
	mu := make([]byte, len(tone))
	MulawEncode(mu, tone)
	al := make([]byte, len(tone))
	AlawEncode(al, tone)
	stereo := make([]int16, 2*len(tone))
	for i, v := range tone {
		stereo[2*i], stereo[2*i+1] = v, v
	}
	var w16k bytes.Buffer
	tone16k := make([]int16, 2*len(tone))
	for i := range tone16k {
		tone16k[i] = int16(10000 * math.Sin(2*math.Pi*440*float64(i)/16000))
	}
	if err := WriteWAV(&w16k, 16000, 1, tone16k); err != nil {
		t.Fatal(err)
	}
	tone6k := make([]int16, len(tone)*3/4)
	for i := range tone6k {
		tone6k[i] = int16(10000 * math.Sin(2*math.Pi*440*float64(i)/6000))
	}
	tests := []struct {
		name    string
		in      []byte
		minCorr float64
	}{
		{"pcm16 mono 8k", wavBytes(1, 1, 8000, 16, le16(tone)), 0.999},
		{"pcm16 stereo 8k", wavBytes(1, 2, 8000, 16, le16(stereo)), 0.999},
		{"mulaw", wavBytes(7, 1, 8000, 8, mu), 0.99},
		{"alaw", wavBytes(6, 1, 8000, 8, al), 0.99},
		{"pcm16 16k", w16k.Bytes(), 0.99},
		{"pcm16 6k", wavBytes(1, 1, 6000, 16, le16(tone6k)), 0.99},
		{"skips LIST chunk", wavBytes(1, 1, 8000, 16, le16(tone), []byte("LIST\x03\x00\x00\x00abc\x00")), 0.999},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := DecodeWAV(bytes.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if d := len(p.Samples) - len(tone); d < -2 || d > 2 {
				t.Errorf("%d samples, want %d", len(p.Samples), len(tone))
			}
			if c := Correlation(tone, p.Samples); c < tt.minCorr {
				t.Errorf("correlation with source %.4f < %.3f", c, tt.minCorr)
			}
		})
	}
}

func TestDecodeWAVDownsampleRejectsAlias(t *testing.T) {
	t.Parallel()
	// 6 kHz at 48 kHz would alias to 2 kHz without the low-pass.
	s := make([]int16, 48000/5)
	for i := range s {
		s[i] = int16(10000 * math.Sin(2*math.Pi*6000*float64(i)/48000))
	}
	var b bytes.Buffer
	if err := WriteWAV(&b, 48000, 1, s); err != nil {
		t.Fatal(err)
	}
	p, err := DecodeWAV(&b)
	if err != nil {
		t.Fatal(err)
	}
	if r := RMS(p.Samples[100 : len(p.Samples)-100]); r > 300 {
		t.Errorf("6 kHz tone leaked into 8 kHz output at RMS %.0f", r)
	}
}

func TestDecodeWAVErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   []byte
		want error
		msg  string
	}{
		{"empty", nil, ErrInvalidWAV, "riff header"},
		{"not riff", []byte("RIFX0000WAVEfmt "), ErrInvalidWAV, "not a RIFF WAVE"},
		{"mp3", wavBytes(0x55, 1, 8000, 16, nil), ErrUnsupportedWAV, "format code 85"},
		{"12-bit", wavBytes(1, 1, 8000, 12, nil), ErrUnsupportedWAV, "12 bits"},
		{"no channels", wavBytes(1, 0, 8000, 16, nil), ErrUnsupportedWAV, "0 channels"},
		{"rate 0", wavBytes(1, 1, 0, 16, nil), ErrUnsupportedWAV, "sample rate 0"},
		{"no data", []byte("RIFF\x00\x00\x00\x00WAVE"), ErrInvalidWAV, "no fmt chunk"},
		{"data first", []byte("RIFF\x00\x00\x00\x00WAVEdata\x02\x00\x00\x00\x01\x02"), ErrInvalidWAV, "before fmt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeWAV(bytes.NewReader(tt.in))
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("err = %v, want %v containing %q", err, tt.want, tt.msg)
			}
		})
	}
}

func TestReadWAVNamesFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.wav")
	if err := os.WriteFile(bad, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadWAV(bad); err == nil || !strings.Contains(err.Error(), bad) || !errors.Is(err, ErrInvalidWAV) {
		t.Errorf("err = %v", err)
	}
	if _, err := ReadWAV(filepath.Join(dir, "missing.wav")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing: %v", err)
	}
	good := filepath.Join(dir, "good.wav")
	f, err := os.Create(good)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteWAV(f, 8000, 1, Tone(1000, time.Second, 8000).Samples); err != nil {
		t.Fatal(err)
	}
	f.Close()
	p, err := ReadWAV(good)
	if err != nil || len(p.Samples) != 8000 || p.Duration() != time.Second {
		t.Errorf("ReadWAV = %d samples, %v", len(p.Samples), err)
	}
}

func TestTruncatedDataChunk(t *testing.T) {
	t.Parallel()
	in := wavBytes(1, 1, 8000, 16, le16(make([]int16, 100)))
	binary.LittleEndian.PutUint32(in[40:], 0xFFFFFFFF) // a recorder that never patched the size
	p, err := DecodeWAV(bytes.NewReader(in))
	if err != nil || len(p.Samples) != 100 {
		t.Fatalf("got %v, %v", p, err)
	}
}

func TestAudioHelpers(t *testing.T) {
	t.Parallel()
	tone := Tone(1000, 100*time.Millisecond, 1000)
	if len(tone.Samples) != 800 {
		t.Fatalf("tone %d samples", len(tone.Samples))
	}
	if r := RMS(tone.Samples); math.Abs(r-1000/math.Sqrt2) > 5 {
		t.Errorf("RMS %.1f", r)
	}
	all := Concat(Silence(20*time.Millisecond), nil, tone)
	if len(all.Samples) != 960 || RMS(all.Samples[:160]) != 0 {
		t.Errorf("concat %d samples", len(all.Samples))
	}
	src := all.Source()
	var frame [FrameSamples]int16
	total := 0
	for {
		n, err := src.ReadFrame(frame[:])
		total += n
		if err == io.EOF {
			break
		}
	}
	if total != 960 {
		t.Errorf("source gave %d samples", total)
	}
	if RMS(nil) != 0 {
		t.Error("RMS(nil)")
	}
}

func TestCorrelation(t *testing.T) {
	t.Parallel()
	// A chirp-like signal: unique alignment, unlike a pure tone.
	sig := Concat(Tone(300, 100*time.Millisecond, 8000), Tone(1200, 80*time.Millisecond, 6000), Tone(700, 120*time.Millisecond, 9000)).Samples
	delayed := Concat(Silence(150*time.Millisecond), &PCM{Samples: sig}, Silence(50*time.Millisecond)).Samples
	noise := make([]int16, len(sig))
	x := uint32(1)
	for i := range noise {
		x = x*1664525 + 1013904223
		noise[i] = int16(x >> 18)
	}
	inverted := make([]int16, len(noise)) // a tone shifted half a period matches its inverse; noise does not
	for i, v := range noise {
		inverted[i] = -v
	}
	tests := []struct {
		name   string
		a, b   []int16
		lo, hi float64
	}{
		{"identical", sig, sig, 0.999, 1},
		{"delayed in recording", sig, delayed, 0.999, 1},
		{"noise", sig, noise, -1, 0.3},
		{"inverted noise", noise, inverted, -1, 0.3},
		{"silence", sig, make([]int16, 100), 0, 0},
		{"empty", nil, sig, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if c := Correlation(tt.a, tt.b); c < tt.lo || c > tt.hi {
				t.Errorf("Correlation = %.4f, want [%v, %v]", c, tt.lo, tt.hi)
			}
		})
	}
}

func FuzzDecodeWAV(f *testing.F) {
	var b bytes.Buffer
	if err := WriteWAV(&b, 8000, 1, Tone(440, 10*time.Millisecond, 5000).Samples); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	b.Reset()
	if err := WriteWAV(&b, 44100, 2, make([]int16, 64)); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	f.Add(wavBytes(7, 1, 8000, 8, []byte{1, 2, 3}))
	f.Add(wavBytes(3, 1, 8000, 32, []byte{0, 0, 0x80, 0x7f, 0, 0, 0xc0, 0x7f}))
	f.Add(wavBytes(1, 3, 22050, 24, make([]byte, 18)))
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVE"))
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := DecodeWAV(bytes.NewReader(in))
		if err != nil {
			if !errors.Is(err, ErrInvalidWAV) && !errors.Is(err, ErrUnsupportedWAV) {
				t.Fatalf("error matches no sentinel: %v", err)
			}
			return
		}
		// The output cannot exceed what the input holds: at worst 8-bit at the minimum
		// rate, up-sampled 2x.
		if len(p.Samples) > 2*len(in)+2 {
			t.Fatalf("%d samples from %d bytes", len(p.Samples), len(in))
		}
	})
}

func TestWriteWAVRoundTrip(t *testing.T) {
	t.Parallel()
	in := Tone(500, 50*time.Millisecond, 20000).Samples
	var b bytes.Buffer
	if err := WriteWAV(&b, 8000, 1, in); err != nil {
		t.Fatal(err)
	}
	if b.Len() != 44+2*len(in) {
		t.Fatalf("%d bytes", b.Len())
	}
	p, err := DecodeWAV(&b)
	if err != nil || !slicesEqual(p.Samples, in) {
		t.Fatalf("round trip: %v", err)
	}
	if err := WriteWAV(io.Discard, 0, 1, in); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("rate 0: %v", err)
	}
}

func slicesEqual(a, b []int16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestDecodeWAVChannel: one channel of a stereo file comes out alone (a call
// recording's right channel is the far end); a channel the file lacks is refused.
func TestDecodeWAVChannel(t *testing.T) {
	t.Parallel()
	// Interleaved stereo: left 1000, right -2000, three frames.
	data := le16([]int16{1000, -2000, 1000, -2000, 1000, -2000})
	raw := wavBytes(1, 2, 8000, 16, data)
	for _, c := range []struct {
		ch   int
		want int16
	}{{0, 1000}, {1, -2000}} {
		p, err := DecodeWAVChannel(bytes.NewReader(raw), c.ch)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Samples) != 3 || p.Samples[0] != c.want || p.Samples[2] != c.want {
			t.Errorf("channel %d: %v, want three samples of %d", c.ch, p.Samples, c.want)
		}
	}
	if p, err := DecodeWAV(bytes.NewReader(raw)); err != nil || p.Samples[0] != -500 {
		t.Errorf("both channels: %v, %v; want their average -500", p, err)
	}
	for _, ch := range []int{2, -1} {
		if _, err := DecodeWAVChannel(bytes.NewReader(raw), ch); !errors.Is(err, ErrUnsupportedWAV) {
			t.Errorf("channel %d: err = %v, want ErrUnsupportedWAV", ch, err)
		}
	}
}

// TestWriteWAVFile: the file reads back as written; a path that cannot be created is
// an error naming it.
func TestWriteWAVFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "a.wav")
	in := []int16{0, 1000, -1000, 32767, -32768}
	if err := WriteWAVFile(path, 8000, 1, in); err != nil {
		t.Fatal(err)
	}
	p, err := ReadWAV(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Samples) != len(in) || p.Samples[3] != 32767 || p.Samples[4] != -32768 {
		t.Errorf("read back %v, want %v", p.Samples, in)
	}
	bad := filepath.Join(t.TempDir(), "missing", "a.wav")
	if err := WriteWAVFile(bad, 8000, 1, in); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("err = %v, want one naming %s", err, bad)
	}
}
