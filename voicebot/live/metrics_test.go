package live

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap"

	"github.com/voxdial/voxdial/asr"
	"github.com/voxdial/voxdial/voicebot"
)

// TestHostCollector: the recognisers' work counters reach Prometheus from a real
// pocketsphinx engine, made on first use (warming decodes each listening state's
// speech), and the frames dropped by recognisers that fell behind are counted.
func TestHostCollector(t *testing.T) {
	if !asr.SphinxBuiltIn {
		t.Fatal("this build has no pocketsphinx (cgo)")
	}
	h := NewHost(Options{
		NewSpeaker: func() (voicebot.Speaker, error) { return nopSpeaker{}, nil },
		NewRecognizer: func(vocab []string) (asr.Engine, error) {
			return asr.NewSphinx(asr.SphinxOptions{Vocabulary: vocab, ChannelAdaptation: true})
		},
	})
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(h.Collector()); err != nil {
		t.Fatal(err)
	}
	// Before any engine exists: only the dropped-frames counter.
	if n, err := testutil.GatherAndCount(reg); err != nil || n != 1 {
		t.Fatalf("series before any engine: %d, %v", n, err)
	}
	s, err := h.Load("../testdata/payment-reminder.en.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.WarmRecognizers(context.Background(), s, 1); err != nil {
		t.Fatal(err)
	}
	h.framesDropped.Add(3)
	stats := h.recognizer(s.script.Bot).(*asr.Sphinx).Stats()
	if stats.Decodes < 3 || stats.ShortDecodes == 0 {
		t.Fatalf("warming decoded %d times, %d short; want one per listening state (3), some short", stats.Decodes, stats.ShortDecodes)
	}
	want := `
# HELP voxdial_asr_decodes_total Decodes by pass: grammar (the state's phrases) and open (the state's language model, for words the grammar cannot hold); with an open pass, the grammar decodes only words that hold no intent.
# TYPE voxdial_asr_decodes_total counter
voxdial_asr_decodes_total{locale="default",pass="grammar"} ` + itoa(stats.GrammarPasses) + `
voxdial_asr_decodes_total{locale="default",pass="open"} ` + itoa(stats.OpenPasses) + `
# HELP voxdial_asr_decodes_short_total Utterances with under a second of loud speech (lone words, short answers), decoded at pocketsphinx's 100 frames a second where longer ones are decoded at 80.
# TYPE voxdial_asr_decodes_short_total counter
voxdial_asr_decodes_short_total{locale="default"} ` + itoa(stats.ShortDecodes) + `
# HELP voxdial_asr_frames_dropped_total Caller audio frames (20 ms) a recogniser dropped, more than three seconds behind: words may be lost; add CPU or lower runner.max_calls.
# TYPE voxdial_asr_frames_dropped_total counter
voxdial_asr_frames_dropped_total 3
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "voxdial_asr_decodes_total", "voxdial_asr_decodes_short_total", "voxdial_asr_frames_dropped_total"); err != nil {
		t.Error(err)
	}
}

// overrunRecognizer refuses every frame, as a recogniser more than its queue behind.
type overrunRecognizer struct{ recordingRecognizer }

func (*overrunRecognizer) Write([]int16) error { return asr.ErrOverrun }

// fixedEngine opens the one recogniser it holds.
type fixedEngine struct{ rec asr.Recognizer }

func (fixedEngine) Name() string { return "fixed" }
func (e fixedEngine) NewRecognizer(context.Context, asr.StreamOptions) (asr.Recognizer, error) {
	return e.rec, nil
}

// The listener counts the frames its recogniser refused.
func TestListenerCountsDroppedFrames(t *testing.T) {
	rec := &overrunRecognizer{recordingRecognizer{out: make(chan asr.Result)}}
	l := newASRListener(context.Background(), fixedEngine{rec}, 700*time.Millisecond, time.Now(), time.Now, zap.NewNop())
	defer l.Close()
	opened := func() bool { l.mu.Lock(); defer l.mu.Unlock(); return l.rec != nil }
	for deadline := time.Now().Add(10 * time.Second); !opened() && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	for range 5 {
		l.Write(make([]int16, 160), 0)
	}
	if got := l.Dropped(); got != 5 {
		t.Errorf("dropped %d frames, want 5", got)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
