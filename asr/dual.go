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
	// "script eval --audio" measures as the combined path. The grammar's confidence
	// is calibrated (the fitted probability that its phrase is right), so this is a
	// probability: under it the open engine's words decide.
	MinConfidence float64
}

// Close closes both engines (those that can be closed).
func (d *Dual) Close() error {
	var errs []error
	for _, e := range []Engine{d.Primary, d.Open} {
		if c, ok := e.(interface{ Close() error }); ok {
			errs = append(errs, c.Close())
		}
	}
	return errors.Join(errs...)
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
	skip := 0 // open finals still to come of utterances already answered by the primary
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
				if skip > 0 {
					skip--
					break
				}
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
			if r.keeps(head) {
				// A confident grammar phrase is the answer: it goes out now, without
				// waiting for the slower open search of the same utterance.
				r.out <- head
				queue = queue[1:]
				if len(of) > 0 {
					of = of[1:]
				} else if oc != nil {
					skip++
				}
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

// keeps reports whether the primary's final stands whatever the open engine says.
func (r *dualRec) keeps(p Result) bool { return p.Intent != "" && p.Confidence >= r.min }

// choose picks one final for an utterance.
func (r *dualRec) choose(p Result, o *Result) Result {
	if o == nil || r.keeps(p) || o.Err != nil || o.Text == "" {
		return p // a rejected primary with no open words stays rejected (no_match)
	}
	res := *o
	res.Start, res.End = p.Start, p.End
	res.Open, res.Rejected = true, false
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
