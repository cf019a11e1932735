package dialer

import "errors"

// Sentinels callers branch on. Wrapped with detail where they occur.
var (
	// ErrInvalidSDP: the far end's SDP could not be parsed or has no usable audio stream.
	ErrInvalidSDP = errors.New("invalid sdp")
	// ErrNoCommonCodec: offer and answer share no audio codec.
	ErrNoCommonCodec = errors.New("no common codec")
	// ErrUnknownTrunk: a call names a trunk that is not configured.
	ErrUnknownTrunk = errors.New("unknown trunk")
	// ErrInvalidTarget: the number or SIP URI to call is malformed.
	ErrInvalidTarget = errors.New("invalid call target")
	// ErrTrunkBusy: the trunk's max channels are all in use.
	ErrTrunkBusy = errors.New("trunk at max channels")
)
