package verbal

import "errors"

var (
	// ErrUnknownLocale: only en-US and zh-CN are verbalised.
	ErrUnknownLocale = errors.New("verbal: unknown locale")
	// ErrUnknownFilter: a template named a filter this package does not have.
	ErrUnknownFilter = errors.New("verbal: unknown filter")
	// ErrBadValue: the value cannot be read as what the filter expects.
	ErrBadValue = errors.New("verbal: bad value")
)
