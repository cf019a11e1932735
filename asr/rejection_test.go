package asr_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/voxdial/voxdial/asr"
	"github.com/voxdial/voxdial/asr/evalset"
)

// TestFitRejectionRecoversAModel: samples drawn from a known logistic model give
// back (nearly) that model, and the fit is deterministic.
func TestFitRejectionRecoversAModel(t *testing.T) {
	t.Parallel()
	want := asr.RejectionModel{W: [asr.RejectionFeatures]float64{-2, -1.5, 1.2, 0.5, -0.3}, B: 3}
	rng := rand.New(rand.NewPCG(1, 2))
	var samples []asr.RejectionSample
	for range 20000 {
		var s asr.RejectionSample
		for i := range s.Features {
			s.Features[i] = rng.NormFloat64()
		}
		p := 1 / (1 + math.Exp(-want.LogOdds(s.Features)))
		s.Right = rng.Float64() < p
		samples = append(samples, s)
	}
	got, err := asr.FitRejection(samples)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want.W {
		if math.Abs(got.W[i]-want.W[i]) > 0.15 {
			t.Errorf("weight %d = %.3f, want %.3f ± 0.15 (%s)", i+1, got.W[i], want.W[i], got)
		}
	}
	if math.Abs(got.B-want.B) > 0.2 {
		t.Errorf("bias = %.3f, want %.3f ± 0.2", got.B, want.B)
	}
	again, _ := asr.FitRejection(samples)
	if again != got {
		t.Errorf("refit %s, first fit %s", again, got)
	}
	// Separable classes stay finite (the ridge penalty).
	sep := []asr.RejectionSample{}
	for i := range 40 {
		sep = append(sep, asr.RejectionSample{Features: [asr.RejectionFeatures]float64{float64(i), 1, 0, 0, float64(i % 3)}, Right: i >= 20})
	}
	m, err := asr.FitRejection(sep)
	if err != nil {
		t.Fatal(err)
	}
	if z := m.LogOdds(sep[39].Features); math.IsNaN(z) || math.IsInf(z, 0) || z < 1 {
		t.Errorf("separable: log-odds of a right match %v (%s)", z, m)
	}
}

func TestFitRejectionNeedsBothKinds(t *testing.T) {
	t.Parallel()
	var samples []asr.RejectionSample
	for i := range 50 {
		samples = append(samples, asr.RejectionSample{Features: [asr.RejectionFeatures]float64{float64(i)}, Right: i < 45})
	}
	if _, err := asr.FitRejection(samples); !errors.Is(err, asr.ErrFewSamples) || !strings.Contains(err.Error(), "45 right and 5 wrong") {
		t.Errorf("err = %v", err)
	}
}

