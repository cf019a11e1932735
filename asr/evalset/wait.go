package evalset

import (
	"runtime"
	"time"
)

// yield lets a recogniser that is behind catch up (Recognize feeds faster than real time).
func yield() { time.Sleep(200 * time.Microsecond); runtime.Gosched() }
