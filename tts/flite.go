//go:build cgo

package tts

/*
#cgo LDFLAGS: -lflite_cmu_us_slt -lflite_cmu_us_kal -lflite_cmu_us_kal16 -lflite_cmu_us_rms -lflite_cmu_us_awb -lflite_usenglish -lflite_cmulex -lflite -lm
#include <stdlib.h>
#include <flite/flite.h>

cst_voice *register_cmu_us_slt(const char *voxdir);
cst_voice *register_cmu_us_kal(const char *voxdir);
cst_voice *register_cmu_us_kal16(const char *voxdir);
cst_voice *register_cmu_us_rms(const char *voxdir);
cst_voice *register_cmu_us_awb(const char *voxdir);

// vx_register loads one built-in voice by index. Registration touches flite's global
// tables, so the Go side serialises it.
static cst_voice *vx_register(int which) {
	switch (which) {
	case 0: return register_cmu_us_slt(NULL);
	case 1: return register_cmu_us_kal(NULL);
	case 2: return register_cmu_us_kal16(NULL);
	case 3: return register_cmu_us_rms(NULL);
	case 4: return register_cmu_us_awb(NULL);
	}
	return NULL;
}

void vx_rand_reset(void); // flite_rand.c

// vx_synth synthesises text with a shared voice. Per-request settings go on the
// utterance's own features, which flite consults before the voice's (utt_init links
// the voice features as a fallback), so the shared voice is never written. The
// thread's rand() restarts first: the same request gives the same samples.
static cst_wave *vx_synth(const char *text, cst_voice *v, float stretch) {
	cst_utterance *u = new_utterance();
	cst_wave *w;
	vx_rand_reset();
	utt_set_input_text(u, text);
	if (stretch > 0) feat_set_float(u->features, "duration_stretch", stretch);
	if (flite_do_synth(u, v, utt_synth) == NULL) {
		delete_utterance(u);
		return NULL;
	}
	w = copy_wave(utt_wave(u));
	delete_utterance(u);
	return w;
}

static short *vx_samples(cst_wave *w) { return w->samples; }
static int vx_num_samples(cst_wave *w) { return w->num_samples; }
static int vx_rate(cst_wave *w) { return w->sample_rate; }
*/
import "C"

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"unsafe"

	"go.uber.org/zap"
)

// fliteVoiceIDs maps voice names to vx_register indexes. slt is the default: the most
// natural of the five (clustergen, 16 kHz); kal is a native 8 kHz diphone voice, ~8x
// cheaper and robotic.
var fliteVoiceIDs = map[string]C.int{"slt": 0, "kal": 1, "kal16": 2, "rms": 3, "awb": 4}

// fliteRegistry holds flite's process-global voices. flite keeps its registered voices
// in C globals and flite_init and registration are not thread-safe, so this one guarded
// registry is the exception to "no package-level mutable state": it mirrors state that
// is global in the C library whatever Go does.
var fliteRegistry struct {
	once   sync.Once
	mu     sync.Mutex
	voices map[string]*C.cst_voice
}

func fliteVoice(name string) (*C.cst_voice, error) {
	id, ok := fliteVoiceIDs[name]
	if !ok {
		return nil, fmt.Errorf("flite voice %q (have %v): %w", name, FliteVoices(), ErrUnknownVoice)
	}
	fliteRegistry.once.Do(func() {
		C.flite_init()
		fliteRegistry.voices = make(map[string]*C.cst_voice)
	})
	fliteRegistry.mu.Lock()
	defer fliteRegistry.mu.Unlock()
	if v := fliteRegistry.voices[name]; v != nil {
		return v, nil
	}
	v := C.vx_register(id)
	if v == nil {
		return nil, fmt.Errorf("register flite voice %q: %w", name, ErrEngine)
	}
	fliteRegistry.voices[name] = v
	return v, nil
}

// FliteBuiltIn reports whether this build has the embedded flite engine (cgo).
const FliteBuiltIn = true

// FliteVoices lists the built-in flite voice names.
func FliteVoices() []string {
	names := make([]string, 0, len(fliteVoiceIDs))
	for n := range fliteVoiceIDs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// FliteOptions configures NewFlite.
type FliteOptions struct {
	// Voice used when a request names none (or "default"); "" means slt.
	DefaultVoice string
	Logger       *zap.Logger
}

// Flite is the embedded engine. Safe for concurrent use: every request synthesises on
// its own utterance against a shared, read-only voice.
type Flite struct {
	defaultVoice string
	log          *zap.Logger
}

// NewFlite loads the default voice (so a bad name fails at start-up, not on a call).
func NewFlite(opts FliteOptions) (*Flite, error) {
	if opts.DefaultVoice == "" {
		opts.DefaultVoice = "slt"
	}
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	if _, err := fliteVoice(opts.DefaultVoice); err != nil {
		return nil, fmt.Errorf("new flite: %w", err)
	}
	return &Flite{defaultVoice: opts.DefaultVoice, log: opts.Logger}, nil
}

// Name implements Synthesizer.
func (f *Flite) Name() string { return "flite" }

// Synthesize implements Synthesizer, one sentence at a time.
func (f *Flite) Synthesize(ctx context.Context, req Request, emit func([]int16) error) error {
	req, err := req.normalize()
	if err != nil {
		return fmt.Errorf("flite: %w", err)
	}
	if !supportedRate(req.Rate) {
		return fmt.Errorf("flite: %d Hz: %w", req.Rate, ErrUnsupportedRate)
	}
	name := req.Voice
	if name == "" {
		name = f.defaultVoice
	}
	voice, err := fliteVoice(name)
	if err != nil {
		return fmt.Errorf("flite: %w", err)
	}
	var rs *Resampler
	defer func() {
		if rs != nil {
			rs.Close()
		}
	}()
	stretch := C.float(1 / req.Speed)
	for _, sentence := range Sentences(req.Text) {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("flite: %w", err)
		}
		pcm, rate, err := fliteSynth(sentence, voice, stretch)
		if err != nil {
			return err
		}
		if rs == nil {
			if rs, err = NewResampler(rate, req.Rate); err != nil {
				return fmt.Errorf("flite: %w", err)
			}
		}
		if err := emit(rs.Process(pcm)); err != nil {
			return err
		}
	}
	if rs != nil {
		if tail := rs.Flush(); len(tail) > 0 {
			return emit(tail)
		}
	}
	return nil
}

// fliteSynth returns one sentence's samples (copied into Go memory) and their rate.
func fliteSynth(text string, voice *C.cst_voice, stretch C.float) ([]int16, int, error) {
	ctext := C.CString(text)
	defer C.free(unsafe.Pointer(ctext))
	w := C.vx_synth(ctext, voice, stretch)
	if w == nil {
		return nil, 0, fmt.Errorf("flite: synthesise %q: %w", text, ErrEngine)
	}
	defer C.delete_wave(w)
	n := int(C.vx_num_samples(w))
	var pcm []int16
	if n > 0 {
		pcm = slices.Clone(unsafe.Slice((*int16)(unsafe.Pointer(C.vx_samples(w))), n))
	}
	return pcm, int(C.vx_rate(w)), nil
}
