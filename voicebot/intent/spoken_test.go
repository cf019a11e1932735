package intent

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
)

func readSpokenSamples(t *testing.T) []SpokenSample {
	t.Helper()
	f, err := os.Open("testdata/en.spoken.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := ReadSpokenSamples(f, "en.spoken.tsv")
	if err != nil {
		t.Fatal(err)
	}
	if len(s) < 500 {
		t.Fatalf("%d samples, want the tuning split's spoken readings (> 500)", len(s))
	}
	return s
}

// TestFitDefaultSpokenModel: DefaultSpokenModel is what FitSpoken makes of the
// recognised tuning split (`voxdial script eval … --audio --spoken-samples`).
func TestFitDefaultSpokenModel(t *testing.T) {
	t.Parallel()
	got := FitSpoken(readSpokenSamples(t))
	if staleSpoken(got, DefaultSpokenModel()) {
		t.Errorf("DefaultSpokenModel is stale; refit on testdata/en.spoken.tsv gives:\n%#v", *got)
	}
}

// TestFitDefaultBestReadingModel: DefaultBestReadingModel is what FitBestReading makes
// of the same samples; it has no weight on the agreement it cannot know.
func TestFitDefaultBestReadingModel(t *testing.T) {
	t.Parallel()
	got, want := FitBestReading(readSpokenSamples(t)), DefaultBestReadingModel()
	if staleSpoken(got, want) || want.W[0] != 0 || want.W[1] != 0 {
		t.Errorf("DefaultBestReadingModel is stale; refit on testdata/en.spoken.tsv gives:\n%#v", *got)
	}
}

// staleSpoken: a refit differs from the shipped weights by more than rounding.
func staleSpoken(got, want *SpokenModel) bool { return stale(got.W[:], want.W[:], got.B, want.B) }

// stale: refitted weights differ from the shipped ones by more than rounding.
func stale(got, want []float64, gotB, wantB float64) bool {
	s := math.Abs(gotB-wantB) > 0.01
	for i := range got {
		s = s || math.Abs(got[i]-want[i]) > 0.01
	}
	return s
}

// TestSpokenCalibration: on the samples it was fitted on, the spoken model's scores
// mean what they say (within 0.1 a bin), where the text score alone claims far more
// than the recogniser's words deliver, and they tell right readings from wrong ones
// (a constant score would be calibrated too, and useless).
func TestSpokenCalibration(t *testing.T) {
	t.Parallel()
	samples := readSpokenSamples(t)
	m := DefaultSpokenModel()
	spoken := spokenECE(samples, m.Score)
	text := spokenECE(samples, func(f SpokenFeatures) float64 { return 1 / (1 + math.Exp(-f.Text)) })
	t.Logf("calibration error: text score %.3f, spoken score %.3f", text, spoken)
	if spoken > 0.1 || spoken >= text/2 {
		t.Errorf("spoken score calibration error %.3f (text score %.3f): want ≤ 0.1 and under half", spoken, text)
	}
	auc, right, wrong := spokenAUC(samples, m.Score)
	t.Logf("AUC %.3f (%d right, %d wrong readings)", auc, right, wrong)
	if auc < 0.75 {
		t.Errorf("AUC %.3f: the spoken score hardly tells right readings from wrong ones", auc)
	}
	// The best-reading model (how often words are heard well enough, for an LLM's
	// answer): calibrated too, and telling right from wrong on the word confidence,
	// though less well than with the readings' agreement.
	best := DefaultBestReadingModel()
	bestScore := func(f SpokenFeatures) float64 { return best.Score(SpokenFeatures{Words: f.Words}) }
	bece := spokenECE(samples, bestScore)
	bauc, _, _ := spokenAUC(samples, bestScore)
	t.Logf("best reading only: calibration error %.3f, AUC %.3f", bece, bauc)
	if bece > 0.1 || bauc < 0.6 || bauc >= auc {
		t.Errorf("best-reading model: calibration error %.3f (want ≤ 0.1), AUC %.3f (want ≥ 0.6, under the full model's %.3f)", bece, bauc, auc)
	}
}

// spokenECE is the calibration error of score on samples: mean |score − accuracy| over
// ten score bins, weighted by their size.
func spokenECE(samples []SpokenSample, score func(SpokenFeatures) float64) float64 {
	var bins [10]struct{ n, right, sum float64 }
	for _, s := range samples {
		p := score(s.F)
		b := &bins[min(int(p*10), 9)]
		b.n++
		b.sum += p
		if s.Right {
			b.right++
		}
	}
	e := 0.0
	for _, b := range bins {
		if b.n > 0 {
			e += b.n / float64(len(samples)) * math.Abs(b.sum/b.n-b.right/b.n)
		}
	}
	return e
}

// spokenAUC is the area under the ROC curve: how often a right reading outscores a
// wrong one.
func spokenAUC(samples []SpokenSample, score func(SpokenFeatures) float64) (auc float64, right, wrong int) {
	var rs, ws []float64
	for _, s := range samples {
		if s.Right {
			rs = append(rs, score(s.F))
		} else {
			ws = append(ws, score(s.F))
		}
	}
	wins := 0.0
	for _, r := range rs {
		for _, w := range ws {
			switch {
			case r > w:
				wins++
			case r == w:
				wins += 0.5
			}
		}
	}
	return wins / float64(len(rs)*len(ws)), len(rs), len(ws)
}

func TestClassifyHeard(t *testing.T) {
	t.Parallel()
	c := New([]Intent{
		{Name: "yes", Phrases: []string{"yes", "that's me"}},
		{Name: "no", Phrases: []string{"no", "wrong person"}},
		// A high-stakes intent's own threshold: readings that disagree, in words the
		// recogniser doubts, are right about half the time (the tuning split's
		// readings of an exact phrase with agreement and word confidence ≤ 0.35:
		// 51 of 94), which must not route it.
		{Name: "paid", Phrases: []string{"already paid"}, MinConfidence: 0.8},
	}, Options{})
	const text = "i already paid"
	plain := c.Classify(text, nil)
	if plain.Intent != "paid" || plain.Verdict != VerdictMatch {
		t.Fatalf("Classify(%q) = %+v, want a paid match", text, plain)
	}
	agree := &Heard{WordConfidence: 0.9, Readings: []Reading{{text, 0.5}, {"already paid", 0.3}, {"i already paid it", 0.2}}}
	split := &Heard{WordConfidence: 0.2, Readings: []Reading{{text, 0.2}, {"yes that's me", 0.4}, {"the weather", 0.4}}}
	for _, tc := range []struct {
		name  string
		h     *Heard
		check func(r Result) bool
	}{
		{"no readings: the text verdict", nil, func(r Result) bool { return r == plain }},
		{"empty readings: the text verdict", &Heard{WordConfidence: 0.1}, func(r Result) bool { return r == plain }},
		{"agreeing readings, sure words: routes", agree, func(r Result) bool {
			return r.Intent == "paid" && r.Verdict == VerdictMatch && r.Spoken != nil && r.Spoken.Agree == 1
		}},
		{"disagreeing readings, unsure words: does not route", split, func(r Result) bool {
			return r.Intent == "paid" && r.Verdict != VerdictMatch && math.Abs(r.Spoken.Agree-0.2) < 1e-9
		}},
	} {
		r := c.ClassifyHeard(text, tc.h, nil)
		if !tc.check(r) {
			t.Errorf("%s: %+v (spoken %+v)", tc.name, r, r.Spoken)
		}
	}
	a, s := c.ClassifyHeard(text, agree, nil), c.ClassifyHeard(text, split, nil)
	if a.Score <= s.Score {
		t.Errorf("agreeing readings score %.3f, disagreeing %.3f: want agreement to count", a.Score, s.Score)
	}
	// Nothing to rescore when the words hold no intent.
	if r := c.ClassifyHeard("the weather is nice", split, nil); r.Intent != "" || r.Verdict != VerdictNoMatch || r.Spoken != nil {
		t.Errorf("off-topic words: %+v", r)
	}
	if _, ok := c.SpokenSampleOf("the weather is nice", split, "none"); ok {
		t.Error("SpokenSampleOf: a sample for words with no intent")
	}
	if smp, ok := c.SpokenSampleOf(text, split, "paid"); !ok || !smp.Right || smp.F.Words != 0.2 {
		t.Errorf("SpokenSampleOf = %+v, %v", smp, ok)
	}
}

func TestSpokenSamplesRoundTrip(t *testing.T) {
	t.Parallel()
	in := []SpokenSample{{F: SpokenFeatures{Text: 5.99, Agree: 0.25, Words: 0.5}, Right: true}, {F: SpokenFeatures{Text: -1.5}}}
	var buf bytes.Buffer
	if err := WriteSpokenSamples(&buf, in); err != nil {
		t.Fatal(err)
	}
	out, err := ReadSpokenSamples(&buf, "x")
	if err != nil || len(out) != 2 || out[0] != in[0] || out[1] != in[1] {
		t.Errorf("round trip: %+v, %v", out, err)
	}
	for _, bad := range []struct{ body, want string }{
		{"2\t1\t0\t0\n", "x:1"},
		{"# c\n1\t1\t0\n", "x:2"},
		{"1\tNaN\t0\t0\n", "field 2"},
		{"0\t1\tzero\t0\n", "field 3"},
	} {
		if _, err := ReadSpokenSamples(strings.NewReader(bad.body), "x"); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: err %v, want one naming %s", bad.body, err, bad.want)
		}
	}
}

