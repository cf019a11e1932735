package voicebot

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
	"unicode"
)

// ErrChatInput: a line of a chat input file is not a caller turn.
var ErrChatInput = errors.New("bad chat input")

// ChatOptions configure Chat.
type ChatOptions struct {
	Vars       map[string]string
	Classifier Classifier
	// Echo, when set, receives the conversation as it happens ("bot: ...") — the
	// interactive mode writes it to the terminal.
	Echo io.Writer
	// Ask is called before each caller turn is read (interactive prompt); may be nil.
	Ask func()
	// TransferFails makes every transfer fail, to exercise the transfer_failed path.
	TransferFails bool
	// Today is the call's local date, for captured dates (CallDate of the caller's
	// clock); the zero value reads no relative date.
	Today time.Time
}

// Chat runs the script as a text conversation, on a virtual clock: each input line is
// one caller turn, read when the bot listens:
//
//	some words      the caller says them (recognised as typed)
//	#dtmf 1         the caller presses a key
//	#silence        the caller says nothing until the no-input timeout
//	#hangup         the caller hangs up (so does the end of the input)
//	#machine        answering-machine detection says machine (voicemail branch)
//	#human          answering-machine detection says human
//	# text          a comment
//
// Times in the transcript are virtual: a prompt lasts as long as it would take to say
// (about 350 ms a word, 250 ms a Chinese character), the caller's words likewise, a
// turn ends end_of_turn after the last word, and #silence waits out the timeout; so the
// same input always gives the same result.
func Chat(ctx context.Context, b *Bot, in io.Reader, opts ChatOptions) (Result, error) {
	m, err := NewMachine(b, MachineOptions{Vars: opts.Vars, Classifier: opts.Classifier, Today: opts.Today})
	if err != nil {
		return Result{}, err
	}
	c := &chat{m: m, b: b, opts: opts, timers: map[int]time.Duration{}, sc: bufio.NewScanner(in)}
	c.sc.Buffer(make([]byte, 64<<10), 1<<20)
	c.do(ctx, m.Start(0))
	for !m.Done() {
		if err := ctx.Err(); err != nil {
			return m.Result(), err
		}
		if len(c.pending) > 0 {
			ev := c.pending[0]
			c.pending = c.pending[1:]
			c.deliver(ctx, ev)
			continue
		}
		if !m.Listening() {
			// Waiting for a beep or a timer only: let time run to the next timer.
			if !c.fireNextTimer(ctx) {
				return m.Result(), fmt.Errorf("chat: the bot is stuck in state %s", m.State())
			}
			continue
		}
		if err := c.callerTurn(ctx); err != nil {
			return m.Result(), err
		}
	}
	return m.Result(), nil
}

type chat struct {
	m       *Machine
	b       *Bot
	opts    ChatOptions
	now     time.Duration
	timers  map[int]time.Duration // id → deadline
	pending []Event               // internal events in time order
	sc      *bufio.Scanner
	line    int
	noted   int // transcript turns echoed for captures and knowledge
}

// echoNotes shows, in interactive mode, what the caller's turns captured and which
// knowledge entry answered.
func (c *chat) echoNotes() {
	for ; c.noted < len(c.m.res.Transcript); c.noted++ {
		t := c.m.res.Transcript[c.noted]
		if t.Role != "caller" {
			continue
		}
		if t.Slot != "" {
			fmt.Fprintf(c.opts.Echo, "   [captured %s = %s]\n", t.Slot, t.Value)
		}
		if t.Knowledge != "" {
			fmt.Fprintf(c.opts.Echo, "   [knowledge: %s]\n", t.Knowledge)
		}
	}
}

func (c *chat) schedule(ev Event) {
	c.pending = append(c.pending, ev)
	sort.SliceStable(c.pending, func(i, j int) bool { return c.pending[i].At < c.pending[j].At })
}

// deliver fires the timers due before ev, then ev.
func (c *chat) deliver(ctx context.Context, ev Event) {
	for !c.m.Done() {
		id, at, ok := c.nextTimer()
		if !ok || at > ev.At {
			break
		}
		delete(c.timers, id)
		c.now = at
		c.do(ctx, c.m.Handle(ctx, Event{Kind: EvTimer, Timer: id, At: at}))
	}
	if c.m.Done() {
		return
	}
	c.now = max(c.now, ev.At)
	c.do(ctx, c.m.Handle(ctx, ev))
}

func (c *chat) nextTimer() (int, time.Duration, bool) {
	best, bestAt, ok := 0, time.Duration(0), false
	for id, at := range c.timers {
		if !ok || at < bestAt || (at == bestAt && id < best) {
			best, bestAt, ok = id, at, true
		}
	}
	return best, bestAt, ok
}

func (c *chat) fireNextTimer(ctx context.Context) bool {
	id, at, ok := c.nextTimer()
	if !ok {
		return false
	}
	delete(c.timers, id)
	c.now = max(c.now, at)
	c.do(ctx, c.m.Handle(ctx, Event{Kind: EvTimer, Timer: id, At: c.now}))
	return true
}

