package intent

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Reading is one reading of a spoken utterance by an open-vocabulary recogniser, with
// its share of the probability among the readings it found.
type Reading struct {
	Text   string
	Weight float64
}

// Heard is what an open-vocabulary recogniser says about its words beyond the words:
// the other readings it found nearly as likely ("yes speaking", "yep speaking") and
// how sure it is of the best reading's words.
type Heard struct {
	Readings []Reading
	// WordConfidence is the mean posterior probability of the best reading's words.
	WordConfidence float64
	// Grammar is the grammar's match the open words replaced (the recogniser doubted
	// it): taken when the open words hold no intent at all, at its own confidence
	// from Options.GrammarKeepMinConfidence.
	Grammar *GrammarReading
}

// GrammarReading is a grammar phrase, its intent and the grammar's calibrated
// confidence in it.
type GrammarReading struct {
	Text, Intent string
	Confidence   float64
}

// SpokenFeatures describe how far an intent read from recognised words can be trusted.
// The text-level score is calibrated on what callers say; on what a recogniser wrote
// down it is overconfident (a misheard "i can't do that" is a perfect "no"), so the
// recogniser's own doubt joins it.
type SpokenFeatures struct {
	Text  float64 // the text-level score as log-odds, within ±6
	Agree float64 // share of the readings the classifier routes to the same intent
	Words float64 // the recogniser's word confidence
}

func (f SpokenFeatures) vector() []float64 { return []float64{f.Text, f.Agree, f.Words} }

const nSpoken = 3

// SpokenModel is a logistic model over SpokenFeatures, fitted on recognised speech of
// the tuning split (FitSpoken) so that a score of s is right about s of the time.
type SpokenModel struct {
	W [nSpoken]float64
	B float64
}

// Score is the calibrated probability that the intent read from the words is right.
func (m *SpokenModel) Score(f SpokenFeatures) float64 {
	return logistic(m.W[:], m.B, f.vector())
}

// SpokenSample is one labelled intent read from recognised speech, for FitSpoken.
type SpokenSample struct {
	F     SpokenFeatures
	Right bool
}

// FitSpoken fits a SpokenModel (deterministic: the same samples give the same model).
func FitSpoken(samples []SpokenSample) *SpokenModel {
	xs := make([][]float64, len(samples))
	ys := make([]bool, len(samples))
	for i, s := range samples {
		xs[i], ys[i] = s.F.vector(), s.Right
	}
	w, b := fitLogistic(xs, ys, nSpoken)
	m := &SpokenModel{B: b}
	copy(m.W[:], w)
	return m
}

// String is the model as ParseSpokenModel reads it: the weights of the text score,
// the agreement and the word confidence, then the bias.
func (m SpokenModel) String() string {
	return fmt.Sprintf("%.4f,%.4f,%.4f,%.4f", m.W[0], m.W[1], m.W[2], m.B)
}

// ParseSpokenModel reads "text,agree,words,bias" (a tuning flag's value).
func ParseSpokenModel(s string) (*SpokenModel, error) {
	parts := strings.Split(s, ",")
	if len(parts) != nSpoken+1 {
		return nil, fmt.Errorf("spoken model %q: want %d weights and a bias, comma-separated", s, nSpoken)
	}
	m := &SpokenModel{}
	for i, p := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("spoken model %q: item %d (%q) is not a number", s, i+1, p)
		}
		if i < nSpoken {
			m.W[i] = v
		} else {
			m.B = v
		}
	}
	return m, nil
}

// DefaultSpokenModel is fitted on testdata/en.spoken.tsv (TestFitDefaultSpokenModel
// refits it and fails when these weights are stale).
func DefaultSpokenModel() *SpokenModel {
	return &SpokenModel{W: [nSpoken]float64{0.4618, 2.3583, 2.5275}, B: -3.3013}
}

// FitBestReading fits the model of how often words a recogniser wrote down are
// heard well enough to read the right intent, from its word confidence alone: what
// weighs the answer of a classifier that sees only the best reading (an LLM). The same
// samples, text score and agreement left out (a zero feature gets no weight). The
// words alone calibrate well (error 0.01 on the samples); with the text score beside
// them they do not (0.16), so the text-level confidence is multiplied in instead.
func FitBestReading(samples []SpokenSample) *SpokenModel {
	blind := make([]SpokenSample, len(samples))
	for i, s := range samples {
		s.F.Text, s.F.Agree = 0, 0
		blind[i] = s
	}
	return FitSpoken(blind)
}

