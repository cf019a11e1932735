package main

import (
	"encoding/json"
	"testing"
)

// A callee who answers the payment reminder by voice ("Yes, speaking.", then
// "Yes, I can pay by then.") reaches promise_to_pay through speech
// recognition on a live SIP/RTP call: no keys pressed.
func TestLiveCallUnderstandsSpeech(t *testing.T) {
	far := startSim(t) // default profile: +15550100001 speaks yes.wav, then pay.wav
	code, out, errOut := runCLI(t, "call", "--to", "+15550100001", "--trunk", "sip:"+far.Addr().String(),
		"--script", "asset:payment-reminder.en.yaml", "--var", "first_name=Ana", "--var", "amount=120.50",
		"--var", "due_date=2026-12-01", "--json", "--log-level", "warn")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r struct {
		Outcome     string `json:"outcome"`
		Disposition string `json:"disposition"`
		DTMF        string `json:"dtmf"`
		Transcript  []struct {
			Role, State, Text, Intent, Branch string
		} `json:"transcript"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Outcome != "answered" || r.Disposition != "promise_to_pay" || r.DTMF != "" {
		t.Fatalf("outcome %s disposition %q dtmf %q; transcript %+v", r.Outcome, r.Disposition, r.DTMF, r.Transcript)
	}
	spoken := 0
	for _, turn := range r.Transcript {
		if turn.Role == "caller" && turn.Text != "" && turn.Intent == "yes" {
			spoken++
		}
	}
	if spoken != 2 {
		t.Fatalf("want two spoken yes turns, transcript %+v", r.Transcript)
	}
}
