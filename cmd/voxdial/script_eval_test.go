package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voxdial/voxdial/asr"
	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/tts"
	"github.com/voxdial/voxdial/voicebot/intent"
)

func TestScriptEval(t *testing.T) {
	t.Parallel()
	script := "../../voicebot/testdata/payment-reminder.en.yaml"
	var out bytes.Buffer
	f := &scriptEvalFlags{set: "../../voicebot/intent/testdata/en.heldout.txt", highStakes: []string{"opt_out", "agent"}, jsonOut: true}
	if err := runScriptEval(context.Background(), script, f, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var rep intent.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if rep.InDomain < 120 || rep.RightRate < 0.9 || rep.OffTopicNoMatchRate < 0.9 {
		t.Errorf("report %+v", rep)
	}
	// A label that is not an intent of the script names the file and line.
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.txt")
	if err := os.WriteFile(bad, []byte("# c\nyes | yes\nmaybe | perhaps\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := runScriptEval(context.Background(), script, &scriptEvalFlags{set: bad}, &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "bad.txt:3") || exitCode(err) != 2 {
		t.Errorf("err = %v", err)
	}
	if err := runScriptEval(context.Background(), script, &scriptEvalFlags{}, &out, io.Discard); err == nil || exitCode(err) != 2 {
		t.Errorf("no --set: %v", err)
	}
}

// TestScriptEvalAudioFlags: bad tuning flags of the spoken evaluation are refused
// before anything is synthesised, naming the flag.
func TestScriptEvalAudioFlags(t *testing.T) {
	t.Parallel()
	script := "../../voicebot/testdata/payment-reminder.en.yaml"
	set := "../../voicebot/intent/testdata/en.heldout.txt"
	all := []string{"grammar", "lm", "fallback"}
	for _, c := range []struct {
		f    scriptEvalFlags
		want string
	}{
		{scriptEvalFlags{noise: "brown", paths: all}, "--noise"},
		{scriptEvalFlags{noise: "pink", paths: []string{"grammar", "neural"}}, "--paths: \"neural\""},
		{scriptEvalFlags{noise: "pink", paths: nil}, "--paths"},
		{scriptEvalFlags{noise: "pink", paths: []string{"lm"}, rejectionSamples: filepath.Join(t.TempDir(), "s")}, "--rejection-samples needs"},
		{scriptEvalFlags{noise: "pink", paths: all, rejection: "1,2,3"}, "--rejection"},
		{scriptEvalFlags{noise: "pink", paths: all, spokenModel: "1,2"}, "--spoken-model"},
		{scriptEvalFlags{noise: "pink", paths: all, rejectionSamples: "/nonexistent-dir/s.tsv"}, "--rejection-samples /nonexistent-dir/s.tsv: its directory"},
		{scriptEvalFlags{noise: "pink", paths: all, spokenSamples: "/nonexistent-dir/s.tsv"}, "--spoken-samples"},
		{scriptEvalFlags{noise: "pink", paths: all, frameRate: 40}, "--frame-rate 40: want 50 to 200"},
		{scriptEvalFlags{noise: "pink", paths: all, denoiser: "rnnoise"}, `--denoiser "rnnoise"`},
		{scriptEvalFlags{noise: "pink", paths: all, nsPolicy: -2}, "--ns-policy -2"},
		{scriptEvalFlags{noise: "pink", paths: all, silence: -time.Second}, "--digital-silence -1s"},
		{scriptEvalFlags{noise: "pink", paths: all, lmDiscount: 1}, "--lm-discount 1: want a discount between 0 and 1"},
	} {
		f := c.f
		f.set, f.audio, f.voices, f.snrs, f.speeds = set, true, []string{"flite:slt"}, []float64{0}, []float64{1}
		err := runScriptEval(context.Background(), script, &f, io.Discard, io.Discard)
		if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err = %v, want a usage error naming %q", c.f, err, c.want)
		}
	}
}

// TestScriptEvalSamplesFiles: a spoken evaluation writes the grammar's rejection
// samples and the open readings as files the fitting tools read back.
func TestScriptEvalSamplesFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	set := filepath.Join(dir, "set.txt")
	if err := os.WriteFile(set, []byte("opt_out | stop calling\nyes | yes\nno | i don't think so\nnone | the weather is nice today\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := &scriptEvalFlags{set: set, audio: true, voices: []string{"flite:slt"}, snrs: []float64{0, 10}, speeds: []float64{1},
		noise: "pink", paths: []string{"fallback"}, jsonOut: true,
		rejectionSamples: filepath.Join(dir, "rejection.tsv"), spokenSamples: filepath.Join(dir, "spoken.tsv")}
	var out bytes.Buffer
	if err := runScriptEval(context.Background(), "../../voicebot/testdata/payment-reminder.en.yaml", f, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var rep audioEval
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if _, ok := rep.Paths["fallback"]["snr=10dB-pink"]; !ok || len(rep.Paths) != 1 {
		t.Errorf("paths %v: want the fallback path only, with a pink 10 dB condition", rep.Paths)
	}
	rf, err := os.Open(f.rejectionSamples)
	if err != nil {
		t.Fatal(err)
	}
	defer rf.Close()
	rs, err := asr.ReadRejectionSamples(rf, "rejection.tsv")
	if err != nil || len(rs) == 0 {
		t.Fatalf("rejection samples: %d, %v", len(rs), err)
	}
	right := 0
	for _, r := range rs {
		if r.Right {
			right++
		}
	}
	if right == 0 {
		t.Errorf("%d grammar matches, none right: a clean \"stop calling\" should be", len(rs))
	}
	sf, err := os.Open(f.spokenSamples)
	if err != nil {
		t.Fatal(err)
	}
	defer sf.Close()
	if _, err := intent.ReadSpokenSamples(sf, "spoken.tsv"); err != nil {
		t.Error(err)
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".samples-*"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestScriptEvalRecorded: --voices recorded plays the set's own recordings (its third
// field, named relative to the set's directory or to --recordings) through the live
// engine; a line without one, or a recording that is not there, is a usage error
// naming the line.
func TestScriptEvalRecorded(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// The recordings: a person would have said these; a flite voice records them here.
	fl, err := tts.NewFlite(tts.FliteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"stop.wav": "please stop calling me", "yes.wav": "yes that's fine"} {
		var pcm []int16
		err := fl.Synthesize(context.Background(), tts.Request{Text: text, Voice: "awb", Rate: 16000, Speed: 1},
			func(p []int16) error { pcm = append(pcm, p...); return nil })
		if err != nil {
			t.Fatal(err)
		}
		if err := media.WriteWAVFile(filepath.Join(dir, name), 16000, 1, pcm); err != nil {
			t.Fatal(err)
		}
	}
	set := filepath.Join(dir, "set.txt")
	if err := os.WriteFile(set, []byte("opt_out | please stop calling me | stop.wav\nyes | yes that's fine | "+filepath.Join(dir, "yes.wav")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	script := "../../voicebot/testdata/payment-reminder.en.yaml"
	f := &scriptEvalFlags{set: set, audio: true, voices: []string{"recorded", "flite:slt"}, snrs: []float64{0}, speeds: []float64{1, 1.3},
		noise: "white", paths: []string{"fallback"}, jsonOut: true}
	var out bytes.Buffer
	if err := runScriptEval(context.Background(), script, f, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var rep audioEval
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	// Per voice: the recordings once each (they have one speed), slt at both speeds.
	if n := rep.Paths["fallback"]["snr=clean"].Utterances; n != 6 {
		t.Errorf("%d utterances, want 2 recorded + 4 synthesised", n)
	}
	if slt := rep.ByVoice["fallback"]["flite/slt"]["snr=clean"]; slt.Utterances != 4 {
		t.Errorf("flite/slt: %+v, want 4 utterances", slt)
	}
	clean := rep.ByVoice["fallback"]["recorded"]["snr=clean"]
	// Both heard as their intent (silence or the wrong file would be no_match):
	// routed, or asked again as doubtful.
	if clean.Utterances != 2 || clean.Wrong != 0 || clean.Right < 1 || clean.Right+clean.Low != 2 {
		t.Errorf("recorded: %+v, want 2 utterances heard as their intents", clean)
	}
	// With 2 s of digital silence either side of each answer, the answers are still
	// heard, each as one utterance.
	g := *f
	g.voices, g.speeds, g.snrs, g.silence, g.verbose = []string{"recorded"}, []float64{1}, []float64{0}, 2*time.Second, true
	var verbose bytes.Buffer
	out.Reset()
	if err := runScriptEval(context.Background(), script, &g, &out, &verbose); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if r := rep.Paths["fallback"]["snr=clean"]; r.Utterances != 2 || r.Wrong != 0 || r.Right+r.Low != 2 {
		t.Errorf("recorded, digital silence either side: %+v, want 2 utterances heard as their intents\n%s", r, verbose.String())
	}
	if n := strings.Count(verbose.String(), "(1 utterances)"); n != 2 {
		t.Errorf("digital silence either side: %d answers heard as one utterance, want 2:\n%s", n, verbose.String())
	}

	for _, c := range []struct {
		lines, recordings, want string
	}{
		{"yes | yes | yes.wav\nno | no\n", "", "set.txt:2: no recording"},
		{"yes | yes | gone.wav\n", "", "set.txt:1: recording " + filepath.Join(dir, "gone.wav")},
		{"yes | yes | yes.wav\n", "/nonexistent-dir", "recording /nonexistent-dir/yes.wav"},
	} {
		if err := os.WriteFile(set, []byte(c.lines), 0o600); err != nil {
			t.Fatal(err)
		}
		f := &scriptEvalFlags{set: set, audio: true, voices: []string{"recorded"}, recordings: c.recordings, snrs: []float64{0},
			speeds: []float64{1}, noise: "white", paths: []string{"fallback"}}
		err := runScriptEval(context.Background(), script, f, io.Discard, io.Discard)
		if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v, want a usage error naming %q", c.lines, err, c.want)
		}
	}
}
