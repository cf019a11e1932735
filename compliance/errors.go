package compliance

import (
	"errors"
	"fmt"
)

// ErrNotFound is returned (wrapped) by sources for unknown campaigns and sellers.
var ErrNotFound = errors.New("not found")

// InputError is malformed input to CheckStream: it names the file, line and field.
type InputError struct {
	File  string // "state" or "attempts"
	Line  int    // 1-based line; 0 when not known
	Field string // JSON path of the field, "" for a syntax error
	Err   error
}

func (e *InputError) Error() string {
	s := e.File
	if e.Line > 0 {
		s += fmt.Sprintf(" line %d", e.Line)
	}
	if e.Field != "" {
		s += " field " + e.Field
	}
	return s + ": " + e.Err.Error()
}

func (e *InputError) Unwrap() error { return e.Err }
