package voicebot

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/voxdial/voxdial/media"
)

// fakeSource is a prompt's audio: frames of a constant, non-silent sample.
type fakeSource struct {
	p      Prompt
	frames int
	read   atomic.Int32
}

func (s *fakeSource) ReadFrame(dst []int16) (int, error) {
	if int(s.read.Load()) >= s.frames {
		return 0, io.EOF
	}
	s.read.Add(1)
	for i := range dst {
		dst[i] = 1000
	}
	return len(dst), nil
}

type fakeSpeaker struct {
	mu      sync.Mutex
	prompts []Prompt
	frames  int
	fail    string // state whose prompt fails to synthesise
}

func (s *fakeSpeaker) Speak(_ context.Context, p Prompt) (media.Source, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prompts = append(s.prompts, p)
	if p.State == s.fail {
		return nil, errors.New("synthesis failed")
	}
	return &fakeSource{p: p, frames: s.frames}, nil
}

func (s *fakeSpeaker) states() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, p := range s.prompts {
		out = append(out, p.State)
	}
	return out
}

type fakeListener struct {
	mu    sync.Mutex
	hints []Hints
	ch    chan Heard
}

func (l *fakeListener) Expect(h Hints) {
	l.mu.Lock()
	l.hints = append(l.hints, h)
	l.mu.Unlock()
}
func (l *fakeListener) Heard() <-chan Heard { return l.ch }

// step is what the simulated caller does when a prompt of state plays: at its first
// frame (during, a barge-in) or once it has played out.
type step struct {
	state   string
	during  bool
	say     string
	dtmf    string
	hangup  bool
	amd     string // machine: AMD verdict, then a beep 30 ms later
	nothing bool   // stay silent (consume the step)
}

// botLeg plays prompts at frameDelay per frame and runs the caller's steps.
type botLeg struct {
	t          *testing.T
	frameDelay time.Duration
	listener   *fakeListener
	dtmf       chan string
	amd        chan AMDEvent

	mu        sync.Mutex
	stop      chan struct{}
	steps     []step
	stops     int
	stoppedAt []time.Time
	speechAt  []time.Time
	hangups   []string
	done      chan struct{}
	doneOnce  sync.Once
}

func newBotLeg(t *testing.T, steps ...step) *botLeg {
	return &botLeg{t: t, frameDelay: time.Millisecond, listener: &fakeListener{ch: make(chan Heard, 16)},
		dtmf: make(chan string, 4), amd: make(chan AMDEvent, 4), stop: make(chan struct{}), steps: steps, done: make(chan struct{})}
}

func (l *botLeg) Play(ctx context.Context, src media.Source) error {
	l.mu.Lock()
	stop := l.stop
	l.mu.Unlock()
	var state string
	if ff, ok := src.(*firstFrame); ok {
		if fs, ok := ff.src.(*fakeSource); ok {
			state = fs.p.State
		}
	}
	buf := make([]int16, 160)
	for i := 0; ; i++ {
		select {
		case <-stop:
			return media.ErrPlaybackStopped
		case <-ctx.Done():
			return ctx.Err()
		case <-l.done:
			return media.ErrSessionClosed
		case <-time.After(l.frameDelay):
		}
		if _, err := src.ReadFrame(buf); err == io.EOF {
			l.act(state, false)
			return nil
		}
		if i == 0 {
			l.act(state, true)
		}
	}
}

// act performs the next step if it is due now.
func (l *botLeg) act(state string, during bool) {
	l.mu.Lock()
	if len(l.steps) == 0 || l.steps[0].state != state || l.steps[0].during != during {
		l.mu.Unlock()
		return
	}
	s := l.steps[0]
	l.steps = l.steps[1:]
	l.mu.Unlock()
	switch {
	case s.say != "":
		now := time.Now()
		l.mu.Lock()
		l.speechAt = append(l.speechAt, now)
		l.mu.Unlock()
		l.listener.ch <- Heard{SpeechStart: true, At: now}
		go func() {
			time.Sleep(5 * time.Millisecond)
			l.listener.ch <- Heard{Text: s.say, Confidence: 0.9}
		}()
	case s.dtmf != "":
		l.dtmf <- s.dtmf
	case s.hangup:
		l.end()
	case s.amd != "":
		l.amd <- AMDEvent{Verdict: s.amd}
		go func() {
			time.Sleep(30 * time.Millisecond)
			l.amd <- AMDEvent{Beep: true}
		}()
	}
}

