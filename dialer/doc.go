// Package dialer places outbound calls: it owns the SIP user agent (on
// github.com/emiago/sipgo), trunks, SDP offer/answer (on github.com/pion/sdp/v3)
// and the Call that ties one SIP dialog to one media session.
//
// A call leg moves through these states and ends exactly once:
//
//	dialing ──1xx──► ringing ──183+SDP──► early media
//	   │                │                     │
//	   │ final ≥300     │ ring timeout        │ 2xx
//	   ▼                ▼ (CANCEL, 487)       ▼
//	 ended(busy|…)    ended(no_answer)      answered ──BYE either side──► ended
//
// The end of a call is idempotent (Call.end runs once) and detached from the
// caller's context, so that a cancelled request still sends its BYE. Every
// final SIP status is mapped to an Outcome by one table-tested function,
// Classify; nothing here retries a call once its INVITE has left, because a
// retry could ring a person twice.
//
// In-dialog requests from the far end (BYE, re-INVITE for hold/resume or
// refresh, OPTIONS, INFO) are matched to calls by Call-ID in our own map,
// since sipgo does not implement session timers or a full dialog layer.
package dialer
