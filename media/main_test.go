package media

import (
	"testing"

	"go.uber.org/goleak"
)

// Every test in the package ends without stray goroutines (clock, receive loops).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
