// Package voicebot runs what the bot does on an answered call.
//
// Today it runs step scripts: a short, linear list of steps (play a prompt,
// listen and record for a while, send DTMF, hang up) that exercises a real
// SIP/RTP leg end to end. The full voice-bot format — states, intents,
// listening with speech recognition, the voicemail branch — is recognised
// and refused with a clear message until its runtime lands; both kinds of
// script share the loader so that `voxdial call --script` keeps one flag.
//
// The runtime talks to the call through the small Leg interface declared
// here, so it can be driven by a real call or by a test double.
package voicebot
