package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

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
	Sentences  string    `json:"sentences"`
}

// AdaptOptions says what to fit the channel adaptation on.
type AdaptOptions struct {
	// Dir receives the work files, Dir/mllr_matrix (the transform) and Dir/means,
	// Dir/variances (the MAP-adapted model).
	Dir string
	// Sentences, when set, is a labelled set read instead of en.tune.txt: half of the
	// tuning split, to check the adaptation on the other half.
	Sentences string
	// Voices default to the tuning voices; a subset of them checks the adaptation on
	// a tuning voice it did not hear. A held-out voice is refused.
	Voices []evalset.Voice
	Speeds []float64
	SNRs   []float64 // 0: clean; white noise
}

// ASRAdapt fits the telephone-channel adaptation (asr/adapt: a global MLLR transform
// and MAP-adapted means and variances) on the tuning split only: the English tuning
// sentences (en.tune.txt) spoken by the tuning voices, never a held-out voice or
// sentence, through µ-law and the recogniser's front end.
func ASRAdapt(ctx context.Context, o AdaptOptions, log io.Writer) (*AdaptReport, error) {
	dir, sentences, speeds, snrs := o.Dir, o.Sentences, o.Speeds, o.SNRs
	voices := o.Voices
	if len(voices) == 0 {
		voices = liveTuningVoices
	}
	for _, v := range voices {
		if slices.Contains(liveHeldOutVoices, v) {
			return nil, usage("--adapt-voices: %s is a held-out voice: the figures' voices are never fitted on", v)
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
	utts := make([]adapt.Utterance, 0, len(us))
	for i, u := range us {
		pcm, err := asr.FrontEnd16k(u.PCM)
		if err != nil {
			return nil, err
		}
		utts = append(utts, adapt.Utterance{ID: fmt.Sprintf("u%05d", i), Text: u.Text, PCM16k: pcm})
	}
	fmt.Fprintf(log, "adapt: %d utterances; fitting\n", len(utts))
	fit, err := adapt.Fit(ctx, utts, adapt.Options{WorkDir: filepath.Clean(dir), Log: log})
	if err != nil {
		return nil, err
	}
	rep := &AdaptReport{Matrix: fit.MLLR, Means: fit.Means, Variances: fit.Variances, Utterances: fit.Utterances, Speeds: speeds, SNRs: snrs, Sentences: name}
	for _, v := range voices {
		rep.Voices = append(rep.Voices, v.String())
	}
	return rep, nil
}
