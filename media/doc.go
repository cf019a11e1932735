// Package media is the RTP media plane of a call leg: G.711 codecs, RFC 4733 DTMF,
// WAV prompts and recordings, RTP port allocation, and Session, which sends and
// receives one leg's audio.
//
// # Clock and session design
//
// Sessions do not own timers. Every leg registers with a shared Clock, and one clock
// goroutine ticks all of its legs every 20 ms against drift-free deadlines
// (start + n·20 ms, never time.Sleep(20ms) in a loop), with legs spread over phase
// slots (10 by default, one every 2 ms) so their packets leave in small waves. The
// reason is measured, on our 2-vCPU VM (notes/measured-facts.md): 5,000 per-leg
// time.Ticker goroutines burnt 0.31-0.38 cores in timers alone with p99 lateness up to
// 20 ms, while one shared clock cost 0.04-0.06 cores with p99 1.6-3.9 ms. The Clock
// interface is one method, Register, so the media-plane work that follows (a clock per
// P, shared sockets with sendmmsg/recvmmsg batches, 2.1-2.3 µs per packet instead of
// ~8 µs) can replace SharedClock and the per-leg socket without changing Session's API.
//
// Per tick a session sends exactly one frame when it has a remote address and is not on
// hold: the next 20 ms of the current playback, a telephone-event packet, or encoded
// silence (real UAs keep RTP flowing; NATs and media timeouts expect it). Sequence
// numbers and timestamps are continuous from random origins, and the timestamp follows
// the clock across hold and DTMF. A receive goroutine per session validates each
// datagram, counts it as received or invalid, latches the send address to where the far
// end actually sends from (symmetric RTP), decodes PCMU or PCMA by payload type, and
// turns telephone-event end packets into digits (one per key press, de-duplicated by
// RTP timestamp). Both paths reuse per-session buffers and pion/rtp headers and
// allocate nothing per packet; benchmarks and allocation tests hold that.
//
// A Recorder writes a stereo WAV (left: sent, right: received) placed by time since
// session start, streamed to disk in one-second chunks.
package media
