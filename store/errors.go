package store

import "errors"

// Sentinels callers branch on; store methods wrap them with detail.
var (
	// ErrNotFound: no row matches (a campaign, contact or attempt id or name).
	ErrNotFound = errors.New("not found")
	// ErrConflict: a unique constraint was violated (e.g. a campaign name is taken).
	ErrConflict = errors.New("conflict")
	// ErrStateConflict: a campaign is not in a state the change may start from.
	ErrStateConflict = errors.New("state conflict")
	// ErrLeaseLost: the contact is no longer leased by this holder (its lease
	// expired and was rescued, or it was released).
	ErrLeaseLost = errors.New("lease lost")
	// ErrAttemptClosed: the attempt was already finished, or closed as lost by a rescue.
	ErrAttemptClosed = errors.New("attempt already closed")
	// ErrInvalidParams: a required parameter is missing or out of range.
	ErrInvalidParams = errors.New("invalid parameters")
	// ErrUnavailable: the database could not be reached or is shutting down or
	// restarting; the same call may succeed later (callers retry it).
	ErrUnavailable = errors.New("database unavailable")
	// ErrNotOwner: the script belongs to another user.
	ErrNotOwner = errors.New("not the owner")
	// ErrUnsupportedURL: the database URL names no backend we know.
	ErrUnsupportedURL = errors.New("unsupported database url")
)
