package intent

import (
	"bytes"
	"embed"
	"fmt"
)

// The evaluation sets of the example scripts, embedded so that `voxdial bench asr
// --live` speaks the same sentences the text evaluation reads.
//
//go:embed testdata/en.tune.txt testdata/en.heldout.txt testdata/zh.tune.txt testdata/zh.heldout.txt
var setFS embed.FS

// Splits of an evaluation set: tuning (the lexicon and the calibration were fitted on
// it) and held-out (never fitted on).
const (
	SplitTuning  = "tune"
	SplitHeldOut = "heldout"
)

// Set is the embedded evaluation set of a language ("en", "zh") and split.
func Set(lang, split string) ([]Labelled, error) {
	name := fmt.Sprintf("testdata/%s.%s.txt", lang, split)
	data, err := setFS.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("evaluation set %s.%s: none embedded", lang, split)
	}
	return ReadSet(bytes.NewReader(data), name)
}

// AnswerCorpus is how callers answer, for the recogniser's language model: the texts
// of the language's tuning split ("en", "zh"), off-topic sentences included. The
// held-out split never goes into it, so the held-out figures stay blind to it.
func AnswerCorpus(lang string) []string {
	set, err := Set(lang, SplitTuning)
	if err != nil {
		return nil
	}
	out := make([]string, 0, len(set))
	for _, s := range set {
		out = append(out, s.Text)
	}
	return out
}
