//go:build cgo

package gmm

/*
#cgo pkg-config: sphinxbase
#cgo CFLAGS: -I/usr/include/pocketsphinx
#cgo LDFLAGS: -l:libpocketsphinx.a -lm
void vx_gmm_frames(unsigned long long *fast, unsigned long long *reference);
void vx_gmm_check(unsigned long long *frames, unsigned long long *differ, unsigned long long *grouped,
	unsigned long long *cb_frames, unsigned long long *cb_differ);
int vx_gmm_avx2(void);
void vx_gmm_cache_counts(unsigned long long *hits, unsigned long long *misses);
void vx_gmm_cache_reset(void *ps);
*/
import "C"

import "unsafe"

// Frames reports how many frames this process's decoders have scored so far
// with the vectorised scoring and with upstream's (VOXDIAL_GMM_REFERENCE=1).
func Frames() (fast, reference uint64) {
	var f, r C.ulonglong
	C.vx_gmm_frames(&f, &r)
	return uint64(f), uint64(r)
}

// Check counts what decoders created while VOXDIAL_GMM_CHECK=1 was set in the
// process's environment compared with upstream's scoring, frame by frame.
type Check struct {
	// TopNFrames: frames whose top-N codewords were also found as upstream
	// finds them; TopNDiffer: those where the two differed.
	TopNFrames, TopNDiffer uint64
	// SenoneFrames: frames whose senone scores were also computed as upstream
	// computes them; SenoneDiffer: those where the two differed.
	SenoneFrames, SenoneDiffer uint64
	// Grouped: senones scored eight at a time (AVX2).
	Grouped uint64
}

// Checked reports the process's Check so far.
func Checked() Check {
	var f, d, g, cf, cd C.ulonglong
	C.vx_gmm_check(&f, &d, &g, &cf, &cd)
	return Check{TopNFrames: uint64(cf), TopNDiffer: uint64(cd), SenoneFrames: uint64(f), SenoneDiffer: uint64(d), Grouped: uint64(g)}
}

// AVX2 reports whether this CPU runs the AVX2 code.
func AVX2() bool { return C.vx_gmm_avx2() != 0 }

// CacheCounts reports how many active codebooks of a frame this process's
// decoders took from the frame's last pass (hits) and searched (misses).
func CacheCounts() (hits, misses uint64) {
	var h, m C.ulonglong
	C.vx_gmm_cache_counts(&h, &m)
	return uint64(h), uint64(m)
}

// ResetCache empties the top-N cache of decoder ps (a ps_decoder_t): the audio
// it decodes next is new.
func ResetCache(ps unsafe.Pointer) { C.vx_gmm_cache_reset(ps) }
