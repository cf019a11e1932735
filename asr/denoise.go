package asr

import "math"

// The noise suppressors the recogniser's front end can run on 8 kHz audio before it
// is upsampled (SphinxOptions.Denoiser).
const (
	// DenoiserAuto hears a quiet line through speexdsp's suppressor and a noisy one
	// through WebRTC's: WebRTC's takes more of the noise out of a noisy line, but
	// costs a clean line's answers that speexdsp's (which barely touches them) does
	// not.
	DenoiserAuto   = "auto"
	DenoiserSpeex  = "speex"
	DenoiserWebRTC = "webrtc"
)

const (
	// defaultDenoiser is SphinxOptions.Denoiser's default.
	defaultDenoiser = DenoiserSpeex
	// defaultDenoiseDB is speexdsp's suppression limit when DenoiseDB is 0.
	defaultDenoiseDB = -15
	// defaultNSPolicy is WebRTC's suppression policy when SphinxOptions.NSPolicy is 0.
	defaultNSPolicy = 1
	// defaultNoisyLineRMS: a line whose recent quiet frames average this RMS or more
	// (≈ -47 dBFS, the VAD's floor for speech) is noisy.
	defaultNoisyLineRMS = 150.0
	// lineNoiseFrames: the line's noise is the mean RMS of its last 200 ms outside
	// speech, so a line that turns noisy is heard as noisy before the answer that
	// follows.
	lineNoiseFrames = 10
)

// defaultFrontEnd is the noise suppression of SphinxOptions left at zero.
func defaultFrontEnd() SphinxOptions {
	return SphinxOptions{Denoiser: defaultDenoiser, DenoiseDB: defaultDenoiseDB, NSPolicy: defaultNSPolicy, NoisyLineRMS: defaultNoisyLineRMS}
}

// frameDenoiser suppresses noise in 8 kHz frames in place, keeping its noise
// estimate from one frame to the next.
type frameDenoiser interface {
	process(pcm []int16)
	close()
}

// lineCleaner is the front end's noise suppression for one stream: one suppressor,
// or (DenoiserAuto) a quiet line's and a noisy line's, of which the line's noise
// level outside speech picks one. The choice changes only outside speech, so an
// utterance is heard through one, and the suppressor it changes to starts afresh:
// after seconds of near-silence WebRTC's estimate climbs to new noise far more
// slowly than its start-up estimate finds it (fed every frame of a live call whose
// answer came with its own noise, it routed no more answers right than speexdsp's
// did), and only one suppressor runs at a time.
type lineCleaner struct {
	opts     *SphinxOptions // DenoiseDB, NSPolicy: to start a suppressor afresh
	cur      frameDenoiser
	auto     bool // choose by the line's noise (DenoiserAuto)
	useNoisy bool // cur is the noisy line's suppressor (WebRTC's)
	hist     [lineNoiseFrames]float64
	n, next  int
}

// newLineCleaner is the recogniser's noise suppression; nil with NoDenoise.
func (o *SphinxOptions) newLineCleaner() *lineCleaner {
	if o.NoDenoise {
		return nil
	}
	c := &lineCleaner{opts: o}
	switch o.Denoiser {
	case DenoiserWebRTC:
		c.cur, c.useNoisy = newWebRTCDenoiser(o.NSPolicy), true
	case DenoiserAuto:
		c.cur, c.auto = newDenoiser(o.DenoiseDB), true
	default:
		c.cur = newDenoiser(o.DenoiseDB)
	}
	return c
}

// process suppresses noise in one frame in place; speech says whether the frame is
// loud or the VAD holds an utterance open.
func (c *lineCleaner) process(pcm []int16, speech bool) {
	if c.auto && !speech {
		var sum float64
		for _, s := range pcm {
			sum += float64(s) * float64(s)
		}
		c.hist[c.next] = math.Sqrt(sum / float64(max(len(pcm), 1)))
		c.next = (c.next + 1) % lineNoiseFrames
		c.n = min(c.n+1, lineNoiseFrames)
		var mean float64
		for _, r := range c.hist[:c.n] {
			mean += r
		}
		switch level := mean / float64(c.n); {
		case !c.useNoisy && level >= c.opts.NoisyLineRMS:
			c.cur.close()
			c.cur, c.useNoisy = newWebRTCDenoiser(c.opts.NSPolicy), true
		case c.useNoisy && level < c.opts.NoisyLineRMS/2:
			// Half the level back: a line near the threshold does not flap.
			c.cur.close()
			c.cur, c.useNoisy = newDenoiser(c.opts.DenoiseDB), false
		}
	}
	c.cur.process(pcm)
}

// noisyLine reports whether the line is heard through the noisy line's suppressor.
func (c *lineCleaner) noisyLine() bool { return c.useNoisy }

func (c *lineCleaner) close() { c.cur.close() }
