package asr

// FrontEnd16k is what the embedded recogniser's decoder hears of a whole 8 kHz
// utterance with the default options: noise suppression on 20 ms frames (with
// DenoiserAuto, WebRTC's when the utterance is on a noisy line, as a live call's
// decode hears it), comfort noise, then 8 → 16 kHz. The channel adaptation
// (asr/adapt) is fitted on exactly this audio.
func FrontEnd16k(pcm8k []int16) ([]int16, error) {
	o := defaultFrontEnd()
	noisy := o.Denoiser == DenoiserWebRTC || (o.Denoiser == DenoiserAuto && noiseLevel(pcm8k) >= o.NoisyLineRMS)
	return o.renderUtterance(make([]int16, 0, 2*len(pcm8k)+64), nil, pcm8k, noisy, defaultComfortNoise, -1)
}
