package intent

import "testing"

// TestAsksToRepeat: a request to hear the question again, and nothing else, is one;
// words that also answer, or ask something else, are not.
func TestAsksToRepeat(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		text string
		want bool
	}{
		{"sorry, what?", true},
		{"what", true},
		{"huh?", true},
		{"pardon?", true},
		{"excuse me?", true},
		{"what was that", true},
		{"what did you say", true},
		{"could you say that again please", true},
		{"sorry i didn't catch that", true},
		{"i can't hear you", true},
		{"come again?", true},
		{"你说什么？", true},
		{"什么", true},
		{"没听清，再说一遍", true},
		{"sorry i already paid", false},
		{"what is this about", false},
		{"who is this", false},
		{"no", false},
		{"yes what do you want", false},
		{"stop calling", false},
		{"", false},
		{"我已经还了", false},
		{"什么时候", false},
	} {
		if got := AsksToRepeat(c.text); got != c.want {
			t.Errorf("AsksToRepeat(%q) = %v, want %v (%s)", c.text, got, c.want, Normalize(c.text))
		}
	}
}
