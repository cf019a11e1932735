package voicebot

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/voicebot/intent"
)

// Speaker turns a prompt into audio (through the tts prompt cache on a live call).
// The source must follow media.Source: ReadFrame never blocks.
type Speaker interface {
	Speak(ctx context.Context, p Prompt) (media.Source, error)
}

// Listener hears the caller: it reports when speech starts (for barge-in) and each
// recognised turn once end_of_turn silence has passed.
type Listener interface {
	// Expect tells the recogniser what the next turns may contain (phrase hints or a
	// grammar built from the listening state's intents).
	Expect(h Hints)
	// Heard delivers what was heard, in order; it is closed when the audio ends.
	Heard() <-chan Heard
}

// Heard is one recogniser event.
type Heard struct {
	SpeechStart bool // the caller started speaking (no text yet)
	Text        string
	Confidence  float64
	// Unintelligible: speech the recogniser heard but would not put into words it
	// trusts (its rejection refused the phrase a grammar forced); Text is empty. The
	// bot takes it as a turn that matched nothing (no_match), not as silence.
	Unintelligible bool
	// Open: words the recogniser does not vouch for — an open-vocabulary search's, or
	// a phrase a grammar forced and its rejection refused; the bot never routes an
	// intent that acts for good (an opt-out, a transfer) on them alone.
	Open bool
	// Readings, with Open: the search's best readings and their shares (Text's among
	// them), Confidence its confidence in Text's words.
	Readings []intent.Reading
	// Grammar, with Open: the grammar match the open words replaced (asr.Result.Grammar).
	Grammar *intent.GrammarReading
	At      time.Time // when the speech started or ended; zero means now
	// Arousal of the turn's voice (0 … 1) when Voiced: its audio was measured
	// (sentiment.Acoustic).
	Arousal float64
	Voiced  bool
}

// BotLeg is what the runtime needs from an answered call.
type BotLeg interface {
	Play(ctx context.Context, src media.Source) error
	// StopPlayback cuts the prompt playing now and any queued (barge-in).
	StopPlayback()
	Hangup(ctx context.Context) error
	Done() <-chan struct{}
}

// TimeoutHanger is implemented by legs that record a hang-up caused by a limit
// (max_call) differently from the bot's own.
type TimeoutHanger interface {
	HangupTimeout(ctx context.Context) error
}

// Transferer moves the caller to target: a blind transfer (SIP REFER) or, when that
// is refused, a bridge to a new leg. method says which worked: refer or bridge.
type Transferer interface {
	Transfer(ctx context.Context, target string) (method string, err error)
}

// OptOuter takes the caller's number off the calling lists at once (do-not-call entry,
// consent revoked). The compliance package provides the real one.
type OptOuter interface {
	OptOut(ctx context.Context) error
}

// CallbackScheduler schedules a new attempt for the contact; the new attempt still
// goes through the compliance gate.
type CallbackScheduler interface {
	ScheduleCallback(ctx context.Context, after time.Duration) error
}

// AMDEvent is answering-machine detection's report: a verdict (human, machine,
// not_sure), then, for a machine, Beep when its greeting has ended.
type AMDEvent struct {
	Verdict string
	Beep    bool
}

// RuntimeOptions configure Run. Speaker and Listener are required; the rest optional.
type RuntimeOptions struct {
	Bot        *Bot
	Vars       map[string]string
	Speaker    Speaker
	Listener   Listener
	DTMF       <-chan string   // keys the caller presses
	AMD        <-chan AMDEvent // nil: no detection
	Transferer Transferer      // nil: transfers fail (transfer_failed)
	OptOut     OptOuter        // nil: the opt-out is only recorded in the result
	Callbacks  CallbackScheduler
	Classifier Classifier
	// AnsweredAt is the answer time, the zero of the transcript's times; default now.
	AnsweredAt time.Time
	Logger     *zap.Logger
	// OnAction, when set, sees every action before it is carried out (tests, metrics).
	OnAction func(Action)
}

