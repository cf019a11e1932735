package main

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/sim/simtest"
	"github.com/voxdial/voxdial/tts"
)

// dtxProfile: callees on lines with silence suppression (DTX). They send RTP only
// while they speak — nothing between words, nothing after their turn — with (cn) or
// without (silent) one RFC 3389 comfort-noise packet per silence.
const dtxProfile = `
defaults:
  end_of_speech: 700ms
  max_wait: 20s
  max_duration: 2m
behaviours:
  # Answers, lets the greeting finish, opts out, then says nothing more.
  optout_cn:
    kind: person
    answer_after: 50ms
    dtx: cn
    turns: [{text: "Stop calling."}]
    after_turns: wait
  # The same on a line that sends nothing at all in silence, one turn later.
  optout_silent:
    kind: person
    answer_after: 50ms
    dtx: silent
    turns: [{text: "Speaking."}, {text: "Stop calling."}]
    after_turns: wait
  # A short "no" spoken over the greeting (barge-in), then silence.
  bargein_no:
    kind: person
    answer_after: 50ms
    dtx: cn
    turns: [{text: "No.", over_bot: 1500ms}]
    after_turns: wait
  # A short "yes" over the greeting, then "yes" after the reminder.
  bargein_yes:
    kind: person
    answer_after: 50ms
    dtx: silent
    turns: [{text: "Yes.", over_bot: 1500ms}, {text: "Yes."}]
    after_turns: wait
routes:
  - {match: '0100401$', behaviour: optout_cn}
  - {match: '0100402$', behaviour: optout_silent}
  - {match: '0100403$', behaviour: bargein_no}
  - {match: '0100404$', behaviour: bargein_yes}
`

// TestLiveBotHearsDTXCallers: callers whose phones stop sending RTP when they stop
// talking are heard — the end of their turn comes on the media clock, not on
// packets — and a short answer spoken over a prompt on such a line is decoded.
// An opt-out must never end as no_response.
func TestLiveBotHearsDTXCallers(t *testing.T) {
	if testing.Short() {
		t.Skip("live calls speak whole prompts in real time")
	}
	t.Parallel()
	far := simtest.Start(t, "dtx-profile.yaml", dtxProfile)
	for _, c := range []struct {
		name, to, disposition string
		answered              []string // intents of the caller's turns, in order
		bargeIn               bool     // the greeting was cut by the answer
	}{
		{"opt-out after the prompt, comfort noise", "+15550100401", "opted_out", []string{"opt_out"}, false},
		{"opt-out after the prompt, no RTP in silence", "+15550100402", "opted_out", []string{"yes", "opt_out"}, false},
		{"no over the greeting", "+15550100403", "wrong_party", []string{"no"}, true},
		{"yes over the greeting", "+15550100404", "promise_to_pay", []string{"yes", "yes"}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r, rec := callBotHearing(t, far, c.to, enScript, c.disposition, enVarsArgs...)
			t.Logf("turn latency %v ms (end_of_turn 700 ms)", r.Timings.TurnLatencyMS)
			var intents []string
			bargeIn := false
			for _, turn := range r.Transcript {
				if turn.Event == "no_input" {
					t.Errorf("a no_input turn: the caller's answer was not heard: %+v", r.Transcript)
				}
				if turn.Role == "caller" && turn.Intent != "" {
					intents = append(intents, turn.Intent)
				}
				bargeIn = bargeIn || (turn.Role == "bot" && turn.State == "greet" && turn.Event == "barge_in")
			}
			if r.Disposition != c.disposition || strings.Join(intents, ",") != strings.Join(c.answered, ",") || bargeIn != c.bargeIn {
				t.Fatalf("disposition %q (want %q), intents %v (want %v), greeting interrupted %v (want %v); transcript %+v",
					r.Disposition, c.disposition, intents, c.answered, bargeIn, c.bargeIn, r.Transcript)
			}
			if c.disposition == "opted_out" && !r.OptOut {
				t.Errorf("opted_out without the opt-out action: %+v", r)
			}
			if rec.TurnsDone != len(c.answered) {
				t.Errorf("the simulator performed %d turns, want %d", rec.TurnsDone, len(c.answered))
			}
		})
	}
}

