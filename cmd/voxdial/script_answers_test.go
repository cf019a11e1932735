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

	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/sim"
	"github.com/voxdial/voxdial/voicebot/intent"
)

// TestScriptAnswersFromRecordedCall: a live call recorded with --record-dir (the
// simulated callee answers "yes" twice by voice), then script answers on its result:
// each caller turn is cut out of the recording's right channel where the transcript
// says (the cut holds the callee's own audio), listed as the bot routed it, and the
// set plays back through script eval --voices recorded.
func TestScriptAnswersFromRecordedCall(t *testing.T) {
	far := startSim(t) // default profile: +15550100001 speaks yes.wav, then pay.wav
	recs := t.TempDir()
	code, out, errOut := runCLI(t, "call", "--to", "+15550100001", "--trunk", "sip:"+far.Addr().String(),
		"--script", "asset:payment-reminder.en.yaml", "--var", "first_name=Ana", "--var", "amount=120.50",
		"--var", "due_date=2026-12-01", "--record-dir", recs, "--json", "--log-level", "warn")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	work := t.TempDir()
	result := filepath.Join(work, "call.json")
	if err := os.WriteFile(result, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(work, "answers")
	code, stdout, errOut := runCLI(t, "script", "answers", result, "--out", dir)
	if code != 0 {
		t.Fatalf("script answers: exit %d: %s", code, errOut)
	}
	if !strings.Contains(stdout, "2 answers from 1 calls") {
		t.Errorf("stdout %q", stdout)
	}
	f, err := os.Open(filepath.Join(dir, "answers.txt"))
	if err != nil {
		t.Fatal(err)
	}
	set, err := intent.ReadSet(f, "answers.txt")
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(set) != 2 {
		t.Fatalf("set %+v, want the two spoken answers", set)
	}
	for i, asset := range []string{"yes.wav", "pay.wav"} {
		if set[i].Intent != "yes" || set[i].Recording == "" {
			t.Errorf("line %d: %+v, want yes with a recording", set[i].Line, set[i])
		}
		cut, err := media.ReadWAV(filepath.Join(dir, set[i].Recording))
		if err != nil {
			t.Fatal(err)
		}
		said, _ := sim.Asset(asset)
		if c := media.Correlation(cut.Samples, said.Samples); c < 0.5 {
			t.Errorf("%s: correlation %.2f with the callee's %s: not the turn's audio", set[i].Recording, c, asset)
		}
		if cut.Duration() > said.Duration()+2e9 {
			t.Errorf("%s lasts %v for a %v answer", set[i].Recording, cut.Duration(), said.Duration())
		}
	}

	// The set measures the bot on these recordings.
	var ev bytes.Buffer
	sf := &scriptEvalFlags{set: filepath.Join(dir, "answers.txt"), audio: true, voices: []string{"recorded"}, snrs: []float64{0},
		speeds: []float64{1}, noise: "white", paths: []string{"fallback"}, jsonOut: true}
	if err := runScriptEval(context.Background(), "../../voicebot/testdata/payment-reminder.en.yaml", sf, &ev, io.Discard); err != nil {
		t.Fatal(err)
	}
	var rep audioEval
	if err := json.Unmarshal(ev.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if c := rep.Paths["fallback"]["snr=clean"]; c.Utterances != 2 || c.Right == 0 {
		t.Errorf("script eval on the cut answers: %+v", c)
	}

	// The set is never overwritten; bad input names the file.
	if code, _, errOut := runCLI(t, "script", "answers", result, "--out", dir); code != 2 || !strings.Contains(errOut, "exists") {
		t.Errorf("second run into the same --out: exit %d, %q", code, errOut)
	}
	bad := filepath.Join(work, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"call_id": "x", "transcript": 7}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCLI(t, "script", "answers", bad, "--out", filepath.Join(work, "b")); code != 2 || !strings.Contains(errOut, "bad.json: result 1") {
		t.Errorf("malformed result: exit %d, %q", code, errOut)
	}
	// A call without a recording is skipped, said so; one whose file is gone fails.
	norec := filepath.Join(work, "norec.json")
	if err := os.WriteFile(norec, []byte(`{"call_id": "n1", "outcome": "answered"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, stdout, errOut := runCLI(t, "script", "answers", norec, "--out", filepath.Join(work, "c")); code != 0 || !strings.Contains(errOut, "call n1: no recording, skipped") || !strings.Contains(stdout, "0 answers from 0 calls") {
		t.Errorf("no recording: exit %d, %q, %q", code, stdout, errOut)
	}
	gone := strings.Replace(out, recs, filepath.Join(work, "nowhere"), 1)
	if err := os.WriteFile(result, []byte(gone), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCLI(t, "script", "answers", result, "--out", filepath.Join(work, "d")); code != 1 || !strings.Contains(errOut, "nowhere") {
		t.Errorf("missing recording: exit %d, %q", code, errOut)
	}
}

// FuzzScriptAnswers: any call result, however its times and turns are forged, is cut
// from a recording without a panic or a write outside --out.
func FuzzScriptAnswers(f *testing.F) {
	dir := f.TempDir()
	wav := filepath.Join(dir, "rec.wav")
	stereo := make([]int16, 2*8000) // one second
	for i := range stereo {
		stereo[i] = int16(i%200 - 100)
	}
	if err := media.WriteWAVFile(wav, 8000, 2, stereo); err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		`{"call_id":"a","recording":"x","timings":{"invite_at":"2026-12-05T10:00:00Z","answered_at":"2026-12-05T10:00:00.5Z"},"transcript":[{"role":"caller","text":"yes","start_ms":100,"end_ms":400,"branch":"yes → promise"}]}`,
		`[{"call_id":"../../b","recording":"x","timings":{"invite_at":"2026-12-05T10:00:00Z","answered_at":"2026-12-05T09:00:00Z"},"transcript":[{"role":"caller","text":"a|b","start_ms":-9000000000,"end_ms":9000000000}]}]`,
		`{"call_id":"c"} {"call_id":"d","recording":"x"}`,
		"{\"call_id\":\"e\\n#x | y\",\"recording\":\"x\",\"timings\":{\"invite_at\":\"2026-12-05T10:00:00Z\",\"answered_at\":\"2026-12-05T10:00:00Z\"},\"transcript\":[{\"role\":\"caller\",\"text\":\"a\\nb | c\",\"intent\":\"x\\ny\",\"start_ms\":1,\"end_ms\":900}]}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, err := parseResults(data, "fuzz.json")
		if err != nil {
			return
		}
		out := t.TempDir()
		var all []answerTurn
		for _, r := range rs {
			if r.Recording != "" {
				r.Recording = wav
			}
			turns, err := cutAnswers(r, "fuzz.json", &scriptAnswersFlags{out: out, margin: 300e6})
			if err != nil {
				continue
			}
			for _, a := range turns {
				if filepath.Dir(filepath.Join(out, a.file)) != out {
					t.Fatalf("answer %+v escapes --out", a)
				}
			}
			all = append(all, turns...)
		}
		// The drafted set reads back line for line.
		var b bytes.Buffer
		if err := writeAnswers(&b, len(rs), all); err != nil {
			t.Fatal(err)
		}
		set, err := intent.ReadSet(&b, "answers.txt")
		if err != nil || len(set) != len(all) {
			t.Fatalf("drafted set: %d lines for %d answers, %v\n%s", len(set), len(all), err, b.String())
		}
		for i, l := range set {
			if l.Recording != all[i].file || l.Intent != all[i].label {
				t.Fatalf("line %d: %+v, want %+v", i, l, all[i])
			}
		}
	})
}
