package campaign

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/voxdial/voxdial/outcome"
)

// Delay is how long to wait before the next attempt: a Go duration ("30m")
// or "next_day" (the contact's next local day, from the start of the window).
type Delay struct {
	D       time.Duration
	NextDay bool
}

func (d Delay) String() string {
	if d.NextDay {
		return "next_day"
	}
	return d.D.String()
}

func (d Delay) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

func (d *Delay) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("delay: want a string like \"30m\" or \"next_day\"")
	}
	v, err := ParseDelay(s)
	*d = v
	return err
}

// ParseDelay reads "30m", "2h", "next_day".
func ParseDelay(s string) (Delay, error) {
	if s == "next_day" {
		return Delay{NextDay: true}, nil
	}
	v, err := time.ParseDuration(s)
	if err != nil || v <= 0 {
		return Delay{}, fmt.Errorf("delay %q: want a positive duration (30m, 2h) or next_day", s)
	}
	return Delay{D: v}, nil
}

// RetryPolicy decides what happens to a contact after each attempt.
// Zero fields take the defaults of DefaultRetryPolicy when compiled.
type RetryPolicy struct {
	// Outcomes maps a call outcome (busy, no_answer, voicemail, failed,
	// congestion, rejected) to the delay before the next attempt; an outcome
	// without a delay is final.
	Outcomes map[string]Delay `json:"outcomes,omitempty"`
	// Dispositions maps a disposition the script set on an answered call to
	// a retry delay (voicemail_left, no_response); other dispositions are final.
	Dispositions map[string]Delay `json:"dispositions,omitempty"`
	// Backoff multiplies an outcome's delay for each consecutive repeat
	// (congestion: 2 → 5m, 10m, 20m …), capped at MaxDelay.
	Backoff  map[string]float64 `json:"backoff,omitempty"`
	MaxDelay Duration           `json:"max_delay,omitempty"` // default 24h
	// Terminal adds dispositions that are never retried to TerminalDispositions.
	Terminal []string `json:"terminal,omitempty"`
}

// TerminalDispositions are never retried, whatever the policy says.
var TerminalDispositions = []string{"opted_out", "wrong_party", "invalid_number", "compliance_blocked"}

// DefaultRetryPolicy is the product's default policy: busy 30 m, no_answer 2 h,
// voicemail next day, failed 1 h, congestion 5 m with back-off.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{
		Outcomes: map[string]Delay{
			string(outcome.Busy): {D: 30 * time.Minute}, string(outcome.NoAnswer): {D: 2 * time.Hour},
			string(outcome.Voicemail): {NextDay: true}, string(outcome.Failed): {D: time.Hour},
			string(outcome.Congestion): {D: 5 * time.Minute}, string(outcome.Rejected): {D: 2 * time.Hour},
			string(outcome.Lost): {D: 5 * time.Minute}, string(outcome.Cut): {D: 5 * time.Minute},
			string(outcome.Abandoned): {D: AbandonRecall},
		},
		Dispositions: map[string]Delay{"voicemail_left": {NextDay: true}, "no_response": {D: 2 * time.Hour},
			"transfer_abandoned": {D: time.Hour}},
		Backoff:  map[string]float64{string(outcome.Congestion): 2},
		MaxDelay: Duration(24 * time.Hour),
	}
}

// Compile fills defaults: outcomes and dispositions absent from the policy
// keep their default delays (set a delay to "0s"… no: list it under
// terminal to make it final).
func (p *RetryPolicy) Compile() error {
	def := DefaultRetryPolicy()
	if p.Outcomes == nil {
		p.Outcomes = map[string]Delay{}
	}
	for k, v := range def.Outcomes {
		if _, ok := p.Outcomes[k]; !ok {
			p.Outcomes[k] = v
		}
	}
	if p.Dispositions == nil {
		p.Dispositions = map[string]Delay{}
	}
	for k, v := range def.Dispositions {
		if _, ok := p.Dispositions[k]; !ok {
			p.Dispositions[k] = v
		}
	}
	if p.Backoff == nil {
		p.Backoff = def.Backoff
	}
	for k, v := range p.Backoff {
		if v < 1 {
			return fmt.Errorf("retry policy: backoff %s: %g must be ≥ 1", k, v)
		}
	}
	if p.MaxDelay == 0 {
		p.MaxDelay = def.MaxDelay
	}
	for _, t := range p.Terminal {
		delete(p.Dispositions, t)
		delete(p.Outcomes, t)
	}
	return nil
}

