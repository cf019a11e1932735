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
	z := m.B
	for i, x := range v {
		z += m.W[i] * x
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
	m := &Model{}
	if len(samples) == 0 {
		return m
	}
	const (
		rate   = 0.5
		lambda = 1e-3
		epochs = 4000
	)
	n := float64(len(samples))
	for range epochs {
		var gw [nFeatures]float64
		gb := 0.0
		for _, s := range samples {
			v := s.F.vector()
			y := 0.0
			if s.Right {
				y = 1
			}
			d := m.Score(s.F) - y
			for i, x := range v {
				gw[i] += d * x
			}
			gb += d
		}
		for i := range m.W {
			m.W[i] -= rate * (gw[i]/n + lambda*m.W[i])
		}
		m.B -= rate * gb / n
	}
	return m
}

// DefaultModel is the model fitted on testdata/en.tune.txt and testdata/zh.tune.txt
// (TestFitDefaultModel refits it and fails when these weights are stale).
func DefaultModel() *Model {
	return &Model{W: [nFeatures]float64{1.2411, 1.4911, 1.4811, 1.1864, -0.0935, 0.4783, -2.0629, 0.8551, -2.8689, 2.3025}, B: -0.6720}
}
