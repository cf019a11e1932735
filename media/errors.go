package media

import "errors"

// Sentinels callers branch on. Wrap them with the detail (sizes, file names) at the
// point of failure: fmt.Errorf("...: %w", ErrX).
var (
	// ErrShortPayload: an RFC 4733 payload shorter than its 4-byte fixed part.
	ErrShortPayload = errors.New("media: payload too short")
	// ErrPortsExhausted: every even port of the RTP range is bound.
	ErrPortsExhausted = errors.New("media: no free RTP port in range")
	// ErrPlaybackStopped: a Play was interrupted by StopPlayback (or Close).
	ErrPlaybackStopped = errors.New("media: playback stopped")
	// ErrDTMFNotNegotiated: SendDTMF on a session without a telephone-event payload type.
	ErrDTMFNotNegotiated = errors.New("media: telephone-event not negotiated")
	// ErrInvalidDigit: a DTMF digit outside 0-9 * # A-D.
	ErrInvalidDigit = errors.New("media: invalid DTMF digit")
	// ErrSessionClosed: the session was closed while an operation waited.
	ErrSessionClosed = errors.New("media: session closed")
	// ErrInvalidWAV: the input is not a well-formed RIFF WAVE file.
	ErrInvalidWAV = errors.New("media: invalid WAV")
	// ErrUnsupportedWAV: a well-formed WAV in a format we do not decode.
	ErrUnsupportedWAV = errors.New("media: unsupported WAV format")
	// ErrCodecUnavailable: the codec is not in this build (Opus needs cgo and libopus).
	ErrCodecUnavailable = errors.New("media: codec not available in this build")
	// ErrInvalidOptions: a required option is missing or contradictory.
	ErrInvalidOptions = errors.New("media: invalid options")
)
