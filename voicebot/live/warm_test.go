package live

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/voxdial/voxdial/asr"
	"github.com/voxdial/voxdial/voicebot"
)

// fakeEngine records what warm-up asks of recognisers.
type fakeEngine struct {
	mu       sync.Mutex
	opened   int
	grammars map[int][]string // recogniser → grammar names in order
	samples  map[int]int
	flushes  map[int]int
}

func (e *fakeEngine) Name() string { return "fake" }

func (e *fakeEngine) NewRecognizer(_ context.Context, opts asr.StreamOptions) (asr.Recognizer, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	id := e.opened
	e.opened++
	e.grammars[id] = []string{opts.Grammar.Name}
	return &fakeRec{e: e, id: id, res: make(chan asr.Result)}, nil
}

type fakeRec struct {
	e    *fakeEngine
	id   int
	res  chan asr.Result
	once sync.Once
}

func (r *fakeRec) Write(pcm []int16) error {
	r.e.mu.Lock()
	r.e.samples[r.id] += len(pcm)
	r.e.mu.Unlock()
	return nil
}
func (r *fakeRec) WriteDTMF(rune) error { return nil }
func (r *fakeRec) SetGrammar(g *asr.Grammar) error {
	r.e.mu.Lock()
	r.e.grammars[r.id] = append(r.e.grammars[r.id], g.Name)
	r.e.mu.Unlock()
	return nil
}
func (r *fakeRec) Results() <-chan asr.Result { return r.res }
func (r *fakeRec) Flush() error {
	r.e.mu.Lock()
	r.e.flushes[r.id]++
	r.e.mu.Unlock()
	return nil
}
func (r *fakeRec) Close() error { r.once.Do(func() { close(r.res) }); return nil }

// Warming readies one recogniser per expected call with every listening state's
// grammar, named exactly as a call's Listen will name it, and speech for each.
func TestWarmRecognizers(t *testing.T) {
	eng := &fakeEngine{grammars: map[int][]string{}, samples: map[int]int{}, flushes: map[int]int{}}
	h := NewHost(Options{
		NewSpeaker:    func() (voicebot.Speaker, error) { return nil, context.Canceled }, // not needed here
		NewRecognizer: func([]string) (asr.Engine, error) { return eng, nil },
	})
	s, err := h.Load("../testdata/payment-reminder.en.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 3} {
		before := eng.opened
		if err := h.WarmRecognizers(context.Background(), s, n); err != nil {
			t.Fatal(err)
		}
		if eng.opened-before != n {
			t.Fatalf("warm %d: opened %d recognisers", n, eng.opened-before)
		}
	}
	var want []string
	for _, name := range []string{"greet", "reminder", "offer_agent"} {
		want = append(want, grammarFor(s.script.Bot.ListenHints(name)).Name)
	}
	for id := range eng.opened {
		if !slices.Equal(eng.grammars[id], want) || eng.flushes[id] != len(want) || eng.samples[id] < len(want)*8000 {
			t.Errorf("recogniser %d: grammars %v (want %v), %d flushes, %d samples", id, eng.grammars[id], want, eng.flushes[id], eng.samples[id])
		}
	}
}
