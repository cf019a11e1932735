// Package live runs a script on a live call: it ties a voicebot script (a
// step script or a full voice-bot script) to a dialer.Call — prompts through
// a speaker, the callee's audio through a tap to the recogniser or a bridge,
// DTMF, transfers — and writes the bot's result into the call result.
//
// Both `voxdial call` and the campaign runner use it, so a campaign's calls
// behave exactly like a single call placed from the command line.
//
// # Speaking and listening
//
// PromptSpeaker speaks through the tts prompt cache: when a script loads, the
// static parts of its prompts are synthesised into pre-encoded frames (flite;
// espeak-ng's Mandarin voice for zh scripts); on a call, only the variables are
// synthesised, in the background while the first static part already plays, so
// the greeting starts on the first media tick after answer. Answering-machine
// detection listens meanwhile and switches to the voicemail branch if it hears
// a machine.
//
// The recogniser opens in the background (the greeting does not wait for a
// decoder) and keeps the audio that arrives meanwhile; WarmRecognizers builds
// decoders ahead of a burst of calls. Recogniser timestamps are mapped back to
// when the audio arrived (audioClock), so turn latency — the caller's end of
// speech to the first RTP frame of the reply — stays honest when an overloaded
// recogniser drops frames. The recogniser hears the line continuously: the
// dialer's call audio carries silence on the media clock where a caller's phone
// sent nothing (DTX) or comfort noise, so a turn ends after end_of_turn whether
// packets come or not; its stream starts with the silence before the answer,
// and while it opens the newest two seconds are kept (an early answer is not
// the audio dropped). Each call's turn latencies and answer-to-first-audio
// go into its result and, with Options.Metrics, into Prometheus histograms.
//
// The caller's audio also feeds a sentiment.Acoustic beside the recogniser (level,
// pitch, voicing per 20 ms frame, no allocation); each recognised turn carries its
// span's arousal to the bot. After the hang-up, a script with inspection rules is
// inspected (voicebot/inspect) over the call result (quality.go).
// Trust in words: the listener passes a grammar's refused guess and an
// open-vocabulary search's words (asr.Result Rejected, Open) as Heard.Open, which the
// bot routes for ordinary intents but never for an opt-out or a transfer; speech no
// grammar path fitted is Heard.Unintelligible, a no_match turn. The embedded
// recogniser with the open-vocabulary second pass (asr.SphinxOptions.OpenFallback) is
// built by internal/app.NewSphinxEngine when `engines.asr.open_vocabulary` says so.
//
// Failure behaviours: a speaker that cannot warm a script is logged and its
// calls synthesise on first use; a recogniser that cannot open leaves the call
// hearing DTMF and silence only; a prompt that cannot be spoken is skipped.
package live
