//go:build !cgo

package tts

import "fmt"

// Resampler converts a mono 16-bit stream from one rate to another; without
// cgo, in pure Go (goResampler). It keeps filter state across calls, so feed
// consecutive chunks of one stream. Not safe for concurrent use; Close frees it.
type Resampler struct {
	g *goResampler // nil: equal rates pass audio through
}

// NewResampler returns a resampler from → to Hz; equal rates pass audio through.
func NewResampler(from, to int) (*Resampler, error) {
	if from <= 0 || to <= 0 {
		return nil, fmt.Errorf("resample %d→%d Hz: %w", from, to, ErrUnsupportedRate)
	}
	if from == to {
		return &Resampler{}, nil
	}
	return &Resampler{g: newGoResampler(from, to)}, nil
}

// Process resamples in and returns the output, which aliases an internal buffer valid
// until the next call.
func (r *Resampler) Process(in []int16) []int16 {
	if r.g == nil {
		return in
	}
	return r.g.process(in)
}

// Flush drains the filter's tail; call it once at the end of a stream.
func (r *Resampler) Flush() []int16 {
	if r.g == nil {
		return nil
	}
	return r.g.flush()
}

// Close frees the resampler; it must not be used afterwards.
func (r *Resampler) Close() { r.g = nil }