func TestRejectionModelString(t *testing.T) {
	t.Parallel()
	m := asr.DebianRejection()
	back, err := asr.ParseRejectionModel(m.String())
	if err != nil || back != m {
		t.Fatalf("%s → %s, %v", m, back, err)
	}
	for _, bad := range []string{"", "1,2,3", "1,2,3,4,5,x", "1,2,3,4,5,6,7", "1,2,3,NaN,5,6"} {
		if _, err := asr.ParseRejectionModel(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestRejectionSamplesFile(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	in := []asr.RejectionSample{
		{Features: [asr.RejectionFeatures]float64{0.1, 2.5, -6.25, 3, 1.2}, Right: true},
		{Features: [asr.RejectionFeatures]float64{0.5, 1, -8, 2, 0.4}},
	}
	for i, s := range in {
		if err := asr.WriteRejectionSample(&buf, s, "flite/slt snr=10dB-pink yes \"a\ttab\"\n"); err != nil {
			t.Fatal(i, err)
		}
	}
	out, err := asr.ReadRejectionSamples(&buf, "s.tsv")
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 || out[0] != in[0] || out[1] != in[1] {
		t.Errorf("read back %+v", out)
	}
	for _, c := range []struct{ file, want string }{
		{"right\t1\t2\n", "s.tsv:1: 3 fields"},
		{"# note\nmaybe\t1\t2\t3\t4\t5\tx\n", "s.tsv:2: field 1 is \"maybe\""},
		{"right\t1\t2\tx\t4\t5\n", "s.tsv:1: field 4 (feature 3) is \"x\""},
		{"wrong\t1\t2\t3\t4\tInf\n", "field 6 (feature 5)"},
	} {
		if _, err := asr.ReadRejectionSamples(strings.NewReader(c.file), "s.tsv"); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v, want %q", c.file, err, c.want)
		}
	}
}

// TestSphinxRejectionModelDecides: the engine scores a grammar match with the model
// it is given (a model that doubts everything rejects a clean phrase the default
// accepts) and reports the features it scored.
func TestSphinxRejectionModelDecides(t *testing.T) {
	t.Parallel()
	set := sltSaying(t, []evalset.Labeled{{Text: "stop calling", Intent: "opt_out"}})
	var feats [][]float64
	var zs []float64
	debug := func(_ string, f []float64, z float64) { feats, zs = append(feats, f), append(zs, z) }
	def := newSphinx(t, asr.SphinxOptions{DebugScores: debug})
	o, err := evalset.Recognize(context.Background(), def, evalset.Grammar(), set[0])
	if err != nil {
		t.Fatal(err)
	}
	if o.Intent != "opt_out" || len(feats) != 1 || len(feats[0]) != asr.RejectionFeatures {
		t.Fatalf("default model: %q, features %v", o.Intent, feats)
	}
	debian := asr.DebianRejection()
	var f [asr.RejectionFeatures]float64
	copy(f[:], feats[0])
	if math.Abs(debian.LogOdds(f)-zs[0]) > 1e-9 {
		t.Errorf("scored %v, Debian's model gives %v", zs[0], debian.LogOdds(f))
	}
	doubt := asr.RejectionModel{B: -50}
	eng := newSphinx(t, asr.SphinxOptions{Rejection: &doubt})
	o, err = evalset.Recognize(context.Background(), eng, evalset.Grammar(), set[0])
	if err != nil {
		t.Fatal(err)
	}
	if o.Intent != "" {
		t.Errorf("a model that doubts everything let %q through (%q)", o.Intent, o.Text)
	}
}

// TestSphinxFrameRateKeepsCoverage: at another frame rate the words of a match cover
// the same loud frames (the decoder's frames are mapped to the VAD's by time, not
// counted as 10 ms), so a phrase said whole is not taken for half-covered speech.
func TestSphinxFrameRateKeepsCoverage(t *testing.T) {
	t.Parallel()
	set := sltSaying(t, []evalset.Labeled{{Text: "call me later", Intent: "later"}})
	uncovered := map[int]float64{}
	for _, rate := range []int{100, 80} {
		var feats [][]float64
		debug := func(_ string, f []float64, _ float64) { feats = append(feats, f) }
		eng := newSphinx(t, asr.SphinxOptions{FrameRate: rate, DebugScores: debug})
		o, err := evalset.Recognize(context.Background(), eng, evalset.Grammar(), set[0])
		if err != nil {
			t.Fatal(err)
		}
		if o.Intent != "later" || len(feats) != 1 {
			t.Fatalf("%d frames/s: %q (%q), features %v", rate, o.Intent, o.Text, feats)
		}
		uncovered[rate] = feats[0][0]
		t.Logf("%d frames/s: uncovered %.3f", rate, feats[0][0])
	}
	if uncovered[80] > 0.15 || math.Abs(uncovered[80]-uncovered[100]) > 0.08 {
		t.Errorf("loud frames the words leave uncovered: %.3f at 80 frames/s, %.3f at 100", uncovered[80], uncovered[100])
	}
}

// TestSphinxShortUtteranceAtShortRate: an utterance with less loud speech than
// ShortSpeech is decoded by a decoder of ShortFrameRate, lent for the decode and
// returned; a longer one stays on the recogniser's own. The lent decoder's frames are
// mapped to the VAD's at its own rate: the rejection's coverage of the short word is
// what the engine at that rate alone measures.
func TestSphinxShortUtteranceAtShortRate(t *testing.T) {
	t.Parallel()
	set := sltSaying(t, []evalset.Labeled{{Text: "yes", Intent: "yes"}, {Text: "call me later", Intent: "later"}})
	var feats [][]float64
	debug := func(_ string, f []float64, _ float64) { feats = append(feats, f) }
	alone := newSphinx(t, asr.SphinxOptions{FrameRate: 100, DebugScores: debug})
	if o, err := evalset.Recognize(context.Background(), alone, evalset.Grammar(), set[0]); err != nil || o.Intent != "yes" || len(feats) != 1 {
		t.Fatalf("at 100 frames/s alone: %+v, %v, features %v", o, err, feats)
	}
	want := feats[0][0]

	feats = nil
	eng := newSphinx(t, asr.SphinxOptions{FrameRate: 80, ShortFrameRate: 100, ShortSpeech: 500 * time.Millisecond, DebugScores: debug})
	for i, tc := range []struct {
		intent string
		short  int64 // short decodes after it
	}{{"yes", 1}, {"later", 1}} {
		o, err := evalset.Recognize(context.Background(), eng, evalset.Grammar(), set[i])
		if err != nil {
			t.Fatal(err)
		}
		st := eng.Stats()
		t.Logf("%q: %q (%q), stats %+v", set[i].Text, o.Intent, o.Text, st)
		if o.Intent != tc.intent || st.ShortDecodes != tc.short {
			t.Errorf("%q: intent %q, %d short decodes; want %q, %d", set[i].Text, o.Intent, st.ShortDecodes, tc.intent, tc.short)
		}
	}
	if len(feats) == 0 || feats[0][0] != want {
		t.Errorf("short word's uncovered share %v, want %.3f as at 100 frames/s alone", feats, want)
	}
	if created, idle := eng.Decoders(); created != 2 || idle != 2 {
		t.Errorf("decoders created %d, idle %d; want one of each rate, both returned", created, idle)
	}
}