func (p *RetryPolicy) terminal(disposition string) bool {
	for _, t := range TerminalDispositions {
		if t == disposition {
			return true
		}
	}
	for _, t := range p.Terminal {
		if t == disposition {
			return true
		}
	}
	return false
}

// AttemptFacts are what the policy decides from.
type AttemptFacts struct {
	Outcome     string    // dialer outcome; "voicemail" when AMD said machine
	Disposition string    // set by the script; "" when none
	CallbackAt  time.Time // a callback the script asked for; zero when none
	Attempts    int       // attempts made on the contact, including this one
	MaxAttempts int       // 0: no limit
	Streak      int       // consecutive attempts with Outcome, including this one
	Now         time.Time
}

// Decision is the contact's next step.
type Decision struct {
	Final       bool
	Disposition string    // when final
	Delay       Delay     // when not final (before the schedule moves it into a window)
	At          time.Time // when not final and the time is fixed (a callback)
	Reason      string
}

// Decide applies the policy. Terminal dispositions and invalid numbers are
// final at once; callbacks are honoured at the requested time; otherwise the
// outcome's (or the disposition's) delay applies until MaxAttempts is spent.
func (p *RetryPolicy) Decide(f AttemptFacts) Decision {
	switch {
	case f.Disposition != "" && p.terminal(f.Disposition):
		return Decision{Final: true, Disposition: f.Disposition, Reason: "terminal disposition"}
	case outcome.Code(f.Outcome).Final(): // invalid_number
		return Decision{Final: true, Disposition: f.Outcome, Reason: "terminal outcome"}
	}
	spent := f.MaxAttempts > 0 && f.Attempts >= f.MaxAttempts
	final := func(reason string) Decision {
		d := f.Disposition
		if d == "" {
			d = f.Outcome
			if f.Outcome == string(outcome.Answered) {
				d = "completed"
			}
		}
		return Decision{Final: true, Disposition: d, Reason: reason}
	}
	if !f.CallbackAt.IsZero() {
		if spent {
			return final("callback requested but max attempts reached")
		}
		return Decision{At: f.CallbackAt, Reason: "callback"}
	}
	var delay Delay
	var ok bool
	key := f.Outcome
	if f.Outcome == string(outcome.Answered) {
		if f.Disposition == "" {
			return final("answered")
		}
		delay, ok = p.Dispositions[f.Disposition]
		key = f.Disposition
	} else {
		delay, ok = p.Outcomes[f.Outcome]
	}
	if !ok {
		return final("not retried: " + key)
	}
	if spent {
		return final(fmt.Sprintf("max attempts (%d) reached", f.MaxAttempts))
	}
	if outcome.Code(f.Outcome) == OutcomeAbandoned && !delay.NextDay && delay.D < AbandonRecall {
		delay.D = AbandonRecall // Ofcom: no re-call for 72 h after an abandoned call, whatever the policy says
	}
	if m := p.Backoff[key]; m > 1 && !delay.NextDay && f.Streak > 1 {
		d := float64(delay.D)
		for i := 1; i < f.Streak && d < float64(p.MaxDelay); i++ {
			d *= m
		}
		delay.D = min(time.Duration(d), time.Duration(p.MaxDelay))
	}
	return Decision{Delay: delay, Reason: strings.TrimSpace("retry after " + key)}
}

// NextAttempt turns a decision into a time, moved into the schedule's next
// window for the contact; zero when the schedule has no time left.
func NextAttempt(d Decision, now time.Time, s *Schedule, loc, campaignLoc *time.Location) time.Time {
	t := d.At
	if t.IsZero() {
		if d.Delay.NextDay {
			lt := now.In(loc)
			t = time.Date(lt.Year(), lt.Month(), lt.Day()+1, 0, 0, 0, 0, loc)
		} else {
			t = now.Add(d.Delay.D)
		}
	}
	return s.NextEligible(t, loc, campaignLoc)
}
