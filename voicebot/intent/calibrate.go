package intent

import (
	"errors"
	"fmt"
	"math"
)

// Model is a logistic model over Features: Score = σ(W·f + B). Fitted on the tuning
// sets so that a score of s means the intent is right about s of the time.
type Model struct {
	W [nFeatures]float64
	B float64
}

// Score is the calibrated probability that the best intent is right.
func (m *Model) Score(f Features) float64 {
	v := f.vector()
	return logistic(m.W[:], m.B, v[:])
}

// logistic is σ(w·x + b).
func logistic(w []float64, b float64, x []float64) float64 {
	z := b
	for i, xi := range x {
		z += w[i] * xi
	}
	return 1 / (1 + math.Exp(-z))
}

// Sample is one labelled match for Fit: the features of the best intent and whether it
// was the right one.
type Sample struct {
	F     Features
	Right bool
}

// Fit fits a Model to samples by gradient descent on the L2-regularised log loss. It
// is deterministic: the same samples give the same model.
func Fit(samples []Sample) *Model {
	xs := make([][]float64, len(samples))
	ys := make([]bool, len(samples))
	for i, s := range samples {
		v := s.F.vector()
		xs[i], ys[i] = v[:], s.Right
	}
	m := &Model{}
	w, b := fitLogistic(xs, ys, nFeatures)
	copy(m.W[:], w)
	m.B = b
	return m
}

// fitLogistic fits σ(w·x + b) to the labels by gradient descent on the L2-regularised
// log loss (deterministic).
func fitLogistic(xs [][]float64, ys []bool, dim int) ([]float64, float64) {
	w := make([]float64, dim)
	b := 0.0
	if len(xs) == 0 {
		return w, b
	}
	const (
		rate   = 0.5
		lambda = 1e-3
		epochs = 4000
	)
	n := float64(len(xs))
	gw := make([]float64, dim)
	for range epochs {
		clear(gw)
		gb := 0.0
		for k, x := range xs {
			d := logistic(w, b, x)
			if ys[k] {
				d--
			}
			for i, xi := range x {
				gw[i] += d * xi
			}
			gb += d
		}
		for i := range w {
			w[i] -= rate * (gw[i]/n + lambda*w[i])
		}
		b -= rate * gb / n
	}
	return w, b
}

// ModelWeights is how many numbers a Model is written as (Weights, ModelFromWeights):
// one weight per feature, then the bias.
const ModelWeights = nFeatures + 1

// Weights is the model as a script's settings.calibration lists it: one weight per
// feature, in Features order, then the bias, each rounded to four decimals.
func (m *Model) Weights() []float64 { return roundedWeights(m.W[:], m.B) }

// ModelFromWeights reads Weights back. It refuses the wrong count and numbers that
// are not finite, naming the item.
func ModelFromWeights(v []float64) (*Model, error) {
	m := &Model{}
	b, err := readWeights(v, m.W[:])
	if err != nil {
		return nil, err
	}
	m.B = b
	return m, nil
}

// roundedWeights lists a logistic model's weights, then its bias, to four decimals.
func roundedWeights(w []float64, b float64) []float64 {
	out := make([]float64, 0, len(w)+1)
	for _, x := range w {
		out = append(out, math.Round(x*1e4)/1e4)
	}
	return append(out, math.Round(b*1e4)/1e4)
}

// readWeights reads what roundedWeights wrote into w, returning the bias.
func readWeights(v, w []float64) (float64, error) {
	if len(v) != len(w)+1 {
		return 0, fmt.Errorf("%d numbers, want %d (%d weights and a bias)", len(v), len(w)+1, len(w))
	}
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return 0, fmt.Errorf("item %d is not a finite number", i+1)
		}
	}
	copy(w, v)
	return v[len(w)], nil
}

// DefaultModel is the calibration of English utterances, fitted on the English
// tuning split (testdata/en.tune.txt and en.tune2.txt), and DefaultModelZh that of Chinese ones, fitted on
// testdata/zh.tune.txt (TestFitDefaultModel refits both and fails when these weights
// are stale). One model for both let the larger set fit it to its language.
func DefaultModel() *Model {
	return &Model{W: [nFeatures]float64{1.0140, 1.1614, 1.1430, 2.8886, 0.6133, -0.1732, -1.9214, 0.5854, -1.6732, 1.0285}, B: -0.7552}
}

// DefaultModelZh: see DefaultModel.
func DefaultModelZh() *Model {
	return &Model{W: [nFeatures]float64{0.5610, 1.6147, 2.2291, 0.4972, 0.7105, 0.0000, -2.6168, 0.7105, -3.7671, 1.4662}, B: 0.1689}
}

// Least a labelled set must give Calibrate: matches (utterances the classifier finds
// some intent in) and, of those, wrong ones — a calibration fitted on right matches
// alone would call every match right.
const (
	MinCalibrationMatches = 20
	MinCalibrationWrong   = 3
)

// ErrTooFewMatches: the set is too small, or too clean, to calibrate on.
var ErrTooFewMatches = errors.New("too few labelled matches to calibrate on")

// CalibrationReport is what Calibrate found.
type CalibrationReport struct {
	Utterances   int `json:"utterances"`
	Matches      int `json:"matches"`       // utterances the classifier found an intent in: the samples
	MatchesRight int `json:"matches_right"` // of those, the labelled intent
	// Shipped: the calibration in use (the script's, else the language's default) on
	// the whole set. Fitted: the set in two folds (odd and even utterances), each
	// scored by a calibration fitted on the other fold — what the new calibration
	// does on answers it was not fitted on.
	Shipped Report `json:"shipped"`
	Fitted  Report `json:"fitted"`
	// Calibration: the model fitted on the whole set, as settings.calibration lists it.
	Calibration []float64 `json:"calibration"`
}

// Calibrate fits the classifier's calibration to a labelled set of one script's
// intents — what its own callers say (`voxdial script answers` drafts such a set from
// recorded calls) — so that a score means how often that script's routes are right
// for them. opts are the script's (its current calibration in opts.Model, if any).
func Calibrate(intents []Intent, opts Options, set []Labelled, highStakes []string) (CalibrationReport, error) {
	rep := CalibrationReport{Utterances: len(set)}
	c := New(intents, opts)
	all := Samples(c, set)
	for _, s := range all {
		if s.Right {
			rep.MatchesRight++
		}
	}
	rep.Matches = len(all)
	if wrong := rep.Matches - rep.MatchesRight; rep.Matches < MinCalibrationMatches || wrong < MinCalibrationWrong {
		return rep, fmt.Errorf("%w: %d matches, %d of them wrong; want at least %d, %d wrong (label more answers, off-topic ones too)",
			ErrTooFewMatches, rep.Matches, wrong, MinCalibrationMatches, MinCalibrationWrong)
	}
	rep.Shipped = Evaluate(c, set, highStakes)
	var folds [2]*Classifier
	for k := range folds {
		var train []Labelled
		for i, s := range set {
			if i%2 != k {
				train = append(train, s)
			}
		}
		o := opts
		o.Model = Fit(Samples(c, train))
		folds[k] = New(intents, o)
	}
	rep.Fitted = evaluate(func(i int) *Classifier { return folds[i%2] }, set, highStakes)
	rep.Shipped.Misses, rep.Fitted.Misses = nil, nil
	rep.Calibration = Fit(all).Weights()
	return rep, nil
}
