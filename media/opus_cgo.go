//go:build cgo

package media

import (
	"fmt"

	"github.com/hraban/opus"
)

// OpusAvailable reports whether this build has Opus (cgo and libopus).
const OpusAvailable = true

// opusEncoder turns 8 kHz frames into Opus packets: resample to the internal rate,
// encode. One per session, used on the clock goroutine only.
type opusEncoder struct {
	enc  *opus.Encoder
	rs   *resampler
	pcm  []int16
	rate int
}

func newOpusEncoder(o OpusOptions, far opusFmtp) (*opusEncoder, error) {
	o = o.withDefaults()
	enc, err := opus.NewEncoder(o.SampleRate, 1, opus.AppVoIP)
	if err != nil {
		return nil, fmt.Errorf("opus encoder: %w", err)
	}
	if err := enc.SetComplexity(o.Complexity); err != nil {
		return nil, fmt.Errorf("opus complexity %d: %w", o.Complexity, err)
	}
	_ = enc.SetBitrate(o.Bitrate)
	if far.fec {
		_ = enc.SetInBandFEC(true)
		_ = enc.SetPacketLossPerc(5)
	}
	bw := opus.Fullband
	switch rate := far.maxPlaybackRate; {
	case rate == 0:
	case rate <= 8000:
		bw = opus.Narrowband
	case rate <= 12000:
		bw = opus.Mediumband
	case rate <= 16000:
		bw = opus.Wideband
	case rate <= 24000:
		bw = opus.SuperWideband
	}
	_ = enc.SetMaxBandwidth(bw)
	return &opusEncoder{enc: enc, rs: newResampler(SampleRate, o.SampleRate), pcm: make([]int16, opusFrameSamples(o.SampleRate)), rate: o.SampleRate}, nil
}

// encode encodes one 20 ms frame of 8 kHz audio into dst.
func (e *opusEncoder) encode(dst []byte, pcm8k []int16) (int, error) {
	n := e.rs.process(e.pcm, pcm8k)
	return e.enc.Encode(e.pcm[:n], dst)
}

// opusDecoder turns Opus packets into 8 kHz audio. One per session, used on the
// receive path only.
type opusDecoder struct {
	dec  *opus.Decoder
	rs   *resampler
	pcm  []int16
	rate int
}

func newOpusDecoder(o OpusOptions) (*opusDecoder, error) {
	o = o.withDefaults()
	dec, err := opus.NewDecoder(o.SampleRate, 1)
	if err != nil {
		return nil, fmt.Errorf("opus decoder: %w", err)
	}
	return &opusDecoder{dec: dec, rs: newResampler(o.SampleRate, SampleRate), pcm: make([]int16, maxResampleIn), rate: o.SampleRate}, nil
}

// decode decodes one packet (up to 120 ms) into dst at 8 kHz.
func (d *opusDecoder) decode(dst []int16, payload []byte) (int, error) {
	n, err := d.dec.Decode(payload, d.pcm)
	if err != nil {
		return 0, err
	}
	return d.rs.process(dst, d.pcm[:n]), nil
}

// conceal fills 20 ms for a lost packet: from the next packet's in-band FEC when it is
// given (next != nil), else by the codec's own packet-loss concealment.
func (d *opusDecoder) conceal(dst []int16, next []byte) (int, error) {
	frame := d.pcm[:opusFrameSamples(d.rate)]
	var err error
	if next != nil {
		err = d.dec.DecodeFEC(next, frame)
	} else {
		err = d.dec.DecodePLC(frame)
	}
	if err != nil {
		return 0, err
	}
	return d.rs.process(dst, frame), nil
}
