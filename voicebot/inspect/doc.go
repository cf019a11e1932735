// Package inspect is the quality inspection (智能质检) run after every voice-bot
// call: a campaign's rules — the `inspection:` section of its script
// (docs/inspection.md) — checked against what was actually said, each call
// getting pass or fail with every failing rule and its offset in the call (ms
// from the answer).
//
// What was actually said: the bot's turns carry how long their audio played and
// how it ended (a prompt cut off by barge-in, by the caller hanging up, or never
// synthesised is marked so by the voice bot). A cut prompt was heard up to the
// share of its text its audio reached, at the call's own speaking rate
// (characters per second of its prompts that played in full; 15/s in English and
// 4.5/s in Mandarin when none did). So a disclosure barged over halfway fails at
// the moment it was cut, and a disclosure that failed to synthesise fails at the
// start of its turn, even though the transcript holds its text.
//
// Rules: forbidden words the bot must not say, sensitive words from the caller
// (flagged for review), the required disclosure spoken in full, an opt-out offer
// spoken in full, the talk-over ratio (both speaking at once over the call) and the
// silence ratio (neither speaking), and minimum and maximum call lengths. English
// words match on word boundaries, case-insensitively; Mandarin matches character
// by character.
//
// Where to change things: a new rule is a field in Rules (rules.go: parse it,
// name it), a check in Inspect (inspect.go) with its rule id in the Rule…
// constants, and a row in docs/inspection.md.
package inspect
