package media

import (
	"math"
	"testing"
)

// Straight transcriptions of the Sun reference encoders, to check the table versions.
func refMulaw(s int16) byte {
	v := int(s)
	mask := 0xFF
	if v < 0 {
		v = -v
		mask = 0x7F
	}
	v = min(v, mulawClip) + mulawBias
	seg := 8
	for i, end := range []int{0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF, 0x3FFF, 0x7FFF} {
		if v <= end {
			seg = i
			break
		}
	}
	if seg >= 8 {
		return byte(0x7F ^ mask)
	}
	return byte((seg<<4 | (v>>(seg+3))&0xF) ^ mask)
}

func refAlaw(s int16) byte {
	v := int(s) >> 3
	mask := 0xD5
	if v < 0 {
		mask = 0x55
		v = -v - 1
	}
	seg := 8
	for i, end := range []int{0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF} {
		if v <= end {
			seg = i
			break
		}
	}
	if seg >= 8 {
		return byte(0x7F ^ mask)
	}
	a := seg << 4
	if seg < 2 {
		a |= (v >> 1) & 0xF
	} else {
		a |= (v >> seg) & 0xF
	}
	return byte(a ^ mask)
}

func TestG711MatchesReference(t *testing.T) {
	t.Parallel()
	for x := math.MinInt16; x <= math.MaxInt16; x++ {
		s := int16(x)
		var m, a [1]byte
		MulawEncode(m[:], []int16{s})
		AlawEncode(a[:], []int16{s})
		if got, want := m[0], refMulaw(s); got != want {
			t.Fatalf("mulaw(%d) = %#x, want %#x", s, got, want)
		}
		if got, want := a[0], refAlaw(s); got != want {
			t.Fatalf("alaw(%d) = %#x, want %#x", s, got, want)
		}
	}
}

func TestG711KnownVectors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		codec Codec
		in    int16
		want  byte
	}{
		{"mulaw zero", PCMU, 0, 0xFF},
		{"mulaw max", PCMU, 32767, 0x80},
		{"mulaw min", PCMU, -32768, 0x00},
		{"mulaw -1", PCMU, -1, 0x7F},
		{"alaw zero", PCMA, 0, 0xD5},
		{"alaw max", PCMA, 32767, 0xAA},
		{"alaw min", PCMA, -32768, 0x2A},
		{"alaw -8", PCMA, -8, 0x55},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out [1]byte
			if n := tt.codec.Encode(out[:], []int16{tt.in}); n != 1 || out[0] != tt.want {
				t.Errorf("Encode(%d) = %d, %#x; want 1, %#x", tt.in, n, out[0], tt.want)
			}
		})
	}
	var d [2]int16
	MulawDecode(d[:], []byte{0xFF, 0x80})
	if d != [2]int16{0, 32124} {
		t.Errorf("mulaw decode 0xFF,0x80 = %v, want [0 32124]", d)
	}
	AlawDecode(d[:], []byte{0xD5, 0xAA})
	if d != [2]int16{8, 32256} {
		t.Errorf("alaw decode 0xD5,0xAA = %v, want [8 32256]", d)
	}
}

func TestG711RoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		codec Codec
		bound func(x int) int // max |x - decode(encode(x))|
	}{
		// Quantisation step is 1/16 of the segment base: half of it is ≤ |x|/32 plus
		// the bias (µ-law) or the 3 dropped bits and the linear segment (A-law); beyond
		// the clip level the error is the clip distance.
		{PCMU, func(x int) int {
			if x > mulawClip {
				return x - 32124
			}
			return (x+mulawBias)/32 + 1
		}},
		{PCMA, func(x int) int { return x/32 + 16 }},
	}
	for _, tt := range tests {
		t.Run(tt.codec.Name, func(t *testing.T) {
			src := make([]int16, 0, 65536)
			for x := math.MinInt16; x <= math.MaxInt16; x++ {
				src = append(src, int16(x))
			}
			enc := make([]byte, len(src))
			dec := make([]int16, len(src))
			if n := tt.codec.Encode(enc, src); n != len(src) {
				t.Fatalf("Encode n = %d", n)
			}
			if n := tt.codec.Decode(dec, enc); n != len(src) {
				t.Fatalf("Decode n = %d", n)
			}
			for i, x := range src {
				ax := int(x)
				if ax < 0 {
					ax = -ax
				}
				if err := int(x) - int(dec[i]); err > tt.bound(ax) || -err > tt.bound(ax) {
					t.Fatalf("%d -> %#x -> %d: error %d > %d", x, enc[i], dec[i], err, tt.bound(ax))
				}
			}
			// Every code survives decode+encode (µ-law's negative zero becomes positive).
			for c := range 256 {
				var pcm [1]int16
				var b [1]byte
				tt.codec.Decode(pcm[:], []byte{byte(c)})
				tt.codec.Encode(b[:], pcm[:])
				if b[0] != byte(c) && !(tt.codec == PCMU && c == 0x7F) {
					t.Errorf("code %#x -> %d -> %#x", c, pcm[0], b[0])
				}
			}
		})
	}
}

func TestG711ShortBuffers(t *testing.T) {
	t.Parallel()
	if n := MulawEncode(make([]byte, 3), make([]int16, 5)); n != 3 {
		t.Errorf("MulawEncode n = %d, want 3", n)
	}
	if n := AlawDecode(make([]int16, 5), make([]byte, 2)); n != 2 {
		t.Errorf("AlawDecode n = %d, want 2", n)
	}
	if n := (Codec{Name: "opus", PayloadType: 111}).Encode(make([]byte, 4), make([]int16, 4)); n != 0 {
		t.Errorf("unknown codec encoded %d", n)
	}
}

func TestG711NoAllocs(t *testing.T) {
	pcm := Tone(1000, FrameDuration, 10000).Samples
	var enc [FrameSamples]byte
	var dec [FrameSamples]int16
	for _, c := range []Codec{PCMU, PCMA} {
		if a := testing.AllocsPerRun(100, func() {
			c.Encode(enc[:], pcm)
			c.Decode(dec[:], enc[:])
		}); a != 0 {
			t.Errorf("%s encode+decode: %v allocs, want 0", c.Name, a)
		}
	}
}

func BenchmarkMulawEncodeFrame(b *testing.B) {
	pcm := Tone(440, FrameDuration, 12000).Samples
	var out [FrameSamples]byte
	b.ReportAllocs()
	b.SetBytes(FrameSamples)
	for b.Loop() {
		MulawEncode(out[:], pcm)
	}
}

func BenchmarkMulawDecodeFrame(b *testing.B) {
	var in [FrameSamples]byte
	MulawEncode(in[:], Tone(440, FrameDuration, 12000).Samples)
	var out [FrameSamples]int16
	b.ReportAllocs()
	b.SetBytes(FrameSamples)
	for b.Loop() {
		MulawDecode(out[:], in[:])
	}
}

func BenchmarkAlawEncodeFrame(b *testing.B) {
	pcm := Tone(440, FrameDuration, 12000).Samples
	var out [FrameSamples]byte
	b.ReportAllocs()
	b.SetBytes(FrameSamples)
	for b.Loop() {
		AlawEncode(out[:], pcm)
	}
}
