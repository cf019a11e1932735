package numbers

import "errors"

// Errors callers branch on.
var (
	// ErrBusy: another call holds the number's lock.
	ErrBusy = errors.New("number is being called")
	// ErrLockLost: the lock expired or was taken over before the attempt was recorded.
	ErrLockLost = errors.New("number lock lost")
	// ErrUnavailable: the shared state (Redis) could not be read or written.
	ErrUnavailable = errors.New("number state unavailable")
	// ErrInvalidNumber: not an E.164 number (+ and 8 to 15 digits).
	ErrInvalidNumber = errors.New("not an E.164 number")
)
