package sim

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/tts"
)

// The engines a text turn speaks through, loaded on first use: like the
// ringback tone, one read-only instance serves every profile and call.
var (
	fliteOnce  = sync.OnceValues(func() (tts.Synthesizer, error) { return tts.NewFlite(tts.FliteOptions{}) })
	espeakOnce = sync.OnceValues(func() (tts.Synthesizer, error) { return tts.NewESpeak(tts.ESpeakOptions{}) })
)

// speakTimeout bounds one text turn's synthesis at profile load.
const speakTimeout = 30 * time.Second

// speak synthesises a text turn at the telephone rate. voice is a flite voice
// ("" = slt, "kal", ...) or "espeak:VOICE" for espeak-ng as a subprocess.
func speak(voice, text string) (*media.PCM, error) {
	syn, err := fliteOnce()
	if v, ok := strings.CutPrefix(voice, "espeak:"); ok {
		voice = v
		syn, err = espeakOnce()
	}
	if err != nil {
		return nil, fmt.Errorf("text-to-speech: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), speakTimeout)
	defer cancel()
	var samples []int16
	err = syn.Synthesize(ctx, tts.Request{Text: text, Voice: voice, Rate: media.SampleRate}, func(pcm []int16) error {
		samples = append(samples, pcm...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("text-to-speech %q: %w", text, err)
	}
	if len(samples) == 0 {
		return nil, fmt.Errorf("text-to-speech %q: no audio", text)
	}
	return &media.PCM{Samples: samples}, nil
}

// speechOnset is the start of the first 20 ms frame of pcm whose RMS reaches
// threshold (the same test the simulator applies to what it hears); 0 if none.
func speechOnset(pcm *media.PCM, threshold float64) time.Duration {
	const frame = media.SampleRate / 50
	for i := 0; i+frame <= len(pcm.Samples); i += frame {
		var ss float64
		for _, s := range pcm.Samples[i : i+frame] {
			ss += float64(s) * float64(s)
		}
		if math.Sqrt(ss/frame) >= threshold {
			return time.Duration(i) * time.Second / media.SampleRate
		}
	}
	return 0
}
