//go:build cgo

package asr

/*
#cgo pkg-config: webrtc-audio-processing
#include <stddef.h>
#include <stdint.h>

// Debian's libwebrtc-audio-processing exports WebRTC's floating-point noise
// suppressor but installs no header for it: these are the declarations of
// webrtc/modules/audio_processing/ns/include/noise_suppression.h of its version.
typedef struct NsHandleT NsHandle;
NsHandle* WebRtcNs_Create(void);
void WebRtcNs_Free(NsHandle* h);
int WebRtcNs_Init(NsHandle* h, uint32_t fs);
int WebRtcNs_set_policy(NsHandle* h, int mode);
void WebRtcNs_Analyze(NsHandle* h, const float* frame);
void WebRtcNs_Process(NsHandle* h, const float* const* frame, size_t bands, float* const* out);

static NsHandle* vx_ns_new(int policy) {
	NsHandle* h = WebRtcNs_Create();
	if (h == NULL) return NULL;
	if (WebRtcNs_Init(h, 8000) != 0 || WebRtcNs_set_policy(h, policy) != 0) {
		WebRtcNs_Free(h);
		return NULL;
	}
	return h;
}

// vx_ns_run suppresses noise in n samples of 8 kHz audio in place, 10 ms (80
// samples) at a time; a tail shorter than that passes unchanged.
static void vx_ns_run(NsHandle* h, int16_t* pcm, int n) {
	float in[80], out[80];
	const float* ip = in;
	float* op = out;
	for (int off = 0; off + 80 <= n; off += 80) {
		for (int i = 0; i < 80; i++) in[i] = (float)pcm[off + i];
		WebRtcNs_Analyze(h, in);
		WebRtcNs_Process(h, &ip, 1, &op);
		for (int i = 0; i < 80; i++) {
			float v = out[i];
			v = v < -32768.f ? -32768.f : (v > 32767.f ? 32767.f : v);
			pcm[off + i] = (int16_t)(v < 0 ? v - 0.5f : v + 0.5f);
		}
	}
}
*/
import "C"

import "unsafe"

// webrtcDenoiser is WebRTC's noise suppressor (the one its audio processing module
// runs on a call's capture side) on 8 kHz audio. Its noise estimate follows the
// line's noise through speech better than speexdsp's; policy 0–3 is how hard it
// suppresses (mild 6 dB … very aggressive). Not safe for concurrent use.
type webrtcDenoiser struct {
	h *C.NsHandle
}

func newWebRTCDenoiser(policy int) *webrtcDenoiser {
	return &webrtcDenoiser{h: C.vx_ns_new(C.int(policy))}
}

// process denoises pcm in place.
func (d *webrtcDenoiser) process(pcm []int16) {
	if d.h == nil || len(pcm) < 80 {
		return
	}
	C.vx_ns_run(d.h, (*C.int16_t)(unsafe.Pointer(&pcm[0])), C.int(len(pcm)))
}

func (d *webrtcDenoiser) close() {
	if d.h != nil {
		C.WebRtcNs_Free(d.h)
		d.h = nil
	}
}