// TestLiveBotNoiseArrivesWithAnswer: a phone that sent nothing while the bot spoke
// (silence suppression) sends its caller's answer with a busy street behind it, and
// the street goes on long after the words. The caller's turn ends on the words, not
// when the noise stops: the bot replies while the noise still runs.
func TestLiveBotNoiseArrivesWithAnswer(t *testing.T) {
	if testing.Short() {
		t.Skip("live calls speak whole prompts in real time")
	}
	t.Parallel()
	fl, err := tts.NewFlite(tts.FliteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var speech []int16
	err = fl.Synthesize(context.Background(), tts.Request{Text: "Please stop calling me.", Voice: "slt", Rate: media.SampleRate, Speed: 1},
		func(p []int16) error { speech = append(speech, p...); return nil })
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, s := range speech {
		sum += float64(s) * float64(s)
	}
	gain := 3000 / math.Sqrt(sum/float64(len(speech))) // the words at -21 dBFS
	// Half a second of noise, the words, six seconds of noise: white, 20 dB under the
	// words (loud enough for the VAD to call its onset speech), from a fixed seed.
	const lead, tail = media.SampleRate / 2, 6 * media.SampleRate
	pcm := slices.Concat(make([]int16, lead), speech, make([]int16, tail))
	rng := rand.New(rand.NewPCG(1, 2))
	a := 300 * math.Sqrt(3) // uniform on [-a, a]: RMS 300
	for i := range pcm {
		v := float64(pcm[i]) * gain
		pcm[i] = int16(max(-32768, min(32767, v+(rng.Float64()*2-1)*a)))
	}
	wav := filepath.Join(t.TempDir(), "street.wav")
	if err := media.WriteWAVFile(wav, media.SampleRate, 1, pcm); err != nil {
		t.Fatal(err)
	}
	far := simtest.Start(t, "street-profile.yaml", fmt.Sprintf(`
defaults: {end_of_speech: 700ms, max_wait: 20s, max_duration: 2m}
behaviours:
  street:
    kind: person
    answer_after: 50ms
    dtx: silent
    turns: [{say: %q}]
    after_turns: wait
routes:
  - {match: '0100405$', behaviour: street}
`, wav))
	// What the words are heard as is the recogniser's accuracy in noise (BENCHMARKS.md);
	// this is about when the turn ends.
	r := callBot(t, far, "+15550100405", enScript, enVarsArgs...)
	words := time.Duration(len(speech)) * time.Second / media.SampleRate
	var heard, replied int64 = -1, -1
	for _, turn := range r.Transcript {
		switch {
		case turn.Role == "caller" && turn.Event != "no_input" && heard < 0:
			heard = turn.StartMS
		case turn.Role == "bot" && heard >= 0 && replied < 0:
			replied = turn.StartMS
		}
	}
	if heard < 0 || replied < 0 {
		t.Fatalf("the answer was not heard, or not replied to: %+v", r.Transcript)
	}
	// From the first sound (the noise, within the pre-roll) to the bot's reply: the
	// lead, the words, the end of turn and the decode — well inside the noise, which
	// runs 6 s past the words. Held open by the noise, the turn would end 6.7 s after
	// the words.
	took := time.Duration(replied-heard) * time.Millisecond
	if limit := time.Second/2 + words + 3*time.Second; took > limit {
		t.Errorf("the bot replied %v after the answer began (%v of words, then 6 s of noise); want within %v; transcript %+v",
			took, words, limit, r.Transcript)
	}
	t.Logf("replied %v after the answer began (%v of words)", took, words)
}
