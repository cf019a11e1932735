package asr

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/zap"

	"github.com/voxdial/voxdial/internal/safehttp"
)

// NetOptions configures a network engine (NewVosk, NewFunASR).
type NetOptions struct {
	URL string // ws:// or wss:// address of the server; required
	// DialTimeout bounds one connection attempt; 0 means 2 s.
	DialTimeout time.Duration
	// WriteTimeout bounds sending one audio message. A server that stops reading
	// fills the TCP window and then this fires: the connection is treated as dead
	// rather than letting audio pile up. 0 means 1 s.
	WriteTimeout time.Duration
	// FinalTimeout bounds the wait for the final result after the end of an utterance;
	// 0 means 3 s. On expiry the last partial is returned with ErrTimeout.
	FinalTimeout time.Duration
	// Reconnects is how many times in a row a dropped connection is re-dialled (with
	// backoff from 50 ms) before the recogniser gives up with ErrDisconnected; 0
	// means 3, negative means never.
	Reconnects int
	// ChunkDuration is how much audio goes in one message; 0 means 100 ms.
	ChunkDuration time.Duration
	// SampleRate of the audio sent; 8000 (default) sends the call's audio as is.
	SampleRate int
	// HTTPClient dials the server; default: one that reaches URL's host:port
	// and follows no redirect (internal/safehttp).
	HTTPClient *http.Client
	Logger     *zap.Logger
}

func (o NetOptions) withDefaults() (NetOptions, error) {
	if o.URL == "" || !(strings.HasPrefix(o.URL, "ws://") || strings.HasPrefix(o.URL, "wss://")) {
		return o, fmt.Errorf("asr: server URL %q must be ws:// or wss://", o.URL)
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = 2 * time.Second
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = time.Second
	}
	if o.FinalTimeout <= 0 {
		o.FinalTimeout = 3 * time.Second
	}
	if o.Reconnects == 0 {
		o.Reconnects = 3
	}
	if o.ChunkDuration <= 0 {
		o.ChunkDuration = 100 * time.Millisecond
	}
	if o.SampleRate == 0 {
		o.SampleRate = 8000
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	if o.HTTPClient == nil {
		// The configured server, even on a private address, and nothing a
		// redirect points to (internal/safehttp).
		o.HTTPClient = safehttp.ForEndpoint(o.URL, nil, safehttp.Options{DialTimeout: o.DialTimeout})
	}
	return o, nil
}

// protocol is what differs between the servers: the opening message, how to end an
// utterance, and how to read a server message.
type protocol interface {
	name() string
	// open is the first (text) message of a connection.
	open(g *Grammar, rate int) []byte
	// end is the text message that ends the utterance; the server answers with a final
	// result. closesAfterEnd: the server closes the session after it (Vosk's eof).
	end() (msg []byte, closesAfterEnd bool)
	// parse reads one server message into zero or more events.
	parse(data []byte) ([]netEvent, error)
}

// netEvent is a parsed server message.
type netEvent struct {
	final      bool
	increment  bool // a partial that continues the previous one (FunASR online)
	text       string
	confidence float64
	start, end time.Duration // relative to the connection's first sample; 0 if unknown
}

// netEngine is the Engine of both network protocols.
type netEngine struct {
	opts  NetOptions
	proto protocol
}

// Name implements Engine.
func (e *netEngine) Name() string { return e.proto.name() }

// NewRecognizer implements Engine: it connects (so a dead server fails here, not on
// the first word) and starts the worker.
func (e *netEngine) NewRecognizer(ctx context.Context, opts StreamOptions) (Recognizer, error) {
	opts = opts.withDefaults()
	if opts.Grammar != nil {
		if err := opts.Grammar.Validate(); err != nil {
			return nil, err
		}
	}
	st := newStream(ctx, opts, e.opts.Logger)
	w := &netWorker{e: e, st: st, opts: opts, grammar: opts.Grammar}
	w.ctx, w.cancel = context.WithCancel(context.Background())
	if err := w.connect(); err != nil {
		w.cancel()
		st.finish()
		return nil, err
	}
	go w.run()
	return st, nil
}

// netWorker owns one recogniser's connection. Audio since the last final is kept so
// that after a reconnect the server hears the utterance from its start.
type netWorker struct {
	e       *netEngine
	st      *stream
	opts    StreamOptions
	grammar *Grammar
	ctx     context.Context
	cancel  context.CancelFunc

	conn     *websocket.Conn
	events   chan connEvent // from the reader goroutine of the current connection
	connBase int64          // sample index of the first sample sent on this connection

	samples  int64   // samples written by the caller
	utt      []int16 // audio since the last final (replayed after a reconnect)
	uttStart int64   // sample index of utt[0]
	pending  []int16 // audio not yet sent (chunking)
	partial  string
	inSpeech bool
	reopen   bool // the grammar changed mid-sentence: reconnect after its final
}

// reopener is a protocol whose opening message carries the state's phrases as a
// bias the server applies per connection (FunASR's hotwords): a new grammar needs a
// new connection.
type reopener interface{ reopenOnGrammar() bool }

type connEvent struct {
	ev   netEvent
	err  error // the connection ended (nil error never sent)
	conn *websocket.Conn
}

// maxReplay bounds the replay buffer: 30 s of audio. A longer "utterance" is a server
// that never finalises; we then only replay its last 30 s.
const maxReplay = 30 * 8000

func (w *netWorker) connect() error {
	o := w.e.opts
	ctx, cancel := context.WithTimeout(w.ctx, o.DialTimeout)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, o.URL, &websocket.DialOptions{HTTPClient: o.HTTPClient})
	if err != nil {
		return fmt.Errorf("%s: dial %s: %w: %w", w.e.proto.name(), o.URL, ErrDisconnected, err)
	}
	conn.SetReadLimit(1 << 20)
	wctx, wcancel := context.WithTimeout(w.ctx, o.WriteTimeout)
	err = conn.Write(wctx, websocket.MessageText, w.e.proto.open(w.grammar, o.SampleRate))
	wcancel()
	if err != nil {
		conn.CloseNow()
		return fmt.Errorf("%s: send config: %w: %w", w.e.proto.name(), ErrDisconnected, err)
	}
	w.conn = conn
	w.connBase = w.uttStart
	events := make(chan connEvent, 16)
	w.events = events
	go w.read(conn, events)
	return nil
}

