//go:build cgo

// flite's voices draw from rand(): glibc's one generator for the whole process, which
// every synthesis running at once shares. The same text then came out as different
// audio from run to run (and depended on what else had been synthesised before), so
// recognition figures and tests on synthesised callers were not repeatable. This
// program's rand() keeps a generator per thread instead, and vx_synth restarts it for
// each synthesis (a cgo call stays on one thread): the same request gives the same
// samples, whatever runs beside it. libflite's reference to rand binds to this
// definition, which the linker exports from the executable because a shared library it
// links against uses the symbol.
#include <stdlib.h>

static __thread unsigned long long vx_rand_state = 1;

void vx_rand_reset(void) { vx_rand_state = 1; }

int rand(void) {
	vx_rand_state = vx_rand_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (int)((vx_rand_state >> 33) & RAND_MAX);
}

void srand(unsigned int seed) { vx_rand_state = seed; }