func (l *botLeg) StopPlayback() {
	l.mu.Lock()
	close(l.stop)
	l.stop = make(chan struct{})
	l.stops++
	l.stoppedAt = append(l.stoppedAt, time.Now())
	l.mu.Unlock()
}

func (l *botLeg) end() { l.doneOnce.Do(func() { close(l.done) }) }

func (l *botLeg) Hangup(context.Context) error {
	l.mu.Lock()
	l.hangups = append(l.hangups, ByBot)
	l.mu.Unlock()
	l.end()
	return nil
}

func (l *botLeg) HangupTimeout(context.Context) error {
	l.mu.Lock()
	l.hangups = append(l.hangups, ByTimeout)
	l.mu.Unlock()
	l.end()
	return nil
}

func (l *botLeg) Done() <-chan struct{} { return l.done }

type recorder struct {
	mu        sync.Mutex
	optOuts   int
	callbacks []time.Duration
	refers    []string
	bridges   []string
	referErr  error
	bridgeErr error
}

func (r *recorder) OptOut(context.Context) error {
	r.mu.Lock()
	r.optOuts++
	r.mu.Unlock()
	return nil
}

func (r *recorder) ScheduleCallback(_ context.Context, after time.Duration) error {
	r.mu.Lock()
	r.callbacks = append(r.callbacks, after)
	r.mu.Unlock()
	return nil
}

func (r *recorder) transferer() ReferThenBridge {
	return ReferThenBridge{
		Refer: func(_ context.Context, target string) error {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.refers = append(r.refers, target)
			return r.referErr
		},
		Bridge: func(_ context.Context, target string) error {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.bridges = append(r.bridges, target)
			return r.bridgeErr
		},
	}
}

// fastBot is the English example with timings shrunk for tests.
func fastBot(t *testing.T) *Bot {
	b := loadExample(t, "en")
	b.Settings.NoInputTimeout = 60 * time.Millisecond
	b.Settings.MaxCall = 10 * time.Second
	return b
}

type runOut struct {
	res Result
	err error
	sp  *fakeSpeaker
	leg *botLeg
	rec *recorder
}

func runBot(t *testing.T, b *Bot, rec *recorder, steps ...step) runOut {
	t.Helper()
	if rec == nil {
		rec = &recorder{}
	}
	leg := newBotLeg(t, steps...)
	sp := &fakeSpeaker{frames: 40}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := Run(ctx, leg, RuntimeOptions{
		Bot: b, Vars: enVars, Speaker: sp, Listener: leg.listener, DTMF: leg.dtmf, AMD: leg.amd,
		Transferer: rec.transferer(), OptOut: rec, Callbacks: rec,
	})
	leg.mu.Lock()
	left := len(leg.steps)
	leg.mu.Unlock()
	if left > 0 {
		t.Errorf("%d caller steps never ran; prompts %v\n%s", left, sp.states(), dump(res))
	}
	return runOut{res, err, sp, leg, rec}
}

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRuntimePromise(t *testing.T) {
	t.Parallel()
	o := runBot(t, fastBot(t), nil, step{state: "greet", say: "yes"}, step{state: "reminder", dtmf: "1"})
	if o.err != nil || o.res.Disposition != "promise_to_pay" || o.res.HangupBy != ByBot || strings.Join(o.leg.hangups, ",") != ByBot {
		t.Fatalf("%v\n%s", o.err, dump(o.res))
	}
	if got := strings.Join(o.sp.states(), ","); got != "greet,reminder,promise" {
		t.Errorf("prompts %s", got)
	}
	p := o.sp.prompts[1]
	if !strings.Contains(p.Text, "one hundred twenty dollars and fifty cents") || !strings.Contains(p.Template, "{{amount | currency}}") ||
		p.Vars["amount"] != "120.50" || p.Locale != "en-US" || p.Voice != "default" {
		t.Errorf("prompt %+v", p)
	}
	if !strings.Contains(o.sp.prompts[0].Template, "This is an automated call from Acme Finance") {
		t.Errorf("disclosure not inlined: %q", o.sp.prompts[0].Template)
	}
	if len(o.res.TurnLatencyMS) != 2 || o.res.FirstAudioMS == nil {
		t.Errorf("timings: %v %v", o.res.TurnLatencyMS, o.res.FirstAudioMS)
	}
	h := o.leg.listener.hints
	if len(h) < 2 || h[0].State != "greet" || len(h[0].Intents["opt_out"]) == 0 || len(h[0].Intents["yes"]) == 0 || strings.Join(h[0].DTMF, "") != "129" {
		t.Errorf("hints %+v", h)
	}
	for i, turn := range o.res.Transcript {
		if turn.EndMS < turn.StartMS || (i > 0 && turn.StartMS < o.res.Transcript[i-1].StartMS) {
			t.Errorf("turn %d times out of order: %+v", i, turn)
		}
	}
}

