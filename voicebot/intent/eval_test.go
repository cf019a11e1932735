package intent

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"testing"

	"go.yaml.in/yaml/v3"
)

// scriptIntents reads the intents of an example script (the intent package does not
// depend on voicebot, which parses scripts for real).
func scriptIntents(t testing.TB, lang string) []Intent {
	t.Helper()
	data, err := os.ReadFile("../testdata/payment-reminder." + lang + ".yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Intents yaml.Node `yaml:"intents"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var out []Intent
	for i := 0; i+1 < len(doc.Intents.Content); i += 2 {
		var v struct {
			Phrases       []string `yaml:"phrases"`
			MinConfidence float64  `yaml:"min_confidence"`
		}
		if err := doc.Intents.Content[i+1].Decode(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, Intent{Name: doc.Intents.Content[i].Value, Phrases: v.Phrases, MinConfidence: v.MinConfidence})
	}
	return out
}

func readSet(t testing.TB, name string) []Labelled {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	set, err := ReadSet(f, name)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// highStakes are the example scripts' intents whose branches act for good: an opt-out,
// a transfer, a claim of payment.
var highStakes = []string{"opt_out", "agent", "paid"}

// TestHeldOut asserts the text-level targets on the held-out sets, which the
// calibration was not fitted on (the lexicon, though, was written with them in view:
// TestBlind has the honest figures): ≥ 90 % of answers routed right, ≤ 1 % of utterances routed to a wrong
// high-stakes intent, ≥ 90 % of off-topic speech no_match, and calibration (routed
// with a score ≥ 0.95 means right ≥ 98 % of the time).
func TestHeldOut(t *testing.T) {
	t.Parallel()
	checkSet(t, "heldout", floors{right: 0.90, offTopic: 0.90, sure: 0.98, ece: 0.05})
}

// TestBlind holds the floors on the blind sets (testdata/*.blind.txt: written from the
// intents' descriptions by a writer who saw neither the lexicon nor the other sets).
// They are the honest text-level figures: the held-out sets score higher (en 100 %
// against 92.8 %, zh 97.5 % against 84.4 %) because the lexicon was written with
// them in view. Nothing may be tuned on the blind sets; a failure here is a
// regression to understand, not a set to fit.
func TestBlind(t *testing.T) {
	t.Parallel()
	checkSet(t, "blind", floors{n: 210, right: 0.80, offTopic: 0.85, sure: 0.95, ece: 0.07})
}

// TestBlind2 holds the floors on the second blind sets (testdata/{en,zh}.blind2.txt,
// written, like the *.tune2.txt sets, from the intents' descriptions only, by other
// writers who saw no set, lexicon or matcher), measured before and after the lexicon
// was widened on the *.tune2.txt sets: en 83.3 % → 93.9 % right, off-topic no_match
// 70.0 % → 76.7 %, wrong high-stakes 6 → 3; zh 75.0 % → 85.0 %, 70.0 % → 80.0 %, 5 → 4
// (BENCHMARKS.md, "Twenty-second session"). Their off-topic lines are a third decoys,
// and a few still reach a high-stakes intent — over the 1 % the other sets hold, so
// their own ceilings here, figures to bring down.
func TestBlind2(t *testing.T) {
	t.Parallel()
	for _, f := range []struct {
		lang            string
		right, offTopic float64
		highStakes      int
	}{{"en", 0.90, 0.75, 3}, {"zh", 0.83, 0.75, 4}} {
		t.Run(f.lang, func(t *testing.T) {
			t.Parallel()
			c := New(scriptIntents(t, f.lang), Options{})
			rep := Evaluate(c, readSet(t, f.lang+".blind2.txt"), highStakes)
			if rep.Utterances != 210 || rep.OffTopic != 30 {
				t.Fatalf("%d utterances, %d off-topic: want the set's 210, 30", rep.Utterances, rep.OffTopic)
			}
			if rep.RightRate < f.right {
				t.Errorf("routed right %.3f, want ≥ %.2f", rep.RightRate, f.right)
			}
			if rep.WrongHighStakes > f.highStakes {
				t.Errorf("%d routed to a wrong high-stakes intent, want ≤ %d", rep.WrongHighStakes, f.highStakes)
			}
			if rep.OffTopicNoMatchRate < f.offTopic {
				t.Errorf("off-topic no_match %.3f, want ≥ %.2f", rep.OffTopicNoMatchRate, f.offTopic)
			}
			if rep.Sure == 0 || float64(rep.SureRight) < 0.93*float64(rep.Sure) {
				t.Errorf("score ≥ 0.95 right %d of %d, want ≥ 93 %%", rep.SureRight, rep.Sure)
			}
		})
	}
}

// TestSecondTuningSet: English's second tuning set is part of its tuning split (the
// calibration is fitted on it, the recogniser's model learns its sentences);
// Mandarin's only widened the lexicon. The lexicon covers both as it covers the
// first sets.
func TestSecondTuningSet(t *testing.T) {
	t.Parallel()
	tune := tuneSet(t, "en")
	second := readSet(t, "en.tune2.txt")
	if len(second) != 420 || len(tune) != len(readSet(t, "en.tune.txt"))+len(second) {
		t.Fatalf("tuning split %d utterances, second set %d: want the second set's 420 in the split", len(tune), len(second))
	}
	for _, f := range []struct {
		lang       string
		right      float64
		highStakes int
	}{{"en", 0.95, 2}, {"zh", 0.93, 4}} {
		rep := Evaluate(New(scriptIntents(t, f.lang), Options{}), readSet(t, f.lang+".tune2.txt"), highStakes)
		if rep.RightRate < f.right || rep.WrongHighStakes > f.highStakes {
			t.Errorf("%s second tuning set: right %.3f, wrong high-stakes %d; want ≥ %.2f, ≤ %d", f.lang, rep.RightRate, rep.WrongHighStakes, f.right, f.highStakes)
		}
	}
}

// TestDecoys holds the floor on testdata/en.decoy.txt: off-topic sentences that
// carry answer words in another sense ("the rain finally stopped", "my agent handles
// the bills") and phone announcements. Before titles in passing and stray words
// (classify.go) 35 % of them were no_match and 40 were routed to a high-stakes
// intent; the features and their calibration cannot tell them from wordy answers
// (a refit on them costs a tenth of the blind set's right answers, BENCHMARKS.md).
func TestDecoys(t *testing.T) {
	t.Parallel()
	c := New(scriptIntents(t, "en"), Options{})
	rep := Evaluate(c, readSet(t, "en.decoy.txt"), highStakes)
	if rep.OffTopic != rep.Utterances || rep.Utterances < 120 {
		t.Fatalf("%d utterances, %d off-topic: the decoys are all off-topic", rep.Utterances, rep.OffTopic)
	}
	// 65.4 % and 13 before the context rules of the twenty-second session (paid,
	// sent or made for something else, "stop" doing something else, a past
	// "stopped" or "deleted").
	if rep.OffTopicNoMatchRate < 0.70 {
		t.Errorf("decoys no_match %.3f, want ≥ 0.70", rep.OffTopicNoMatchRate)
	}
	if rep.WrongHighStakes > 6 {
		t.Errorf("%d decoys routed to a high-stakes intent, want ≤ 6", rep.WrongHighStakes)
	}
}

// floors are what an evaluation set must reach; wrong high-stakes routes ≤ 1 % always.
type floors struct {
	n                          int // utterances the set must hold (0: any)
	right, offTopic, sure, ece float64
}

// checkSet evaluates the split's set of both languages against the floors.
func checkSet(t *testing.T, split string, f floors) {
	for _, lang := range []string{"en", "zh"} {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			c := New(scriptIntents(t, lang), Options{})
			rep := Evaluate(c, readSet(t, lang+"."+split+".txt"), highStakes)
			out, _ := json.Marshal(rep)
			t.Logf("%s", out)
			if f.n > 0 && rep.Utterances != f.n {
				t.Fatalf("%d utterances, want the set's %d", rep.Utterances, f.n)
			}
			if rep.RightRate < f.right {
				t.Errorf("routed right %.3f, want ≥ %.2f", rep.RightRate, f.right)
			}
			if rep.WrongHighStakesRate > 0.01 {
				t.Errorf("wrong high-stakes %.3f, want ≤ 0.01", rep.WrongHighStakesRate)
			}
			if rep.OffTopicNoMatchRate < f.offTopic {
				t.Errorf("off-topic no_match %.3f, want ≥ %.2f", rep.OffTopicNoMatchRate, f.offTopic)
			}
			if rep.Sure == 0 || float64(rep.SureRight) < f.sure*float64(rep.Sure) {
				t.Errorf("score ≥ 0.95 right %d of %d, want ≥ %.0f %%", rep.SureRight, rep.Sure, 100*f.sure)
			}
			if rep.ECE > f.ece {
				t.Errorf("calibration error %.3f, want ≤ %.2f", rep.ECE, f.ece)
			}
		})
	}
}