// ErrNoSpeaker: RuntimeOptions lacks a Speaker or Listener.
var ErrNoSpeaker = errors.New("voicebot runtime needs a speaker and a listener")

// Run drives one answered call with the script until the bot is done with it: it hung
// up, the caller did, the call was transferred, or max_call ran out. It returns the
// bot's result; the error reports a runtime failure (a leg error), in which case the
// result holds what happened until then.
func Run(ctx context.Context, leg BotLeg, opts RuntimeOptions) (Result, error) {
	if opts.Speaker == nil || opts.Listener == nil {
		return Result{}, ErrNoSpeaker
	}
	if opts.AnsweredAt.IsZero() {
		opts.AnsweredAt = time.Now()
	}
	m, err := NewMachine(opts.Bot, MachineOptions{Vars: opts.Vars, Classifier: opts.Classifier, Today: CallDate(opts.AnsweredAt, opts.Vars)})
	if err != nil {
		return Result{}, err
	}
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	r := &runner{m: m, leg: leg, opts: opts, log: opts.Logger, zero: opts.AnsweredAt,
		events: make(chan Event, 64), done: make(chan struct{})}
	return r.run(ctx)
}

type runner struct {
	m      *Machine
	leg    BotLeg
	opts   RuntimeOptions
	log    *zap.Logger
	zero   time.Time
	events chan Event
	done   chan struct{} // closed when run returns: pumps and timers stop
	wg     sync.WaitGroup
	timers []*time.Timer
	hungUp bool
	err    error
}

func (r *runner) since(t time.Time) time.Duration {
	if t.IsZero() {
		t = time.Now()
	}
	return max(0, t.Sub(r.zero))
}

// post delivers an event to the loop from any goroutine, unless the run is over.
func (r *runner) post(ev Event) {
	select {
	case r.events <- ev:
	case <-r.done:
	}
}

func (r *runner) run(ctx context.Context) (Result, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer func() {
		close(r.done)
		cancel()
		for _, t := range r.timers {
			t.Stop()
		}
		r.wg.Wait()
	}()
	r.pumps()
	r.do(ctx, r.m.Start(r.since(time.Time{})))
	for !r.m.Done() {
		select {
		case ev := <-r.events:
			r.do(ctx, r.m.Handle(ctx, ev))
		case <-ctx.Done():
			res := r.m.Result()
			res.Error = ctx.Err().Error()
			return res, ctx.Err()
		}
	}
	res := r.m.Result()
	if r.err != nil {
		res.Error = r.err.Error()
	}
	return res, r.err
}

// pumps turn the listener, DTMF, AMD and the leg's end into events.
func (r *runner) pumps() {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		heard := r.opts.Listener.Heard()
		dtmf, amd := r.opts.DTMF, r.opts.AMD
		for {
			select {
			case h, ok := <-heard:
				if !ok {
					heard = nil
					continue
				}
				if h.SpeechStart {
					r.post(Event{Kind: EvSpeechStart, At: r.since(h.At)})
				} else {
					r.post(Event{Kind: EvUtterance, Text: h.Text, Confidence: h.Confidence, Unintelligible: h.Unintelligible, Open: h.Open, Readings: h.Readings, Grammar: h.Grammar,
						At: r.since(h.At), Received: r.since(time.Time{}), Arousal: h.Arousal, Voiced: h.Voiced})
				}
			case d, ok := <-dtmf:
				if !ok {
					dtmf = nil
					continue
				}
				r.post(Event{Kind: EvDTMF, Digit: d, At: r.since(time.Time{})})
			case a, ok := <-amd:
				if !ok {
					amd = nil
					continue
				}
				if a.Beep {
					r.post(Event{Kind: EvBeep, At: r.since(time.Time{})})
				} else {
					r.post(Event{Kind: EvAMD, Verdict: a.Verdict, At: r.since(time.Time{})})
				}
			case <-r.leg.Done():
				r.post(Event{Kind: EvHangup, At: r.since(time.Time{})})
				return
			case <-r.done:
				return
			}
		}
	}()
}

