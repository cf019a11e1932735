//go:build cgo

package asr

/*
#cgo pkg-config: sphinxbase
#cgo CFLAGS: -I/usr/include/pocketsphinx
#cgo LDFLAGS: -l:libpocketsphinx.a -lm
#include <stdlib.h>
#include <string.h>
#include <pocketsphinx.h>
#include <sphinxbase/err.h>
#include <sphinxbase/feat.h>
#include <sphinxbase/ngram_model.h>
#include <ps_lattice.h>

// vx_lm_unigrams reads a language model and fills words and log10 probabilities of
// its first max unigrams (in word-id order) into the arrays; it returns how many, or
// -1 when the model does not read.
static int vx_lm_unigrams(const char *path, char **words, double *logp, int max) {
	logmath_t *lmath = logmath_init(1.0001, 0, 0);
	ngram_model_t *m = ngram_model_read(NULL, path, NGRAM_AUTO, lmath); // owns lmath
	if (m == NULL) return -1;
	uint32 const *counts = ngram_model_get_counts(m);
	int n = 0;
	for (int32 wid = 0; wid < (int32)counts[0] && n < max; wid++) {
		const char *w = ngram_word(m, wid);
		if (w == NULL) continue;
		int32 used;
		int32 p = ngram_ng_prob(m, wid, NULL, 0, &used);
		words[n] = strdup(w);
		logp[n] = logmath_log_to_ln(lmath, p) / 2.302585092994046;
		n++;
	}
	ngram_model_free(m);
	return n;
}

// vx_new builds a decoder from "-name value" pairs. The model directory's feat.params
// is read by ps_init and wins over anything given here for the feature settings, which
// is why the engine writes its own copy.
static ps_decoder_t *vx_new(int argc, char **argv) {
	cmd_ln_t *config = cmd_ln_parse_r(NULL, ps_args(), argc, argv, TRUE);
	if (config == NULL) return NULL;
	ps_decoder_t *ps = ps_init(config);
	cmd_ln_free_r(config); // the decoder holds its own reference
	return ps;
}

static void vx_quiet(void) { err_set_logfp(NULL); }

// vx_set_lm_file loads a language-model search with its own language weight (lw > 0)
// and word beam (wbeam > 0): pocketsphinx reads -lw and -wbeam from the decoder's
// configuration when it builds a search (the model's weights, the lattice's weight
// ratios, the beams), so they are set for the build and restored after, and the
// decoder's other searches keep theirs.
static int vx_set_lm_file(ps_decoder_t *ps, const char *name, const char *path, double lw, double wbeam) {
	cmd_ln_t *config = ps_get_config(ps);
	double oldLW = cmd_ln_float32_r(config, "-lw"), oldWBeam = cmd_ln_float64_r(config, "-wbeam");
	if (lw > 0) cmd_ln_set_float32_r(config, "-lw", lw);
	if (wbeam > 0) cmd_ln_set_float64_r(config, "-wbeam", wbeam);
	int rc = ps_set_lm_file(ps, name, path);
	cmd_ln_set_float32_r(config, "-lw", oldLW);
	cmd_ln_set_float64_r(config, "-wbeam", oldWBeam);
	return rc;
}

// vx_cmn copies the live cepstral mean (13 values) into out; for measuring cmninit.
static int vx_cmn(ps_decoder_t *ps, float *out, int n) {
	feat_t *f = ps_get_feat(ps);
	if (f == NULL || f->cmn_struct == NULL) return 0;
	int k = f->cmn_struct->veclen < n ? f->cmn_struct->veclen : n;
	for (int i = 0; i < k; i++) out[i] = (float)f->cmn_struct->cmn_mean[i];
	return k;
}

// vx_word_conf fills out with a confidence for each word of the best path: the summed
// posterior of the lattice's nodes of the same word that span the word's middle frame
// (a word's mass is split over many nodes that differ only in their start frame, so
// one node's posterior understates it). It returns how many words, 0 without a lattice.
static int vx_word_conf(ps_decoder_t *ps, double *out, int max) {
	ps_get_prob(ps); // computes the lattice's posteriors once per utterance
	ps_lattice_t *dag = ps_get_lattice(ps);
	if (dag == NULL) return 0;
	logmath_t *lmath = ps_lattice_get_logmath(dag);
	int n = 0;
	for (ps_seg_t *seg = ps_seg_iter(ps); seg != NULL; seg = ps_seg_next(seg)) {
		if (n == max) { ps_seg_free(seg); break; }
		int sf, ef;
		ps_seg_frames(seg, &sf, &ef);
		const char *w = ps_seg_word(seg);
		size_t wl = strcspn(w, "(");
		int mid = (sf + ef) / 2;
		double sum = 0;
		for (ps_latnode_iter_t *it = ps_latnode_iter(dag); it != NULL; it = ps_latnode_iter_next(it)) {
			ps_latnode_t *nd = ps_latnode_iter_node(it);
			int16 fef, lef;
			int start = ps_latnode_times(nd, &fef, &lef);
			if (start > mid || lef < mid) continue;
			const char *b = ps_latnode_baseword(dag, nd);
			if (strlen(b) != wl || strncmp(b, w, wl) != 0) continue;
			ps_latlink_t *best;
			sum += logmath_exp(lmath, ps_latnode_prob(dag, nd, &best));
		}
		out[n++] = sum > 1 ? 1 : sum;
	}
	return n;
}

// vx_nbest fills hyps (strdup'd: the caller frees them) and their path scores with up to
// max of the utterance's best word sequences, read from its lattice by A*. It returns
// how many.
static int vx_nbest(ps_decoder_t *ps, char **hyps, double *scores, int max) {
	ps_get_lattice(ps);
	int n = 0;
	ps_nbest_t *nb = ps_nbest(ps);
	while (nb != NULL && n < max) {
		int32 sc;
		const char *h = ps_nbest_hyp(nb, &sc);
		if (h != NULL) {
			hyps[n] = strdup(h);
			scores[n] = (double)sc;
			n++;
		}
		nb = ps_nbest_next(nb); // frees itself at the end
	}
	if (nb != NULL) ps_nbest_free(nb);
	return n;
}

static double vx_exp(ps_decoder_t *ps, int32 v) { return logmath_exp(ps_get_logmath(ps), v); }
static double vx_log_to_ln(ps_decoder_t *ps, int32 v) { return logmath_log_to_ln(ps_get_logmath(ps), v); }
*/
import "C"

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	// pocketsphinx is linked statically (above) with its Gaussian scoring
	// replaced by this package's: the same scores in a third of the time.
	"github.com/voxdial/voxdial/asr/internal/gmm"
)