// BenchmarkClassifyHeard is the per-turn cost of scoring open words with 40 readings
// (the recogniser's N-best), each classified.
func BenchmarkClassifyHeard(b *testing.B) {
	c := New(scriptIntents(b, "en"), Options{})
	words := []string{"i", "already", "paid", "it", "last", "week", "the", "bill", "that", "yes"}
	h := &Heard{WordConfidence: 0.6}
	for i := range 40 {
		h.Readings = append(h.Readings, Reading{Text: strings.Join(words[:4+i%6], " ") + " " + words[i%len(words)], Weight: 1.0 / 40})
	}
	b.ReportAllocs()
	for b.Loop() {
		c.ClassifyHeard("i already paid it last week", h, nil)
	}
}

func TestLexiconCorpus(t *testing.T) {
	t.Parallel()
	en := LexiconCorpus("en")
	for _, want := range []string{"in a meeting", "lose my number", "manager", "unsubscribe"} {
		if !slices.Contains(en, want) {
			t.Errorf("LexiconCorpus(en) lacks %q", want)
		}
	}
	for _, l := range en {
		if strings.Contains(l, "$") || strings.TrimSpace(l) != l || l == "" {
			t.Errorf("line %q: not a phrase for a language model", l)
		}
	}
	if !slices.Equal(en, LexiconCorpus("en")) {
		t.Error("LexiconCorpus is not the same twice: the model built from it would change between runs")
	}
	if zh := LexiconCorpus("zh"); zh != nil {
		t.Errorf("LexiconCorpus(zh) = %d lines, want none (Mandarin is recognised by a server)", len(zh))
	}
}