// read forwards one connection's messages until it ends.
func (w *netWorker) read(conn *websocket.Conn, out chan<- connEvent) {
	defer close(out)
	for {
		typ, data, err := conn.Read(w.ctx)
		if err != nil {
			out <- connEvent{err: err, conn: conn}
			return
		}
		if typ != websocket.MessageText {
			continue
		}
		evs, err := w.e.proto.parse(data)
		if err != nil {
			out <- connEvent{err: err, conn: conn}
			conn.CloseNow()
			return
		}
		for _, ev := range evs {
			select {
			case out <- connEvent{ev: ev, conn: conn}:
			case <-w.ctx.Done():
				return
			}
		}
	}
}

func (w *netWorker) run() {
	defer func() {
		w.cancel()
		if w.conn != nil {
			w.conn.CloseNow()
		}
		w.st.finish()
	}()
	for {
		select {
		case m := <-w.st.in:
			if !w.handle(m) {
				return
			}
		case ce, ok := <-w.events:
			if !ok {
				w.events = nil
				continue
			}
			if !w.onEvent(ce) {
				return
			}
		case <-w.st.quit:
			return
		}
	}
}

func (w *netWorker) handle(m msg) bool {
	switch {
	case m.grammar != nil:
		old := w.grammar
		w.grammar = m.grammar
		m.reply <- nil
		// The server's phrase list is set per connection, in its opening message.
		// A protocol that biases by the state's phrases (FunASR's hotwords) opens a
		// new connection when they change — at once when the caller is quiet (the
		// audio since the last final is replayed), after the current sentence's
		// final otherwise — so every listening state is heard with its own phrases.
		// Others keep the connection; their next one uses the new grammar.
		if p, ok := w.e.proto.(reopener); ok && p.reopenOnGrammar() && w.conn != nil &&
			!bytes.Equal(w.e.proto.open(old, w.e.opts.SampleRate), w.e.proto.open(m.grammar, w.e.opts.SampleRate)) {
			if w.inSpeech {
				w.reopen = true
			} else if !w.reconnect() {
				return false
			}
		}
	case m.dtmf != 0:
		if len(w.utt) > 0 || w.inSpeech {
			if !w.endUtterance() {
				return false
			}
		}
		w.st.emitDTMF(m.dtmf, w.samples)
	case m.flush:
		ok := true
		if len(w.utt) > 0 {
			ok = w.endUtterance()
		}
		m.reply <- nil
		return ok
	default:
		w.samples += int64(len(m.pcm))
		w.utt = append(w.utt, m.pcm...)
		if over := len(w.utt) - maxReplay; over > 0 {
			w.utt = append(w.utt[:0], w.utt[over:]...)
			w.uttStart += int64(over)
		}
		w.pending = append(w.pending, m.pcm...)
		w.st.putBuf(m.pcm)
		chunk := int(w.e.opts.ChunkDuration * 8000 / time.Second)
		if len(w.pending) >= chunk {
			if !w.sendPending() {
				return false
			}
		}
	}
	return true
}

