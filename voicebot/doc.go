// Package voicebot runs what the bot does on an answered call.
//
// Two kinds of script share one loader (LoadScript), so that `voxdial call --script`
// keeps one flag: step scripts (a linear list: play, listen, send DTMF, hang up) that
// exercise a SIP/RTP leg, and full voice-bot scripts (states, intents, global intents,
// a voicemail branch; docs/script-format.md, with testdata/payment-reminder.en.yaml).
//
// # Full scripts
//
// Lint parses a script from YAML nodes, so that every problem carries its line, and
// runs every check (problem.go names them: unknown and unreachable states, states with
// no way out, re-prompts with no exhausted branch, intents without phrases, DTMF
// conflicts, template variables and filters, the voicemail branch, and the compliance
// Policy's start requirements: disclosure and opt-out offer). A script with any problem
// does not load.
//
// Machine is the deterministic core of one call: it reads no clock and does no I/O,
// turning Events (prompt started/ended, speech start, utterance, DTMF, timer, hang-up,
// AMD verdict, beep, transfer result) into Actions (say, stop playback, listen, start
// timer, transfer, opt out, callback, hang up). The same events give the same result,
// which is what makes Chat (text, on a virtual clock) and the golden tests exact.
//
//	           enter state: set → action opt_out → callback → say
//	                              │
//	        ┌──── listen ─────────┼──── transfer ──── REFER ok ──► end (transferred)
//	        │                     │          └─ refused → bridge ok ─► end (bridged)
//	        ▼                     │                          └─ fails ─► end (transfer_failed)
//	  utterance / DTMF / silence  ├──── hangup ─────────────────────► end (hangup)
//	        │                     └──── next ──► enter next state
//	  global intent? ─► its state (precedence over the state's own intents)
//	  state intent or key ─► its state
//	  no_match / no_input ─► their state; back to the same state is a re-prompt,
//	        and the (max_retries+1)th goes to exhausted
//
//	any time: caller hangs up ─► end (caller_hangup); max_call ─► hang up (timeout);
//	          AMD machine ─► stop, wait for the beep (BeepWait) ─► voicemail ─► hang up
//
// Barge-in: caller speech (or a key) during a listening state's prompt stops the
// prompt at once; with barge_in off, words over a prompt are noted and ignored, except
// an opt-out, which is honoured anywhere, even over a goodbye (compliance).
//
// Intents are matched on the words by the voicebot/intent classifier (stems, synonyms,
// negation scopes, Chinese character by character) with a calibrated score, and, when
// configured, by an LLM Classifier over an OpenAI-compatible API, asked only when no
// listed phrase decides and overruled by the word match when it fails or times out. A
// match routes when its score reaches the intent's min_confidence; a weaker one takes
// the state's low_confidence branch (by default its no_match branch, a re-prompt), and
// speech with no evidence for any intent is no_match. An intent with a confirm question
// asks it before routing unless a listed phrase was said as written:
//
//	state ── paraphrase of opt_out ──► "Just to confirm, …?" ── yes / opt_out again ──► opt_out's target
//	                                        ├── no, other speech, silence ──► the state again (a re-prompt)
//	                                        ├── a key ──► the state's DTMF branch
//	                                        └── a global intent said as written ──► its target
//
// Capture and knowledge (capture.go, knowledge.go): a listening state's listen.capture
// reads a slot (package voicebot/capture parses it, on MachineOptions.Today, the call's
// local date) into the call's variables and Result.Captured, re-prompting on an invalid
// answer (listen.retries, then exhausted); the script's knowledge entries answer a
// caller's question in any listening state, after which the state's question is asked
// again (Machine.knowledgeReturn); a question nothing answered goes to Result.Unanswered.
// To add a slot type, change voicebot/capture; to change the order in which a turn is
// tried (intent, question, slot), captureOrAnswer in knowledge.go.
// Sentiment (anger.go): every caller turn with words is scored (voicebot/sentiment:
// valence, anger from the words and the voice's arousal that the shell measured) into
// the turn and Result.Sentiment; the script's on_anger hook, a synthetic state named
// on_anger, apologises before the next prompt, transfers or hangs up when a listening
// turn's anger reaches its threshold (an opt-out wins). The inspection: section is
// parsed by voicebot/inspect into Bot.Inspection; voicebot/live runs it after the call.
// After the call: the `grading:` and `follow_ups:` sections are parsed and linted in
// aftercall.go (Bot.Grading, Bot.FollowUps) and evaluated by package aftercall; LLMChat
// (llmchat.go) is the free-text client over the classifier's LLMOptions that it uses for
// LLM summaries.
//
// Matcher, the older phrase matcher (normalised, fuzzy), stays for callers that want a
// plain phrase match.
//
// Run is the live shell around a Machine: it plays prompts through a Speaker, hears
// through a Listener (speech starts and recognised turns), DTMF and AMD channels,
// arms real timers, and carries out transfers (Transferer; ReferThenBridge), opt-outs
// (OptOuter) and callbacks (CallbackScheduler). Failure behaviours: a prompt that
// cannot be synthesised is skipped (the state goes on as if it had been said); a
// failed transfer ends the call with disposition transfer_failed; a failed opt-out is
// logged and returned as an error, the opt-out flag stays in the result; a leg that
// ends under the bot ends the run with the result so far.
package voicebot