// TestAsideCorpus: the asides are off-topic lines, and none of them is a sentence of
// an evaluation set (a set measured on must stay out of the recogniser's model).
func TestAsideCorpus(t *testing.T) {
	t.Parallel()
	en := AsideCorpus("en")
	if len(en) < 40 {
		t.Fatalf("AsideCorpus(en) has %d lines, want the file's 51", len(en))
	}
	set, err := Set("en", "aside")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range set {
		if s.Intent != OffTopic {
			t.Errorf("en.aside.txt:%d: %q is labelled %q: asides answer nothing (none)", s.Line, s.Text, s.Intent)
		}
	}
	measured := lineIndex(t, "testdata/en.tune.txt", "testdata/en.heldout.txt", "testdata/en.blind.txt")
	for _, l := range en {
		if at, ok := measured[strings.Join(strings.Fields(strings.ToLower(l)), " ")]; ok {
			t.Errorf("aside %q is also %s", l, at)
		}
	}
	if zh := AsideCorpus("zh"); zh != nil {
		t.Errorf("AsideCorpus(zh) = %d lines, want none", len(zh))
	}
}

// lineIndex maps each line of the labelled sets, lower-cased with its spaces folded,
// to the file and line it is on.
func lineIndex(t *testing.T, files ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s, err := ReadSet(bytes.NewReader(data), f)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range s {
			out[strings.Join(strings.Fields(strings.ToLower(l.Text)), " ")] = fmt.Sprintf("%s:%d", f, l.Line)
		}
	}
	return out
}

