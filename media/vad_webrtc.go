//go:build cgo && !novadwebrtc

package media

/*
#cgo pkg-config: webrtc-audio-processing
#include <stddef.h>
#include <stdint.h>

// Debian's libwebrtc-audio-processing exports the WebRTC VAD but ships no header for
// it: these are the declarations of webrtc/common_audio/vad/include/webrtc_vad.h.
typedef struct WebRtcVadInst VadInst;
VadInst* WebRtcVad_Create(void);
void WebRtcVad_Free(VadInst* handle);
int WebRtcVad_Init(VadInst* handle);
int WebRtcVad_set_mode(VadInst* handle, int mode);
int WebRtcVad_Process(VadInst* handle, int fs, const int16_t* audio_frame, size_t frame_length);
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// WebRTCVADAvailable reports whether this build links the WebRTC VAD.
const WebRTCVADAvailable = true

type webrtcVAD struct {
	h        *C.VadInst
	quietRun int  // consecutive quiet frames seen
	noGate   bool // tests: every frame goes to WebRTC
}

func newWebRTCVAD(mode int) (*webrtcVAD, error) {
	h := C.WebRtcVad_Create()
	if h == nil {
		return nil, fmt.Errorf("webrtc vad: create failed")
	}
	if C.WebRtcVad_Init(h) != 0 || C.WebRtcVad_set_mode(h, C.int(mode)) != 0 {
		C.WebRtcVad_Free(h)
		return nil, fmt.Errorf("webrtc vad: init mode %d failed", mode)
	}
	return &webrtcVAD{h: h}, nil
}

func (w *webrtcVAD) speech(frame []int16) bool {
	if w.h == nil {
		return false
	}
	// Digital silence: once WebRTC has seen quietLeadIn such frames in a row (its
	// hangover has run out by then and it does not learn from them) the rest are
	// answered here without the cgo call and its filtering. Many carriers send digital
	// silence while the caller is quiet, which is much of a call.
	if !w.noGate && quietFrame(frame) {
		if w.quietRun >= quietLeadIn {
			return false
		}
		w.quietRun++
	} else {
		w.quietRun = 0
	}
	r := C.WebRtcVad_Process(w.h, SampleRate, (*C.int16_t)(unsafe.Pointer(&frame[0])), C.size_t(len(frame)))
	return r == 1
}

func (w *webrtcVAD) close() {
	if w.h != nil {
		C.WebRtcVad_Free(w.h)
		w.h = nil
	}
}
