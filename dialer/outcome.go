package dialer

import "github.com/voxdial/voxdial/outcome"

// Outcome is how a call attempt ended. The vocabulary is package outcome's (one
// table for the dialer, the campaign, the gate and the dashboard); the dialer
// re-exports the codes it produces.
type Outcome = outcome.Code

// Outcomes of a call attempt (docs/call-result.md, "Outcomes").
const (
	OutcomeAnswered      = outcome.Answered
	OutcomeBusy          = outcome.Busy
	OutcomeNoAnswer      = outcome.NoAnswer
	OutcomeRejected      = outcome.Rejected
	OutcomeInvalidNumber = outcome.InvalidNumber
	OutcomeCongestion    = outcome.Congestion
	OutcomeFailed        = outcome.Failed
)

// Classify maps a final SIP status of an INVITE to an outcome. cancelled says
// whether we sent CANCEL (ring timeout), which turns a 487 into no_answer.
// Anything unlisted is failed; the caller keeps the status and reason.
func Classify(status int, cancelled bool) Outcome {
	switch {
	case status >= 200 && status < 300:
		return OutcomeAnswered
	}
	switch status {
	case 486, 600: // Busy Here, Busy Everywhere
		return OutcomeBusy
	case 408, 480: // Request Timeout, Temporarily Unavailable: the callee did not pick up
		return OutcomeNoAnswer
	case 487: // Request Terminated: only ours to expect after CANCEL
		if cancelled {
			return OutcomeNoAnswer
		}
		return OutcomeFailed
	case 603: // Decline
		return OutcomeRejected
	case 404, 410, 484, 604: // Not Found, Gone, Address Incomplete, Does Not Exist Anywhere
		return OutcomeInvalidNumber
	case 500, 502, 503, 504: // carrier or network trouble: worth a later retry
		return OutcomeCongestion
	}
	if status == 0 && cancelled {
		// Ring timeout with no final answer at all (an RFC 2543 UAS never sends 487).
		return OutcomeNoAnswer
	}
	return OutcomeFailed
}