// DefaultBestReadingModel is FitBestReading of testdata/en.spoken.tsv
// (TestFitDefaultBestReadingModel refits it).
func DefaultBestReadingModel() *SpokenModel {
	return &SpokenModel{W: [nSpoken]float64{0, 0, 3.3459}, B: -0.2182}
}

// ScoreBestReading weighs the recogniser's doubt into the answer of a classifier that
// saw only the best reading (an LLM's intent at its own confidence): the confidence
// times the chance the words were heard well enough (Options.BestReading, on the word
// confidence). Without readings (typed text, a grammar's words) it is the confidence
// unchanged.
func (c *Classifier) ScoreBestReading(confidence float64, h *Heard) float64 {
	if h == nil || len(h.Readings) == 0 {
		return confidence
	}
	return round3(confidence * c.opts.BestReading.Score(SpokenFeatures{Words: h.WordConfidence}))
}

// ClassifyHeard classifies text, the best reading of a spoken utterance, and when h
// holds the recogniser's readings, scores the intent on the words and on the
// recogniser's doubt together (Options.Spoken): readings that mean the same add up
// ("yes speaking", "yep speaking"), readings that disagree ("i can do that", "i can't
// do that") and words the recogniser is unsure of lower the score, and the verdict
// follows the score, which routes from Options.HeardMinConfidence only. Without
// readings it is Classify.
//
// When the words hold no intent and h carries the grammar match they replaced, that
// match is the result, scored at the grammar's confidence: open words that read
// nothing ("that calling", "there it") are no evidence against a phrase the grammar
// heard ("stop calling", "correct").
func (c *Classifier) ClassifyHeard(text string, h *Heard, allowed []string) Result {
	r := c.classifyHeard(text, h, allowed)
	if h == nil || h.Grammar == nil || r.Intent != "" {
		return r
	}
	g := h.Grammar
	if g.Confidence < c.opts.GrammarKeepMinConfidence || (allowed != nil && !slices.Contains(allowed, g.Intent)) {
		return r
	}
	kept := c.Classify(g.Text, []string{g.Intent})
	if kept.Intent != g.Intent {
		return r
	}
	kept.Score, kept.Exact, kept.Spoken, kept.Grammar = round3(g.Confidence), false, nil, true
	kept.Verdict = c.verdict(g.Intent, g.Confidence)
	return kept
}

func (c *Classifier) classifyHeard(text string, h *Heard, allowed []string) Result {
	r := c.Classify(text, allowed)
	if h == nil || len(h.Readings) == 0 || r.Intent == "" {
		return r
	}
	f := c.spokenFeatures(r, text, h, allowed)
	score := c.opts.Spoken.Score(f)
	r.Score = round3(score)
	r.Spoken = &f
	r.Verdict = c.verdict(r.Intent, score)
	if r.Verdict == VerdictMatch && score < c.opts.HeardMinConfidence {
		r.Verdict = VerdictLow
	}
	return r
}

func (c *Classifier) spokenFeatures(r Result, text string, h *Heard, allowed []string) SpokenFeatures {
	agree, total := 0.0, 0.0
	for _, rd := range h.Readings {
		total += rd.Weight
		o := r
		if rd.Text != text {
			o = c.Classify(rd.Text, allowed)
		}
		if o.Intent == r.Intent && o.Verdict == VerdictMatch {
			agree += rd.Weight
		}
	}
	if total > 0 {
		agree /= total
	}
	s := min(max(r.Score, 0.0025), 0.9975)
	return SpokenFeatures{Text: math.Log(s / (1 - s)), Agree: agree, Words: h.WordConfidence}
}

// SpokenSampleOf labels the intent read from a spoken utterance, for FitSpoken; ok is
// false when the words hold no intent at all (nothing to trust or doubt).
func (c *Classifier) SpokenSampleOf(text string, h *Heard, label string) (SpokenSample, bool) {
	r := c.Classify(text, nil)
	if h == nil || len(h.Readings) == 0 || r.Intent == "" {
		return SpokenSample{}, false
	}
	return SpokenSample{F: c.spokenFeatures(r, text, h, nil), Right: r.Intent == label}, true
}

// WriteSpokenSamples writes samples as tab-separated lines: right (1/0), text log-odds,
// agreement, word confidence.
func WriteSpokenSamples(w io.Writer, samples []SpokenSample) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "# right\ttext_logodds\tagree\twords")
	for _, s := range samples {
		r := 0
		if s.Right {
			r = 1
		}
		fmt.Fprintf(bw, "%d\t%.4f\t%.4f\t%.4f\n", r, s.F.Text, s.F.Agree, s.F.Words)
	}
	return bw.Flush()
}

