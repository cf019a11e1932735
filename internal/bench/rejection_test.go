package bench

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voxdial/voxdial/asr"
	"github.com/voxdial/voxdial/asr/evalset"
)

func TestParseAdaptNoise(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		want AdaptNoise
		err  string
	}{
		{"pink:10", AdaptNoise{evalset.NoisePink, 10}, ""},
		{"babble:12.5", AdaptNoise{evalset.NoiseBabble, 12.5}, ""},
		{"pink", AdaptNoise{}, "kind:dB"},
		{"brown:10", AdaptNoise{}, "brown"},
		{"pink:0", AdaptNoise{}, "above 0"},
		{"pink:loud", AdaptNoise{}, "above 0"},
	} {
		got, err := ParseAdaptNoise(c.in)
		if c.err == "" && (err != nil || got != c.want) {
			t.Errorf("%q → %v, %v", c.in, got, err)
		}
		if c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)) {
			t.Errorf("%q: err = %v, want %q", c.in, err, c.err)
		}
	}
	if s := (AdaptNoise{evalset.NoisePink, 10}).String(); s != "pink:10" {
		t.Errorf("String = %q", s)
	}
}

// TestFitRejectionReport: the fit reads every file, fits a model that separates the
// samples better than Debian's, and a broken file is named with its line.
func TestFitRejectionReport(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(5, 6))
	var names []string
	for k := range 2 {
		var b strings.Builder
		for range 300 {
			var s asr.RejectionSample
			s.Right = rng.IntN(2) == 0
			// Right matches cover more of the speech (feature 1 low) and fit their
			// phrase better (feature 3 high).
			s.Features = [asr.RejectionFeatures]float64{rng.Float64() * 0.4, 1 + rng.Float64(), -7 + rng.NormFloat64(), 3, 1}
			if s.Right {
				s.Features[0] *= 0.3
				s.Features[2] += 1.5
			}
			if err := asr.WriteRejectionSample(&b, s, "test"); err != nil {
				t.Fatal(err)
			}
		}
		name := filepath.Join(dir, "s"+string(rune('a'+k)))
		if err := os.WriteFile(name, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	rep, err := FitRejection(names)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Samples != 600 || rep.Right < 250 || rep.Right > 350 {
		t.Errorf("samples %d, right %d", rep.Samples, rep.Right)
	}
	if rep.Fitted.LogLoss >= rep.Debian.LogLoss || rep.Fitted.LogLoss > 0.6 {
		t.Errorf("log loss fitted %.3f, Debian's %.3f", rep.Fitted.LogLoss, rep.Debian.LogLoss)
	}
	n := 0
	for _, b := range rep.Fitted.Bands {
		n += b.Matches
	}
	if n != 600 {
		t.Errorf("bands hold %d matches, want 600", n)
	}
	m, err := asr.ParseRejectionModel(rep.Flag)
	if err != nil || math.Abs(m.B-rep.Model.B) > 1e-4 || math.Abs(m.W[0]-rep.Model.W[0]) > 1e-4 {
		t.Errorf("flag %q does not read back as %+v: %v", rep.Flag, rep.Model, err)
	}
	bad := filepath.Join(dir, "bad")
	if err := os.WriteFile(bad, []byte("right\t1\t2\t3\t4\t5\n\nright\t1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := FitRejection([]string{names[0], bad}); !IsUsage(err) || !strings.Contains(err.Error(), "bad:3") {
		t.Errorf("broken file: %v", err)
	}
	if _, err := FitRejection(nil); err == nil {
		t.Errorf("no files: no error")
	}
}
