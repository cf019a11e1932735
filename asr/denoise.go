package asr

// The noise suppressors the recogniser's front end can run on 8 kHz audio before it
// is upsampled (SphinxOptions.Denoiser).
const (
	DenoiserSpeex  = "speex"
	DenoiserWebRTC = "webrtc"
)

// defaultNSPolicy is WebRTC's suppression policy when SphinxOptions.NSPolicy is 0.
const defaultNSPolicy = 1

// frameDenoiser suppresses noise in 8 kHz frames in place, keeping its noise
// estimate from one frame to the next.
type frameDenoiser interface {
	process(pcm []int16)
	close()
}

// newFrameDenoiser is the recogniser's noise suppressor, nil with NoDenoise.
func (o *SphinxOptions) newFrameDenoiser() frameDenoiser {
	switch {
	case o.NoDenoise:
		return nil
	case o.Denoiser == DenoiserWebRTC:
		return newWebRTCDenoiser(o.NSPolicy)
	default:
		return newDenoiser(o.DenoiseDB)
	}
}
