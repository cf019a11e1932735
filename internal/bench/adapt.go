package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/voxdial/voxdial/asr"
	"github.com/voxdial/voxdial/asr/adapt"
	"github.com/voxdial/voxdial/asr/evalset"
	"github.com/voxdial/voxdial/voicebot/intent"
)

// AdaptReport says what the channel transform was fitted on.
type AdaptReport struct {
	Matrix     string    `json:"matrix"`
	Utterances int       `json:"utterances"`
	Voices     []string  `json:"voices"`
	Speeds     []float64 `json:"speeds"`
	SNRs       []float64 `json:"snrs"`
	Sentences  string    `json:"sentences"`
}

// ASRAdapt fits the telephone-channel MLLR transform (asr/adapt) on the tuning split
// only: the English tuning sentences (en.tune.txt) spoken by the tuning voices, never
// a held-out voice or sentence, at the given speeds and SNRs (0: clean; white noise),
// through µ-law and the recogniser's front end. dir receives the work files and
// dir/mllr_matrix. sentences, when set, is a labelled set read instead of en.tune.txt:
// half of the tuning split, to check a transform on the other half.
func ASRAdapt(ctx context.Context, dir, sentences string, speeds, snrs []float64, log io.Writer) (*AdaptReport, error) {
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
	fmt.Fprintf(log, "adapt: speaking %d tuning sentences with %d voices\n", len(phrases), len(liveTuningVoices))
	us, err := evalset.Generate(ctx, evalset.Options{Phrases: phrases, Voices: liveTuningVoices, Speeds: speeds, SNRs: snrs, Seed: 7})
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
	m, n, err := adapt.Fit(ctx, utts, adapt.Options{WorkDir: filepath.Clean(dir), Log: log})
	if err != nil {
		return nil, err
	}
	rep := &AdaptReport{Matrix: m, Utterances: n, Speeds: speeds, SNRs: snrs, Sentences: name}
	for _, v := range liveTuningVoices {
		rep.Voices = append(rep.Voices, v.String())
	}
	return rep, nil
}
