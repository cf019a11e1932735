package live

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/voxdial/voxdial/asr"
	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/tts"
	"github.com/voxdial/voxdial/voicebot"
)

// WarmRecognizers readies the speech recogniser for n simultaneous calls of
// script before dialling: an embedded engine builds a decoder per call (tens of
// milliseconds each, one at a time), and compiles each grammar and its rejection
// pass on first use, so a burst of answers would otherwise wait for them in
// turn. Each warm-up recogniser hears one spoken phrase with each listening
// state's grammar and is closed, leaving its decoder in the engine's pool.
// It is a no-op for step scripts and when recognition is unavailable.
func (h *Host) WarmRecognizers(ctx context.Context, s *Script, n int) error {
	bot := s.script.Bot
	if bot == nil || n <= 0 {
		return nil
	}
	eng := h.recognizer(bot)
	if eng == nil {
		return nil
	}
	gs := grammars(bot)
	if len(gs) == 0 {
		return nil
	}
	speech, err := warmSpeech(ctx, bot)
	if err != nil {
		return err
	}
	recs := make([]asr.Recognizer, 0, n)
	defer func() {
		for _, r := range recs {
			_ = r.Close()
		}
	}()
	// Open all n first (each takes its own decoder), then exercise them two at a
	// time: the engine serialises decoder set-up anyway.
	for range n {
		r, err := eng.NewRecognizer(ctx, asr.StreamOptions{Grammar: gs[0], PartialEvery: -1})
		if err != nil {
			return fmt.Errorf("warm recognisers: %w", err)
		}
		recs = append(recs, r)
		go func() {
			for range r.Results() { //nolint:revive // drained so the worker never blocks
			}
		}()
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 2)
	for _, r := range recs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			// One utterance per listening state: each decoder compiles every
			// grammar (and its rejection pass) now rather than mid-call.
			for i, g := range gs {
				if i > 0 {
					if err := r.SetGrammar(g); err != nil {
						errs <- err
						return
					}
				}
				if err := feed(ctx, r, speech); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	wg.Wait()
	close(errs)
	var all error
	for err := range errs {
		all = errors.Join(all, err)
	}
	if all != nil {
		return fmt.Errorf("warm recognisers: %w", all)
	}
	return nil
}

// feed writes speech and then silence as fast as the recogniser takes it, and
// ends the utterance.
func feed(ctx context.Context, r asr.Recognizer, pcm []int16) error {
	for i := 0; i < len(pcm); i += media.FrameSamples {
		frame := pcm[i:min(len(pcm), i+media.FrameSamples)]
		for {
			err := r.Write(frame)
			if err == nil {
				break
			}
			if !errors.Is(err, asr.ErrOverrun) {
				return err
			}
			select { // faster than real time: let the decoder catch up
			case <-time.After(5 * time.Millisecond):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	return r.Flush()
}

// grammars are the grammars of every listening state of bot, in file order,
// exactly as its calls will set them.
func grammars(bot *voicebot.Bot) []*asr.Grammar {
	var out []*asr.Grammar
	for _, name := range bot.Order {
		if h := bot.ListenHints(name); h.Intents != nil {
			out = append(out, grammarFor(h))
		}
	}
	return out
}

// warmSpeech is half a second of silence, the script's first phrase spoken by
// flite at 8 kHz, and a second of silence.
func warmSpeech(ctx context.Context, bot *voicebot.Bot) ([]int16, error) {
	phrase := "yes"
	if len(bot.Intents) > 0 && len(bot.Intents[0].Phrases) > 0 {
		phrase = bot.Intents[0].Phrases[0]
	}
	f, err := tts.NewFlite(tts.FliteOptions{})
	if err != nil {
		return nil, fmt.Errorf("warm recognisers: %w", err)
	}
	out := make([]int16, media.SampleRate/2)
	err = f.Synthesize(ctx, tts.Request{Text: phrase, Rate: media.SampleRate}, func(pcm []int16) error {
		out = append(out, pcm...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("warm recognisers: %w", err)
	}
	return append(out, make([]int16, media.SampleRate)...), nil
}