// sendPending sends buffered audio; on failure it reconnects (which replays the
// utterance) or, out of retries, ends the stream.
func (w *netWorker) sendPending() bool {
	if len(w.pending) == 0 {
		return true
	}
	if w.conn == nil || w.writeAudio(w.pending) != nil {
		if !w.reconnect() {
			return false
		}
	}
	w.pending = w.pending[:0]
	return true
}

func (w *netWorker) writeAudio(pcm []int16) error {
	buf := make([]byte, 2*len(pcm))
	for i, s := range pcm {
		binary.LittleEndian.PutUint16(buf[2*i:], uint16(s))
	}
	ctx, cancel := context.WithTimeout(w.ctx, w.e.opts.WriteTimeout)
	defer cancel()
	return w.conn.Write(ctx, websocket.MessageBinary, buf)
}

// reconnect drops the current connection, dials again with backoff and replays the
// current utterance. It reports false when it gave up (the stream then ends with a
// final result carrying ErrDisconnected).
func (w *netWorker) reconnect() bool {
	if w.conn != nil {
		w.conn.CloseNow()
		w.conn = nil
	}
	w.events = nil
	backoff := 50 * time.Millisecond
	for attempt := 0; w.e.opts.Reconnects > 0 && attempt < w.e.opts.Reconnects; attempt++ {
		select {
		case <-time.After(backoff):
		case <-w.st.quit:
			return false
		}
		backoff *= 2
		if err := w.connect(); err != nil {
			w.st.log.Warn("asr reconnect", zap.String("engine", w.e.proto.name()), zap.Int("attempt", attempt+1), zap.Error(err))
			continue
		}
		if len(w.utt) > 0 && w.writeAudio(w.utt) != nil {
			w.conn.CloseNow()
			w.conn = nil
			continue
		}
		w.pending = w.pending[:0] // part of the replayed utterance
		return true
	}
	w.st.emit(Result{Kind: KindFinal, Text: w.partial, Start: samplesToDuration(w.uttStart), End: samplesToDuration(w.samples),
		Err: fmt.Errorf("%s: %w", w.e.proto.name(), ErrDisconnected)}, true)
	return false
}

// onEvent handles one server event; false ends the stream.
func (w *netWorker) onEvent(ce connEvent) bool {
	if ce.conn != w.conn {
		return true // from a connection already replaced
	}
	if ce.err != nil {
		if errors.Is(ce.err, ErrBadMessage) {
			w.st.log.Warn("asr bad server message", zap.String("engine", w.e.proto.name()), zap.Error(ce.err))
		}
		// The server hung up mid-utterance (or sent garbage): reconnect and replay.
		if len(w.utt) == 0 {
			w.conn.CloseNow()
			w.conn = nil
			return true // idle: dial again when audio comes
		}
		return w.reconnect()
	}
	w.deliver(ce.ev)
	if ce.ev.final && w.reopen {
		w.reopen = false
		return w.reconnect()
	}
	return true
}