func (r *runner) do(ctx context.Context, acts []Action) {
	for _, a := range acts {
		if r.opts.OnAction != nil {
			r.opts.OnAction(a)
		}
		switch a.Kind {
		case ActSay:
			r.say(ctx, a.Prompt)
		case ActStopPlayback:
			r.leg.StopPlayback()
		case ActListen:
			r.opts.Listener.Expect(a.Hints)
		case ActStartTimer:
			id := a.Timer
			r.timers = append(r.timers, time.AfterFunc(a.After, func() {
				r.post(Event{Kind: EvTimer, Timer: id, At: r.since(time.Time{})})
			}))
		case ActTransfer:
			r.wg.Add(1)
			go func() {
				defer r.wg.Done()
				ev := Event{Kind: EvTransferred}
				if r.opts.Transferer == nil {
					ev.Err = "no transfer available on this call"
				} else if method, err := r.opts.Transferer.Transfer(ctx, a.Target); err != nil {
					ev.Err = err.Error()
				} else {
					ev.OK, ev.Method = true, method
				}
				ev.At = r.since(time.Time{})
				r.post(ev)
			}()
		case ActOptOut:
			if r.opts.OptOut != nil {
				// At once and before the call ends: run it now, detached from the call.
				if err := r.opts.OptOut.OptOut(context.WithoutCancel(ctx)); err != nil {
					r.log.Error("opt-out not recorded", zap.Error(err))
					r.err = errors.Join(r.err, fmt.Errorf("opt out: %w", err))
				}
			}
		case ActCallback:
			if r.opts.Callbacks != nil {
				if err := r.opts.Callbacks.ScheduleCallback(context.WithoutCancel(ctx), a.After); err != nil {
					r.log.Warn("callback not scheduled", zap.Error(err))
				}
			}
		case ActHangup:
			r.hangup(ctx, a.By)
		case ActEnd:
		}
	}
}

func (r *runner) hangup(ctx context.Context, by string) {
	if r.hungUp {
		return
	}
	r.hungUp = true
	hctx := context.WithoutCancel(ctx)
	var err error
	if th, ok := r.leg.(TimeoutHanger); ok && by == ByTimeout {
		err = th.HangupTimeout(hctx)
	} else {
		err = r.leg.Hangup(hctx)
	}
	if err != nil {
		r.log.Warn("hangup", zap.Error(err))
	}
}

// say synthesises and plays a prompt in the background, reporting its first audio
// and its end as events.
func (r *runner) say(ctx context.Context, p Prompt) {
	src, err := r.opts.Speaker.Speak(ctx, p)
	if err != nil {
		r.log.Error("prompt not spoken", zap.String("state", p.State), zap.Error(err))
		ev := Event{Kind: EvPlaybackDone, Prompt: p.ID, At: r.since(time.Time{}), Failed: true}
		r.wg.Add(1)
		go func() { defer r.wg.Done(); r.post(ev) }()
		return
	}
	fs := &firstFrame{src: src}
	fs.onFirst = func(at time.Time) { r.post(Event{Kind: EvPlaybackStarted, Prompt: p.ID, At: r.since(at)}) }
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		if err := r.leg.Play(ctx, fs); err != nil && !errors.Is(err, media.ErrPlaybackStopped) && ctx.Err() == nil {
			r.log.Debug("playback ended", zap.String("state", p.State), zap.Error(err))
		}
		r.post(Event{Kind: EvPlaybackDone, Prompt: p.ID, At: r.since(time.Time{})})
	}()
}

// firstFrame reports the first frame with audio, without blocking the clock tick.
// The time is taken here, on the tick that sends the frame, not when the report
// goroutine gets to run.
type firstFrame struct {
	src     media.Source
	started atomic.Bool
	onFirst func(at time.Time)
}

func (f *firstFrame) ReadFrame(dst []int16) (int, error) {
	n, err := f.src.ReadFrame(dst)
	if n > 0 && f.started.CompareAndSwap(false, true) {
		go f.onFirst(time.Now())
	}
	return n, err
}
