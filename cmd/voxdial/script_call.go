package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/tts"
	"github.com/voxdial/voxdial/voicebot"
)

// audioTap receives the callee's audio from the call's OnAudio and hands it to whoever
// needs it now: the recogniser while the bot listens, a bridge after a transfer.
type audioTap struct {
	mu    sync.Mutex
	relay *dialer.Relay
	asr   func(pcm []int16, at time.Duration)
}

func (t *audioTap) OnAudio(pcm []int16, at time.Duration) {
	t.mu.Lock()
	relay, asr := t.relay, t.asr
	t.mu.Unlock()
	if asr != nil {
		asr(pcm, at)
	}
	if relay != nil {
		relay.Write(pcm)
	}
}

func (t *audioTap) setRelay(r *dialer.Relay) {
	t.mu.Lock()
	t.relay = r
	t.mu.Unlock()
}

// botLeg adapts a dialer.Call to voicebot.BotLeg.
type botLeg struct{ *dialer.Call }

func (l botLeg) StopPlayback() { l.Media().StopPlayback() }

// fliteSpeaker speaks prompts with the embedded flite engine at 8 kHz, keeping each
// distinct prompt's audio for the rest of the process (the tts prompt cache replaces
// this once it lands).
type fliteSpeaker struct {
	syn   tts.Synthesizer
	mu    sync.Mutex
	cache map[string]*media.PCM
}

func newFliteSpeaker() (*fliteSpeaker, error) {
	f, err := tts.NewFlite(tts.FliteOptions{})
	if err != nil {
		return nil, err
	}
	return &fliteSpeaker{syn: f, cache: map[string]*media.PCM{}}, nil
}

func (s *fliteSpeaker) Speak(ctx context.Context, p voicebot.Prompt) (media.Source, error) {
	key := p.Voice + "\x00" + p.Text
	s.mu.Lock()
	pcm := s.cache[key]
	s.mu.Unlock()
	if pcm != nil {
		return pcm.Source(), nil
	}
	var samples []int16
	err := s.syn.Synthesize(ctx, tts.Request{Text: p.Text, Voice: p.Voice, Rate: media.SampleRate}, func(b []int16) error {
		samples = append(samples, b...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("speak %s: %w", p.State, err)
	}
	pcm = &media.PCM{Samples: samples}
	s.mu.Lock()
	s.cache[key] = pcm
	s.mu.Unlock()
	return pcm.Source(), nil
}

// deafListener hears nothing: until the streaming recogniser lands, a live call
// listens to keys (DTMF) and silence only.
type deafListener struct{}

func (deafListener) Expect(voicebot.Hints)        {}
func (deafListener) Heard() <-chan voicebot.Heard { return nil }

// watchDTMF turns the digits the call collects into a channel, in order.
func watchDTMF(ctx context.Context, call *dialer.Call) <-chan string {
	ch := make(chan string, 16)
	go func() {
		defer close(ch)
		seen := 0
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-call.Done():
				return
			case <-tick.C:
			}
			digits := call.DTMFReceived()
			for ; seen < len(digits); seen++ {
				select {
				case ch <- string(digits[seen]):
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return ch
}

// runBot drives an answered call with a full voice-bot script and records the bot's
// result in the call's result.
func runBot(ctx context.Context, call *dialer.Call, bot *voicebot.Bot, vars map[string]string, speaker voicebot.Speaker, tap *audioTap, log *zap.Logger) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	transfer := voicebot.ReferThenBridge{
		Refer: call.Refer,
		Bridge: func(ctx context.Context, target string) error {
			relay := dialer.NewRelay()
			tap.setRelay(relay)
			_, err := call.Bridge(ctx, target, relay)
			if err != nil {
				tap.setRelay(nil)
			}
			return err
		},
	}
	answered := time.Now()
	if a := call.Result().Timings.AnsweredAt; a != nil {
		answered = *a
	}
	res, err := voicebot.Run(ctx, botLeg{call}, voicebot.RuntimeOptions{
		Bot: bot, Vars: vars, Speaker: speaker, Listener: deafListener{}, DTMF: watchDTMF(ctx, call),
		Transferer: transfer, AnsweredAt: answered, Logger: log.With(zap.String("call_id", call.ID())),
	})
	call.SetBotResult(func(r *dialer.Result) { fillBotResult(r, res) })
	return err
}

// fillBotResult copies the bot's result into the call result (DESIGN.md §4).
func fillBotResult(r *dialer.Result, res voicebot.Result) {
	r.Disposition = res.Disposition
	r.Tags = append([]string{}, res.Tags...)
	for k, v := range res.Variables {
		r.Variables[k] = v
	}
	r.OptOut = res.OptOut
	r.Transfer = res.Transfer
	r.Timings.TurnLatencyMS = append([]int64{}, res.TurnLatencyMS...)
	r.Transcript = r.Transcript[:0]
	for _, t := range res.Transcript {
		r.Transcript = append(r.Transcript, dialer.Turn{
			Role: t.Role, State: t.State, Text: t.Text, Intent: t.Intent, DTMF: t.DTMF, Score: t.Score,
			Match: t.Match, Confidence: t.Confidence, Event: t.Event, Branch: t.Branch,
			StartMS: t.StartMS, EndMS: t.EndMS,
		})
	}
}
