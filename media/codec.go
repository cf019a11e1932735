package media

import "time"

// Audio framing every leg uses: G.711 at 8 kHz in 20 ms packets (the ptime nearly all
// trunks default to).
const (
	SampleRate    = 8000
	FrameSamples  = 160
	FrameDuration = 20 * time.Millisecond
)

// Codec names an RTP audio payload format. It is a plain value: copy it freely.
type Codec struct {
	Name        string
	PayloadType uint8
	ClockRate   uint32
}

// The two static G.711 payload types (RFC 3551). Treat them as read-only.
var (
	PCMU = Codec{"PCMU", 0, 8000}
	PCMA = Codec{"PCMA", 8, 8000}
)

// CodecByPayloadType returns the codec of a static payload type we can decode.
func CodecByPayloadType(pt uint8) (Codec, bool) {
	switch pt {
	case 0:
		return PCMU, true
	case 8:
		return PCMA, true
	}
	return Codec{}, false
}

// Encode writes one encoded byte per sample into dst and returns how many it wrote
// (the shorter of the two lengths). Unknown payload types encode nothing.
func (c Codec) Encode(dst []byte, pcm []int16) int {
	switch c.PayloadType {
	case 0:
		return MulawEncode(dst, pcm)
	case 8:
		return AlawEncode(dst, pcm)
	}
	return 0
}

// Decode is the inverse of Encode.
func (c Codec) Decode(dst []int16, payload []byte) int {
	switch c.PayloadType {
	case 0:
		return MulawDecode(dst, payload)
	case 8:
		return AlawDecode(dst, payload)
	}
	return 0
}

// silenceByte is the encoding of linear 0, used to fill frames without a sample loop.
func (c Codec) silenceByte() byte {
	if c.PayloadType == 8 {
		return 0xD5
	}
	return 0xFF
}
