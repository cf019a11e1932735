// Package media is the RTP media plane of a call leg: the shared media plane (clocks
// and batched sockets), Session (one leg's RTP), G.711 and Opus codecs with resampling,
// RFC 4733 DTMF, a receive jitter buffer, RTCP reports, WAV prompts and recordings,
// pre-encoded prompts, voice-activity detection (VAD) and answering-machine detection
// (AMD).
//
// # Media plane: clocks and sockets
//
// Sessions do not own timers or, by default, sockets. A Plane runs one clock goroutine
// per P (GOMAXPROCS), each ticking its legs every 20 ms against drift-free deadlines
// (start + n·20 ms, never time.Sleep(20ms) in a loop), with legs spread over phase
// slots (10 by default, one every 2 ms) so their packets leave in small waves; a clock
// with no leg parks until one registers (an idle plane costs no wake-ups). In
// SharedPorts mode (the default) each clock has one RTP socket: the ticks of a slot
// queue their packets and the clock sends them with one sendmmsg after the slot; a
// receive goroutine per socket reads batches of 64 with recvmmsg and hands each packet
// to its leg, found by (source address, SSRC) — first by the remote address from SDP,
// or the SSRC the far end announced with a=ssrc when several legs share an address —
// then by the pair it latched (an echo of a leg's own SSRC goes to that leg). With
// PlaneOptions.PollReceive the sockets stay outside the Go netpoller and each clock
// drains its socket after every slot instead: no goroutine wakes per packet burst,
// for at most one slot (2 ms) of added delay. PerLegPorts mode keeps a socket and receive goroutine
// per leg, for trunks that want a distinct port per call. Measured on our 2-vCPU VM
// (docs/measured-facts.md): per-leg tickers and sockets collapse near 5,000 legs;
// a clock per P with batched I/O does 5,000 legs full duplex in about 1.1 cores. The
// Linux batch calls are made directly (x/sys/unix) because x/net's ReadBatch allocates
// a *net.UDPAddr per datagram; send and receive allocate nothing per packet, which
// benchmarks and allocation tests hold. A Session can still be built on a bare
// *net.UDPConn and a Clock (SharedClock), as tests and simple tools do.
//
// Per tick a session sends exactly one frame when it has a remote address and is not on
// hold: the next 20 ms of the current playback, a telephone-event packet, or encoded
// silence (real UAs keep RTP flowing; NATs and media timeouts expect it). Sequence
// numbers and timestamps are continuous from random origins, and the timestamp follows
// the clock across hold and DTMF. A receive goroutine per session validates each
// datagram, counts it as received, invalid or rejected, latches the send address to
// where the far end actually sends from (symmetric RTP, but only to the SDP address or a
// source that proves itself: see Session.latch), decodes PCMU or PCMA by payload type,
// and turns telephone-event end packets into digits (one per key press, de-duplicated
// by RTP timestamp). With SetSRTP (srtp.go) both directions are SRTP
// (AES_CM_128_HMAC_SHA1_80 on pion/srtp): packets are encrypted and authenticated into
// per-session buffers, and nothing unauthenticated is taken. Both paths reuse
// per-session buffers and pion/rtp headers and allocate nothing per packet; benchmarks
// and allocation tests hold that, with and without SRTP.
//
// A Recorder writes a stereo WAV (left: sent, right: received) placed by time since
// session start, streamed to disk in one-second chunks.
// # Receive path: jitter buffer, RTCP
//
// Received audio goes through a jitter buffer (jitter.go) on the receive path: frames
// are released in sequence order as soon as they are in order (a bot has no speaker to
// feed at a steady rate, so no delay is added while nothing is missing); a gap waits
// for the missing packet up to an adaptive depth (3 × jitter, at least MinDelay, at
// most MaxDelay, longer after late packets) and is then concealed (Opus: in-band FEC
// from the next packet or the codec's PLC; G.711: the last frame fading out over 60
// ms). Late packets and duplicates are dropped and counted; a new SSRC restarts it.
// RTCP (rtcp.go): a sender or receiver report about every 5 s per leg, on the RTP port
// when a=rtcp-mux was agreed (else port+1); the far end's reports give our loss and
// jitter as it sees them, and the round-trip time. Session.Stats carries all of it.
//
// # Silence on the wire: DTX and comfort noise
//
// Phones and carriers with silence suppression (DTX) stop sending RTP while their user
// is quiet, at most sending an RFC 3389 comfort-noise packet (payload type 13, parsed
// without allocating and fuzzed) at the start of the pause. A session with
// SessionOptions.ContinuousAudio keeps OnAudio fed on the media clock anyway: a
// comfort-noise packet is a frame of silence, and every 20 ms no packet covers reaches
// OnAudio as silence from the clock tick once the jitter buffer's wait (plus a frame)
// has passed; frames the jitter buffer holds behind a gap are released on the clock
// too, since with DTX no later packet comes to push them out. Downstream silence
// timers (a recogniser's end of turn) therefore run on time, not on packets. The next
// talkspurt (marker bit, next sequence number, timestamp jumped by the pause) lands in
// place. Session.SetDTX makes a session send that way (the simulator plays such phones).
//
// # VAD and AMD
//
// VAD (vad.go) turns 20 ms frames into speech start/end events with media timestamps;
// its default engine is the WebRTC VAD from Debian's libwebrtc-audio-processing via cgo
// (declared here: the package ships no header for it), with a pure-Go energy/ZCR engine
// for builds without cgo (or with the novadwebrtc tag). AMD (amd.go) decides human /
// machine / not sure from the timing of the VAD's frames (initial silence, greeting
// length, words, the pause after a short greeting — the classic rules, written afresh)
// and from Goertzel tone detection (voicemail beeps, SIT, fax CNG), with a wait-for-beep
// mode. Both are fed from SessionOptions.OnAudio and allocate nothing per frame.
package media
