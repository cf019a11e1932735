package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/voxdial/voxdial/asr"
	"github.com/voxdial/voxdial/asr/adapt"
	"github.com/voxdial/voxdial/asr/evalset"
	"github.com/voxdial/voxdial/voicebot/intent"
)

// AdaptReport says what the channel adaptation was fitted on and where it is.
type AdaptReport struct {
	Matrix     string    `json:"matrix"`
	Means      string    `json:"means"`
	Variances  string    `json:"variances"`
	Utterances int       `json:"utterances"`
	Voices     []string  `json:"voices"`
	Speeds     []float64 `json:"speeds"`
	SNRs       []float64 `json:"snrs"`
	Noisy      []string  `json:"noisy,omitempty"`
	Sentences  string    `json:"sentences"`
	Warp       float64   `json:"warp,omitempty"` // the features' frequency warp (0: none)
	FrameRate  int       `json:"frame_rate"`     // the features' frames a second
}

// AdaptOptions says what to fit the channel adaptation on.
type AdaptOptions struct {
	// Dir receives the work files, Dir/mllr_matrix (the transform) and Dir/means,
	// Dir/variances (the MAP-adapted model).
	Dir string
	// Sentences, when set, is a labelled set read instead of en.tune.txt: half of the
	// tuning split, to check the adaptation on the other half.
	Sentences string
	// Voices default to FittingVoices; a subset checks the adaptation on a voice it
	// did not hear. A held-out voice, or a voice kept to check the fit on
	// (CheckVoices), is refused.
	Voices []evalset.Voice
	Speeds []float64
	SNRs   []float64 // 0: clean; white noise
	// Tau is MAP's prior weight in frames; 0 takes adapt.DefaultTau.
	Tau float64
	// Warp is the front end's frequency warp of the fitting features (0: none, as
	// the shipped adaptation was fitted, though the live decoder reads the line at
	// asr.TelephonyWarp: fitted at that warp, the adaptation routed 8 more of the
	// check voices' 270 answers right at pink 10 dB and 11 more wrong —
	// BENCHMARKS.md, twenty-third session).
	Warp float64
	// FrameRate is the fitting features' frames a second: 0 is the decoder's
	// asr.TelephonyFrameRate, as the shipped adaptation was fitted; negative the
	// model's own 100.
	FrameRate int
	// Noisy adds audio with coloured noise: pink, or babble made of the tuning
	// voices saying adaptBabbleSentences (not the figures' crowd).
	Noisy []AdaptNoise
}

// TuningVoices are the voices tuning may use (a copy): the live bench's tuning split,
// the adaptation's audio, and crowds of tuning tools. The held-out voices are never
// among them.
func TuningVoices() []evalset.Voice { return slices.Clone(liveTuningVoices) }

// The channel adaptation's voices. It is fitted on the tuning voices and on more
// synthetic voices that only fit it (they tune nothing else): what it learns of one
// voice is what it learns of a telephone line only where many voices differ, and on
// a voice no fit had heard it routed more answers right fitted on eight voices than
// on four (BENCHMARKS.md, "Twentieth session"). The check voices chose those fitting
// voices — half the tuning split spoken by them, with the adaptation fitted on the
// other half — and are never fitted on; neither list has a held-out voice.
var (
	adaptOnlyVoices = []evalset.Voice{{Engine: "espeak", Name: "en-us+f1"}, {Engine: "espeak", Name: "en-gb+f4"},
		{Engine: "espeak", Name: "en-gb-x-gbclan"}, {Engine: "espeak", Name: "en+m3"}}
	adaptCheckVoices = []evalset.Voice{{Engine: "espeak", Name: "en-gb-x-gbcwmd"}, {Engine: "espeak", Name: "en-us-nyc"},
		{Engine: "espeak", Name: "en-us+f5"}}
)

// FittingVoices are the channel adaptation's default voices (a copy): the tuning
// voices and the voices that only fit it.
func FittingVoices() []evalset.Voice {
	return append(slices.Clone(liveTuningVoices), adaptOnlyVoices...)
}

// CheckVoices are the voices the fitting voices were chosen on (a copy): never
// fitted on, never among the figures' voices.
func CheckVoices() []evalset.Voice { return slices.Clone(adaptCheckVoices) }

// AdaptNoise is one noisy condition of the fitting audio.
type AdaptNoise struct {
	Noise evalset.Noise
	SNR   float64
}

func (n AdaptNoise) String() string { return fmt.Sprintf("%s:%g", n.Noise, n.SNR) }