func (w *netWorker) deliver(ev netEvent) {
	if !ev.final {
		if ev.increment {
			ev.text = strings.TrimSpace(w.partial + strings.TrimRight(ev.text, " "))
		}
		if ev.text == "" || ev.text == w.partial {
			return
		}
		if !w.inSpeech {
			w.inSpeech = true
			w.st.emit(Result{Kind: KindSpeechStart, Start: samplesToDuration(w.uttStart)}, false)
		}
		w.partial = ev.text
		w.st.emit(Result{Kind: KindPartial, Text: ev.text, Start: samplesToDuration(w.uttStart), End: samplesToDuration(w.samples)}, false)
		return
	}
	res := Result{Kind: KindFinal, Text: ev.text, Confidence: ev.confidence,
		Start: samplesToDuration(w.uttStart), End: samplesToDuration(w.samples)}
	if ev.end > 0 {
		res.Start = samplesToDuration(w.connBase) + ev.start
		res.End = samplesToDuration(w.connBase) + ev.end
	}
	res.Intent = w.grammar.MatchIntent(ev.text)
	if ev.text != "" || w.inSpeech {
		w.st.emit(res, true)
	}
	// The server decided the utterance is over: nothing before here needs replaying.
	w.utt = w.utt[:0]
	w.uttStart = w.samples
	w.partial = ""
	w.inSpeech = false
}

// endUtterance sends what is pending and the protocol's end marker, waits for the
// final result, and for protocols whose session ends there, reconnects for the next
// utterance. If the connection drops before the final, it reconnects (replaying the
// utterance) and asks again, once. false ends the stream.
func (w *netWorker) endUtterance() bool {
	if !w.sendPending() {
		return false
	}
	endMsg, closes := w.e.proto.end()
	for attempt := 0; ; attempt++ {
		if w.conn == nil && !w.reconnect() {
			return false
		}
		ctx, cancel := context.WithTimeout(w.ctx, w.e.opts.WriteTimeout)
		err := w.conn.Write(ctx, websocket.MessageText, endMsg)
		cancel()
		if err == nil {
			var final bool
			final, err = w.awaitFinal()
			if final || err == nil {
				return w.afterEnd(closes, nil)
			}
			if errors.Is(err, ErrTimeout) || errors.Is(err, errStreamClosed) {
				return w.afterEnd(closes, err)
			}
		}
		if attempt == 1 {
			return w.afterEnd(closes, fmt.Errorf("%s: connection lost before the final result: %w", w.e.proto.name(), ErrDisconnected))
		}
		if w.conn != nil {
			w.conn.CloseNow()
			w.conn = nil
		}
	}
}

// errStreamClosed: the recogniser was closed while waiting.
var errStreamClosed = errors.New("closed while waiting")

// awaitFinal waits for the current connection's final result. It returns an error
// for a timeout or a lost connection.
func (w *netWorker) awaitFinal() (bool, error) {
	timer := time.NewTimer(w.e.opts.FinalTimeout)
	defer timer.Stop()
	conn := w.conn
	for {
		select {
		case ce, ok := <-w.events:
			if !ok {
				w.events = nil
				return false, ErrDisconnected
			}
			if ce.conn != conn {
				continue
			}
			if ce.err != nil {
				return false, ce.err
			}
			w.deliver(ce.ev)
			if ce.ev.final {
				return true, nil
			}
		case <-timer.C:
			return false, fmt.Errorf("%s: no final result within %v: %w", w.e.proto.name(), w.e.opts.FinalTimeout, ErrTimeout)
		case <-w.st.quit:
			return false, errStreamClosed
		}
	}
}

func (w *netWorker) afterEnd(closes bool, err error) bool {
	if err != nil {
		w.st.emit(Result{Kind: KindFinal, Text: w.partial, Intent: w.grammar.MatchIntent(w.partial),
			Start: samplesToDuration(w.uttStart), End: samplesToDuration(w.samples), Err: err}, true)
		w.utt, w.uttStart, w.partial, w.inSpeech = w.utt[:0], w.samples, "", false
		closes = true // the session is in an unknown state: start a fresh one
	}
	if closes {
		if w.conn != nil {
			// The server closes its side after the final; do not wait for it (a
			// server that timed out may not be reading at all).
			w.conn.CloseNow()
			w.conn = nil
		}
		w.events = nil
		if err := w.connect(); err != nil {
			// Try again when audio comes; sendPending dials.
			w.st.log.Warn("asr reconnect after utterance", zap.Error(err))
		}
	}
	return true
}
