package compliance

// prefetch asks the CPU to bring the cache line at addr in without waiting for it (and
// without faulting on a bad address). A plain load of a line that misses holds up the
// instructions behind it once the reorder window fills; a prefetch retires at once, so the
// gate can start the misses of a decision together instead of one after another.
//
//go:noescape
func prefetch(addr uintptr)