// ReadSpokenSamples reads what WriteSpokenSamples wrote; name is used in errors.
func ReadSpokenSamples(r io.Reader, name string) ([]SpokenSample, error) {
	var out []SpokenSample
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		t := strings.TrimSpace(sc.Text())
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		fs := strings.Split(t, "\t")
		if len(fs) != 4 || (fs[0] != "0" && fs[0] != "1") {
			return nil, fmt.Errorf("%s:%d: want right (0/1), text log-odds, agreement, word confidence, tab-separated: %q", name, line, t)
		}
		var v [3]float64
		for i := range v {
			x, err := strconv.ParseFloat(fs[i+1], 64)
			if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("%s:%d: field %d: not a number: %q", name, line, i+2, fs[i+1])
			}
			v[i] = x
		}
		out = append(out, SpokenSample{F: SpokenFeatures{Text: v[0], Agree: v[1], Words: v[2]}, Right: fs[0] == "1"})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return out, nil
}

// SpokenModelWeights is how many numbers a SpokenModel is written as (Weights,
// SpokenModelFromWeights): the weights of the text score, the agreement and the word
// confidence, then the bias.
const SpokenModelWeights = nSpoken + 1

// Weights is the model as a script's settings.spoken_calibration lists it, each
// rounded to four decimals.
func (m *SpokenModel) Weights() []float64 { return roundedWeights(m.W[:], m.B) }

// SpokenModelFromWeights reads Weights back, refusing the wrong count and numbers
// that are not finite.
func SpokenModelFromWeights(v []float64) (*SpokenModel, error) {
	m := &SpokenModel{}
	b, err := readWeights(v, m.W[:])
	if err != nil {
		return nil, err
	}
	m.B = b
	return m, nil
}

// SpokenCalibrationReport is what CalibrateSpoken found.
type SpokenCalibrationReport struct {
	Samples int `json:"samples"` // recognised utterances whose words held an intent
	Right   int `json:"right"`   // of those, the labelled intent
	// InUseECE: the calibration error of the spoken score in use on every sample;
	// FittedECE: of the fitted model on samples it was not fitted on (two folds, odd
	// and even samples, each scored by a fit on the other).
	InUseECE  float64 `json:"in_use_ece"`
	FittedECE float64 `json:"fitted_ece"`
	// Calibration: the model fitted on every sample, as settings.spoken_calibration
	// lists it.
	Calibration []float64 `json:"spoken_calibration"`
}

// CalibrateSpoken fits the score of recognised words (ClassifyHeard) on samples of a
// script's own callers' recognised answers (`voxdial script eval --audio --voices
// recorded --spoken-samples`), as Calibrate does for the words alone.
func CalibrateSpoken(samples []SpokenSample, inUse *SpokenModel) (SpokenCalibrationReport, error) {
	rep := SpokenCalibrationReport{Samples: len(samples)}
	for _, s := range samples {
		if s.Right {
			rep.Right++
		}
	}
	if wrong := rep.Samples - rep.Right; rep.Samples < MinCalibrationMatches || wrong < MinCalibrationWrong {
		return rep, fmt.Errorf("%w: %d samples, %d of them wrong; want at least %d, %d wrong (label more answers, off-topic ones too)",
			ErrTooFewMatches, rep.Samples, wrong, MinCalibrationMatches, MinCalibrationWrong)
	}
	if inUse == nil {
		inUse = DefaultSpokenModel()
	}
	var folds [2][]SpokenSample
	for i, s := range samples {
		folds[i%2] = append(folds[i%2], s)
	}
	models := [2]*SpokenModel{FitSpoken(folds[1]), FitSpoken(folds[0])} // fold k is scored by the fit on the other
	scores := make([]float64, len(samples))
	used := make([]float64, len(samples))
	for i, s := range samples {
		scores[i] = models[i%2].Score(s.F)
		used[i] = inUse.Score(s.F)
	}
	rep.InUseECE, rep.FittedECE = round3(calibrationError(used, samples)), round3(calibrationError(scores, samples))
	rep.Calibration = FitSpoken(samples).Weights()
	return rep, nil
}

// calibrationError is the mean |score − accuracy| over ten score bins, weighted by
// the bins' samples.
func calibrationError(scores []float64, samples []SpokenSample) float64 {
	var bins [10]struct {
		n, right int
		sum      float64
	}
	for i, s := range scores {
		b := &bins[min(int(s*10), 9)]
		b.n++
		b.sum += s
		if samples[i].Right {
			b.right++
		}
	}
	e := 0.0
	for _, b := range bins {
		if b.n > 0 {
			e += float64(b.n) / float64(len(scores)) * math.Abs(b.sum/float64(b.n)-float64(b.right)/float64(b.n))
		}
	}
	return e
}