// sphinxSetup serialises the pocketsphinx calls that touch process-wide C state:
// decoder creation and destruction (sphinxbase's logging FILE*, which "-logfn" would
// fclose and reopen under other threads — that corrupted the heap with parallel
// decoders), grammar compilation and dictionary updates. Decoding calls on distinct
// decoders run in parallel. Like the C state it guards, it is package-level.
var sphinxSetup struct {
	mu    sync.Mutex
	quiet sync.Once
}

// decoder is one pocketsphinx decoder. Not safe for concurrent use: one goroutine owns
// it at a time (the recogniser's worker, or the pool).
type decoder struct {
	ps       *C.ps_decoder_t
	pool     *decoderPool    // the pool it returns to
	frate    int             // its feature frames a second
	searches map[string]bool // grammar searches already compiled in this decoder
	words    map[string]bool // words added beyond the dictionary file
	inUtt    bool
	dither   dither  // our own dither, restarted with each utterance
	scratch  []int16 // dithered copy of the samples fed (the caller's buffer is decoded again)
}

// dither adds sphinxbase's dither (+1 to a sample with probability 1/4) from a
// generator of the decoder's own, restarted at each utterance. sphinxbase's "-dither"
// draws from one process-wide generator that concurrent decoders share (and race
// on), so the same audio decoded twice could read differently; ours makes a decode a
// function of its audio alone. Same distribution as sphinxbase's, so the acoustic
// transform and the spoken model fitted with sphinxbase's dither still hold.
type dither struct{ state uint64 }

// ditherSeed is any fixed non-zero state: every utterance starts from it.
const ditherSeed = 0x9E3779B97F4A7C15

func (g *dither) reset() { g.state = ditherSeed }

