// Package live runs a script on a live call: it ties a voicebot script (a
// step script or a full voice-bot script) to a dialer.Call — prompts through
// a speaker, the callee's audio through a tap to the recogniser or a bridge,
// DTMF, transfers — and writes the bot's result into the call result.
//
// Both `voxdial call` and the campaign runner use it, so a campaign's calls
// behave exactly like a single call placed from the command line.
package live