// tuneSamples are the labelled matches of a language's tuning set, what its default
// model is fitted on.
func tuneSamples(t testing.TB, lang string) []Sample {
	c := New(scriptIntents(t, lang), Options{})
	return Samples(c, tuneSet(t, lang))
}

// tuneSet is a language's tuning split: every file of it.
func tuneSet(t testing.TB, lang string) []Labelled {
	t.Helper()
	set, err := Set(lang, SplitTuning)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func TestFitDefaultModel(t *testing.T) {
	t.Parallel()
	for lang, want := range map[string]*Model{"en": DefaultModel(), "zh": DefaultModelZh()} {
		got := Fit(tuneSamples(t, lang))
		if stale(got.W[:], want.W[:], got.B, want.B) {
			t.Errorf("the %s model is stale; refit on its tuning set gives:\n%#v", lang, *got)
		}
	}
}

// TestCalibrate: fitted on a script's labelled answers, the calibration repairs a
// miscalibrated one on folds it was not fitted on, comes back as the weights a script
// lists, and refuses a set too small or too clean to fit.
func TestCalibrate(t *testing.T) {
	t.Parallel()
	intents := scriptIntents(t, "en")
	set := tuneSet(t, "en")
	// A stale calibration that doubts every match (0.27: no_match, the bot deaf).
	doubt := &Model{B: -1}
	rep, err := Calibrate(intents, Options{Model: doubt}, set, highStakes)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Utterances != len(set) || rep.Matches < MinCalibrationMatches || rep.Matches == rep.MatchesRight {
		t.Fatalf("report %+v", rep)
	}
	if rep.Shipped.Right != 0 || rep.Fitted.RightRate < 0.9 {
		t.Errorf("routed right: %d with the doubting calibration, %.3f fitted on the other fold; want 0 and ≥ 0.9", rep.Shipped.Right, rep.Fitted.RightRate)
	}
	if rep.Shipped.ECE < 0.3 || rep.Fitted.ECE > 0.05 {
		t.Errorf("calibration error: doubting %.3f, fitted on the other fold %.3f", rep.Shipped.ECE, rep.Fitted.ECE)
	}
	m, err := ModelFromWeights(rep.Calibration)
	if err != nil {
		t.Fatal(err)
	}
	want := Fit(Samples(New(intents, Options{}), set))
	if stale(m.W[:], want.W[:], m.B, want.B) {
		t.Errorf("weights %v do not read back as the fit %+v", rep.Calibration, *want)
	}
	if rep.Shipped.Misses != nil || rep.Fitted.Misses != nil {
		t.Error("a calibration report lists misses")
	}
	// The tuning set's own calibration is the default model: fitting on it again
	// gives it back.
	if d := DefaultModel(); stale(m.W[:], d.W[:], m.B, d.B) {
		t.Errorf("fitted on the en tuning split: %v, want the default %+v", rep.Calibration, *d)
	}

	few := set[:8]
	if _, err := Calibrate(intents, Options{}, few, highStakes); !errors.Is(err, ErrTooFewMatches) {
		t.Errorf("8 answers: %v", err)
	}
	var clean []Labelled
	for _, s := range set {
		if s.Intent != OffTopic {
			clean = append(clean, s)
		}
	}
	if _, err := Calibrate(intents, Options{}, clean[:60], highStakes); !errors.Is(err, ErrTooFewMatches) {
		t.Errorf("60 answers all routed right: %v", err)
	}

	for _, bad := range [][]float64{nil, make([]float64, ModelWeights-1), append(make([]float64, ModelWeights-1), math.NaN())} {
		if _, err := ModelFromWeights(bad); err == nil {
			t.Errorf("ModelFromWeights(%v) accepted", bad)
		}
	}
}
