package main

import (
	"encoding/json"
	"testing"
)

// Six live conversations, one per simulated outcome, through the binary's entry
// point: the JSON object carries the contract keys and the figures are real.
func TestBenchBotReportsContractKeys(t *testing.T) {
	if testing.Short() {
		t.Skip("live calls speak whole prompts in real time")
	}
	t.Parallel()
	type miss struct {
		Expected, Got string
		Heard         []string
		Media         struct {
			ClockStalls   uint64 `json:"clock_stalls"`
			BehindSilence uint64 `json:"behind_silence"`
		}
	}
	var r struct {
		Calls                int                `json:"calls"`
		CallsCompleted       int                `json:"calls_completed"`
		Failed               int                `json:"failed"`
		Concurrency          int                `json:"concurrency"`
		Peak                 int                `json:"peak_concurrent_conversations"`
		Dispositions         map[string]int     `json:"dispositions"`
		Expected             int                `json:"dispositions_expected"`
		TurnOverhead         map[string]float64 `json:"turn_overhead_ms"`
		AnswerToFirstAudioMS map[string]float64 `json:"answer_to_first_audio_ms"`
		Turns                int                `json:"turns"`
		GoVersion            string             `json:"go_version"`
		GOMAXPROCS           int                `json:"gomaxprocs"`
		DurationS            float64            `json:"duration_s"`
		CPUCores             *float64           `json:"cpu_cores"`
		Misheard             []miss             `json:"misheard"`
	}
	var out string
	for try := 1; ; try++ {
		var errOut string
		_, out, errOut = runCLI(t, "bench", "bot", "--calls", "6", "--concurrency", "6", "--json")
		r.Misheard = nil
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("not one JSON object: %v\n%s\n%s", err, out, errOut)
		}
		// Recognition on a machine this test shares with others may miss one call
		// (below); more than one, each on a call whose media clock stalled or whose
		// speech came behind made-up silence (the process starved: the bot heard
		// holes the callee did not make), runs the bench once more.
		starved := len(r.Misheard) > 1
		for _, m := range r.Misheard {
			starved = starved && (m.Media.ClockStalls > 0 || m.Media.BehindSilence > 0)
		}
		if try == 2 || !starved {
			break
		}
		t.Logf("%d calls misheard on a starved machine: running the bench again: %+v", len(r.Misheard), r.Misheard)
	}
	if r.Calls != 6 || r.CallsCompleted != 6 || r.Failed != 0 || r.Concurrency != 6 || r.Peak < 2 {
		t.Fatalf("calls %d completed %d failed %d concurrency %d peak %d\n%s", r.Calls, r.CallsCompleted, r.Failed, r.Concurrency, r.Peak, out)
	}
	// Voicemail (AMD) does not depend on recognising words; the rest do (the REFER
	// too: "Representative." must be heard), and recognition on a machine this test
	// shares with others may miss one.
	if r.Dispositions["voicemail_left"] != 1 || r.Expected < 5 {
		t.Errorf("dispositions %v, %d as expected\n%s", r.Dispositions, r.Expected, out)
	}
	if _, ok := r.TurnOverhead["p95"]; !ok || r.Turns < 8 {
		t.Errorf("turn overhead %v over %d turns", r.TurnOverhead, r.Turns)
	}
	if p95, ok := r.AnswerToFirstAudioMS["p95"]; !ok || p95 <= 0 || p95 > 5000 {
		t.Errorf("answer to first audio %v", r.AnswerToFirstAudioMS)
	}
	if r.GoVersion == "" || r.GOMAXPROCS == 0 || r.DurationS <= 0 || r.CPUCores == nil {
		t.Errorf("common keys: %s", out)
	}
}
