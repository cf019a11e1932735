//go:build cgo

package tts

/*
#cgo pkg-config: speexdsp
#include <speex/speex_resampler.h>
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// resampleQuality is speexdsp's 0-10 scale; 5 is its "VoIP" default, transparent for
// speech at telephone rates and ~2 µs per 20 ms frame (docs/measured-facts.md).
const resampleQuality = 5

// Resampler converts a mono 16-bit stream from one rate to another with libspeexdsp
// (BSD). It keeps filter state across calls, so feed consecutive chunks of one stream.
// A Resampler is not safe for concurrent use; Close frees it.
type Resampler struct {
	st       *C.SpeexResamplerState
	from, to int
	out      []int16
}

// NewResampler returns a resampler from → to Hz; equal rates pass audio through.
func NewResampler(from, to int) (*Resampler, error) {
	if from <= 0 || to <= 0 {
		return nil, fmt.Errorf("resample %d→%d Hz: %w", from, to, ErrUnsupportedRate)
	}
	r := &Resampler{from: from, to: to}
	if from == to {
		return r, nil
	}
	var errc C.int
	r.st = C.speex_resampler_init(1, C.spx_uint32_t(from), C.spx_uint32_t(to), resampleQuality, &errc)
	if r.st == nil || errc != 0 {
		return nil, fmt.Errorf("resample %d→%d Hz: speexdsp error %d: %w", from, to, int(errc), ErrEngine)
	}
	C.speex_resampler_skip_zeros(r.st)
	return r, nil
}

// Process resamples in and returns the output, which aliases an internal buffer valid
// until the next call.
func (r *Resampler) Process(in []int16) []int16 {
	if r.st == nil {
		return in
	}
	need := len(in)*r.to/r.from + 64
	if cap(r.out) < need {
		r.out = make([]int16, need)
	}
	out := r.out[:need]
	total := 0
	for len(in) > 0 {
		inLen := C.spx_uint32_t(len(in))
		outLen := C.spx_uint32_t(len(out) - total)
		C.speex_resampler_process_int(r.st, 0,
			(*C.spx_int16_t)(unsafe.Pointer(&in[0])), &inLen,
			(*C.spx_int16_t)(unsafe.Pointer(&out[total])), &outLen)
		total += int(outLen)
		in = in[int(inLen):]
		if inLen == 0 && outLen == 0 {
			break
		}
		if total == len(out) && len(in) > 0 {
			out = append(out, make([]int16, len(in)*r.to/r.from+64)...)
			r.out = out
		}
	}
	return out[:total]
}

// Flush drains the filter's tail (its latency, a few ms) by feeding silence; call it
// once at the end of a stream. The result aliases the internal buffer.
func (r *Resampler) Flush() []int16 {
	if r.st == nil {
		return nil
	}
	lat := int(C.speex_resampler_get_input_latency(r.st))
	if lat <= 0 {
		return nil
	}
	return r.Process(make([]int16, lat))
}

// Close frees the C state; the resampler must not be used afterwards.
func (r *Resampler) Close() {
	if r.st != nil {
		C.speex_resampler_destroy(r.st)
		r.st = nil
	}
}
