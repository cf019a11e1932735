package asr

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"go.uber.org/zap"
)

// queueFrames bounds the audio waiting for an engine: 150 frames, three seconds. A
// batch decoder takes no audio while it decodes a whole utterance (both passes), and
// on a starved machine that can take over a second (idle, the slowest turn measured
// 316 ms): one second of queue was too little margin, and a frame dropped there is a
// word lost. A recogniser further behind than three seconds is not keeping up, and
// dropping audio (with ErrOverrun) is better than letting latency grow without bound.
const queueFrames = 150

// msg is one item of a stream's input queue: audio, or a control message.
type msg struct {
	pcm     []int16
	dtmf    rune
	flush   bool
	grammar *Grammar
	reply   chan error
}

// stream is the Recognizer plumbing every engine shares: the bounded input queue, the
// results channel, DTMF mapping and close. The engine's worker goroutine reads st.in
// and calls emit; it calls finish when it exits.
type stream struct {
	in       chan msg
	out      chan Result
	quit     chan struct{}
	done     chan struct{}
	quitOnce sync.Once
	stopCtx  func() bool
	log      *zap.Logger
	free     chan []int16

	mu      sync.Mutex
	grammar *Grammar

	overruns atomic.Int64
}

func newStream(ctx context.Context, opts StreamOptions, log *zap.Logger) *stream {
	st := &stream{
		in:   make(chan msg, queueFrames),
		out:  make(chan Result, 32),
		quit: make(chan struct{}),
		done: make(chan struct{}),
		log:  log,
		free: make(chan []int16, queueFrames+2),
	}
	st.grammar = opts.Grammar
	st.stopCtx = context.AfterFunc(ctx, st.stop)
	return st
}

func (st *stream) stop() { st.quitOnce.Do(func() { close(st.quit) }) }

// finish is called once by the worker on exit.
func (st *stream) finish() {
	st.stopCtx()
	st.stop()
	close(st.out)
	close(st.done)
}

func (st *stream) getBuf(n int) []int16 {
	select {
	case b := <-st.free:
		if cap(b) >= n {
			return b[:n]
		}
	default:
	}
	return make([]int16, n, max(n, 160))
}

func (st *stream) putBuf(b []int16) {
	select {
	case st.free <- b:
	default:
	}
}

// Write implements Recognizer: a copy of pcm joins the queue, or ErrOverrun.
func (st *stream) Write(pcm []int16) error {
	select {
	case <-st.quit:
		return ErrClosed
	default:
	}
	if len(pcm) == 0 {
		return nil
	}
	b := st.getBuf(len(pcm))
	copy(b, pcm)
	select {
	case st.in <- msg{pcm: b}:
		return nil
	default:
		st.putBuf(b)
		st.overruns.Add(1)
		return ErrOverrun
	}
}

// Overruns counts frames dropped by Write.
func (st *stream) Overruns() int64 { return st.overruns.Load() }

func (st *stream) send(m msg) error {
	select {
	case st.in <- m:
		return nil
	case <-st.quit:
		return ErrClosed
	}
}

// WriteDTMF implements Recognizer.
func (st *stream) WriteDTMF(d rune) error {
	if !validDigit(d) {
		return fmt.Errorf("%q: %w", d, ErrInvalidDigit)
	}
	return st.send(msg{dtmf: d})
}

// Flush implements Recognizer: it returns once the worker has processed everything
// queued before it and emitted the final result, if there was an utterance.
func (st *stream) Flush() error {
	reply := make(chan error, 1)
	if err := st.send(msg{flush: true, reply: reply}); err != nil {
		return err
	}
	select {
	case err := <-reply:
		return err
	case <-st.quit:
		return ErrClosed
	}
}

// SetGrammar implements Recognizer: DTMF keys apply at once; the worker compiles the
// speech grammar and reports errors (unknown words) back.
func (st *stream) SetGrammar(g *Grammar) error {
	if err := g.Validate(); err != nil {
		return err
	}
	reply := make(chan error, 1)
	if err := st.send(msg{grammar: g, reply: reply}); err != nil {
		return err
	}
	select {
	case err := <-reply:
		if err != nil {
			return err
		}
	case <-st.quit:
		return ErrClosed
	}
	st.mu.Lock()
	st.grammar = g
	st.mu.Unlock()
	return nil
}

// Results implements Recognizer.
func (st *stream) Results() <-chan Result { return st.out }

// Close implements Recognizer; it waits for the worker to release its engine resources.
func (st *stream) Close() error {
	st.stop()
	<-st.done
	return nil
}

// emit delivers a result. Reliable results (finals, DTMF) wait for the reader; others
// are dropped when the reader is behind.
func (st *stream) emit(r Result, reliable bool) {
	if !reliable {
		select {
		case st.out <- r:
		default:
		}
		return
	}
	select {
	case st.out <- r:
	case <-st.quit:
	}
}

func (st *stream) emitDTMF(d rune, samples int64) {
	st.mu.Lock()
	g := st.grammar
	st.mu.Unlock()
	r := Result{Kind: KindDTMF, DTMF: string(d), Text: string(d), Confidence: 1,
		Start: samplesToDuration(samples), End: samplesToDuration(samples)}
	if g != nil {
		r.Intent = g.DTMF[string(d)]
	}
	st.emit(r, true)
}
