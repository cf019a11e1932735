// Package sim is the callee simulator: a population of SIP user agents (UAS)
// on one address that answer, refuse, ring out, play voicemail greetings,
// speak and press keys. It is voxdial's demo far end, the peer of the
// dialer's tests and its load peer (`voxdial sim`).
//
// A Profile (YAML, see default_profile.yaml and ParseProfile) names
// behaviours and chooses one per INVITE: the first route whose regexp
// matches the Request-URI user part, else a weighted draw from the mix.
//
// # One call
//
//	INVITE ──► [auth] ──no/bad credentials──► 401 / 403
//	  │ route → behaviour
//	  ├─ busy/reject/invalid/congestion/status: [180 for ring] ──► 486/603/404/503/N
//	  ├─ ring_out: 180 ──► 487 on CANCEL | status (480) after ring
//	  └─ person/voicemail: [180 | 183+SDP+ringback for answer_after] ──► 200+SDP ──► ACK
//	        person:    for each turn: wait for the bot's end of speech (or, for
//	                   an over_bot turn, talk over it mid-word), then
//	                   say WAV | speak text (TTS) | DTMF | silence | re-INVITE | BYE;
//	                   REFER: 202 (refer: accept) or 603 (refuse, the default);
//	                   then BYE (after_turns: hangup) or wait for the dialer's BYE
//	        voicemail: greeting ──► 1 kHz beep ──► silence while recording
//	        always:    BYE from us at max_duration; the dialer's BYE ends it at any time
//	CANCEL while ringing ──► 200 to the CANCEL, 487 to the INVITE (CallRecord.Cancelled)
//
// Text turns are synthesised once when the profile loads (flite, or espeak-ng
// as a subprocess), trimmed to their speech onset. Each spoken turn is recorded
// with when its speech reached the wire and the bot speech heard around it, so
// tests measure barge-in on the RTP stream (CallRecord.Spoken).
//
// Media is SRTP whenever the offer carries an a=crypto we support (SDES,
// AES_CM_128_HMAC_SHA1_80), with a key of our own, and stays SRTP in re-INVITEs
// both ways; Options.NoSRTP plays a peer without SRTP (plain answer to a best-effort
// offer, 488 to RTP/SAVP). CallRecord.SRTP says which it was.
//
// A callee's line may use silence suppression (dtx: silent | cn), as carriers
// and SIP phones do: no RTP while the callee is quiet — between words, between
// turns — and, with cn and comfort noise agreed in the SDP (13 CN/8000), one
// RFC 3389 comfort-noise packet at the start of each silence. Each talkspurt
// starts with the marker bit; sequence numbers run on, timestamps jump.
//
// The bot's end of speech is energy based: a 20 ms frame is speech when its
// RMS reaches speech_rms; the turn ends after speech and then end_of_speech
// (700 ms) without speech, or after max_wait with no end in sight, so a silent
// bot does not stall the caller.
//
// # Scale
//
// Thousands of concurrent calls: every RTP session runs on one shared media
// clock (no ticker per call), and a call costs one goroutine (the INVITE
// handler, which runs the call) plus its session's receive goroutine. Waiting
// for end of speech arms one timer per silence gap, not per frame.
//
// # Failure behaviour
//
// A CANCEL that races our 200 OK is resolved by the transaction layer (the
// 200 wins or the 487 does, never both). A 200 OK is retransmitted until its
// ACK arrives (sipgo gives up after 64*T1 and treats the dialog as
// confirmed); max_duration still ends such a call with our BYE. Close sends BYE to every answered call and 503 to
// every ringing one, waits for them, then closes every socket. Faults for
// tests of the dialer are chosen in the profile: answer_sdp garbage or
// no_common_codec, digest auth (401 then 403 for wrong credentials),
// re-INVITEs mid-call.
package sim
