package compliance

import "runtime"

// goTZVersion identifies the embedded tzdata by the Go release that ships it.
var goTZVersion = runtime.Version()
