package dialer

import "testing"

func TestClassify(t *testing.T) {
	t.Parallel()
	cases := []struct {
		status    int
		cancelled bool
		want      Outcome
	}{
		{200, false, OutcomeAnswered},
		{202, false, OutcomeAnswered},
		{486, false, OutcomeBusy},
		{600, false, OutcomeBusy},
		{408, false, OutcomeNoAnswer},
		{480, false, OutcomeNoAnswer},
		{487, true, OutcomeNoAnswer},
		{487, false, OutcomeFailed}, // a 487 we did not ask for is not a ring-out
		{0, true, OutcomeNoAnswer},
		{0, false, OutcomeFailed},
		{603, false, OutcomeRejected},
		{404, false, OutcomeInvalidNumber},
		{410, false, OutcomeInvalidNumber},
		{484, false, OutcomeInvalidNumber},
		{604, false, OutcomeInvalidNumber},
		{500, false, OutcomeCongestion},
		{502, false, OutcomeCongestion},
		{503, false, OutcomeCongestion},
		{504, false, OutcomeCongestion},
		{403, false, OutcomeFailed},
		{488, false, OutcomeFailed},
		{501, false, OutcomeFailed},
	}
	for _, c := range cases {
		if got := Classify(c.status, c.cancelled); got != c.want {
			t.Errorf("Classify(%d, cancelled=%v) = %s, want %s", c.status, c.cancelled, got, c.want)
		}
	}
}