// apply writes in plus dither to out (len(out) == len(in)).
func (g *dither) apply(out, in []int16) {
	x := g.state
	for i, v := range in {
		// xorshift64*: cheap, and its top bits are well mixed.
		x ^= x >> 12
		x ^= x << 25
		x ^= x >> 27
		if (x*0x2545F4914F6CDD1D)>>62 == 0 { // top two bits zero: probability 1/4
			if v < 32767 {
				v++
			}
		}
		out[i] = v
	}
	g.state = x
}

// beams are pocketsphinx's pruning widths (log-probability ratios). The defaults
// (1e-48, 7e-29, 1e-48) are for large vocabularies; a grammar of a few dozen phrases
// loses nothing with narrower beams and runs faster.
const (
	sphinxBeam  = "1e-40"
	sphinxWBeam = "1e-24"
	sphinxPBeam = "1e-40"
)

// SphinxBuiltIn reports whether this build has pocketsphinx (cgo).
const SphinxBuiltIn = true

// sphinxBuiltIn is nil: this build has pocketsphinx (see sphinx_nocgo.go).
func sphinxBuiltIn() error { return nil }

// quietSphinx silences sphinxbase's logging (to stderr by default) once per process.
func quietSphinx() { sphinxSetup.quiet.Do(func() { C.vx_quiet() }) }

// newDecoder builds a decoder; args are extra "-name" → value settings that override
// ours.
func newDecoder(hmmDir, dictPath string, wip float64, args map[string]string) (*decoder, error) {
	set := map[string]string{
		"-hmm": hmmDir, "-dict": dictPath, "-samprate": "16000", "-dither": "no",
		"-beam": sphinxBeam, "-wbeam": sphinxWBeam, "-pbeam": sphinxPBeam,
		"-wip": strconv.FormatFloat(wip, 'g', -1, 64), "-allphone_ci": "yes",
	}
	for k, v := range args {
		set[k] = v
	}
	names := make([]string, 0, len(set))
	for k := range set {
		names = append(names, k)
	}
	sort.Strings(names)
	argv := make([]*C.char, 0, 2*len(set))
	for _, k := range names {
		argv = append(argv, C.CString(k), C.CString(set[k]))
	}
	defer func() {
		for _, p := range argv {
			C.free(unsafe.Pointer(p))
		}
	}()
	sphinxSetup.mu.Lock()
	ps := C.vx_new(C.int(len(argv)), &argv[0])
	sphinxSetup.mu.Unlock()
	if ps == nil {
		return nil, fmt.Errorf("pocketsphinx init (model %s, dict %s, args %v): %w", hmmDir, dictPath, args, ErrEngine)
	}
	return &decoder{ps: ps, searches: make(map[string]bool), words: make(map[string]bool)}, nil
}

func (d *decoder) free() {
	if d.ps != nil {
		sphinxSetup.mu.Lock()
		C.ps_free(d.ps)
		sphinxSetup.mu.Unlock()
		d.ps = nil
	}
}

// addWord adds a pronunciation ("HH EH L OW") unless the decoder already knows word.
func (d *decoder) addWord(word, phones string, update bool) error {
	cw, cp := C.CString(word), C.CString(phones)
	defer C.free(unsafe.Pointer(cw))
	defer C.free(unsafe.Pointer(cp)) // ps_add_word copies both
	upd := C.int(0)
	if update {
		upd = 1
	}
	sphinxSetup.mu.Lock()
	rc := C.ps_add_word(d.ps, cw, cp, upd)
	sphinxSetup.mu.Unlock()
	if rc < 0 {
		return fmt.Errorf("pocketsphinx add word %q /%s/: %w", word, phones, ErrEngine)
	}
	d.words[word] = true
	return nil
}

// useGrammar compiles (once per decoder) and activates a JSGF search.
func (d *decoder) useGrammar(name, jsgf string) error {
	return d.useSearch(name, jsgf, func(cname, cbody *C.char) C.int {
		return C.ps_set_jsgf_string(d.ps, cname, cbody)
	}, func() error { return fmt.Errorf("pocketsphinx grammar %q: %w", name, ErrBadGrammar) })
}