func TestRuntimeBargeIn(t *testing.T) {
	t.Parallel()
	b := fastBot(t)
	leg := newBotLeg(t, step{state: "greet", during: true, say: "yes it's me"}, step{state: "reminder", during: true, say: "I already paid"})
	leg.frameDelay = 5 * time.Millisecond // 40 frames: 200 ms prompts
	sp := &fakeSpeaker{frames: 40}
	res, err := Run(context.Background(), leg, RuntimeOptions{Bot: b, Vars: enVars, Speaker: sp, Listener: leg.listener})
	if err != nil || res.Disposition != "claims_paid" {
		t.Fatalf("%v\n%s", err, dump(res))
	}
	if leg.stops < 2 {
		t.Fatalf("playback stopped %d times", leg.stops)
	}
	for i := range 2 {
		if d := leg.stoppedAt[i].Sub(leg.speechAt[i]); d > 100*time.Millisecond {
			t.Errorf("barge-in %d took %v", i, d)
		}
	}
	bargeIns := 0
	for _, turn := range res.Transcript {
		if turn.Role == "bot" && turn.Event == "barge_in" {
			bargeIns++
		}
	}
	if bargeIns != 2 {
		t.Errorf("%d bot turns marked barge_in\n%s", bargeIns, dump(res))
	}
	// With barge-in off the prompt plays out and the early words are not acted on.
	b2 := fastBot(t)
	b2.Settings.BargeIn = false
	o := runBot(t, b2, nil, step{state: "greet", during: true, say: "yes"}, step{state: "greet", nothing: true})
	if o.leg.stops != 0 {
		t.Errorf("barge-in off: playback stopped %d times", o.leg.stops)
	}
	if o.res.Transcript[1].Text != "yes" || o.res.Transcript[1].Event != "ignored" {
		t.Errorf("barge-in off: %s", dump(o.res))
	}
}

func TestRuntimeRetriesExhausted(t *testing.T) {
	t.Parallel()
	o := runBot(t, fastBot(t), nil)
	if o.res.Disposition != "no_response" || o.res.End != "hangup" {
		t.Fatal(dump(o.res))
	}
	if got := strings.Join(o.sp.states(), ","); got != "greet,greet,greet,unreached" {
		t.Errorf("prompts %s", got)
	}
	var branches []string
	for _, turn := range o.res.Transcript {
		if turn.Event == "no_input" {
			branches = append(branches, turn.Branch)
		}
	}
	if strings.Join(branches, "|") != "no_input → greet|no_input → greet|no_input → exhausted → unreached" {
		t.Errorf("branches %q", branches)
	}
}

func TestRuntimeGlobalIntentPrecedence(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	// "no" is the reminder's own intent, "stop calling" a global one: global wins.
	o := runBot(t, fastBot(t), rec, step{state: "greet", say: "yes"}, step{state: "reminder", say: "no, stop calling me"})
	if o.res.Disposition != "opted_out" || !o.res.OptOut || rec.optOuts != 1 {
		t.Fatalf("opt-outs %d\n%s", rec.optOuts, dump(o.res))
	}
	if tw := turnWith(o.res, "opt_out"); tw.Branch != "global opt_out → opt_out" || tw.Score == nil || *tw.Score < 0.95 {
		t.Errorf("turn %+v", tw)
	}
	// An opt-out spoken over a goodbye that does not listen is still honoured.
	rec2 := &recorder{}
	o = runBot(t, fastBot(t), rec2, step{state: "greet", say: "yes"}, step{state: "reminder", say: "yes"},
		step{state: "promise", during: true, say: "actually don't call me again"})
	if o.res.Disposition != "opted_out" || rec2.optOuts != 1 || o.leg.stops == 0 {
		t.Fatalf("opt-out over goodbye: %s", dump(o.res))
	}
}

func TestRuntimeCallback(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	o := runBot(t, fastBot(t), rec, step{state: "greet", say: "yes"}, step{state: "reminder", say: "can you call back"})
	if o.res.Disposition != "callback_requested" || o.res.Callback == nil || o.res.Callback.AfterS != 86400 ||
		len(rec.callbacks) != 1 || rec.callbacks[0] != 24*time.Hour {
		t.Fatalf("callbacks %v\n%s", rec.callbacks, dump(o.res))
	}
}

