package tts

import "errors"

// Sentinels callers branch on; engines wrap them with the detail (voice name, rate).
var (
	// ErrUnknownVoice: the engine has no voice of that name.
	ErrUnknownVoice = errors.New("tts: unknown voice")
	// ErrEmptyText: nothing to say (empty or only white space).
	ErrEmptyText = errors.New("tts: empty text")
	// ErrUnsupportedRate: the engine cannot produce audio at the requested rate.
	ErrUnsupportedRate = errors.New("tts: unsupported sample rate")
	// ErrUnsupportedCodec: the cache cannot encode prompts with that codec.
	ErrUnsupportedCodec = errors.New("tts: unsupported codec")
	// ErrTextTooLong: the text exceeds the engine's limit (MaxTextBytes).
	ErrTextTooLong = errors.New("tts: text too long")
	// ErrEngine: the engine failed (server error, crashed subprocess, bad response).
	ErrEngine = errors.New("tts: engine failure")
	// ErrBadTemplate: a prompt template is malformed (unclosed "{{", empty variable).
	ErrBadTemplate = errors.New("tts: bad template")
	// ErrMissingVariable: a template variable has no value for this call.
	ErrMissingVariable = errors.New("tts: missing template variable")
)
