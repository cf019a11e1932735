//go:build !cgo || novadwebrtc

package media

import "fmt"

// WebRTCVADAvailable reports whether this build links the WebRTC VAD.
const WebRTCVADAvailable = false

type webrtcVAD struct{}

func newWebRTCVAD(int) (*webrtcVAD, error) {
	return nil, fmt.Errorf("webrtc vad: %w (built without cgo or with novadwebrtc)", ErrCodecUnavailable)
}

func (*webrtcVAD) speech([]int16) bool { return false }
func (*webrtcVAD) close()              {}
