// Package asr recognises what a caller says: a streaming Recognizer interface (write
// 8 kHz frames as they arrive, read partial and final results with text, intent,
// confidence and timestamps) and its engines.
//
// # Engines
//
//   - Sphinx (embedded default): pocketsphinx 5prealpha from Debian through our own
//     cgo binding. Its acoustic model is 16 kHz only, so telephone audio is upsampled
//     with libspeexdsp. The model directory is copied with our CMN settings because
//     pocketsphinx lets the model's feat.params override the command line. The
//     dictionary is trimmed to the script's words. Each listening state compiles to a
//     JSGF grammar of its phrases (keyword spotting is the alternative search).
//     Front end, in order: an energy VAD gates everything (a 300 ms pre-roll keeps
//     the onset; its noise floor follows noise that arrives with an answer after
//     digital silence, so the turn ends on the words, not when the noise stops),
//     noise suppression (speexdsp's, mild; an utterance on a noisy line is heard
//     again through a fresh one, since the stream's, after digital silence, leaves
//     the noise an answer brings in for two seconds; with Denoiser auto through
//     WebRTC's, which takes more of its noise out but costs a clean line's
//     answers), then a faint comfort
//     noise — with digital silence between words pocketsphinx's own noise removal
//     mis-tracks the floor, and clean µ-law speech scored worse than speech at 20 dB SNR (forced
//     choice 0.76 clean before, 0.98 after). By default each utterance is decoded
//     once it has ended, with its own cepstral mean (batch CMN): no state carries
//     over from the previous call's audio in a pooled decoder, and the first word of
//     a call is recognised like any other. Streaming mode decodes as audio arrives
//     (live CMN from a telephony cmninit) and gives partial results.
//     Rejection turns off-topic speech into "no match" instead of the nearest phrase:
//     a logistic score, fitted on the test set's tuning split, of how badly the forced
//     phrase fits the speech (uncovered speech, speech span per phone, acoustic score
//     per frame, span, phone count). A second decode with a free phone loop is
//     available (PhoneLoop) but added nothing to the score and doubled the CPU. A
//     JSGF phone-loop "garbage" alternative was tried and dropped: on telephone
//     audio it beat the phrases whatever its weight.
//     Open vocabulary (SearchLM): instead of the grammar, each state gets a small
//     bigram model written from the general en-US model's most frequent words (their
//     general probabilities) and the state's phrases (their words and word pairs,
//     given 30 % of the mass), so a paraphrase the grammar cannot hold is written
//     down as words for the bot's word-level intent classifier (voicebot/intent).
//     Decoding with the whole general model instead costs 60–90 MB and RTF 0.1–0.2
//     per decoder.
//   - Vosk and FunASR: clients of the two common self-hosted streaming servers'
//     websocket protocols, with reconnect (the current utterance is replayed), timeouts
//     and back-pressure; tested against local servers that speak the same protocol.
//   - DTMF: no speech at all, for scripts that only take key presses.
//
// # Streaming model
//
// Every engine shares one shape: Write copies a frame into a bounded queue (three
// seconds) and returns at once, so the media receive goroutine never waits on a
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
// Trust: a final the grammar forced and its rejection refused carries Rejected (Text
// is the forced phrase, a guess; empty when no grammar path fitted the speech at all);
// one whose words came from an open-vocabulary search carries Open. Listeners must not
// act for good on either (voicebot/live routes ordinary intents on them, and asks an
// opt-out's or a transfer's confirm question rather than acting). With OpenFallback
// (`engines.asr.open_vocabulary`) the grammar decodes every utterance and the open
// search (the state's trigram of how callers answer, SphinxOptions.Corpus) decodes
// again, on the same decoder and buffered audio, only those the grammar rejected or
// doubted; its words come out as Open. When the grammar carries Holds (the voice bot's
// classifier: do these words hold an intent it routes on them?), the order turns round:
// the open search decodes every utterance and the grammar only those whose words hold
// none and are no longer than one of its phrases could cover — where its match is used
// (Result.Grammar, or the grammar's own result when sure) — which spares a grammar
// pass on most utterances. Each utterance starts the decoder's front end afresh (its noise
// tracking), so a decode depends on its audio only, not on the pass or call the
// decoder served before. Dual runs two engines side by side instead (a network engine
// beside the grammar, say).
//
// Intents come from the grammar: an embedded engine decodes only the grammar's
// phrases; network engines and SearchLM transcribe freely and Grammar.MatchIntent finds
// the longest phrase in the text. Either way the voice bot routes on the text through
// its own classifier, which reads paraphrases and negation.
//
// # Builds without cgo
//
// pocketsphinx and speexdsp are C libraries: sphinx_cgo.go and upsample.go carry
// the `cgo` build constraint, and sphinx_nocgo.go stands in for them when
// CGO_ENABLED=0, so every package that imports asr still builds. In such a build
// NewSphinx fails at once with an error wrapping ErrNotBuiltIn (SphinxBuiltIn is
// false); the network engines (Vosk, FunASR) and DTMF work as ever. A new C call
// goes into sphinx_cgo.go with its stand-in in sphinx_nocgo.go
// (`CGO_ENABLED=0 go build ./...` in `make test` catches a missing one).
package asr
