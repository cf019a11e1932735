//go:build !cgo

package media

import "fmt"

// OpusAvailable reports whether this build has Opus (cgo and libopus).
const OpusAvailable = false

type opusEncoder struct{}

func newOpusEncoder(OpusOptions, opusFmtp) (*opusEncoder, error) {
	return nil, fmt.Errorf("opus: %w", ErrCodecUnavailable)
}

func (*opusEncoder) encode([]byte, []int16) (int, error) { return 0, ErrCodecUnavailable }

type opusDecoder struct{}

func newOpusDecoder(OpusOptions) (*opusDecoder, error) {
	return nil, fmt.Errorf("opus: %w", ErrCodecUnavailable)
}

func (*opusDecoder) decode([]int16, []byte) (int, error)  { return 0, ErrCodecUnavailable }
func (*opusDecoder) conceal([]int16, []byte) (int, error) { return 0, ErrCodecUnavailable }
