package aftercall

import (
	"time"

	"github.com/voxdial/voxdial/dialer"
)

// Sentiment is the caller's overall sentiment over the call, from whatever analyses it
// (a sentiment engine is not part of this package): Mean in [-1, 1], Angry when anger was
// detected at any point.
type Sentiment struct {
	Mean  float64
	Angry bool
}

// Label is positive (Mean ≥ 0.25), negative (Mean ≤ -0.25) or neutral.
func (s *Sentiment) Label() string {
	switch {
	case s.Mean >= 0.25:
		return "positive"
	case s.Mean <= -0.25:
		return "negative"
	}
	return "neutral"
}

// Facts are what grading and the summary read of a finished call. Captured and Sentiment
// come from other analyses when they are wired (Options.Captured, Options.Sentiment);
// absent, Captured is the variables the script set during the call and Sentiment is nil
// (a rule that asks for a sentiment does not match).
type Facts struct {
	Outcome     string // the campaign's outcome: answered, voicemail, busy, …
	Disposition string
	Tags        []string
	Contact     map[string]string // the contact's variables (name, amount, …)
	Captured    map[string]string // what the call captured
	Sentiment   *Sentiment        // nil: unknown
	CallerTurns int               // turns in which the caller spoke or pressed keys
	BargeIns    int
	Talk        time.Duration // answered → ended
	OptOut      bool
	Transfer    bool
	Callback    time.Duration // a call-back the script asked for (0: none)
	Transcript  []dialer.Turn
}

// NewFacts reads the facts of res; contact are the contact's variables and outcome the
// campaign's outcome (which may differ from res.Outcome: voicemail, abandoned).
func NewFacts(res *dialer.Result, contact map[string]string, outcome string) Facts {
	f := Facts{Outcome: outcome, Disposition: res.Disposition, Tags: res.Tags, Contact: contact,
		Talk: time.Duration(res.Timings.DurationMS) * time.Millisecond, OptOut: res.OptOut, Transfer: res.Transfer != nil,
		Transcript: res.Transcript}
	if f.Outcome == "" {
		f.Outcome = string(res.Outcome)
	}
	if res.Callback != nil {
		f.Callback = time.Duration(res.Callback.AfterS) * time.Second
	}
	for i := range res.Transcript {
		t := &res.Transcript[i]
		if t.Event == "barge_in" {
			f.BargeIns++
		}
		if t.Role == "caller" && (t.Text != "" || t.DTMF != "") {
			f.CallerTurns++
		}
	}
	// What the call set: variables that are new or changed against the contact's.
	for k, v := range res.Variables {
		if cv, ok := contact[k]; ok && cv == v {
			continue
		}
		if f.Captured == nil {
			f.Captured = make(map[string]string, len(res.Variables))
		}
		f.Captured[k] = v
	}
	return f
}
