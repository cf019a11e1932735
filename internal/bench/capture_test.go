package bench_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/voxdial/voxdial/internal/bench"
	"github.com/voxdial/voxdial/voicebot"
)

// TestCaptureEval runs the capture and knowledge eval on the example scripts and
// holds the accuracy figures reported in docs/script-format.md (floors a little
// under them); -v prints the report.
//
//	go test ./internal/bench -run TestCaptureEval -count=1 -v
func TestCaptureEval(t *testing.T) {
	bots := map[string]*voicebot.Bot{}
	for _, lang := range []string{"en", "zh"} {
		b, err := voicebot.LoadBot("../../voicebot/testdata/payment-capture." + lang + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		bots[lang] = b
	}
	n := 300
	if testing.Short() {
		n = 50
	}
	rep, err := bench.CaptureEval(context.Background(), bench.CaptureOptions{Bots: bots, Conversations: n, Seed: 1,
		Vars: map[string]map[string]string{
			"en": {"first_name": "Ann", "amount": "125.50", "due_date": "2026-12-15"},
			"zh": {"surname": "王", "amount": "300", "due_date": "2026-12-15"}}})
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.MarshalIndent(rep, "", "  ")
	if testing.Verbose() {
		_, _ = os.Stdout.Write(append(out, '\n'))
	}
	for lang, kinds := range rep.Slots {
		for kind, a := range kinds {
			if a.Rate < 0.95 {
				t.Errorf("%s %s: accuracy %.3f (%d/%d)", lang, kind, a.Rate, a.Right, a.Total)
			}
		}
		if k := rep.Knowledge[lang]; k.Rate < 0.85 {
			t.Errorf("%s knowledge: %.3f (%d/%d)", lang, k.Rate, k.Right, k.Total)
		}
		if u := rep.Unmatched[lang]; u.Rate < 0.6 {
			t.Errorf("%s questions no entry covers: %.3f (%d/%d) handled", lang, u.Rate, u.Right, u.Total)
		}
		if r := rep.Returned[lang]; r.Rate < 1 {
			t.Errorf("%s: back to the state after %d of %d answers", lang, r.Right, r.Total)
		}
	}
	if t.Failed() {
		t.Logf("misses: %s", out)
	}
}
