package main

import (
	"encoding/json"
	"testing"
)

// reminderCall is what the tests read of a live call's result.
type reminderCall struct {
	CallID      string `json:"call_id"`
	Outcome     string `json:"outcome"`
	Disposition string `json:"disposition"`
	DTMF        string `json:"dtmf"`
	AMD         *struct {
		Verdict   string `json:"verdict"`
		DecidedMS int64  `json:"decided_ms"`
	} `json:"amd"`
	Transcript []struct {
		Role, State, Text, Intent, Event, Branch string
	} `json:"transcript"`
	Media json.RawMessage `json:"media"`
}

// callReminder places a live call (SIP/RTP) from the binary to a number of the
// simulator with a payment-reminder script for Ana and decodes its result. A call
// that does not end in disposition want ("" takes any) while a media clock stalled
// is placed again (see callBotHearing).
func callReminder(t *testing.T, to, script, want string) reminderCall {
	t.Helper()
	far := startSim(t)
	var r reminderCall
	placeHeard(t, far, func() (string, string, json.RawMessage) {
		code, out, errOut := runCLI(t, "call", "--to", to, "--trunk", "sip:"+far.Addr().String(),
			"--script", script, "--var", "first_name=Ana", "--var", "amount=120.50",
			"--var", "due_date=2026-12-01", "--json", "--log-level", "warn")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		r = reminderCall{}
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		return wrongDisposition(r.Disposition, want), r.CallID, r.Media
	})
	return r
}

// A callee who answers the payment reminder by voice ("Yes, speaking.", then
// "Yes, I can pay by then.") reaches promise_to_pay through speech
// recognition on a live SIP/RTP call: no keys pressed.
func TestLiveCallUnderstandsSpeech(t *testing.T) {
	// default profile: +15550100001 speaks yes.wav, then pay.wav
	r := callReminder(t, "+15550100001", "asset:payment-reminder.en.yaml", "promise_to_pay")
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
	// default profile: +15550100004 is a voicemail box
	r := callReminder(t, "+15550100004", "asset:payment-reminder.en.yaml", "voicemail_left")
	if r.AMD == nil || r.AMD.Verdict != "machine" || r.Disposition != "voicemail_left" {
		t.Fatalf("amd %+v disposition %q", r.AMD, r.Disposition)
	}
}
