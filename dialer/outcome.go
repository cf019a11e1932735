package dialer

// Outcome is how a call attempt ended, as the call contract names it.
type Outcome string

// Outcomes of a call attempt (docs/call-result.md, "Outcomes").
const (
	OutcomeAnswered      Outcome = "answered"
	OutcomeBusy          Outcome = "busy"
	OutcomeNoAnswer      Outcome = "no_answer"
	OutcomeRejected      Outcome = "rejected"
	OutcomeInvalidNumber Outcome = "invalid_number"
	OutcomeCongestion    Outcome = "congestion"
	OutcomeFailed        Outcome = "failed"
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
