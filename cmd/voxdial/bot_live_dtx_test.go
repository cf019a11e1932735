package main

import (
	"strings"
	"testing"

	"github.com/voxdial/voxdial/sim/simtest"
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
