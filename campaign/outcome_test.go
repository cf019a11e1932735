package campaign

import (
	"testing"

	"github.com/voxdial/voxdial/outcome"
)

// The default retry policy and the outcome table agree: every outcome of a placed call
// that is not final (answered aside: its disposition decides) has a default delay, a final
// one is never retried, and the policy names no code the table lacks.
func TestDefaultRetryCoversCallOutcomes(t *testing.T) {
	p := DefaultRetryPolicy()
	if err := p.Compile(); err != nil {
		t.Fatal(err)
	}
	for _, c := range outcome.Codes(outcome.StageCall, outcome.StageCampaign) {
		_, retried := p.Outcomes[string(c)]
		switch {
		case c == outcome.Answered:
		case c.Final() && retried:
			t.Errorf("%s is final, yet the default policy retries it", c)
		case !c.Final() && !retried:
			t.Errorf("%s: no default retry delay (campaign/retry.go DefaultRetryPolicy)", c)
		}
		if c.Final() {
			if d := p.Decide(AttemptFacts{Outcome: string(c), Attempts: 1, MaxAttempts: 5}); !d.Final {
				t.Errorf("%s: final in the table, Decide retries: %+v", c, d)
			}
		}
	}
	for k := range p.Outcomes {
		if !outcome.Code(k).Known() {
			t.Errorf("default policy names %q, not in the outcome table", k)
		}
	}
}
