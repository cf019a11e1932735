package asr

import (
	"strings"
	"testing"
)

func TestStateARPA(t *testing.T) {
	t.Parallel()
	general := []unigram{{"the", -1.2}, {"call", -3}, {"please", -3.5}}
	g := &Grammar{Name: "s", Intents: []Intent{{Name: "opt_out", Phrases: []string{"stop calling", "do not call"}}, {Name: "yes", Phrases: []string{"yes"}}}}
	text := stateARPA(general, g, 0.3)
	for _, want := range []string{
		"ngram 1=10\n", // the, call, please, stop, calling, do, not, yes, <s>, </s> (call once)
		"ngram 2=9\n",
		" <s> stop\n", " stop calling\n", " calling </s>\n", " not call\n", " <s> yes\n", " yes </s>\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("ARPA lacks %q:\n%s", want, text)
		}
	}
	// The phrase words carry the bias: "stop" (0.3/6 = 0.05) is more probable than the
	// general "please" (0.7 × 10^-3.5).
	if !strings.Contains(text, "-1.3010 stop ") {
		t.Errorf("stop's probability:\n%s", text)
	}
}
