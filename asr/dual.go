package asr

import (
	"context"
	"errors"
	"sync"
)

// Dual runs two engines on the same audio — Primary (the state's grammar: cheap,
// exact on listed phrases) and Open (open vocabulary, SearchLM: words for
// paraphrases) — and gives one final result per utterance: the primary's when it
// matched an intent with at least MinConfidence, otherwise the open engine's
// transcript (its text goes to the bot's word-level classifier). Speech starts,
// partials and keys come from the primary. Both recognisers segment the audio with
// the same VAD, so their finals pair up in order.
type Dual struct {
	Primary, Open Engine
	// MinConfidence is the primary confidence that keeps its result; 0 keeps any
	// intent the primary accepted (past its own rejection check), which is what
	// "script eval --audio" measures as the combined path.
	MinConfidence float64
}

// Name implements Engine.
func (d *Dual) Name() string { return d.Primary.Name() + "+" + d.Open.Name() }

// NewRecognizer implements Engine.
func (d *Dual) NewRecognizer(ctx context.Context, opts StreamOptions) (Recognizer, error) {
	p, err := d.Primary.NewRecognizer(ctx, opts)
	if err != nil {
		return nil, err
	}
	o, err := d.Open.NewRecognizer(ctx, opts)
	if err != nil {
		p.Close()
		return nil, err
	}
	r := &dualRec{p: p, o: o, min: d.MinConfidence, out: make(chan Result, 64)}
	go r.merge()
	return r, nil
}

type dualRec struct {
	p, o Recognizer
	min  float64
	out  chan Result
	once sync.Once
}

// merge keeps the primary's results in order: a final waits for the open engine's
// final of the same utterance, and what the primary says after it waits behind it.
func (r *dualRec) merge() {
	defer close(r.out)
	pc, oc := r.p.Results(), r.o.Results()
	var queue, of []Result
	for pc != nil || oc != nil {
		select {
		case res, ok := <-pc:
			if !ok {
				pc = nil
				break
			}
			queue = append(queue, res)
		case res, ok := <-oc:
			if !ok {
				oc = nil
				break
			}
			if res.Kind == KindFinal {
				of = append(of, res)
			}
		}
		for len(queue) > 0 {
			head := queue[0]
			if head.Kind != KindFinal {
				r.out <- head
				queue = queue[1:]
				continue
			}
			if len(of) == 0 && oc != nil {
				break
			}
			var open *Result
			if len(of) > 0 {
				open = &of[0]
				of = of[1:]
			}
			r.out <- r.choose(head, open)
			queue = queue[1:]
		}
	}
}

// choose picks one final for an utterance.
func (r *dualRec) choose(p Result, o *Result) Result {
	if o == nil || (p.Intent != "" && p.Confidence >= r.min) || o.Err != nil {
		return p
	}
	res := *o
	res.Start, res.End = p.Start, p.End
	return res
}

func (r *dualRec) Write(pcm []int16) error {
	err := r.p.Write(pcm)
	if err2 := r.o.Write(pcm); err == nil && err2 != nil && !errors.Is(err2, ErrOverrun) {
		err = err2
	}
	return err
}

func (r *dualRec) WriteDTMF(d rune) error {
	err := r.p.WriteDTMF(d)
	_ = r.o.WriteDTMF(d) // ends the open utterance too, so the finals stay paired
	return err
}

func (r *dualRec) SetGrammar(g *Grammar) error {
	return errors.Join(r.p.SetGrammar(g), r.o.SetGrammar(g))
}

func (r *dualRec) Results() <-chan Result { return r.out }

func (r *dualRec) Flush() error { return errors.Join(r.p.Flush(), r.o.Flush()) }

func (r *dualRec) Close() error {
	var err error
	r.once.Do(func() { err = errors.Join(r.p.Close(), r.o.Close()) })
	return err
}
