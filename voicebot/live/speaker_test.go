package live

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/voicebot"
)

// drain plays a source to its end on a virtual clock (ReadFrame never blocks:
// silence while a part is synthesised) and returns the audio and its length.
func drain(t *testing.T, src media.Source) (speech int, frames int) {
	t.Helper()
	buf := make([]int16, media.FrameSamples)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		n, err := src.ReadFrame(buf)
		if n == 0 && err == nil {
			time.Sleep(time.Millisecond) // a part still synthesising
		}
		frames++
		for _, v := range buf[:n] {
			if v > 1000 || v < -1000 {
				speech++
				break
			}
		}
		if errors.Is(err, io.EOF) {
			return speech, frames
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Fatal("prompt never ended")
	return 0, 0
}

// The first call synthesises the prompt's variable parts into the cache; a second
// call with the same values finds every part there, so nothing is synthesised and
// the first frame is audio at once.
func TestPromptSpeakerCachesVariables(t *testing.T) {
	sp, err := NewPromptSpeaker(SpeakerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	bot, err := voicebot.LoadBot("../testdata/payment-reminder.en.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := sp.Warm(ctx, bot); err != nil {
		t.Fatal(err)
	}
	en := sp.caches["en"]
	warm := en.Stats().Syntheses
	p := voicebot.Prompt{State: "reminder", Locale: "en-US", Voice: "default",
		Template: bot.PromptTemplates()[1], // reminder: "Thanks. Your payment of {{amount | currency}} is due on …"
		Vars:     map[string]string{"amount": "120.50", "due_date": "2026-12-01"}}
	for i, want := range []int64{2, 0} { // new syntheses: the two values, then none
		before := en.Stats().Syntheses
		src, err := sp.Speak(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]int16, media.FrameSamples)
		if n, _ := src.ReadFrame(buf); n != len(buf) {
			t.Errorf("call %d: first frame %d samples: the static opening should be cached", i, n)
		}
		speech, frames := drain(t, src)
		if got := en.Stats().Syntheses - before; got != want || speech < 100 || frames < 200 {
			t.Errorf("call %d: %d syntheses (want %d), %d speech frames of %d", i, got, want, speech, frames)
		}
	}
	if warm == 0 {
		t.Error("warming synthesised nothing")
	}
	// A value the filter cannot read fails before any audio.
	bad := p
	bad.Vars = map[string]string{"amount": "lots", "due_date": "2026-12-01"}
	if _, err := sp.Speak(ctx, bad); err == nil {
		t.Error("an unreadable amount was spoken")
	}
}
