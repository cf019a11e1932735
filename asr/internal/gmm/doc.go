// Package gmm replaces the Gaussian mixture scoring of pocketsphinx's
// phonetically-tied models (the en-US model Debian ships) inside the recogniser.
//
// Three quarters of a decoder's CPU went to scoring Gaussians (ptm_mgau.c): for
// every 10 ms frame, each active codebook's 128 Gaussians are tried one by one,
// each abandoned early once it cannot enter the top four, and every active
// senone then reads its mixture weights through three pointer loads. This
// package holds that file as Debian 12 builds it (pocketsphinx 5prealpha,
// 0.8+5prealpha+1-15, with Debian's avoid-underflow patch) with these changes:
// an active codebook's Gaussians are all scored in one pass eight at a time
// (AVX2 when the CPU has it; elsewhere loops the compiler vectorises) from the
// means and precisions laid out dimension-major (in place, on a decoder's first
// frame: no second copy of the model), visiting only the codewords that can
// enter the top four (at or above the fourth best of the eight lanes' maxima,
// less one for the integer ranking's ties); and the senone scores read each
// codebook's top-N mixture-weight rows through pointers gathered once per
// frame, with AVX2 eight senones of one codebook at a time (a codebook's
// senones lie in two runs of the model's numbering: its context-independent
// ones and its context-dependent ones), the log-add table looked up in
// registers.
//
// The scores are the same, bit for bit: the same float operations in the same
// order (no fused multiply-add), the same top-N in the same order, the same
// integer log-additions. So the words, scores, lattices and N-best lists of
// every decode are unchanged; only the time differs (BENCHMARKS.md). Setting
// VOXDIAL_GMM_REFERENCE=1 in a process's environment makes the decoders it
// creates afterwards score as upstream does (=portable: this package's loops
// without the AVX2 code, as CPUs without it and other architectures run
// them); the tests decode all three ways and compare. A senone's scores are
// normalised sixteen at a time as well. With VOXDIAL_GMM_CHECK=1 decoders
// also compute every frame's top-N codewords and senone scores as upstream
// does and count the frames where they differ (Checked; for tests: it costs
// two transpositions of the model a frame).
//
// A decoder that decodes one utterance twice — the open words, then the
// grammar over the same samples — computes the same features twice (the
// front end restarted, batch CMN), so each frame's active codebooks have the
// same top-N in both passes. Each frame's features and the top-N of the
// codebooks searched in it are kept (before the per-frame normalisation,
// which depends on the pass's active codebooks); a later pass whose frame has
// the same features, bit for bit, takes them instead of searching. The asr
// package empties the cache when a decode starts (ResetCache), so only the
// passes of one decode share it and a decode's cost never depends on another
// caller's. A frame costs about 4 KB (42 codebooks, three streams, top
// four): 1.4 MB for a 3-second answer, 6.7 MB at most (16 s, the longest
// utterance and its pre-roll), per decoder. VOXDIAL_GMM_CACHE=off turns it
// off for decoders created afterwards; CacheCounts counts what it took and
// what was searched.
//
// Linking: the asr package links libpocketsphinx.a (Debian's
// libpocketsphinx-dev) statically; this package's ptm_mgau.c defines the
// four functions of upstream's ptm_mgau.o (ptm_mgau_init, _frame_eval,
// _mllr_transform, _free), so the linker never takes that member from the
// archive. The headers in upstream/ are pocketsphinx's internal headers of the
// same version, unchanged except ptm_mgau.h (the fields the new scoring keeps);
// the structures they describe must match the archive's, which is why
// scripts/install-deps installs Debian 12's libpocketsphinx-dev and nothing
// else. upstream/LICENSE is pocketsphinx's licence.
package gmm
