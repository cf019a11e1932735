package asr

import (
	"context"
	"sync"
	"testing"
	"time"
)

// scripted is an engine whose recogniser emits fixed results and closes on Close.
type scripted struct{ res []Result }

func (s *scripted) Name() string { return "scripted" }

func (s *scripted) NewRecognizer(context.Context, StreamOptions) (Recognizer, error) {
	r := &scriptedRec{ch: make(chan Result, len(s.res))}
	for _, x := range s.res {
		r.ch <- x
	}
	return r, nil
}

type scriptedRec struct {
	ch     chan Result
	once   sync.Once
	writes int
}

func (r *scriptedRec) Write([]int16) error       { r.writes++; return nil }
func (r *scriptedRec) WriteDTMF(rune) error      { return nil }
func (r *scriptedRec) SetGrammar(*Grammar) error { return nil }
func (r *scriptedRec) Results() <-chan Result    { return r.ch }
func (r *scriptedRec) Flush() error              { return nil }
func (r *scriptedRec) Close() error              { r.once.Do(func() { close(r.ch) }); return nil }

func TestDualChoosesPerUtterance(t *testing.T) {
	t.Parallel()
	primary := &scripted{res: []Result{
		{Kind: KindSpeechStart},
		{Kind: KindFinal, Text: "stop calling", Intent: "opt_out", Confidence: 0.9, End: 1},
		{Kind: KindSpeechStart},
		{Kind: KindFinal, Text: "", Intent: "", End: 2}, // rejected: the grammar could not hold it
		{Kind: KindDTMF, DTMF: "1"},
		{Kind: KindFinal, Text: "yes", Intent: "yes", Confidence: 0.2, End: 3}, // a weak forced phrase
	}}
	open := &scripted{res: []Result{
		{Kind: KindPartial, Text: "stop"},
		{Kind: KindFinal, Text: "please stop calling"},
		{Kind: KindFinal, Text: "i want you to quit phoning me"},
		{Kind: KindDTMF, DTMF: "1"},
		{Kind: KindFinal, Text: "yes i did"},
	}}
	d := &Dual{Primary: primary, Open: open, MinConfidence: 0.5}
	r, err := d.NewRecognizer(context.Background(), StreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Write(make([]int16, 160)); err != nil {
		t.Fatal(err)
	}
	r.Close()
	var got []Result
	for x := range r.Results() {
		got = append(got, x)
	}
	want := []struct {
		kind Kind
		text string
	}{
		{KindSpeechStart, ""}, {KindFinal, "stop calling"}, {KindSpeechStart, ""},
		{KindFinal, "i want you to quit phoning me"}, {KindDTMF, ""}, {KindFinal, "yes i did"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d results %+v, want %d", len(got), got, len(want))
	}
	for i, w := range want {
		if got[i].Kind != w.kind || got[i].Text != w.text {
			t.Errorf("result %d: %+v, want %v %q", i, got[i], w.kind, w.text)
		}
	}
	if got[3].End != 2 {
		t.Errorf("the open final keeps the primary's bounds: %+v", got[3])
	}
	if d.Name() != "scripted+scripted" {
		t.Errorf("name %q", d.Name())
	}
}

// TestDualConfidentPrimaryDoesNotWait: a grammar phrase at or above MinConfidence goes
// out before the open engine has finished the utterance, and that utterance's open
// final, when it comes, is dropped (the next one pairs with the next utterance).
func TestDualConfidentPrimaryDoesNotWait(t *testing.T) {
	t.Parallel()
	primary := &scripted{res: []Result{
		{Kind: KindFinal, Text: "stop calling", Intent: "opt_out", Confidence: 0.95, End: 1},
		{Kind: KindFinal, Text: "yes", Intent: "yes", Confidence: 0.1, End: 2},
	}}
	openRec := &scriptedRec{ch: make(chan Result, 4)}
	d := &Dual{Primary: primary, Open: engineOf(openRec), MinConfidence: 0.9}
	r, err := d.NewRecognizer(context.Background(), StreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	select {
	case got := <-r.Results():
		if got.Text != "stop calling" || got.Open {
			t.Fatalf("first result %+v", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the confident grammar final waited for the open engine")
	}
	openRec.ch <- Result{Kind: KindFinal, Text: "stop calling please"} // the first utterance's: dropped
	openRec.ch <- Result{Kind: KindFinal, Text: "yes i can pay"}
	select {
	case got := <-r.Results():
		if got.Text != "yes i can pay" || !got.Open {
			t.Fatalf("second result %+v, want the open words of the second utterance", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no second result")
	}
}

// engineOf is an engine whose one recogniser is rec.
type engineOf1 struct{ rec *scriptedRec }

func engineOf(rec *scriptedRec) Engine { return engineOf1{rec} }

func (e engineOf1) Name() string { return "one" }
func (e engineOf1) NewRecognizer(context.Context, StreamOptions) (Recognizer, error) {
	return e.rec, nil
}
