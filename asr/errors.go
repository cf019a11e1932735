package asr

import "errors"

// Sentinels callers branch on; engines wrap them with detail.
var (
	// ErrClosed: the recogniser was closed (or its context ended).
	ErrClosed = errors.New("asr: recognizer closed")
	// ErrOverrun: audio arrived faster than the engine consumes it and the frame was
	// dropped (back-pressure). The stream continues; callers count it.
	ErrOverrun = errors.New("asr: audio queue full, frame dropped")
	// ErrBadGrammar: a grammar is empty, names an intent twice or cannot be compiled.
	ErrBadGrammar = errors.New("asr: bad grammar")
	// ErrUnknownWord: a phrase uses a word the engine cannot pronounce.
	ErrUnknownWord = errors.New("asr: word not in dictionary")
	// ErrEngine: the engine failed (decoder error, server error, protocol violation).
	ErrEngine = errors.New("asr: engine failure")
	// ErrTimeout: a network engine did not answer in time.
	ErrTimeout = errors.New("asr: engine timeout")
	// ErrDisconnected: a network engine's connection dropped and reconnecting failed.
	ErrDisconnected = errors.New("asr: engine disconnected")
	// ErrBadMessage: a network engine sent a message we cannot parse.
	ErrBadMessage = errors.New("asr: bad engine message")
	// ErrInvalidDigit: WriteDTMF with a digit outside 0-9 * # A-D.
	ErrInvalidDigit = errors.New("asr: invalid DTMF digit")
)
