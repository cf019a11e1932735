package asr_test

import (
	"context"
	"strings"
	"testing"

	"github.com/voxdial/voxdial/asr"
	"github.com/voxdial/voxdial/asr/evalset"
)

// TestSphinxLMOpenVocabulary: the language-model search writes down words no grammar
// lists, so a paraphrase reaches the intent classifier as words.
func TestSphinxLMOpenVocabulary(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eng, err := asr.NewSphinx(asr.SphinxOptions{Search: asr.SearchLM, Vocabulary: []string{"stop calling"}})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	us := sltSaying(t, []evalset.Labeled{{Text: "please stop calling me", Intent: "opt_out"}, {Text: "i already paid the bill", Intent: "paid"}})
	g := &asr.Grammar{Name: "lm-test", Intents: []asr.Intent{{Name: "opt_out", Phrases: []string{"stop calling"}}}}
	hits := 0
	for _, u := range us {
		o, err := evalset.Recognize(ctx, eng, g, u)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%q → %q", u.Text, o.Text)
		words := 0
		for _, w := range strings.Fields(u.Text) {
			if strings.Contains(" "+o.Text+" ", " "+w+" ") {
				words++
			}
		}
		if words >= 1 {
			hits++
		}
		// The state's phrase is biased in: it comes out whole inside a longer sentence.
		if u.Intent == "opt_out" && !strings.Contains(o.Text, "stop calling") {
			t.Errorf("%q → %q: the state's phrase is lost", u.Text, o.Text)
		}
	}
	if hits < len(us) {
		t.Errorf("%d of %d utterances came out with one of their words", hits, len(us))
	}
}