// TestWrittenCorpus: the written answers are labelled with the English script's
// intents or none, and none of them is a line of an evaluation set or of the tuning
// split (the first would make a figure see its own sentences; the second would only
// weigh a tuning sentence twice).
func TestWrittenCorpus(t *testing.T) {
	t.Parallel()
	en := WrittenCorpus("en")
	if len(en) < 800 {
		t.Fatalf("WrittenCorpus(en) has %d lines, want the file's 852", len(en))
	}
	set, err := Set("en", "corpus")
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]int{"yes": 0, "no": 0, "later": 0, "paid": 0, "agent": 0, "opt_out": 0, OffTopic: 0}
	for _, s := range set {
		if _, ok := known[s.Intent]; !ok {
			t.Errorf("en.corpus.txt:%d: %q is labelled %q: not an intent of payment-reminder.en.yaml", s.Line, s.Text, s.Intent)
		}
		known[s.Intent]++
	}
	for in, n := range known {
		if n < 80 {
			t.Errorf("en.corpus.txt has %d lines of %q, want at least 80 of every intent and of none", n, in)
		}
	}
	measured := lineIndex(t, "testdata/en.tune.txt", "testdata/en.tune2.txt", "testdata/en.heldout.txt", "testdata/en.blind.txt",
		"testdata/en.blind2.txt", "testdata/en.human.txt", "testdata/en.decoy.txt", "testdata/en.aside.txt")
	for _, l := range en {
		if at, ok := measured[strings.Join(strings.Fields(strings.ToLower(l)), " ")]; ok {
			t.Errorf("written answer %q is also %s", l, at)
		}
	}
	if zh := WrittenCorpus("zh"); zh != nil {
		t.Errorf("WrittenCorpus(zh) = %d lines, want none", len(zh))
	}
}

// TestHeardWordsRouteFromTheirOwnFloor: a recogniser's words scored between the
// intent's threshold and Options.HeardMinConfidence ask again; typed text with the
// same words routes, and a lower floor lets the words route too.
func TestHeardWordsRouteFromTheirOwnFloor(t *testing.T) {
	t.Parallel()
	intents := []Intent{{Name: "paid", Phrases: []string{"already paid"}}, {Name: "no", Phrases: []string{"no"}}}
	h := &Heard{WordConfidence: 0.1, Readings: []Reading{{"i already paid", 0.2}, {"the weather", 0.8}}}
	c := New(intents, Options{})
	r := c.ClassifyHeard("i already paid", h, nil)
	if r.Score < DefaultMinConfidence || r.Score >= DefaultHeardMinConfidence {
		t.Fatalf("the case needs a spoken score in [%.2f, %.2f): %+v", DefaultMinConfidence, DefaultHeardMinConfidence, r)
	}
	if r.Verdict != VerdictLow {
		t.Errorf("heard at %.3f: %s, want low_confidence", r.Score, r.Verdict)
	}
	if typed := c.Classify("i already paid", nil); typed.Verdict != VerdictMatch {
		t.Errorf("typed: %+v", typed)
	}
	if r := New(intents, Options{HeardMinConfidence: 0.5}).ClassifyHeard("i already paid", h, nil); r.Verdict != VerdictMatch {
		t.Errorf("floor 0.5: %+v", r)
	}
}

