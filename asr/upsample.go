//go:build cgo

package asr

/*
#cgo pkg-config: speexdsp
#include <speex/speex_resampler.h>
#include <speex/speex_preprocess.h>

static SpeexPreprocessState *vx_denoiser(int frame, int rate, int suppress_db) {
	SpeexPreprocessState *st = speex_preprocess_state_init(frame, rate);
	int on = 1, off = 0;
	speex_preprocess_ctl(st, SPEEX_PREPROCESS_SET_DENOISE, &on);
	speex_preprocess_ctl(st, SPEEX_PREPROCESS_SET_AGC, &off);
	speex_preprocess_ctl(st, SPEEX_PREPROCESS_SET_NOISE_SUPPRESS, &suppress_db);
	return st;
}
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// upsampler doubles the rate of telephone audio (8 → 16 kHz) for acoustic models
// trained on wideband speech, with libspeexdsp (BSD, ~2 µs per 20 ms frame). It keeps
// filter state, so feed one stream's frames in order. Not safe for concurrent use.
type upsampler struct {
	st  *C.SpeexResamplerState
	out []int16
}

func newUpsampler() (*upsampler, error) {
	var errc C.int
	st := C.speex_resampler_init(1, 8000, 16000, 5, &errc)
	if st == nil || errc != 0 {
		return nil, fmt.Errorf("speexdsp resampler: error %d: %w", int(errc), ErrEngine)
	}
	C.speex_resampler_skip_zeros(st)
	return &upsampler{st: st}, nil
}

// process returns the 16 kHz samples for in, aliasing an internal buffer valid until
// the next call.
func (u *upsampler) process(in []int16) []int16 {
	if len(in) == 0 {
		return nil
	}
	need := 2*len(in) + 32
	if cap(u.out) < need {
		u.out = make([]int16, need)
	}
	inLen := C.spx_uint32_t(len(in))
	outLen := C.spx_uint32_t(need)
	C.speex_resampler_process_int(u.st, 0, (*C.spx_int16_t)(unsafe.Pointer(&in[0])), &inLen,
		(*C.spx_int16_t)(unsafe.Pointer(&u.out[0])), &outLen)
	return u.out[:outLen]
}

func (u *upsampler) close() {
	if u.st != nil {
		C.speex_resampler_destroy(u.st)
		u.st = nil
	}
}

// denoiser is speexdsp's spectral noise suppressor on 20 ms frames at 8 kHz. Stationary
// line noise costs the recogniser more than anything else; suppressing it before the
// upsampler brings 10 dB SNR accuracy close to clean (BENCHMARKS.md). Frames of any
// other length pass through unchanged. Not safe for concurrent use.
type denoiser struct {
	st *C.SpeexPreprocessState
}

func newDenoiser(suppressDB int) *denoiser {
	return &denoiser{st: C.vx_denoiser(160, 8000, C.int(suppressDB))}
}

// process denoises pcm in place.
func (d *denoiser) process(pcm []int16) {
	if len(pcm) != 160 || d.st == nil {
		return
	}
	C.speex_preprocess_run(d.st, (*C.spx_int16_t)(unsafe.Pointer(&pcm[0])))
}

func (d *denoiser) close() {
	if d.st != nil {
		C.speex_preprocess_state_destroy(d.st)
		d.st = nil
	}
}
