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
type asrListener struct {
	rec   asr.Recognizer
	heard chan voicebot.Heard
	log   *zap.Logger
	base  time.Time // audio time zero: the answer
	done  chan struct{}
	once  sync.Once
}

func newASRListener(ctx context.Context, eng asr.Engine, end time.Duration, base time.Time, log *zap.Logger) (*asrListener, error) {
	rec, err := eng.NewRecognizer(ctx, asr.StreamOptions{EndSilence: end, PartialEvery: -1})
	if err != nil {
		return nil, fmt.Errorf("recogniser: %w", err)
	}
	l := &asrListener{rec: rec, heard: make(chan voicebot.Heard, 16), log: log, base: base, done: make(chan struct{})}
	go l.forward()
	return l, nil
}

func (l *asrListener) forward() {
	defer close(l.heard)
	for r := range l.rec.Results() {
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
	if err := l.rec.SetGrammar(g); err != nil {
		l.log.Warn("recogniser grammar", zap.String("state", h.State), zap.Error(err))
	}
}

func (l *asrListener) Heard() <-chan voicebot.Heard { return l.heard }

// Write feeds the callee's audio (from the media receive goroutine; never blocks).
func (l *asrListener) Write(pcm []int16, _ time.Duration) { _ = l.rec.Write(pcm) }

func (l *asrListener) Close() {
	l.once.Do(func() {
		close(l.done)
		_ = l.rec.Close()
	})
}
