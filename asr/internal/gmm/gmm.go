//go:build cgo

package gmm

/*
#cgo pkg-config: sphinxbase
#cgo CFLAGS: -I/usr/include/pocketsphinx
#cgo LDFLAGS: -l:libpocketsphinx.a -lm
void vx_gmm_frames(unsigned long long *fast, unsigned long long *reference);
*/
import "C"

// Frames reports how many frames this process's decoders have scored so far
// with the vectorised scoring and with upstream's (VOXDIAL_GMM_REFERENCE=1).
func Frames() (fast, reference uint64) {
	var f, r C.ulonglong
	C.vx_gmm_frames(&f, &r)
	return uint64(f), uint64(r)
}
