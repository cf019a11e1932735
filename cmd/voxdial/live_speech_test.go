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

// A voicemail box (greeting, beep) is detected as a machine and gets the
// script's voicemail branch after the beep.
func TestLiveCallVoicemailBranch(t *testing.T) {
	far := startSim(t) // default profile: +15550100004 is a voicemail box
	code, out, errOut := runCLI(t, "call", "--to", "+15550100004", "--trunk", "sip:"+far.Addr().String(),
		"--script", "asset:payment-reminder.en.yaml", "--var", "first_name=Ana", "--var", "amount=120.50",
		"--var", "due_date=2026-12-01", "--json", "--log-level", "warn")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r struct {
		Disposition string `json:"disposition"`
		AMD         *struct {
			Verdict   string `json:"verdict"`
			DecidedMS int64  `json:"decided_ms"`
		} `json:"amd"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.AMD == nil || r.AMD.Verdict != "machine" || r.Disposition != "voicemail_left" {
		t.Fatalf("amd %+v disposition %q", r.AMD, r.Disposition)
	}
}
