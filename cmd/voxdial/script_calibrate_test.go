package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// doubting is a calibration that scores every match 0.0067: nothing routes.
const doubting = "  calibration: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -5]\n"

// calibratedScript writes the asset payment-reminder script with line added under
// its settings.
func calibratedScript(t *testing.T, line string) string {
	t.Helper()
	src, err := os.ReadFile("../../voicebot/assets/payment-reminder.en.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(src), "settings:\n", "settings:\n"+line, 1)
	if s == string(src) {
		t.Fatal("the script has no settings section")
	}
	path := filepath.Join(t.TempDir(), "reminder.yaml")
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestScriptCalibrate: the loop from the binary. A script whose calibration doubts
// everything routes nothing; calibrate, run on labelled answers, says so, prints a
// calibration that fixes it on answers it was not fitted on, and that line, pasted
// into the script, makes eval route them again.
func TestScriptCalibrate(t *testing.T) {
	t.Parallel()
	set := "../../voicebot/intent/testdata/en.tune.txt"
	stale := calibratedScript(t, doubting)
	code, out, errOut := runCLI(t, "script", "eval", stale, "--set", set, "--json")
	if code != 0 {
		t.Fatalf("eval exit %d: %s", code, errOut)
	}
	var ev struct {
		Right     int     `json:"right"`
		RightRate float64 `json:"right_rate"`
	}
	if err := json.Unmarshal([]byte(out), &ev); err != nil || ev.Right != 0 {
		t.Fatalf("eval with the doubting calibration: %v %s", err, out)
	}

	code, out, errOut = runCLI(t, "script", "calibrate", stale, "--set", set, "--json")
	if code != 0 {
		t.Fatalf("calibrate exit %d: %s", code, errOut)
	}
	var full calibrateReport
	if err := json.Unmarshal([]byte(out), &full); err != nil {
		t.Fatal(err)
	}
	rep := full.Text
	if rep == nil || full.Spoken != nil {
		t.Fatalf("report %s: want the words' calibration alone", out)
	}
	if rep.InUse != "script" || !rep.Better || rep.Shipped.Right != 0 || rep.Fitted.RightRate < 0.9 || len(rep.Calibration) != 11 {
		t.Fatalf("report: in use %s, better %v, right %d → %.3f, calibration %v", rep.InUse, rep.Better, rep.Shipped.Right, rep.Fitted.RightRate, rep.Calibration)
	}

	code, out, errOut = runCLI(t, "script", "calibrate", stale, "--set", set)
	if code != 0 {
		t.Fatalf("calibrate exit %d: %s", code, errOut)
	}
	m := regexp.MustCompile(`(?m)^  calibration: \[[^\]]+\].*$`).FindString(out)
	if m == "" || !strings.Contains(out, "in use (script)") {
		t.Fatalf("no calibration line to paste:\n%s", out)
	}
	fixed := calibratedScript(t, m+"\n")
	if code, _, errOut := runCLI(t, "script", "lint", fixed); code != 0 {
		t.Fatalf("the pasted line does not lint: %s", errOut)
	}
	code, out, errOut = runCLI(t, "script", "eval", fixed, "--set", set, "--json")
	if code != 0 {
		t.Fatalf("eval exit %d: %s", code, errOut)
	}
	if err := json.Unmarshal([]byte(out), &ev); err != nil || ev.RightRate < 0.9 {
		t.Fatalf("eval with the pasted calibration: %v %s", err, out)
	}
}

// TestScriptCalibrateErrors: what calibrate refuses, naming what is wrong.
func TestScriptCalibrateErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	few := filepath.Join(dir, "few.txt")
	if err := os.WriteFile(few, []byte("yes | yes\nno | no\nnone | who is this\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	unknown := filepath.Join(dir, "unknown.txt")
	if err := os.WriteFile(unknown, []byte("yes | yes\nmaybe | perhaps\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tinyTSV := filepath.Join(dir, "tiny.tsv")
	if err := os.WriteFile(tinyTSV, []byte("1\t4.5\t0.9\t0.6\n0\t-1\t0.2\t0.1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	script := "../../voicebot/assets/payment-reminder.en.yaml"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{script}, "--set or --spoken-samples is required"},
		{[]string{script, "--spoken-samples", filepath.Join(dir, "absent.tsv")}, "absent.tsv"},
		{[]string{script, "--spoken-samples", few}, "few.txt:1: want right (0/1)"},
		{[]string{script, "--spoken-samples", tinyTSV}, "tiny.tsv: too few labelled matches"},
		{[]string{script, "--set", filepath.Join(dir, "absent.txt")}, "absent.txt"},
		{[]string{script, "--set", unknown}, `unknown.txt:2: "maybe" is not an intent`},
		{[]string{script, "--set", few}, "few.txt: too few labelled matches"},
		{[]string{filepath.Join(dir, "absent.yaml"), "--set", few}, "absent.yaml"},
	} {
		code, _, errOut := runCLI(t, append([]string{"script", "calibrate"}, tc.args...)...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("calibrate %v: exit %d, %q; want exit 2 naming %q", tc.args, code, errOut, tc.want)
		}
	}
}

// TestLiveCallUsesScriptCalibration: a live call (SIP/RTP to the simulator, speech
// recognised) routes with the script's own calibration: the callee's "Yes,
// speaking." and "Yes, I can pay by then." reach promise_to_pay with the shipped one
// (TestLiveCallUnderstandsSpeech) and route nowhere with one that doubts everything.
func TestLiveCallUsesScriptCalibration(t *testing.T) {
	r := callReminder(t, "+15550100001", calibratedScript(t, doubting), "")
	heard := 0
	for _, turn := range r.Transcript {
		if turn.Role != "caller" || turn.Text == "" {
			continue
		}
		heard++
		if turn.Event != "no_match" && !strings.HasPrefix(turn.Branch, "no_match") {
			t.Errorf("caller turn %q (%s, %s) routed with a calibration that routes nothing", turn.Text, turn.Event, turn.Branch)
		}
	}
	if r.Outcome != "answered" || heard == 0 || r.Disposition == "promise_to_pay" {
		t.Fatalf("outcome %s, %d caller turns heard, disposition %q; transcript %+v", r.Outcome, heard, r.Disposition, r.Transcript)
	}
}

// TestScriptCalibrateSpoken: the recognised words' calibration from the binary, on
// the spoken samples shipped with the classifier (recognised answers of the tuning
// split): fitted on them, its line pasted into the script lints, and a script whose
// spoken calibration doubts everything is told the fitted one is better.
func TestScriptCalibrateSpoken(t *testing.T) {
	t.Parallel()
	samples := "../../voicebot/intent/testdata/en.spoken.tsv"
	stale := calibratedScript(t, "  spoken_calibration: [0, 0, 0, -4]\n")
	code, out, errOut := runCLI(t, "script", "calibrate", stale, "--spoken-samples", samples, "--json")
	if code != 0 {
		t.Fatalf("calibrate exit %d: %s", code, errOut)
	}
	var full calibrateReport
	if err := json.Unmarshal([]byte(out), &full); err != nil {
		t.Fatal(err)
	}
	sp := full.Spoken
	if full.Text != nil || sp == nil || sp.InUse != "script" || !sp.Better || sp.Samples < 500 || sp.InUseECE < 0.3 || sp.FittedECE > 0.06 || len(sp.Calibration) != 4 {
		t.Fatalf("report %s", out)
	}
	code, out, errOut = runCLI(t, "script", "calibrate", stale, "--spoken-samples", samples, "--set", "../../voicebot/intent/testdata/en.tune.txt")
	if code != 0 {
		t.Fatalf("calibrate exit %d: %s", code, errOut)
	}
	lines := regexp.MustCompile(`(?m)^  (spoken_)?calibration: \[[^\]]+\].*$`).FindAllString(out, -1)
	if len(lines) != 2 {
		t.Fatalf("want both lines to paste:\n%s", out)
	}
	fixed := calibratedScript(t, lines[0]+"\n"+lines[1]+"\n")
	if code, _, errOut := runCLI(t, "script", "lint", fixed); code != 0 {
		t.Fatalf("the pasted lines do not lint: %s", errOut)
	}
}
