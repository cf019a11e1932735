package bench

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/voxdial/voxdial/asr"
	"github.com/voxdial/voxdial/asr/evalset"
	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/tts"
	"github.com/voxdial/voxdial/voicebot/intent"
)

// TestASRLiveQuick runs `voxdial bench asr --live --quick` (live calls to the
// simulator over SIP/RTP on loopback, the default recogniser) and holds its floors:
// every sentence said after the question over a line with silence suppression is
// heard, every sentence said over the question stops it and is heard, no sentence
// reaches a high-stakes intent (opt-out, transfer) it did not ask for, every call
// reaches the question, and some sentences route right. (Off-topic → no_match is
// reported, not held: the grammar's refused guesses route ordinary intents.)
func TestASRLiveQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: about 25 live calls with speech")
	}
	if !asr.SphinxBuiltIn || !tts.FliteBuiltIn {
		t.Skip("needs pocketsphinx and flite (cgo)")
	}
	rep, err := ASRLive(context.Background(), ASRLiveOptions{Quick: true, Concurrency: 16}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	all := rep.ByCondition["all"]
	if all == nil || all.Calls < 20 || rep.Mode != "quick" || rep.Split != "held-out" {
		t.Fatalf("report %+v", rep)
	}
	if all.NotReached != 0 {
		t.Errorf("%d calls never reached the question (first error %q)", all.NotReached, rep.FirstError)
	}
	if d := rep.ByCondition["dtx"]; d == nil || d.Calls == 0 || d.Heard != d.Calls {
		t.Errorf("DTX: %+v, want every sentence heard", d)
	}
	if b := rep.ByCondition["barge-in"]; b == nil || b.Calls == 0 || b.BargeInStopped != b.Calls || b.Heard != b.Calls {
		t.Errorf("barge-in: %+v, want every sentence to stop the question and be heard", b)
	}
	if all.WrongHighStakes != 0 {
		t.Errorf("%d sentences routed to a high-stakes intent they did not ask for: %v", all.WrongHighStakes, rep.Misses)
	}
	if all.OffTopic == 0 || all.InDomain == 0 || all.Right == 0 {
		t.Errorf("off-topic %d, in-domain %d, right %d: the plan or the routing is broken", all.OffTopic, all.InDomain, all.Right)
	}
	if rep.TurnOverheadMS["p50"] <= 0 || rep.RecognizersPerCore <= 0 {
		t.Errorf("turn overhead %v, recognisers per core %v", rep.TurnOverheadMS, rep.RecognizersPerCore)
	}
	// The figure is the median round of the step.
	rounds := slices.Sorted(slices.Values(rep.RecognizersPerCoreRounds))
	if len(rounds) != liveCostRounds || rounds[len(rounds)/2] != rep.RecognizersPerCore {
		t.Errorf("recognisers per core %v: want the median of %d rounds, got rounds %v", rep.RecognizersPerCore, liveCostRounds, rep.RecognizersPerCoreRounds)
	}
}

