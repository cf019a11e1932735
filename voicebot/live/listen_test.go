package live

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/voxdial/voxdial/asr"
	"github.com/voxdial/voxdial/voicebot"
)

// The audio clock maps recogniser time to arrival time, and frames the recogniser
// dropped (never added) do not shift it: speech that ended at audio time 2 s ends
// when the frame holding it arrived, not 2 s after the first frame.
func TestAudioClock(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	var c audioClock
	if _, ok := c.at(time.Second); ok {
		t.Fatal("a clock without audio answers")
	}
	// 3 s of audio in 20 ms frames, arriving in real time except for a 10 s gap
	// after the first second, whose frames the recogniser dropped (it fell behind).
	wall := t0
	for i := range 150 {
		if i == 50 {
			wall = wall.Add(10 * time.Second) // a gap the recogniser never saw
		}
		c.add(160, wall)
		wall = wall.Add(20 * time.Millisecond)
	}
	for _, tc := range []struct {
		audio time.Duration
		want  time.Time
	}{
		{20 * time.Millisecond, t0},
		{500 * time.Millisecond, t0.Add(480 * time.Millisecond)},
		{2 * time.Second, t0.Add(11*time.Second + 980*time.Millisecond)},
		{3 * time.Second, t0.Add(12*time.Second + 980*time.Millisecond)},
	} {
		got, ok := c.at(tc.audio)
		if !ok {
			t.Fatal("no answer")
		}
		if d := got.Sub(tc.want); d < -100*time.Millisecond || d > 100*time.Millisecond {
			t.Errorf("audio %v: arrived %v, want %v (±100 ms)", tc.audio, got.Sub(t0), tc.want.Sub(t0))
		}
	}
}

// slowEngine opens its recogniser only when open is closed (a busy engine) and
// records what the recogniser is written; final, when sent, is emitted as a result.
type slowEngine struct {
	open  chan struct{}
	rec   *recordingRecognizer
	ready chan struct{}
}

func (e *slowEngine) Name() string { return "fake" }

func (e *slowEngine) NewRecognizer(ctx context.Context, _ asr.StreamOptions) (asr.Recognizer, error) {
	select {
	case <-e.open:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	close(e.ready)
	return e.rec, nil
}

type recordingRecognizer struct {
	mu      sync.Mutex
	written []int16
	out     chan asr.Result
	once    sync.Once
}

func (r *recordingRecognizer) Write(pcm []int16) error {
	r.mu.Lock()
	r.written = append(r.written, pcm...)
	r.mu.Unlock()
	return nil
}
func (r *recordingRecognizer) WriteDTMF(rune) error          { return nil }
func (r *recordingRecognizer) SetGrammar(*asr.Grammar) error { return nil }
func (r *recordingRecognizer) Results() <-chan asr.Result    { return r.out }
func (r *recordingRecognizer) Flush() error                  { return nil }
func (r *recordingRecognizer) Close() error                  { r.once.Do(func() { close(r.out) }); return nil }

// A busy engine opens the recogniser 3 s after the answer; the caller answered
// meanwhile, at 2.5 s. The recogniser gets the silence before the answer, then the
// newest 2 s of audio — the answer included — and the result's time maps back to
// when the answer arrived on the (injected) clock.
func TestListenerPreRoll(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	now := t0
	eng := &slowEngine{open: make(chan struct{}), ready: make(chan struct{}),
		rec: &recordingRecognizer{out: make(chan asr.Result, 4)}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	l := newASRListener(ctx, eng, 700*time.Millisecond, t0, func() time.Time { return now }, zap.NewNop())
	defer l.Close()
	frame := make([]int16, 160)
	for i := range 150 { // 3 s of 20 ms frames; frames 125-129 are the answer
		v := int16(0)
		if i >= 125 && i < 130 {
			v = int16(1000 + i)
		}
		for k := range frame {
			frame[k] = v
		}
		l.Write(frame, 0)
		now = now.Add(20 * time.Millisecond)
	}
	close(eng.open)
	<-eng.ready
	// The stream the recogniser saw: lead silence, then the last 2 s (frames 50-149).
	deadline := time.Now().Add(10 * time.Second)
	for {
		eng.rec.mu.Lock()
		n := len(eng.rec.written)
		eng.rec.mu.Unlock()
		if n >= leadSilence+earlyMax || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	eng.rec.mu.Lock()
	w := append([]int16(nil), eng.rec.written...)
	eng.rec.mu.Unlock()
	if len(w) != leadSilence+earlyMax {
		t.Fatalf("recogniser got %d samples, want %d", len(w), leadSilence+earlyMax)
	}
	for i, v := range w[:leadSilence] {
		if v != 0 {
			t.Fatalf("lead sample %d = %d", i, v)
		}
	}
	answerAt := leadSilence + 75*160 // frame 125 is the 76th of the kept 100
	if w[answerAt] != 1125 || w[answerAt-1] != 0 || w[answerAt+5*160] != 0 {
		t.Fatalf("answer not where expected: %d %d %d", w[answerAt-1], w[answerAt], w[answerAt+5*160])
	}
	// A final for the answer: audio time of its end (frame 129's end).
	end := time.Duration(answerAt+5*160) * time.Second / 8000
	eng.rec.out <- asr.Result{Kind: asr.KindFinal, Text: "no", End: end}
	h := <-l.Heard()
	want := t0.Add(130 * 20 * time.Millisecond)
	if d := h.At.Sub(want); h.Text != "no" || d < -100*time.Millisecond || d > 100*time.Millisecond {
		t.Fatalf("heard %q at %v after the answer, want %v (±100 ms)", h.Text, h.At.Sub(t0), want.Sub(t0))
	}
}

// TestNoInputOutlastsTheLongestTurn: the bot's no-input timer, re-armed when the
// caller starts talking, waits at least as long as the recognisers let one turn run.
func TestNoInputOutlastsTheLongestTurn(t *testing.T) {
	t.Parallel()
	if voicebot.MaxCallerTurn < asr.DefaultMaxUtterance {
		t.Errorf("voicebot.MaxCallerTurn %v < asr.DefaultMaxUtterance %v: a long answer would be cut as no_input", voicebot.MaxCallerTurn, asr.DefaultMaxUtterance)
	}
}
