//go:build !cgo

package tts

import (
	"context"
	"fmt"

	"go.uber.org/zap"
)

// FliteBuiltIn reports whether this build has the embedded flite engine (cgo).
const FliteBuiltIn = false

// FliteVoices lists the built-in flite voice names: none without cgo.
func FliteVoices() []string { return nil }

// FliteOptions configures NewFlite.
type FliteOptions struct {
	DefaultVoice string
	Logger       *zap.Logger
}

// Flite is the embedded engine; this build has none (NewFlite fails).
type Flite struct{}

// NewFlite fails: this build has no flite.
func NewFlite(FliteOptions) (*Flite, error) {
	return nil, fmt.Errorf("new flite: %w", ErrNotBuiltIn)
}

// Name implements Synthesizer.
func (*Flite) Name() string { return "flite" }

// Synthesize implements Synthesizer.
func (*Flite) Synthesize(context.Context, Request, func([]int16) error) error {
	return fmt.Errorf("flite: %w", ErrNotBuiltIn)
}