// useAllphone activates (building once) the phone-loop search used as the rejection
// reference, with the model's phonetic language model.
func (d *decoder) useAllphone(lmPath string) error {
	return d.useSearch("_allphone", lmPath, func(cname, cbody *C.char) C.int {
		return C.ps_set_allphone_file(d.ps, cname, cbody)
	}, func() error { return fmt.Errorf("pocketsphinx allphone %s: %w", lmPath, ErrEngine) })
}

// useSearch activates search name, building it first with build(name, body) if this
// decoder has not yet (building is serialised with decoder set-up: see sphinxSetup).
func (d *decoder) useSearch(name, body string, build func(cname, cbody *C.char) C.int, buildErr func() error) error {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	if !d.searches[name] {
		cbody := C.CString(body)
		defer C.free(unsafe.Pointer(cbody))
		sphinxSetup.mu.Lock()
		rc := build(cname, cbody)
		sphinxSetup.mu.Unlock()
		if rc < 0 {
			return buildErr()
		}
		d.searches[name] = true
	}
	if C.ps_set_search(d.ps, cname) < 0 {
		return fmt.Errorf("pocketsphinx search %q: %w", name, ErrEngine)
	}
	return nil
}

// pathScore sums the acoustic scores of the best path's segments and counts frames.
// pocketsphinx normalises every frame's senone scores by that frame's best, so this is
// how far the path is from the best-scoring senones, a score comparable between two
// searches over the same audio.
func (d *decoder) pathScore() (ascr int64, frames int) {
	for _, s := range d.segments() {
		ascr += int64(s.ascr)
		frames += s.end - s.start + 1
	}
	return ascr, frames
}

// pathScoreWindow is pathScore over decoder frames [lo, hi] counted from the path's
// first frame; a segment partly inside counts in proportion.
func (d *decoder) pathScoreWindow(lo, hi int) int64 {
	segs := d.segments()
	if len(segs) == 0 {
		return 0
	}
	origin := segs[0].start
	var sum float64
	for _, s := range segs {
		a, b := s.start-origin, s.end-origin
		ov := min(b, hi) - max(a, lo) + 1
		if ov <= 0 {
			continue
		}
		sum += float64(s.ascr) * float64(ov) / float64(b-a+1)
	}
	return int64(sum)
}

// useLM loads (once per decoder) and activates an n-gram language model search,
// weighted by lw with word beam wbeam (0: the decoder's -lw, -wbeam).
func (d *decoder) useLM(name, path string, lw, wbeam float64) error {
	return d.useSearch(name, path, func(cname, cbody *C.char) C.int {
		return C.vx_set_lm_file(d.ps, cname, cbody, C.double(lw), C.double(wbeam))
	}, func() error { return fmt.Errorf("pocketsphinx language model %s: %w", path, ErrEngine) })
}

// lmUnigrams reads up to max unigrams of a language model with their log10
// probabilities.
func lmUnigrams(path string, limit int) ([]unigram, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	words := make([]*C.char, limit)
	logp := make([]C.double, limit)
	sphinxSetup.mu.Lock()
	n := int(C.vx_lm_unigrams(cpath, &words[0], &logp[0], C.int(limit)))
	sphinxSetup.mu.Unlock()
	if n < 0 {
		return nil, fmt.Errorf("read language model %s: %w", path, ErrEngine)
	}
	out := make([]unigram, n)
	for i := range n {
		out[i] = unigram{word: C.GoString(words[i]), log10: float64(logp[i])}
		C.free(unsafe.Pointer(words[i]))
	}
	return out, nil
}

// useKeyphrases compiles (once) and activates a keyword-spotting search; keyfile lines
// are "phrase /threshold/".
func (d *decoder) useKeyphrases(name, keyfile string) error {
	return d.useSearch(name, keyfile, func(cname, cbody *C.char) C.int {
		return C.ps_set_kws(d.ps, cname, cbody)
	}, func() error { return fmt.Errorf("pocketsphinx keyphrases %q: %w", name, ErrBadGrammar) })
}

