package asr

import "errors"

// ErrNotBuiltIn: the engine needs a C library this binary was built without
// (CGO_ENABLED=0): pocketsphinx and speexdsp. The network engines (Vosk,
// FunASR) and DTMF work in every build.
var ErrNotBuiltIn = errors.New("asr: engine not built in (this binary was built without cgo)")
