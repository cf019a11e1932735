package tts

import "errors"

// ErrNotBuiltIn: the engine needs a C library this binary was built without
// (CGO_ENABLED=0): flite. espeak-ng (a subprocess) and the HTTP engine work in
// every build; without cgo their audio is resampled by pure Go (resample_go.go).
var ErrNotBuiltIn = errors.New("tts: engine not built in (this binary was built without cgo)")
