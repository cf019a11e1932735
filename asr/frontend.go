package asr

import "time"

// FrontEnd16k is what the embedded recogniser's decoder hears of a whole 8 kHz
// utterance with the default options: noise suppression on 20 ms frames (the
// default suppressor, chosen by the line's noise outside speech as a live call's
// is), comfort noise, then 8 → 16 kHz. The channel adaptation (asr/adapt) is fitted
// on exactly this audio.
func FrontEnd16k(pcm8k []int16) ([]int16, error) {
	up, err := newUpsampler()
	if err != nil {
		return nil, err
	}
	defer up.close()
	o := defaultFrontEnd()
	dn := o.newLineCleaner()
	defer dn.close()
	vad := newEnergyVAD(int(StreamOptions{}.withDefaults().EndSilence / (20 * time.Millisecond)))
	var noise uint64
	pcm := append([]int16(nil), pcm8k...)
	out := make([]int16, 0, 2*len(pcm)+64)
	for i := 0; i < len(pcm); i += 160 {
		fr := pcm[i:min(i+160, len(pcm))]
		loud, _, _ := vad.frame(fr)
		dn.process(fr, loud || vad.speech)
		addNoise(&noise, fr, defaultComfortNoise)
		out = append(out, up.process(fr)...)
	}
	return out, nil
}
