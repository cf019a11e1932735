package asr

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// RejectionFeatures is how many measurements the grammar's rejection score reads (see
// RejectionModel).
const RejectionFeatures = 5

// RejectionModel is the grammar path's rejection score: a logistic regression whose
// log-odds z = W·f + B say how likely the phrase the grammar forced is the caller's
// intent. Features, in order: uncovered share of loud frames, speech span per phone
// (10 ms frames)/10, phrase acoustic score per frame/10, ln(speech span in 20 ms
// frames + 1), phrase phones/5. The acoustic score depends on the acoustic model, so
// each model has its own fit (SphinxOptions.Rejection).
type RejectionModel struct {
	W [RejectionFeatures]float64 `json:"weights"`
	B float64                    `json:"bias"`
}

// LogOdds is z = W·f + B.
func (m *RejectionModel) LogOdds(f [RejectionFeatures]float64) float64 {
	z := m.B
	for i, x := range f {
		z += m.W[i] * x
	}
	return z
}

// String is the model as ParseRejectionModel reads it: the weights, then the bias.
func (m RejectionModel) String() string {
	parts := make([]string, 0, RejectionFeatures+1)
	for _, w := range m.W {
		parts = append(parts, strconv.FormatFloat(w, 'f', 4, 64))
	}
	return strings.Join(append(parts, strconv.FormatFloat(m.B, 'f', 4, 64)), ",")
}

// ParseRejectionModel reads "w1,w2,w3,w4,w5,bias".
func ParseRejectionModel(s string) (RejectionModel, error) {
	parts := strings.Split(s, ",")
	if len(parts) != RejectionFeatures+1 {
		return RejectionModel{}, fmt.Errorf("rejection model %q: want %d weights and a bias, comma-separated", s, RejectionFeatures)
	}
	var m RejectionModel
	for i, p := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return RejectionModel{}, fmt.Errorf("rejection model %q: item %d (%q) is not a number", s, i+1, p)
		}
		if i < RejectionFeatures {
			m.W[i] = v
		} else {
			m.B = v
		}
	}
	return m, nil
}

// RejectionSample is one grammar match for FitRejection: its features and whether
// the phrase forced was the caller's intent.
type RejectionSample struct {
	Features [RejectionFeatures]float64
	Right    bool
}

// ErrFewSamples is returned by FitRejection when the samples cannot fit a model.
var ErrFewSamples = errors.New("too few samples")

// FitRejection fits a RejectionModel to samples by Newton's method on the log loss
// with a small ridge penalty (which keeps it finite when the classes separate). It is
// deterministic. Both right and wrong matches must be present, and at least ten of
// each.
func FitRejection(samples []RejectionSample) (RejectionModel, error) {
	const dim = RejectionFeatures + 1
	right := 0
	for _, s := range samples {
		if s.Right {
			right++
		}
	}
	if right < 10 || len(samples)-right < 10 {
		return RejectionModel{}, fmt.Errorf("fit rejection: %d right and %d wrong matches: want at least 10 of each: %w", right, len(samples)-right, ErrFewSamples)
	}
	const lambda = 1e-2
	var beta [dim]float64
	x := func(s RejectionSample) [dim]float64 {
		var v [dim]float64
		copy(v[:], s.Features[:])
		v[dim-1] = 1
		return v
	}
	for range 100 {
		var g [dim]float64
		var h [dim][dim]float64
		for _, s := range samples {
			v := x(s)
			z := 0.0
			for i := range v {
				z += beta[i] * v[i]
			}
			p := 1 / (1 + math.Exp(-z))
			y := 0.0
			if s.Right {
				y = 1
			}
			for i := range v {
				g[i] += (p - y) * v[i]
				for j := range v {
					h[i][j] += p * (1 - p) * v[i] * v[j]
				}
			}
		}
		for i := range dim - 1 { // the bias is not penalised
			g[i] += lambda * beta[i]
			h[i][i] += lambda
		}
		step, ok := solve(h, g)
		if !ok {
			return RejectionModel{}, fmt.Errorf("fit rejection: the features are degenerate (a singular Hessian): %w", ErrFewSamples)
		}
		moved := 0.0
		for i := range beta {
			beta[i] -= step[i]
			moved = max(moved, math.Abs(step[i]))
		}
		if moved < 1e-9 {
			break
		}
	}
	var m RejectionModel
	copy(m.W[:], beta[:dim-1])
	m.B = beta[dim-1]
	return m, nil
}

// solve solves a·x = b by Gaussian elimination with partial pivoting.
func solve(a [RejectionFeatures + 1][RejectionFeatures + 1]float64, b [RejectionFeatures + 1]float64) ([RejectionFeatures + 1]float64, bool) {
	const n = RejectionFeatures + 1
	for c := range n {
		p := c
		for r := c + 1; r < n; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[p][c]) {
				p = r
			}
		}
		if math.Abs(a[p][c]) < 1e-12 {
			return b, false
		}
		a[c], a[p] = a[p], a[c]
		b[c], b[p] = b[p], b[c]
		for r := c + 1; r < n; r++ {
			f := a[r][c] / a[c][c]
			for k := c; k < n; k++ {
				a[r][k] -= f * a[c][k]
			}
			b[r] -= f * b[c]
		}
	}
	var x [n]float64
	for r := n - 1; r >= 0; r-- {
		v := b[r]
		for k := r + 1; k < n; k++ {
			v -= a[r][k] * x[k]
		}
		x[r] = v / a[r][r]
	}
	return x, true
}

// WriteRejectionSample writes s as one line of a samples file: "right" or "wrong",
// the features, then note (where it came from, for a reader), tab-separated.
func WriteRejectionSample(w io.Writer, s RejectionSample, note string) error {
	verdict := "wrong"
	if s.Right {
		verdict = "right"
	}
	var b strings.Builder
	b.WriteString(verdict)
	for _, f := range s.Features {
		b.WriteByte('\t')
		b.WriteString(strconv.FormatFloat(f, 'g', 8, 64))
	}
	b.WriteByte('\t')
	b.WriteString(strings.NewReplacer("\t", " ", "\n", " ").Replace(note))
	b.WriteByte('\n')
	_, err := io.WriteString(w, b.String())
	return err
}

// ReadRejectionSamples reads a samples file WriteRejectionSample wrote; name is for
// errors, which say the line and the field.
func ReadRejectionSamples(r io.Reader, name string) ([]RejectionSample, error) {
	var out []RejectionSample
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.Split(text, "\t")
		if len(fields) < 1+RejectionFeatures {
			return nil, fmt.Errorf("%s:%d: %d fields: want right|wrong and %d features", name, line, len(fields), RejectionFeatures)
		}
		var s RejectionSample
		switch fields[0] {
		case "right":
			s.Right = true
		case "wrong":
		default:
			return nil, fmt.Errorf("%s:%d: field 1 is %q: want right or wrong", name, line, fields[0])
		}
		for i := range RejectionFeatures {
			v, err := strconv.ParseFloat(fields[1+i], 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("%s:%d: field %d (feature %d) is %q: want a number", name, line, 2+i, 1+i, fields[1+i])
			}
			s.Features[i] = v
		}
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}
