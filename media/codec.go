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
	Channels    uint8 // SDP rtpmap channel count; 0 or 1 means mono and is not written
	// Fmtp is the a=fmtp value. In what we offer it is what we ask of the far end; in a
	// negotiated codec (and so in Session.SetCodec) it is what the far end asked of us.
	Fmtp string
}

// The two static G.711 payload types (RFC 3551). Treat them as read-only.
var (
	PCMU = Codec{Name: "PCMU", PayloadType: 0, ClockRate: 8000}
	PCMA = Codec{Name: "PCMA", PayloadType: 8, ClockRate: 8000}
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

// Supported reports whether a session can send and receive c: G.711 by its static
// payload type, Opus by name at 48 kHz when the build has it.
func (c Codec) Supported() bool {
	if c.IsOpus() {
		return OpusAvailable && c.ClockRate == 48000
	}
	_, ok := CodecByPayloadType(c.PayloadType)
	return ok
}

// tsPerFrame is RTP timestamp units per 20 ms frame.
func (c Codec) tsPerFrame() uint32 {
	if c.ClockRate == 0 {
		return FrameSamples
	}
	return c.ClockRate / 50
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