func (d *decoder) startUtt() error {
	// A new stream for every utterance: the front end's noise tracking
	// (-remove_noise) starts from the utterance's own first frames, not from where
	// the decoder's last utterance — another call's, or this one's other pass —
	// left it, so a decode is a function of its audio.
	C.ps_start_stream(d.ps)
	if C.ps_start_utt(d.ps) < 0 {
		return fmt.Errorf("pocketsphinx start utterance: %w", ErrEngine)
	}
	d.inUtt = true
	d.dither.reset()
	return nil
}

// process feeds 16 kHz samples.
func (d *decoder) process(pcm16k []int16) error { return d.processRaw(pcm16k, false) }

// processUtt feeds a whole utterance at once, which lets batch CMN use its mean.
func (d *decoder) processUtt(pcm16k []int16) error { return d.processRaw(pcm16k, true) }

func (d *decoder) processRaw(pcm16k []int16, full bool) error {
	if len(pcm16k) == 0 {
		return nil
	}
	f := C.int(0)
	if full {
		f = 1
	}
	if cap(d.scratch) < len(pcm16k) {
		d.scratch = make([]int16, len(pcm16k), 2*len(pcm16k))
	}
	buf := d.scratch[:len(pcm16k)]
	d.dither.apply(buf, pcm16k)
	if C.ps_process_raw(d.ps, (*C.int16)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)), 0, f) < 0 {
		return fmt.Errorf("pocketsphinx process: %w", ErrEngine)
	}
	return nil
}

// resetScoreCache forgets the Gaussian top-N kept from the decoder's last pass
// (asr/internal/gmm): the next pass is over new audio.
func (d *decoder) resetScoreCache() { gmm.ResetCache(unsafe.Pointer(d.ps)) }

func (d *decoder) endUtt() error {
	d.inUtt = false
	if C.ps_end_utt(d.ps) < 0 {
		return fmt.Errorf("pocketsphinx end utterance: %w", ErrEngine)
	}
	return nil
}

// hyp is the current best hypothesis (partial during an utterance, final after it).
func (d *decoder) hyp() (string, int32) {
	var score C.int32
	h := C.ps_get_hyp(d.ps, &score)
	if h == nil {
		return "", int32(score)
	}
	return C.GoString(h), int32(score)
}

// segment is one word of the best path with its 10 ms frame span.
type segment struct {
	word       string
	start, end int
	ascr       int32
}

func (d *decoder) segments() []segment {
	var out []segment
	for it := C.ps_seg_iter(d.ps); it != nil; it = C.ps_seg_next(it) {
		var sf, ef C.int
		C.ps_seg_frames(it, &sf, &ef)
		var ascr, lscr, lback C.int32
		C.ps_seg_prob(it, &ascr, &lscr, &lback)
		w := C.GoString(C.ps_seg_word(it))
		out = append(out, segment{word: w, start: int(sf), end: int(ef), ascr: int32(ascr)})
	}
	return out
}

// posteriors returns the posterior probability of each word of the best path (fillers
// included), from the utterance's lattice; call it after endUtt. nil when the decoder
// kept no lattice.
func (d *decoder) posteriors() []float64 {
	var buf [64]C.double
	n := int(C.vx_word_conf(d.ps, &buf[0], C.int(len(buf))))
	out := make([]float64, n)
	for i := range out {
		out[i] = float64(buf[i])
	}
	return out
}

// nbest returns up to n of the utterance's best word sequences (as the hypothesis
// spells them) with their path scores (pocketsphinx's scaled log units), in the order
// the A* search finds them; call it after endUtt.
func (d *decoder) nbest(n int) (hyps []string, scores []float64) {
	hs := make([]*C.char, n)
	sc := make([]C.double, n)
	n = int(C.vx_nbest(d.ps, &hs[0], &sc[0], C.int(n)))
	for i := range n {
		hyps = append(hyps, C.GoString(hs[i]))
		scores = append(scores, float64(sc[i]))
		C.free(unsafe.Pointer(hs[i]))
	}
	return hyps, scores
}

// cmn returns the live cepstral mean as a -cmninit string.
func (d *decoder) cmn() string {
	var v [13]C.float
	n := int(C.vx_cmn(d.ps, &v[0], 13))
	parts := make([]string, n)
	for i := range n {
		parts[i] = fmt.Sprintf("%.2f", float64(v[i]))
	}
	return strings.Join(parts, ",")
}