// ParseAdaptNoise reads "pink:10" or "babble:15".
func ParseAdaptNoise(s string) (AdaptNoise, error) {
	kind, db, ok := strings.Cut(s, ":")
	if !ok {
		return AdaptNoise{}, fmt.Errorf("%q: want kind:dB, e.g. pink:10", s)
	}
	n, err := evalset.ParseNoise(kind)
	if err != nil {
		return AdaptNoise{}, fmt.Errorf("%q: %w", s, err)
	}
	snr, err := strconv.ParseFloat(db, 64)
	if err != nil || snr <= 0 || snr > 60 {
		return AdaptNoise{}, fmt.Errorf("%q: the signal-to-noise ratio must be a number of dB above 0 and at most 60", s)
	}
	return AdaptNoise{Noise: n, SNR: snr}, nil
}

// adaptBabbleSentences are the crowd of the fitting audio: in no sentence set, and
// not the figures' crowd (babbleSentences).
var adaptBabbleSentences = []string{
	"the garden needs water after the long dry week",
	"my brother moved to a small town in the north",
	"we ordered pizza and watched an old movie",
	"the library closes early on public holidays",
	"her flight was delayed by two hours",
	"the shop on the corner sells fresh bread",
}

// ASRAdapt fits the telephone-channel adaptation (asr/adapt: a global MLLR transform
// and MAP-adapted means and variances) on the tuning split only: the English tuning
// sentences (en.tune.txt) spoken by the fitting voices, never a held-out voice or
// sentence, through µ-law and the recogniser's front end.
func ASRAdapt(ctx context.Context, o AdaptOptions, log io.Writer) (*AdaptReport, error) {
	dir, sentences, speeds, snrs := o.Dir, o.Sentences, o.Speeds, o.SNRs
	voices := o.Voices
	if len(voices) == 0 {
		voices = FittingVoices()
	}
	for _, v := range voices {
		if slices.Contains(liveHeldOutVoices, v) {
			return nil, usage("--adapt-voices: %s is a held-out voice: the figures' voices are never fitted on", v)
		}
		if slices.Contains(adaptCheckVoices, v) {
			return nil, usage("--adapt-voices: %s is a check voice: the fitting voices were chosen on it, so it is never fitted on", v)
		}
	}
	name := "voicebot/intent/testdata/en.tune.txt"
	var set []intent.Labelled
	var err error
	if sentences != "" {
		name = sentences
		set, err = readScriptSet("--adapt-set", sentences)
	} else {
		set, err = intent.Set("en", intent.SplitTuning)
	}
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var phrases []evalset.Labeled
	for _, s := range set {
		if !seen[s.Text] {
			seen[s.Text] = true
			phrases = append(phrases, evalset.Labeled{Text: s.Text, Intent: s.Intent})
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("adapt: %w", err)
	}
	fmt.Fprintf(log, "adapt: speaking %d tuning sentences with %d voices\n", len(phrases), len(voices))
	us, err := evalset.Generate(ctx, evalset.Options{Phrases: phrases, Voices: voices, Speeds: speeds, SNRs: snrs, Seed: 7})
	if err != nil {
		return nil, err
	}
	var babble []int16
	for i, n := range o.Noisy {
		if n.Noise == evalset.NoiseBabble && babble == nil {
			if babble, err = evalset.BabbleTrack(ctx, liveTuningVoices, adaptBabbleSentences, 12); err != nil {
				return nil, err
			}
		}
		fmt.Fprintf(log, "adapt: the same with %s noise at %g dB\n", n.Noise, n.SNR)
		more, err := evalset.Generate(ctx, evalset.Options{Phrases: phrases, Voices: voices, Speeds: speeds, SNRs: []float64{n.SNR},
			Noise: n.Noise, Babble: babble, Seed: 8 + uint64(i)})
		if err != nil {
			return nil, err
		}
		us = append(us, more...)
	}
	utts := make([]adapt.Utterance, 0, len(us))
	for i, u := range us {
		pcm, err := asr.FrontEnd16k(u.PCM)
		if err != nil {
			return nil, err
		}
		utts = append(utts, adapt.Utterance{ID: fmt.Sprintf("u%05d", i), Text: u.Text, PCM16k: pcm})
	}
	fmt.Fprintf(log, "adapt: %d utterances; fitting\n", len(utts))
	rate := o.FrameRate
	switch {
	case rate == 0:
		rate = asr.TelephonyFrameRate
	case rate < 0:
		rate = 100 // the model's own
	}
	fit, err := adapt.Fit(ctx, utts, adapt.Options{WorkDir: filepath.Clean(dir), Log: log, Tau: o.Tau, Warp: o.Warp, FrameRate: rate})
	if err != nil {
		return nil, err
	}
	rep := &AdaptReport{Matrix: fit.MLLR, Means: fit.Means, Variances: fit.Variances, Utterances: fit.Utterances, Speeds: speeds, SNRs: snrs, Sentences: name, Warp: max(o.Warp, 0),
		FrameRate: rate}
	for _, n := range o.Noisy {
		rep.Noisy = append(rep.Noisy, n.String())
	}
	for _, v := range voices {
		rep.Voices = append(rep.Voices, v.String())
	}
	return rep, nil
}
