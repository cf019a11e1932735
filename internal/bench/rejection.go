package bench

import (
	"fmt"
	"math"
	"os"

	"github.com/voxdial/voxdial/asr"
)

// RejectionFit is `bench asr --fit-rejection`'s report: the fitted rejection model of
// the grammar path and how it and Debian's model score the same samples.
type RejectionFit struct {
	Model   asr.RejectionModel `json:"model"`
	Flag    string             `json:"flag"` // for script eval --rejection
	Files   []string           `json:"files"`
	Samples int                `json:"samples"`
	Right   int                `json:"right"`
	Fitted  RejectionCheck     `json:"fitted"`
	Debian  RejectionCheck     `json:"debian"`
}

// RejectionCheck is how a model scores samples: its log loss, and per confidence
// band how many matches fall in it and how many of them are right.
type RejectionCheck struct {
	LogLoss float64         `json:"log_loss"`
	Bands   []RejectionBand `json:"bands"`
}

// RejectionBand is the matches a model scores in [From, To).
type RejectionBand struct {
	From, To float64
	Matches  int `json:"matches"`
	Right    int `json:"right"`
}

// rejectionBands are the confidences the engine and the classifier act on: the
// rejection floor, the grammar-kept floor (0.85), the open pass's (0.95).
var rejectionBands = []float64{0, 0.378, 0.85, 0.95, 0.99, 1.0000001}

// FitRejection fits the grammar's rejection model on samples files `script eval
// --rejection-samples` wrote.
func FitRejection(files []string) (*RejectionFit, error) {
	if len(files) == 0 {
		return nil, usage("--fit-rejection: name at least one samples file")
	}
	var samples []asr.RejectionSample
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return nil, usage("--fit-rejection: %v", err)
		}
		s, err := asr.ReadRejectionSamples(f, name)
		_ = f.Close()
		if err != nil {
			return nil, usage("--fit-rejection: %v", err)
		}
		samples = append(samples, s...)
	}
	m, err := asr.FitRejection(samples)
	if err != nil {
		return nil, fmt.Errorf("--fit-rejection: %w", err)
	}
	rep := &RejectionFit{Model: m, Flag: m.String(), Files: files, Samples: len(samples)}
	for _, s := range samples {
		if s.Right {
			rep.Right++
		}
	}
	debian := asr.DebianRejection()
	rep.Fitted, rep.Debian = checkRejection(&m, samples), checkRejection(&debian, samples)
	return rep, nil
}

func checkRejection(m *asr.RejectionModel, samples []asr.RejectionSample) RejectionCheck {
	var c RejectionCheck
	for i := range len(rejectionBands) - 1 {
		c.Bands = append(c.Bands, RejectionBand{From: rejectionBands[i], To: min(1, rejectionBands[i+1])})
	}
	for _, s := range samples {
		p := 1 / (1 + math.Exp(-m.LogOdds(s.Features)))
		q := max(1e-12, min(1-1e-12, p))
		if s.Right {
			c.LogLoss -= math.Log(q)
		} else {
			c.LogLoss -= math.Log(1 - q)
		}
		for i := range c.Bands {
			if p >= rejectionBands[i] && p < rejectionBands[i+1] {
				c.Bands[i].Matches++
				if s.Right {
					c.Bands[i].Right++
				}
			}
		}
	}
	c.LogLoss /= float64(max(1, len(samples)))
	return c
}
