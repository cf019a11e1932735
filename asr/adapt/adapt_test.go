package adapt_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/voxdial/voxdial/asr"
	"github.com/voxdial/voxdial/asr/adapt"
	"github.com/voxdial/voxdial/asr/evalset"
)

// TestFit runs the whole fit with Debian's sphinxtrain on a few sentences: features,
// Baum-Welch statistics against the model, and an MLLR transform pocketsphinx reads
// (a decoder built with it still recognises a phrase).
func TestFit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	us, utts := spoken(t, evalset.Voice{Engine: "flite", Name: "slt"}, "t", "i already paid", "please stop calling me", "yes that's me", "call me back later")
	// A sentence with a word the dictionary lacks is left out, not fatal.
	utts = append(utts, adapt.Utterance{ID: "bad", Text: "zzqxv", PCM16k: utts[0].PCM16k})
	dir := t.TempDir()
	fit, err := adapt.Fit(ctx, utts, adapt.Options{WorkDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if fit.Utterances != len(us) {
		t.Errorf("used %d utterances, want %d (the unknown word's left out)", fit.Utterances, len(us))
	}
	data, err := os.ReadFile(fit.MLLR)
	if err != nil {
		t.Fatal(err)
	}
	// mllr_solve's text format: class count, stream count, then per stream its
	// dimension and the matrix rows.
	f := strings.Fields(string(data))
	if len(f) < 3 || f[0] != "1" || f[1] != "3" || f[2] != "13" {
		t.Fatalf("transform starts %q", f[:min(len(f), 3)])
	}
	// The MAP-adapted Gaussians: the model's shape (42 codebooks × 3 streams × 128
	// densities, as Debian's means file), moved.
	orig, err := os.ReadFile(filepath.Join(asr.DefaultSphinxModel, "means"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{fit.Means, fit.Variances} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) != len(orig) {
			t.Errorf("%s: %d bytes, want %d (the model's shape)", p, len(b), len(orig))
		}
	}
	if b, _ := os.ReadFile(fit.Means); string(b) == string(orig) {
		t.Error("MAP means are the model's own: nothing was adapted")
	}
	g := &asr.Grammar{Name: "adapt-test", Intents: []asr.Intent{{Name: "paid", Phrases: []string{"already paid"}}, {Name: "opt_out", Phrases: []string{"stop calling"}}}}
	for name, args := range map[string]map[string]string{
		"transform": {"-mllr": fit.MLLR},
		"map":       {"-mean": fit.Means, "-var": fit.Variances},
	} {
		eng, err := asr.NewSphinx(asr.SphinxOptions{Vocabulary: []string{"already paid", "stop calling"}, Args: args})
		if err != nil {
			t.Fatal(err)
		}
		o, err := evalset.Recognize(ctx, eng, g, us[0])
		eng.Close()
		if err != nil {
			t.Fatal(err)
		}
		if o.Intent != "paid" {
			t.Errorf("with the %s %q → %+v", name, us[0].Text, o)
		}
	}
}

func TestFitNamesMissingTools(t *testing.T) {
	t.Parallel()
	_, err := adapt.Fit(context.Background(), nil, adapt.Options{WorkDir: t.TempDir(), ToolDir: filepath.Join(t.TempDir(), "none")})
	if !errors.Is(err, adapt.ErrNoTrainer) || !strings.Contains(err.Error(), "bw") {
		t.Errorf("err = %v, want ErrNoTrainer naming bw", err)
	}
}

// TestFitFrontEnd: the features are computed as the decoder reads the line, with its
// frequency warp and at its frame rate, so the fit learns the line as that decoder
// does. The same audio gives other features when warped, about a fifth fewer frames at
// 80 a second than at 100, and the fit completes on each.
func TestFitFrontEnd(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, utts := spoken(t, evalset.Voice{Engine: "espeak", Name: "en-us"}, "w", "i already paid", "please stop calling me", "yes that's me")
	features := map[string][]byte{}
	for _, tc := range []struct {
		name string
		opts adapt.Options
		arg  string // what sphinx_fe must be given; "" none of the two
	}{
		{"plain", adapt.Options{}, ""},
		{"warped", adapt.Options{Warp: 1.1}, "-warp_params 1.1"},
		{"80 frames a second", adapt.Options{FrameRate: 80}, "-frate 80"},
	} {
		o := tc.opts
		o.WorkDir = t.TempDir()
		var log strings.Builder
		o.Log = &log
		if _, err := adapt.Fit(ctx, utts, o); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		for _, arg := range []string{"-warp_params 1.1", "-frate 80"} {
			if got := strings.Contains(log.String(), arg); got != (arg == tc.arg) {
				t.Errorf("%s: sphinx_fe given %s = %v:\n%s", tc.name, arg, got, log.String())
			}
		}
		b, err := os.ReadFile(filepath.Join(o.WorkDir, "wav", "w0.mfc"))
		if err != nil {
			t.Fatal(err)
		}
		features[tc.name] = b
	}
	// A header word, then 13 cepstra a frame.
	plain, warped := features["plain"], features["warped"]
	n := min(len(plain), len(warped))
	if n < 4+13*4*10 {
		t.Fatalf("features of %d and %d bytes: too short for an utterance", len(plain), len(warped))
	}
	if string(plain[4:n]) == string(warped[4:n]) {
		t.Error("the warped features are the unwarped ones: the warp never reached the front end")
	}
	frames := func(b []byte) int { return (len(b) - 4) / (13 * 4) }
	at80, at100 := frames(features["80 frames a second"]), frames(plain)
	if ratio := float64(at80) / float64(at100); ratio < 0.75 || ratio > 0.9 {
		t.Errorf("%d frames at 80 a second, %d at 100: want about four fifths (at most 0.9)", at80, at100)
	}
}

// spoken has voice say the texts over the telephone front end: the utterances, and
// the same as adaptation utterances (16 kHz) named prefix0, prefix1, ….
func spoken(t *testing.T, voice evalset.Voice, prefix string, texts ...string) ([]evalset.Utterance, []adapt.Utterance) {
	t.Helper()
	var phrases []evalset.Labeled
	for _, text := range texts {
		phrases = append(phrases, evalset.Labeled{Text: text})
	}
	us, err := evalset.Generate(context.Background(), evalset.Options{Phrases: phrases, Voices: []evalset.Voice{voice}, Speeds: []float64{1}, SNRs: []float64{0}})
	if err != nil {
		t.Fatal(err)
	}
	var utts []adapt.Utterance
	for i, u := range us {
		pcm, err := asr.FrontEnd16k(u.PCM)
		if err != nil {
			t.Fatal(err)
		}
		if len(pcm) < 2*len(u.PCM)-320 { // the resampler keeps back its filter delay
			t.Fatalf("front end gave %d samples for %d at 8 kHz", len(pcm), len(u.PCM))
		}
		utts = append(utts, adapt.Utterance{ID: prefix + strconv.Itoa(i), Text: u.Text, PCM16k: pcm})
	}
	return us, utts
}