func TestRuntimeTransfer(t *testing.T) {
	t.Parallel()
	target := "sip:collections@agents.example.com"
	for _, c := range []struct {
		name                string
		referErr, bridgeErr error
		method, end, by     string
		disposition         string
	}{
		{"refer accepted", nil, nil, "refer", "transferred", ByBot, "transferred"},
		{"refer refused, bridged", errors.New("603 Declined"), nil, "bridge", "transferred", "", "transferred"},
		{"both fail", errors.New("405"), errors.New("486 Busy"), "", "transfer_failed", ByBot, "transfer_failed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{referErr: c.referErr, bridgeErr: c.bridgeErr}
			o := runBot(t, fastBot(t), rec, step{state: "greet", say: "yes"}, step{state: "reminder", say: "let me talk to an agent"})
			r := o.res
			if r.TransferMethod != c.method || r.End != c.end || r.HangupBy != c.by || r.Disposition != c.disposition {
				t.Fatalf("%s", dump(r))
			}
			if len(rec.refers) != 1 || rec.refers[0] != target {
				t.Errorf("refers %v", rec.refers)
			}
			if (c.referErr != nil) != (len(rec.bridges) == 1) {
				t.Errorf("bridges %v", rec.bridges)
			}
			if (r.Transfer != nil) != (c.method != "") {
				t.Errorf("transfer %v", r.Transfer)
			}
		})
	}
}

func TestRuntimeMaxCall(t *testing.T) {
	t.Parallel()
	b := fastBot(t)
	b.Settings.NoInputTimeout = 5 * time.Second
	b.Settings.MaxCall = 150 * time.Millisecond
	start := time.Now()
	o := runBot(t, b, nil)
	if o.res.End != "max_call" || o.res.HangupBy != ByTimeout || strings.Join(o.leg.hangups, ",") != ByTimeout {
		t.Fatal(dump(o.res))
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("max_call 150ms took %v", d)
	}
}

func TestRuntimeCallerHangsUpAndDTMFNoMatch(t *testing.T) {
	t.Parallel()
	o := runBot(t, fastBot(t), nil, step{state: "greet", dtmf: "5"}, step{state: "greet", hangup: true})
	if o.res.End != "caller_hangup" || o.res.HangupBy != ByCaller || len(o.leg.hangups) != 0 {
		t.Fatal(dump(o.res))
	}
	if tw := o.res.Transcript[1]; tw.DTMF != "5" || tw.Event != "no_match" || tw.Branch != "no_match → greet" {
		t.Errorf("dtmf turn %+v", tw)
	}
}

func TestRuntimeVoicemail(t *testing.T) {
	t.Parallel()
	o := runBot(t, fastBot(t), nil, step{state: "greet", during: true, amd: "machine"})
	if o.res.Disposition != "voicemail_left" || o.res.End != "voicemail" || o.res.AMD != "machine" || o.leg.stops == 0 {
		t.Fatal(dump(o.res))
	}
	if got := strings.Join(o.sp.states(), ","); got != "greet,voicemail" {
		t.Errorf("prompts %s", got)
	}
	if !strings.Contains(o.sp.prompts[1].Text, "December first") {
		t.Errorf("voicemail %q", o.sp.prompts[1].Text)
	}
}

func TestRuntimeSpeakerFailureMovesOn(t *testing.T) {
	t.Parallel()
	leg := newBotLeg(t)
	sp := &fakeSpeaker{frames: 5, fail: "greet"}
	b := fastBot(t)
	res, err := Run(context.Background(), leg, RuntimeOptions{Bot: b, Vars: enVars, Speaker: sp, Listener: leg.listener})
	if err != nil || res.Disposition != "no_response" {
		t.Fatalf("%v %s", err, dump(res))
	}
}

func TestRuntimeBadOptions(t *testing.T) {
	t.Parallel()
	leg := newBotLeg(t)
	if _, err := Run(context.Background(), leg, RuntimeOptions{Bot: fastBot(t)}); !errors.Is(err, ErrNoSpeaker) {
		t.Error(err)
	}
	if _, err := Run(context.Background(), leg, RuntimeOptions{Bot: fastBot(t), Speaker: &fakeSpeaker{}, Listener: leg.listener}); !errors.Is(err, ErrMissingVariable) {
		t.Error(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, leg, RuntimeOptions{Bot: fastBot(t), Vars: enVars, Speaker: &fakeSpeaker{frames: 1000}, Listener: leg.listener}); !errors.Is(err, context.Canceled) {
		t.Error(err)
	}
}