func (c *chat) do(ctx context.Context, acts []Action) {
	for _, a := range acts {
		switch a.Kind {
		case ActSay:
			if c.opts.Echo != nil {
				c.echoNotes()
				fmt.Fprintf(c.opts.Echo, "bot: %s\n", a.Prompt.Text)
			}
			c.do(ctx, c.m.Handle(ctx, Event{Kind: EvPlaybackStarted, Prompt: a.Prompt.ID, At: c.now}))
			c.schedule(Event{Kind: EvPlaybackDone, Prompt: a.Prompt.ID, At: c.now + SpeakingTime(a.Prompt.Text)})
		case ActStartTimer:
			c.timers[a.Timer] = c.now + a.After
		case ActTransfer:
			ev := Event{Kind: EvTransferred, OK: true, Method: "refer", At: c.now + 500*time.Millisecond}
			if c.opts.TransferFails {
				ev = Event{Kind: EvTransferred, Err: "transfer refused (simulated)", At: ev.At}
			}
			c.schedule(ev)
		case ActHangup, ActEnd:
			if c.opts.Echo != nil {
				fmt.Fprintf(c.opts.Echo, "-- call ended: %s (disposition %q)\n", c.m.res.End, c.m.res.Disposition)
			}
		}
	}
}

// callerTurn reads and delivers one caller turn.
func (c *chat) callerTurn(ctx context.Context) error {
	for {
		if c.opts.Ask != nil {
			c.opts.Ask()
		}
		if !c.sc.Scan() {
			if err := c.sc.Err(); err != nil {
				return fmt.Errorf("chat: read input: %w", err)
			}
			c.deliver(ctx, Event{Kind: EvHangup, At: c.now})
			return nil
		}
		c.line++
		line := strings.TrimSpace(c.sc.Text())
		if line == "" || strings.HasPrefix(line, "# ") || line == "#" {
			continue
		}
		return c.turn(ctx, line)
	}
}

func (c *chat) turn(ctx context.Context, line string) error {
	if !strings.HasPrefix(line, "#") {
		start := c.now + 300*time.Millisecond
		end := start + SpeakingTime(line)
		c.deliver(ctx, Event{Kind: EvSpeechStart, At: start})
		if c.m.Done() {
			return nil
		}
		// The recogniser reports the turn end_of_turn after the last word; the turn
		// itself ends with the last word.
		c.deliverAt(ctx, Event{Kind: EvUtterance, Text: line, Confidence: 1, At: end}, end+c.b.Settings.EndOfTurn)
		return nil
	}
	cmd, arg, _ := strings.Cut(line[1:], " ")
	arg = strings.TrimSpace(arg)
	switch strings.ToLower(cmd) {
	case "dtmf":
		// "#dtmf 1", or several keys pressed 200 ms apart: "#dtmf 0412#"
		if arg == "" || len(arg) > 64 || strings.ContainsFunc(arg, func(r rune) bool { return !validDTMF(string(r)) }) {
			return fmt.Errorf("chat: input line %d: %w: #dtmf wants keys (0-9 * # A-D), got %q", c.line, ErrChatInput, arg)
		}
		for _, k := range strings.ToUpper(arg) {
			if c.m.Done() {
				break
			}
			c.deliver(ctx, Event{Kind: EvDTMF, Digit: string(k), At: c.now + 200*time.Millisecond})
		}
	case "silence":
		// Let time run until the bot reacts (stale timers fire to no effect).
		for n := len(c.m.res.Transcript); len(c.m.res.Transcript) == n && !c.m.Done(); {
			if !c.fireNextTimer(ctx) {
				return fmt.Errorf("chat: input line %d: nothing to wait for", c.line)
			}
		}
	case "hangup":
		c.deliver(ctx, Event{Kind: EvHangup, At: c.now + 100*time.Millisecond})
	case "machine", "human":
		c.deliver(ctx, Event{Kind: EvAMD, Verdict: strings.ToLower(cmd), At: c.now})
		if cmd == "machine" {
			c.schedule(Event{Kind: EvBeep, At: c.now + 2*time.Second})
		}
	default:
		return fmt.Errorf("chat: input line %d: %w: %q (want text, #dtmf KEY, #silence, #hangup, #machine or #human)", c.line, ErrChatInput, line)
	}
	return nil
}

// deliverAt delivers ev (stamped ev.At) at the later time `when`, firing timers due
// before then first.
func (c *chat) deliverAt(ctx context.Context, ev Event, when time.Duration) {
	for !c.m.Done() {
		id, at, ok := c.nextTimer()
		if !ok || at > when {
			break
		}
		delete(c.timers, id)
		c.now = at
		c.do(ctx, c.m.Handle(ctx, Event{Kind: EvTimer, Timer: id, At: at}))
	}
	if c.m.Done() {
		return
	}
	c.now = max(c.now, when)
	c.do(ctx, c.m.Handle(ctx, ev))
}

// SpeakingTime estimates how long text takes to say: about 350 ms a word, 250 ms a
// Chinese character, and a short pause at each sentence end; at least 300 ms.
func SpeakingTime(text string) time.Duration {
	var d time.Duration
	inWord := false
	for _, r := range text {
		switch {
		case isCJK(r):
			d += 250 * time.Millisecond
			inWord = false
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if !inWord {
				d += 350 * time.Millisecond
			}
			inWord = true
		default:
			if strings.ContainsRune(".?!。？！", r) {
				d += 200 * time.Millisecond
			}
			inWord = false
		}
	}
	return max(d, 300*time.Millisecond)
}
