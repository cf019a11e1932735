package live

import (
	"context"
	"fmt"
	"hash/fnv"
	"sort"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/voxdial/voxdial/asr"
	"github.com/voxdial/voxdial/voicebot"
)

// asrListener turns a streaming recogniser into the bot's Listener: the
// listening state's intents become the recogniser's grammar, speech starts
// (for barge-in) and final results become Heard events. DTMF reaches the bot
// through its own channel, so the grammar carries no keys.
//
// The recogniser opens in the background (a decoder may have to be built, tens
// of milliseconds on a busy machine) so that the bot's greeting is not held up
// by it: audio until then is kept (up to earlyMax) and fed in once it is open,
// and the latest grammar is applied then.
type asrListener struct {
	heard chan voicebot.Heard
	log   *zap.Logger
	base  time.Time // audio time zero: the answer
	done  chan struct{}
	once  sync.Once

	mu    sync.Mutex
	rec   asr.Recognizer // nil until open
	early []int16        // audio before the recogniser opened
	hints *voicebot.Hints
	err   error
}

// earlyMax bounds the audio kept while the recogniser opens: 2 s at 8 kHz.
const earlyMax = 16000

func newASRListener(ctx context.Context, eng asr.Engine, end time.Duration, base time.Time, log *zap.Logger) *asrListener {
	l := &asrListener{heard: make(chan voicebot.Heard, 16), log: log, base: base, done: make(chan struct{})}
	go l.open(ctx, eng, end)
	return l
}

func (l *asrListener) open(ctx context.Context, eng asr.Engine, end time.Duration) {
	rec, err := eng.NewRecognizer(ctx, asr.StreamOptions{EndSilence: end, PartialEvery: -1})
	if err != nil {
		l.log.Warn("no speech recognition on this call", zap.Error(err))
		l.mu.Lock()
		l.err = err
		l.mu.Unlock()
		close(l.heard)
		return
	}
	l.mu.Lock()
	select {
	case <-l.done: // closed while opening
		l.mu.Unlock()
		_ = rec.Close()
		close(l.heard)
		return
	default:
	}
	if l.hints != nil {
		l.setGrammar(rec, *l.hints)
	}
	if len(l.early) > 0 {
		_ = rec.Write(l.early)
	}
	l.early = nil
	l.rec = rec
	l.mu.Unlock()
	l.forward(rec)
}

func (l *asrListener) forward(rec asr.Recognizer) {
	defer close(l.heard)
	for r := range rec.Results() {
		l.log.Debug("recognised", zap.Stringer("kind", r.Kind), zap.String("text", r.Text), zap.String("intent", r.Intent),
			zap.Float64("confidence", r.Confidence), zap.Duration("start", r.Start), zap.Duration("end", r.End))
		var h voicebot.Heard
		switch r.Kind {
		case asr.KindSpeechStart:
			h = voicebot.Heard{SpeechStart: true, At: l.base.Add(r.Start)}
		case asr.KindFinal:
			if r.Text == "" {
				continue // noise the engine could not put into words: not a turn
			}
			h = voicebot.Heard{Text: r.Text, Confidence: r.Confidence, At: l.base.Add(r.End)}
		default:
			continue
		}
		select {
		case l.heard <- h:
		case <-l.done:
			return
		}
	}
}

// Expect switches the grammar to the listening state's intents. Grammar names
// key the engine's compiled-grammar cache, so they include a hash of the
// phrases: two scripts' "greet" states must not share one.
func (l *asrListener) Expect(h voicebot.Hints) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.rec == nil {
		l.hints = &h
		return
	}
	l.setGrammar(l.rec, h)
}

func (l *asrListener) setGrammar(rec asr.Recognizer, h voicebot.Hints) {
	names := make([]string, 0, len(h.Intents))
	for name := range h.Intents {
		names = append(names, name)
	}
	sort.Strings(names)
	g := &asr.Grammar{}
	sum := fnv.New64a()
	for _, name := range names {
		g.Intents = append(g.Intents, asr.Intent{Name: name, Phrases: h.Intents[name]})
		fmt.Fprintf(sum, "%s=%q;", name, h.Intents[name])
	}
	g.Name = fmt.Sprintf("%s-%x", h.State, sum.Sum64())
	l.log.Debug("listening", zap.String("state", h.State), zap.String("grammar", g.Name))
	if err := rec.SetGrammar(g); err != nil {
		l.log.Warn("recogniser grammar", zap.String("state", h.State), zap.Error(err))
	}
}

func (l *asrListener) Heard() <-chan voicebot.Heard { return l.heard }

// Write feeds the callee's audio (from the media receive goroutine; never blocks
// for long: the recogniser queues it).
func (l *asrListener) Write(pcm []int16, _ time.Duration) {
	l.mu.Lock()
	rec := l.rec
	if rec == nil {
		if l.err == nil && len(l.early)+len(pcm) <= earlyMax {
			l.early = append(l.early, pcm...)
		}
		l.mu.Unlock()
		return
	}
	l.mu.Unlock()
	_ = rec.Write(pcm)
}

func (l *asrListener) Close() {
	l.once.Do(func() {
		l.mu.Lock()
		close(l.done)
		rec := l.rec
		l.mu.Unlock()
		if rec != nil {
			_ = rec.Close()
		}
	})
}
