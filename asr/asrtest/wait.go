package asrtest

import (
	"runtime"
	"time"
)

func yield() { time.Sleep(200 * time.Microsecond); runtime.Gosched() }
