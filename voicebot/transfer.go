package voicebot

import (
	"context"
	"errors"
	"fmt"
)

// ReferThenBridge is the product's transfer policy: a blind transfer by SIP REFER
// and, when the far end refuses it (or cannot do it), a new leg to the target bridged
// with the caller. Either func may be nil (that method is unavailable).
type ReferThenBridge struct {
	Refer  func(ctx context.Context, target string) error
	Bridge func(ctx context.Context, target string) error
}

// ErrNoTransfer: neither REFER nor a bridge could move the call.
var ErrNoTransfer = errors.New("transfer failed")

// Transfer implements Transferer.
func (t ReferThenBridge) Transfer(ctx context.Context, target string) (string, error) {
	var errs []error
	if t.Refer != nil {
		err := t.Refer(ctx, target)
		if err == nil {
			return "refer", nil
		}
		errs = append(errs, fmt.Errorf("refer: %w", err))
	}
	if t.Bridge != nil {
		err := t.Bridge(ctx, target)
		if err == nil {
			return "bridge", nil
		}
		errs = append(errs, fmt.Errorf("bridge: %w", err))
	}
	if len(errs) == 0 {
		return "", fmt.Errorf("%w: no transfer method on this call", ErrNoTransfer)
	}
	return "", fmt.Errorf("%w: %w", ErrNoTransfer, errors.Join(errs...))
}
