package media

import (
	"strconv"
	"strings"
)

// OpusOptions configure a session's Opus encoder and decoder (RFC 7587). Zero values
// take defaults.
type OpusOptions struct {
	// SampleRate is the rate the codec runs at internally: 8000 (default: our engine's
	// rate, no resampling, the cheapest), 16000 or 48000; audio is resampled between it
	// and the 8 kHz engine.
	SampleRate int
	// Complexity 0-10 (default 1). Measured here per 20 ms frame, encode + decode: 35 µs
	// at 8 kHz with complexity 1 against 112 µs at 9; 113 / 308 µs at 48 kHz
	// (docs/measured-facts.md): complexity is the biggest lever on legs per core.
	Complexity int
	// Bitrate in bit/s (default 0: 16,000 at 8 kHz, 24,000 above).
	Bitrate int
}

func (o OpusOptions) withDefaults() OpusOptions {
	switch o.SampleRate {
	case 8000, 16000, 48000:
	default:
		o.SampleRate = 8000
	}
	if o.Complexity <= 0 || o.Complexity > 10 {
		o.Complexity = 1
	}
	if o.Bitrate <= 0 {
		o.Bitrate = 16000
		if o.SampleRate > 8000 {
			o.Bitrate = 24000
		}
	}
	return o
}

// Opus is the codec as SDP names it (opus/48000/2, RFC 7587 §7: the RTP clock is always
// 48 kHz and the channel count always 2, whatever is sent). Its fmtp is what we ask of
// the far end: audio up to 8 kHz sampling (our engine's rate), in-band FEC, 20 ms.
// Payload type 111 is the common dynamic choice; negotiation keeps the far end's.
var Opus = Codec{Name: "opus", PayloadType: 111, ClockRate: 48000, Channels: 2,
	Fmtp: "maxplaybackrate=8000;sprop-maxcapturerate=8000;useinbandfec=1;ptime=20"}

// OpusCodec is Opus with fmtp for an internal rate of rate Hz (8000, 16000 or 48000).
func OpusCodec(rate int) Codec {
	c := Opus
	r := strconv.Itoa(OpusOptions{SampleRate: rate}.withDefaults().SampleRate)
	c.Fmtp = "maxplaybackrate=" + r + ";sprop-maxcapturerate=" + r + ";useinbandfec=1;ptime=20"
	return c
}

// IsOpus reports whether c is Opus (by encoding name).
func (c Codec) IsOpus() bool { return strings.EqualFold(c.Name, "opus") }

// opusFmtp is what a far end's fmtp asks of our encoder.
type opusFmtp struct {
	maxPlaybackRate int  // 0: unspecified (48000)
	fec             bool // useinbandfec=1: it can use FEC, so send it
}

// parseOpusFmtp reads RFC 7587 §6.1 parameters; unknown or malformed ones are ignored.
func parseOpusFmtp(s string) opusFmtp {
	var f opusFmtp
	for _, kv := range strings.Split(s, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "maxplaybackrate":
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 {
				f.maxPlaybackRate = n
			}
		case "useinbandfec":
			f.fec = strings.TrimSpace(v) == "1"
		}
	}
	return f
}

// opusFrameSamples is samples per channel in 20 ms at rate.
func opusFrameSamples(rate int) int { return rate / 50 }
