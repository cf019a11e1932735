package intent

import (
	"bytes"
	"embed"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// The evaluation sets of the example scripts, embedded so that `voxdial bench asr
// --live` speaks the same sentences the text evaluation reads.
//
//go:embed testdata/en.tune.txt testdata/en.tune2.txt testdata/en.heldout.txt testdata/zh.tune.txt testdata/zh.heldout.txt testdata/en.aside.txt testdata/en.corpus.txt
var setFS embed.FS

// Splits of an evaluation set: tuning (the lexicon and the calibration were fitted on
// it) and held-out (the calibration never fitted on it, but the lexicon was written
// with it in view). testdata/*.blind.txt, read by file (`bench asr --live --sentences`,
// `script eval --set`), were written by someone who saw neither.
const (
	SplitTuning  = "tune"
	SplitHeldOut = "heldout"
)

// setParts are the files of a split made of more than one: English tuning is the
// first set and a second, written later from the intents' descriptions only to widen
// the lexicon (testdata/en.tune2.txt). Mandarin's second set (testdata/zh.tune2.txt)
// widened the lexicon but is not in the split: the calibration refitted on both let
// more off-topic lines route on both (zh.tune.txt 95 → 85 %, zh.tune2.txt 70 → 66 %
// no_match), so it stays fitted on the first.
var setParts = map[string][]string{
	"en." + SplitTuning: {"testdata/en.tune.txt", "testdata/en.tune2.txt"},
}

// Set is the embedded evaluation set of a language ("en", "zh") and split.
func Set(lang, split string) ([]Labelled, error) {
	names, ok := setParts[lang+"."+split]
	if !ok {
		names = []string{fmt.Sprintf("testdata/%s.%s.txt", lang, split)}
	}
	var out []Labelled
	for _, name := range names {
		data, err := setFS.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("evaluation set %s.%s: none embedded", lang, split)
		}
		set, err := ReadSet(bytes.NewReader(data), name)
		if err != nil {
			return nil, err
		}
		out = append(out, set...)
	}
	return out, nil
}

// AnswerCorpus is how callers answer, for the recogniser's language model: the texts
// of the language's tuning split ("en", "zh"), off-topic sentences included. The
// held-out split never goes into it, so the held-out figures stay blind to it.
func AnswerCorpus(lang string) []string { return setTexts(lang, SplitTuning) }

// setTexts is the texts of an embedded set, nil when there is none.
func setTexts(lang, split string) []string {
	set, err := Set(lang, split)
	if err != nil {
		return nil
	}
	out := make([]string, 0, len(set))
	for _, s := range set {
		out = append(out, s.Text)
	}
	return out
}

// AsideCorpus is everyday speech that answers nothing (testdata/en.aside.txt: home,
// errands, line trouble, questions about the caller), for the recogniser's language
// model: with only answers in it, off-topic speech is written down as the nearest
// answer's words and sometimes routed. Never an evaluation set; English only.
func AsideCorpus(lang string) []string {
	if lang != "en" {
		return nil
	}
	return setTexts(lang, "aside")
}

// WrittenCorpus is how callers answer the example scripts' questions, and what they
// say that answers nothing, written for the recogniser's language model alone
// (testdata/en.corpus.txt: by writers who saw no evaluation set, no tuning set and
// no lexicon). The tuning split alone leaves most ways of saying an answer out of the
// model, and a word sequence the model has never seen is the first thing a noisy line
// costs. Never an evaluation set, never fitted on; English only.
func WrittenCorpus(lang string) []string {
	if lang != "en" {
		return nil
	}
	return setTexts(lang, "corpus")
}

// LexiconCorpus is what the classifier understands beyond the tuning sentences, as
// lines for the recogniser's language model: the lexicon's phrases ("lose my number",
// "in a meeting") and the words it folds into concepts ("unsubscribe", "manager"). A
// recogniser that cannot write a word down can never route on it, however well the
// classifier knows it. Sorted, so the model built from it is the same every time.
func LexiconCorpus(lang string) []string {
	if lang != "en" {
		return nil
	}
	var out []string
	for _, p := range slices.Sorted(maps.Keys(enPhrases)) {
		if !strings.Contains(p, "$") && !enUnspoken[p] { // anchored rewrites are not phrases
			out = append(out, p)
		}
	}
	out = append(out, slices.Sorted(maps.Keys(enCanon))...)
	// Who answers for the person (someoneElse): the relation words in the sentences
	// they come in, so that "this is her husband" is not written as "this is her".
	for _, r := range []string{"brother", "daughter", "father", "friend", "husband", "mother", "partner", "sister", "son", "wife"} {
		out = append(out, "this is her "+r, "this is his "+r)
	}
	return out
}
