package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/voxdial/voxdial/sim"
	"github.com/voxdial/voxdial/sim/simtest"
)

// botProfile: callees that answer a voice-bot script with keys (the live path listens
// to DTMF until the streaming recogniser lands), and an agent that takes transfers.
const botProfile = `
defaults:
  end_of_speech: 500ms
  max_wait: 30s
behaviours:
  pays:
    kind: person
    answer_after: 100ms
    turns:
      - dtmf: "1"
      - dtmf: "1"
    after_turns: wait
  opts_out:
    kind: person
    answer_after: 100ms
    turns:
      - dtmf: "9"
    after_turns: wait
  wants_agent:
    kind: person
    answer_after: 100ms
    turns:
      - dtmf: "1"
      - dtmf: "2"
      - dtmf: "1"
    after_turns: wait
  agent:
    kind: person
    answer_after: 100ms
    max_wait: 300ms
    turns:
      - silence: 500ms
    after_turns: hangup
routes:
  - {match: '0100101$', behaviour: pays}
  - {match: '0100102$', behaviour: opts_out}
  - {match: '0100103$', behaviour: wants_agent}
  - {match: '^collections$', behaviour: agent}
mix:
  - {behaviour: pays, weight: 1}
`

func startBotSim(t *testing.T) *sim.Server {
	t.Helper()
	return simtest.Start(t, "bot-profile.yaml", botProfile)
}

type botCallJSON struct {
	Outcome     string   `json:"outcome"`
	Disposition string   `json:"disposition"`
	Tags        []string `json:"tags"`
	OptOut      bool     `json:"opt_out"`
	Transfer    *string  `json:"transfer"`
	HangupBy    string   `json:"hangup_by"`
	Transcript  []struct {
		Role, Text, Intent, DTMF string
	} `json:"transcript"`
	Timings struct {
		AnswerToFirstAudioMS *int64  `json:"answer_to_first_audio_ms"`
		TurnLatencyMS        []int64 `json:"turn_latency_ms"`
	} `json:"timings"`
	Variables map[string]string `json:"variables"`
}

// TestCallVoiceBotScriptLive runs the reference script over SIP/RTP against the
// simulator, with the embedded synthesiser speaking every prompt.
func TestCallVoiceBotScriptLive(t *testing.T) {
	if testing.Short() {
		t.Skip("live calls speak whole prompts in real time")
	}
	t.Parallel()
	far := startBotSim(t)
	for _, c := range []struct {
		to, disposition string
		optOut          bool
		transfer        bool
		dtmfTurns       int
	}{
		{"+15550100101", "promise_to_pay", false, false, 2},
		{"+15550100102", "opted_out", true, false, 1},
		{"+15550100103", "transferred", false, true, 3},
	} {
		t.Run(c.disposition, func(t *testing.T) {
			t.Parallel()
			code, out, errOut := runCLI(t, "call", "--to", c.to, "--trunk", "sip:"+far.Addr().String(),
				"--script", enScript, "--var", "first_name=Ana", "--var", "amount=120.50", "--var", "due_date=2026-12-01",
				"--json", "--log-level", "warn")
			if code != 0 {
				t.Fatalf("exit %d\n%s", code, errOut)
			}
			var r botCallJSON
			if err := json.Unmarshal([]byte(out), &r); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if r.Outcome != "answered" || r.Disposition != c.disposition || r.OptOut != c.optOut || (r.Transfer != nil) != c.transfer {
				t.Fatalf("result:\n%s\nstderr:\n%s", out, errOut)
			}
			dtmf := 0
			for _, turn := range r.Transcript {
				if turn.DTMF != "" {
					dtmf++
				}
			}
			if dtmf != c.dtmfTurns || r.Transcript[0].Role != "bot" || !strings.Contains(r.Transcript[0].Text, "Acme Finance calling for Ana") {
				t.Errorf("transcript: %s", out)
			}
			if r.Timings.AnswerToFirstAudioMS == nil || len(r.Timings.TurnLatencyMS) != c.dtmfTurns || r.Variables["first_name"] != "Ana" {
				t.Errorf("timings/variables: %s", out)
			}
		})
	}
}

func TestCallVoiceBotScriptMissingVar(t *testing.T) {
	t.Parallel()
	code, out, errOut := runCLI(t, "call", "--to", "+15550100101", "--trunk", "sip:127.0.0.1:9", "--script", enScript, "--var", "first_name=Ana")
	if code != 2 || out != "" || !strings.Contains(errOut, "requires amount, due_date") {
		t.Fatalf("exit %d %q %s", code, out, errOut)
	}
}