// TestGrammarKeptWhenOpenWordsHoldNone: a grammar match the open words replaced is
// the result when those words hold no intent (at the grammar's confidence, from
// Options.GrammarKeepMinConfidence, among the allowed intents); open words that hold
// an intent decide.
func TestGrammarKeptWhenOpenWordsHoldNone(t *testing.T) {
	t.Parallel()
	intents := []Intent{
		{Name: "opt_out", Phrases: []string{"stop calling"}},
		{Name: "paid", Phrases: []string{"already paid"}, MinConfidence: 0.8},
		{Name: "yes", Phrases: []string{"yes", "correct"}},
	}
	c := New(intents, Options{GrammarKeepMinConfidence: 0.5})
	stop := &GrammarReading{Text: "stop calling", Intent: "opt_out", Confidence: 0.92}
	readings := []Reading{{"the car link", 0.7}, {"that car link", 0.3}}
	for _, tc := range []struct {
		name    string
		c       *Classifier
		text    string
		h       *Heard
		allowed []string
		want    string
		verdict Verdict
		score   float64
	}{
		{"open words read nothing: the grammar's match", c, "the car link", &Heard{WordConfidence: 0.4, Readings: readings, Grammar: stop}, nil, "opt_out", VerdictMatch, 0.92},
		{"without readings too", c, "there it", &Heard{Grammar: &GrammarReading{Text: "correct", Intent: "yes", Confidence: 0.7}}, nil, "yes", VerdictMatch, 0.7},
		{"under the intent's own threshold: asked again", c, "there it", &Heard{Grammar: &GrammarReading{Text: "already paid", Intent: "paid", Confidence: 0.6}}, nil, "paid", VerdictLow, 0.6},
		{"under the keep floor: no match", c, "the car link", &Heard{Readings: readings, Grammar: &GrammarReading{Text: "stop calling", Intent: "opt_out", Confidence: 0.4}}, nil, "", VerdictNoMatch, 0},
		{"not an allowed intent: no match", c, "the car link", &Heard{Readings: readings, Grammar: stop}, []string{"yes", "paid"}, "", VerdictNoMatch, 0},
		{"open words with an intent decide", c, "i already paid", &Heard{WordConfidence: 0.9, Readings: []Reading{{"i already paid", 1}}, Grammar: stop}, nil, "paid", VerdictMatch, -1},
		{"the default floor: only a grammar match the open pass barely doubted", New(intents, Options{}), "there it", &Heard{Grammar: &GrammarReading{Text: "correct", Intent: "yes", Confidence: 0.7}}, nil, "", VerdictNoMatch, 0},
		{"the default floor, kept", New(intents, Options{}), "the car link", &Heard{Readings: readings, Grammar: stop}, nil, "opt_out", VerdictMatch, 0.92},
		{"keeping switched off", New(intents, Options{GrammarKeepMinConfidence: -1}), "the car link", &Heard{Readings: readings, Grammar: stop}, nil, "", VerdictNoMatch, 0},
	} {
		r := tc.c.ClassifyHeard(tc.text, tc.h, tc.allowed)
		if r.Intent != tc.want || r.Verdict != tc.verdict || (tc.score >= 0 && r.Score != tc.score) {
			t.Errorf("%s: %+v, want %q %s %.2f", tc.name, r, tc.want, tc.verdict, tc.score)
		}
		if r.Intent != "" && r.Exact && tc.h.Grammar != nil && r.Intent == tc.h.Grammar.Intent && tc.text != tc.h.Grammar.Text {
			t.Errorf("%s: a kept grammar match is not exact (the caller's words were not heard as written)", tc.name)
		}
		if kept := r.Intent != "" && tc.c.Classify(tc.text, tc.allowed).Intent == ""; r.Grammar != kept {
			t.Errorf("%s: Grammar = %v, want %v (set only on a kept grammar match)", tc.name, r.Grammar, kept)
		}
	}
}

func TestSpokenModelString(t *testing.T) {
	t.Parallel()
	m := DefaultSpokenModel()
	back, err := ParseSpokenModel(m.String())
	if err != nil || *back != *m {
		t.Fatalf("%s → %+v, %v", m, back, err)
	}
	for _, bad := range []string{"", "1,2,3", "1,2,x,4", "1,2,3,4,5", "1,Inf,3,4"} {
		if _, err := ParseSpokenModel(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// TestCalibrateSpoken: fitted on recognised answers, the spoken calibration repairs a
// stale one on samples it was not fitted on, gives back the shipped model on the
// samples that model was fitted on, and refuses too few samples or bad weights.
func TestCalibrateSpoken(t *testing.T) {
	t.Parallel()
	samples := readSpokenSamples(t)
	rep, err := CalibrateSpoken(samples, &SpokenModel{B: -4})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Samples != len(samples) || rep.Right == 0 || rep.Right == rep.Samples {
		t.Fatalf("report %+v", rep)
	}
	if rep.InUseECE < 0.3 || rep.FittedECE > 0.06 {
		t.Errorf("calibration error: stale %.3f, fitted on the other fold %.3f", rep.InUseECE, rep.FittedECE)
	}
	m, err := SpokenModelFromWeights(rep.Calibration)
	if err != nil {
		t.Fatal(err)
	}
	if staleSpoken(m, DefaultSpokenModel()) {
		t.Errorf("fitted on en.spoken.tsv: %v, want the shipped %+v", rep.Calibration, *DefaultSpokenModel())
	}
	if def, err := CalibrateSpoken(samples, nil); err != nil || def.InUseECE > 0.06 {
		t.Errorf("the shipped model on its own samples: %+v, %v", def, err)
	}
	if _, err := CalibrateSpoken(samples[:10], nil); !errors.Is(err, ErrTooFewMatches) {
		t.Errorf("10 samples: %v", err)
	}
	for _, bad := range [][]float64{{1, 2, 3}, {1, 2, 3, math.Inf(1)}} {
		if _, err := SpokenModelFromWeights(bad); err == nil {
			t.Errorf("SpokenModelFromWeights(%v) accepted", bad)
		}
	}
}
