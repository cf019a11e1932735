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
// refresh, INFO, NOTIFY) are matched to calls in our own map, since sipgo does
// not implement session timers or a full dialog layer: by Call-ID and both
// dialog tags (RFC 3261 §12.2.2), because Call-IDs are not secret (logs,
// webhooks, the API) and a request naming only the Call-ID must not end, hold
// or inject digits into a call. Anything else is answered 481.
//
// Trunks carry an SRTP mode (off, optional, required; required by default on
// TLS, refused on UDP and TCP): the offer then carries an SDES key (RFC 4568
// a=crypto, crypto.go, AES_CM_128_HMAC_SHA1_80), and the media session
// encrypts with ours and authenticates with the far end's.
package dialer
