package sim

import "errors"

// Sentinels callers branch on; wrapped with detail where they occur.
var (
	// ErrInvalidProfile: a profile failed to parse or validate (the error is a *ProfileError).
	ErrInvalidProfile = errors.New("invalid sim profile")
	// ErrUnknownCall: WaitCall was asked about a Call-ID the server never saw.
	ErrUnknownCall = errors.New("unknown call")
	// ErrClosed: the server is closed.
	ErrClosed = errors.New("sim server closed")
)
