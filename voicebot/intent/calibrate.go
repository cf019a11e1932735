package intent

import "math"

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

// DefaultModel is the calibration of English utterances, fitted on
// testdata/en.tune.txt, and DefaultModelZh that of Chinese ones, fitted on
// testdata/zh.tune.txt (TestFitDefaultModel refits both and fails when these weights
// are stale). One model for both let the larger set fit it to its language.
func DefaultModel() *Model {
	return &Model{W: [nFeatures]float64{1.2741, 0.9519, 1.2103, 2.0637, 0.1239, 0.4563, -1.2489, 1.2502, -2.6196, 0.9879}, B: -0.8386}
}

// DefaultModelZh: see DefaultModel.
func DefaultModelZh() *Model {
	return &Model{W: [nFeatures]float64{0.5619, 1.5891, 2.2141, 0.5171, 0.6937, 0.0000, -2.6400, 0.6937, -3.7759, 1.5545}, B: 0.2027}
}