// readOutcome reads the sentence's branch from a transcript.
// TestASRLiveSIPp: with SIPp at the far end (a process per call, an independent SIP
// and RTP stack), every call reaches the question, the key over the greeting comes
// through as RFC 2833, and every sentence streamed over the question stops it and is
// heard.
func TestASRLiveSIPp(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: live calls with speech")
	}
	if !asr.SphinxBuiltIn || !tts.FliteBuiltIn {
		t.Skip("needs pocketsphinx and flite (cgo)")
	}
	if err := sippAvailable(); err != nil {
		if os.Getenv("VOXDIAL_SKIP_INTEROP") == "1" {
			t.Skip(err)
		}
		t.Fatal(err, "(or set VOXDIAL_SKIP_INTEROP=1)")
	}
	t.Parallel()
	rep, err := ASRLive(context.Background(), ASRLiveOptions{Quick: true, Limit: 3, Concurrency: 3, Peer: "sipp"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	all := rep.ByCondition["all"]
	if rep.Peer != "sipp" || all == nil || all.Calls != 3 || all.NotReached != 0 || rep.FirstError != "" {
		t.Fatalf("report: peer %q, all %+v, first error %q", rep.Peer, all, rep.FirstError)
	}
	if all.Heard != all.Calls || all.BargeInStopped != all.Calls {
		t.Errorf("heard %d, question stopped %d of %d calls: %v", all.Heard, all.BargeInStopped, all.Calls, rep.Misses)
	}
	for _, k := range []string{"dtx", "barge-in", "clean"} {
		if rep.ByCondition[k] != nil {
			t.Errorf("condition %q with SIPp: want sipp-… conditions only", k)
		}
	}
	if _, err := ASRLive(context.Background(), ASRLiveOptions{Peer: "asterisk"}, io.Discard); err == nil || !strings.Contains(err.Error(), "--peer") {
		t.Errorf("unknown peer: %v", err)
	}
}

func TestReadOutcome(t *testing.T) {
	t.Parallel()
	greet := []dialer.Turn{{Role: "bot", State: "greet", Event: "barge_in"}, {Role: "caller", State: "greet", DTMF: "1", Branch: "1 → reminder"}}
	for _, c := range []struct {
		name    string
		turns   []dialer.Turn
		verdict string
		routed  string
		heard   bool
	}{
		{"routed", []dialer.Turn{{Role: "bot", State: "reminder"}, {Role: "caller", State: "reminder", Text: "already paid", Branch: "paid → already_paid"}}, "match", "paid", true},
		{"global", []dialer.Turn{{Role: "bot", State: "reminder"}, {Role: "caller", State: "reminder", Text: "stop calling", Branch: "global opt_out → opt_out"}}, "match", "opt_out", true},
		{"confirm", []dialer.Turn{{Role: "bot", State: "reminder"}, {Role: "caller", State: "reminder", Text: "quit it", Branch: "global opt_out → confirm"}}, "confirm", "opt_out", true},
		{"rejected", []dialer.Turn{{Role: "bot", State: "reminder"}, {Role: "caller", State: "reminder", Event: "no_match", Branch: "no_match → reminder"}}, "no_match", "", true},
		{"asked to repeat", []dialer.Turn{{Role: "bot", State: "reminder"}, {Role: "caller", State: "reminder", Text: "can you repeat that", Event: "repeat", Branch: "repeat → reminder"}}, "repeat", "", true},
		{"silence", []dialer.Turn{{Role: "bot", State: "reminder"}, {Role: "caller", State: "reminder", Event: "no_input", Branch: "no_input → reminder"}}, "no_input", "", false},
		{"never reached", nil, "", "", false},
	} {
		oc := readOutcome(append(append([]dialer.Turn{}, greet...), c.turns...))
		if oc.verdict != c.verdict || oc.routed != c.routed || oc.heard != c.heard {
			t.Errorf("%s: %+v, want %s %q heard %v", c.name, oc, c.verdict, c.routed, c.heard)
		}
	}
}

// TestLivePlanSentences: --sentences replaces the held-out sentences (spoken by the
// held-out voices, five conditions each); a line whose intent the script does not
// have is refused with its file and line.
func TestLivePlanSentences(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := filepath.Join(dir, "blind.txt")
	if err := os.WriteFile(good, []byte("# blind\nyes | yeah go on\nnone | is it raining there\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	items, err := livePlan(ASRLiveOptions{Split: "held-out", Sentences: good})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 10 {
		t.Fatalf("%d calls, want 2 sentences × 5 conditions", len(items))
	}
	for _, it := range items {
		if !it.HeldOut || (it.Text != "yeah go on" && it.Text != "is it raining there") {
			t.Errorf("call %+v: not a held-out voice reading the file's sentence", it)
		}
	}
	bad := filepath.Join(dir, "bad.txt")
	if err := os.WriteFile(bad, []byte("yes | fine\nrefund | give my money back\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := livePlan(ASRLiveOptions{Split: "held-out", Sentences: bad}); err == nil || !strings.Contains(err.Error(), "bad.txt:2") || !strings.Contains(err.Error(), "refund") {
		t.Errorf("err = %v, want one naming bad.txt:2 and the intent", err)
	}
	if _, err := livePlan(ASRLiveOptions{Split: "held-out", Sentences: filepath.Join(dir, "missing.txt")}); err == nil || !strings.Contains(err.Error(), "missing.txt") {
		t.Errorf("missing file: err = %v", err)
	}

	// A line with a recording is played from it (the recorded voice, its own speed),
	// named relative to --recordings or the set's directory; one without is spoken.
	recs := filepath.Join(dir, "recs")
	if err := os.Mkdir(recs, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{filepath.Join(dir, "hello.wav"), filepath.Join(recs, "hello.wav")} {
		if err := os.WriteFile(name, []byte("RIFF"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mixed := filepath.Join(dir, "mixed.txt")
	if err := os.WriteFile(mixed, []byte("none | hello | hello.wav\nyes | yeah go on\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ recordings, want string }{{"", filepath.Join(dir, "hello.wav")}, {recs, filepath.Join(recs, "hello.wav")}} {
		items, err := livePlan(ASRLiveOptions{Split: "held-out", Sentences: mixed, Recordings: c.recordings})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			recorded := it.Voice == evalset.Recorded && it.Speed == 1 && it.Recording == c.want
			if (it.Text == "hello") != recorded || (it.Text != "hello" && it.Recording != "") {
				t.Errorf("--recordings %q: call %+v", c.recordings, it)
			}
		}
	}
	if _, err := livePlan(ASRLiveOptions{Split: "held-out", Sentences: mixed, Recordings: filepath.Join(dir, "nowhere")}); err == nil ||
		!strings.Contains(err.Error(), "mixed.txt:1: recording "+filepath.Join(dir, "nowhere", "hello.wav")) {
		t.Errorf("missing recording: err = %v", err)
	}
}

// TestAdaptSetIsChecked: a fitting set given with --adapt-set is read before anything
// is synthesised, and a bad one is refused naming the flag, the file and the line.
func TestAdaptSetIsChecked(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "half.txt")
	if err := os.WriteFile(bad, []byte("yes | yes please\nmaybe | who knows\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, want string }{
		{bad, "--adapt-set: " + bad + `:2: intent "maybe"`},
		{filepath.Join(dir, "missing.txt"), "--adapt-set: open " + filepath.Join(dir, "missing.txt")},
	} {
		_, err := ASRAdapt(context.Background(), AdaptOptions{Dir: filepath.Join(dir, "work"), Sentences: tc.path, Speeds: []float64{1}, SNRs: []float64{0}}, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ASRAdapt(%s): %v, want an error containing %q", tc.path, err, tc.want)
		}
	}
	// A held-out voice is never fitted on.
	_, err := ASRAdapt(context.Background(), AdaptOptions{Dir: filepath.Join(dir, "work"), Voices: []evalset.Voice{{Engine: "flite", Name: "kal"}}}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "flite/kal is a held-out voice") {
		t.Errorf("ASRAdapt(held-out voice): %v", err)
	}
	// Nor is a voice the fitting voices were chosen on.
	_, err = ASRAdapt(context.Background(), AdaptOptions{Dir: filepath.Join(dir, "work"), Voices: []evalset.Voice{{Engine: "espeak", Name: "en-us-nyc"}}}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "espeak/en-us-nyc is a check voice") {
		t.Errorf("ASRAdapt(check voice): %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "work")); !os.IsNotExist(err) {
		t.Errorf("a refused set left a work directory (%v)", err)
	}
}

// TestAdaptVoicesApart: the fitting, check and held-out voices are three sets with
// nothing in common, and the fitting voices hold every tuning voice.
func TestAdaptVoicesApart(t *testing.T) {
	t.Parallel()
	fit, check := FittingVoices(), CheckVoices()
	seen := map[evalset.Voice]string{}
	for name, vs := range map[string][]evalset.Voice{"fitting": fit, "check": check, "held-out": liveHeldOutVoices} {
		for _, v := range vs {
			if other, ok := seen[v]; ok {
				t.Errorf("%s is a %s voice and a %s voice", v, name, other)
			}
			seen[v] = name
		}
	}
	for _, v := range liveTuningVoices {
		if !slices.Contains(fit, v) {
			t.Errorf("tuning voice %s is not fitted on", v)
		}
	}
	if len(fit) <= len(liveTuningVoices) || len(check) == 0 {
		t.Errorf("%d fitting voices, %d check voices: want more than the tuning voices, and some to check on", len(fit), len(check))
	}
}

// TestASRLiveRecorded: sentences with recordings are played from them on live calls
// (the recorded voice, every condition), heard and routed like spoken ones — an
// eight-second answer too, which outlasts the no-input timeout.
func TestASRLiveRecorded(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: 15 live calls with speech")
	}
	if !asr.SphinxBuiltIn || !tts.FliteBuiltIn {
		t.Skip("needs pocketsphinx and flite (cgo)")
	}
	dir := t.TempDir()
	fl, err := tts.NewFlite(tts.FliteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"stop.wav": "please stop calling me", "rain.wav": "is it raining over there", "long.wav": longAside} {
		var pcm []int16
		err := fl.Synthesize(context.Background(), tts.Request{Text: text, Voice: "slt", Rate: 8000, Speed: 1},
			func(p []int16) error { pcm = append(pcm, p...); return nil })
		if err != nil {
			t.Fatal(err)
		}
		if err := media.WriteWAVFile(filepath.Join(dir, name), 8000, 1, pcm); err != nil {
			t.Fatal(err)
		}
	}
	set := filepath.Join(dir, "set.txt")
	if err := os.WriteFile(set, []byte("opt_out | please stop calling me | stop.wav\nnone | is it raining over there | rain.wav\nnone | "+longAside+" | long.wav\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := ASRLive(context.Background(), ASRLiveOptions{Sentences: set, Concurrency: 15}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	all := rep.ByCondition["all"]
	if all == nil || all.Calls != 15 || all.NotReached != 0 || all.Heard != 15 {
		t.Fatalf("all: %+v (first error %q), want 15 calls reaching the question, every sentence heard; misses %q", all, rep.FirstError, rep.Misses)
	}
	if rep.Recordings != dir || !slices.Contains(rep.HeldOutVoices, "recorded") {
		t.Errorf("report: recordings %q, held-out voices %v", rep.Recordings, rep.HeldOutVoices)
	}
	if b := rep.ByCondition["barge-in"]; b == nil || b.Calls != 3 || b.BargeInStopped != b.Calls {
		t.Errorf("barge-in: %+v, want the recording over the question to stop it", b)
	}
	// The recording's words come through: its calls route to opt_out or, where the
	// recogniser doubts them, are heard with "stop calling" in them ("please stop
	// calling", "the stop calling": which lines, and how, varies with the live timing
	// of the decode and the machine's load).
	heard := all.Right
	for _, m := range rep.Misses {
		if _, said, ok := strings.Cut(m, `(heard "`); ok && strings.HasPrefix(m, `opt_out "please stop calling me"`) && strings.Contains(said, "stop calling") {
			heard++
		}
	}
	if all.InDomain != 5 || heard < 3 {
		t.Errorf("all: %+v, want the recorded \"please stop calling me\" heard on most lines; misses %q", all, rep.Misses)
	}
	if all.WrongHighStakes != 0 {
		t.Errorf("%d wrong high-stakes routes: %v", all.WrongHighStakes, rep.Misses)
	}
}

// HumanRecordings is where Debian's asterisk-core-sounds-en-wav (scripts/install-deps
// --test) puts the recordings of voicebot/intent/testdata/en.human.txt.
const humanRecordings = "/usr/share/asterisk/sounds/en_US_f_Allison"

// TestHumanSetRecordings: every line of the human-voice set names a recording the
// package installs, a readable WAV file of speech no longer than a caller's turn, so
// the set's figures are over what the file says.
func TestHumanSetRecordings(t *testing.T) {
	t.Parallel()
	set, err := readScriptSet("--sentences", "../../voicebot/intent/testdata/en.human.txt")
	if err != nil {
		t.Fatal(err)
	}
	in := 0
	for _, s := range set {
		if s.Intent != intent.OffTopic {
			in++
		}
		if s.Recording == "" {
			t.Errorf("line %d: no recording", s.Line)
			continue
		}
		p, err := media.ReadWAV(filepath.Join(humanRecordings, s.Recording))
		if err != nil {
			t.Errorf("line %d: %v", s.Line, err)
			continue
		}
		if d := p.Duration(); d < 200*time.Millisecond || d > 6*time.Second || media.RMS(p.Samples) < 100 {
			t.Errorf("line %d: %s lasts %v at RMS %.0f: not a caller's turn of speech", s.Line, s.Recording, d, media.RMS(p.Samples))
		}
	}
	if len(set) < 300 || in != 3 {
		t.Errorf("%d lines, %d in domain: want the 315 of the file, 3 answers", len(set), in)
	}
}

// longAside is an eight-second answer (flite slt): longer than the script's 6 s
// no-input timeout.
const longAside = "hold on a second, i am just walking into the kitchen, the children are making a lot of noise in here and i can hardly hear a word you are saying to me"
