// Package asr recognises what a caller says: a streaming Recognizer interface (write
// 8 kHz frames as they arrive, read partial and final results with text, intent,
// confidence and timestamps) and its engines.
//
// # Engines
//
//   - Sphinx (embedded default): pocketsphinx 5prealpha from Debian through our own
//     cgo binding. Its acoustic model is 16 kHz only, so telephone audio is upsampled
//     with libspeexdsp. The model directory is copied with a telephony cmninit
//     (TelephonyCMNInit) because pocketsphinx lets the model's feat.params override
//     the command line and the stock value loses the first utterance of every call.
//     The dictionary is trimmed to the script's words. Each listening state compiles
//     to a JSGF grammar of its phrases (keyword spotting is the alternative search);
//     a rejection check turns off-topic speech into "no match" instead of the nearest
//     phrase (see SphinxOptions: uncovered speech, and a phone-loop score
//     comparison). Decoding runs only while an energy VAD hears speech (the media
//     plane's WebRTC VAD will replace it), after mild speexdsp noise suppression.
//     A JSGF phone-loop "garbage" alternative was tried for rejection and dropped:
//     on telephone audio it beat the phrases whatever its weight.
//   - Vosk and FunASR: clients of the two common self-hosted streaming servers'
//     websocket protocols, with reconnect (the current utterance is replayed), timeouts
//     and back-pressure; tested against local servers that speak the same protocol.
//   - DTMF: no speech at all, for scripts that only take key presses.
//
// # Streaming model
//
// Every engine shares one shape: Write copies a frame into a bounded queue (one
// second) and returns at once, so the media receive goroutine never waits on a
// decoder; when the queue is full the frame is dropped with ErrOverrun. One worker
// goroutine per recogniser owns the engine state (a pocketsphinx decoder, a
// websocket) and emits results in order:
//
//	speech_start → partial* → final     (per utterance)
//	dtmf                                  (per key; ends an utterance in progress)
//
// Finals and DTMF are never dropped; partials are when the reader falls behind. Close,
// or the end of the recogniser's context, stops the worker and closes Results.
//
// Intents come from the grammar: an embedded engine decodes only the grammar's
// phrases; network engines transcribe freely and Grammar.MatchIntent finds the longest
// phrase in the text.
package asr
