package live

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"sort"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/voxdial/voxdial/asr"
	"github.com/voxdial/voxdial/voicebot"
	"github.com/voxdial/voxdial/voicebot/intent"
	"github.com/voxdial/voxdial/voicebot/sentiment"
)

// asrListener turns a streaming recogniser into the bot's Listener: the
// listening state's intents become the recogniser's grammar, speech starts
// (for barge-in) and final results become Heard events. DTMF reaches the bot
// through its own channel, so the grammar carries no keys.
//
// The recogniser opens in the background (a decoder may have to be built, tens
// of milliseconds on a busy machine) so that the bot's greeting is not held up
// by it: the latest audio until then is kept (earlyMax, a pre-roll: whatever the
// caller said last is there) and fed in once it is open, and the latest grammar
// is applied then.
//
// The recogniser's stream starts with leadSilence, the silence on the line
// before the answer: its voice-activity detector learns the line's floor from
// what comes first, and a caller who speaks at once would otherwise teach it
// that their voice is the floor and not be heard.
type asrListener struct {
	heard chan voicebot.Heard
	log   *zap.Logger
	base  time.Time // audio time zero: the answer
	now   func() time.Time
	done  chan struct{}
	once  sync.Once

	mu        sync.Mutex
	rec       asr.Recognizer // nil until open
	early     []int16        // audio before the recogniser opened
	lastEarly time.Time      // when the last of it arrived
	hints     *voicebot.Hints
	err       error
	clock     audioClock          // recogniser audio time → arrival time
	voice     *sentiment.Acoustic // the caller's voice, frame by frame, for each turn's arousal
	dropped   int64               // frames the recogniser refused (asr.ErrOverrun)
}

// audioClock maps the recogniser's audio time (samples it accepted) to when
// that audio arrived. Counting samples from a start time is not enough: frames
// the recogniser drops when it falls behind (asr.ErrOverrun) are not in its
// timeline, and a busy recogniser would then report speech as ending seconds
// earlier than it did. A checkpoint every 100 ms, the last 12.8 s kept.
type audioClock struct {
	samples int64 // accepted so far
	marks   [128]clockMark
	n, next int
}

type clockMark struct {
	samples int64
	at      time.Time
}

const clockMarkEvery = 800 // samples: 100 ms at 8 kHz

func (c *audioClock) add(n int, now time.Time) {
	before := c.samples
	c.samples += int64(n)
	if c.n == 0 || before/clockMarkEvery != c.samples/clockMarkEvery {
		c.marks[c.next] = clockMark{samples: c.samples, at: now}
		c.next = (c.next + 1) % len(c.marks)
		c.n = min(c.n+1, len(c.marks))
	}
}

// at is the arrival time of audio time d, from the nearest checkpoint; ok is
// false before any audio.
func (c *audioClock) at(d time.Duration) (time.Time, bool) {
	if c.n == 0 {
		return time.Time{}, false
	}
	s := int64(d) * 8000 / int64(time.Second)
	best := -1
	var bestDist int64
	for i := range c.n {
		dist := c.marks[i].samples - s
		if dist < 0 {
			dist = -dist
		}
		if best < 0 || dist < bestDist {
			best, bestDist = i, dist
		}
	}
	m := c.marks[best]
	return m.at.Add(time.Duration(s-m.samples) * time.Second / 8000), true
}

// earlyMax bounds the audio kept while the recogniser opens: the last 2 s at 8 kHz.
const earlyMax = 16000

// leadSilence is the silence before the answer that starts the recogniser's stream:
// 100 ms at 8 kHz.
const leadSilence = 800

// newASRListener opens a recogniser on eng in the background. base is the answer
// (audio time zero); now is the clock that stamps arriving audio (time.Now).
func newASRListener(ctx context.Context, eng asr.Engine, end time.Duration, base time.Time, now func() time.Time, log *zap.Logger) *asrListener {
	l := &asrListener{heard: make(chan voicebot.Heard, 16), log: log, base: base, now: now, done: make(chan struct{}),
		voice: sentiment.NewAcoustic()}
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
	if rec.Write(make([]int16, leadSilence)) == nil {
		l.clock.add(leadSilence, l.base)
	}
	if len(l.early) > 0 && rec.Write(l.early) == nil {
		l.clock.add(len(l.early), l.lastEarly)
	}
	l.early = nil
	l.rec = rec
	l.mu.Unlock()
	l.forward(rec)
}

func (l *asrListener) forward(rec asr.Recognizer) {
	defer close(l.heard)
	for r := range rec.Results() {
		fields := []zap.Field{zap.Stringer("kind", r.Kind), zap.String("text", r.Text), zap.String("intent", r.Intent),
			zap.Float64("confidence", r.Confidence), zap.Bool("open", r.Open), zap.Bool("rejected", r.Rejected), zap.Duration("start", r.Start), zap.Duration("end", r.End)}
		if g := r.Grammar; g != nil {
			fields = append(fields, zap.String("grammar_text", g.Text), zap.String("grammar_intent", g.Intent), zap.Float64("grammar_confidence", g.Confidence))
		}
		l.log.Debug("recognised", fields...)
		var h voicebot.Heard
		switch r.Kind {
		case asr.KindSpeechStart:
			h = voicebot.Heard{SpeechStart: true, At: l.arrival(r.Start)}
		case asr.KindFinal:
			if r.Rejected {
				// The grammar forced a phrase its rejection refused. With no phrase at
				// all it is speech without words (a no_match turn); with one, the phrase
				// is a guess the bot may route an ordinary intent on but never an
				// opt-out or a transfer (like open-vocabulary words).
				h = voicebot.Heard{Text: r.Text, Open: true, Unintelligible: r.Text == "", At: l.arrival(r.End)}
				break
			}
			if r.Text == "" {
				continue // noise the engine could not put into words: not a turn
			}
			h = voicebot.Heard{Text: r.Text, Confidence: r.Confidence, Open: r.Open, At: l.arrival(r.End)}
			for _, a := range r.Alternatives {
				h.Readings = append(h.Readings, intent.Reading{Text: a.Text, Weight: a.Weight})
			}
			if g := r.Grammar; g != nil {
				h.Grammar = &intent.GrammarReading{Text: g.Text, Intent: g.Intent, Confidence: g.Confidence}
			}
			v := l.turnVoice(l.arrival(r.Start), h.At)
			h.Arousal, h.Voiced = v.Arousal, v.Voiced
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

// arrival is when the audio at recogniser time d reached the bot.
func (l *asrListener) arrival(d time.Duration) time.Time {
	l.mu.Lock()
	t, ok := l.clock.at(d)
	l.mu.Unlock()
	if !ok {
		return l.base.Add(d - leadSilence*time.Second/8000)
	}
	return t
}

// Expect switches the grammar to the listening state's intents.
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
	g := grammarFor(h)
	l.log.Debug("listening", zap.String("state", h.State), zap.String("grammar", g.Name))
	if err := rec.SetGrammar(g); err != nil {
		l.log.Warn("recogniser grammar", zap.String("state", h.State), zap.Error(err))
	}
}

// grammarFor is the recogniser grammar of a listening state's hints. Its name
// keys the engine's compiled-grammar cache (and each decoder's searches), so it
// includes a hash of the phrases: two scripts' "greet" states must not share one.
func grammarFor(h voicebot.Hints) *asr.Grammar {
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
	g.Holds = h.Holds
	return g
}

func (l *asrListener) Heard() <-chan voicebot.Heard { return l.heard }

// Write feeds the callee's audio (from the media receive goroutine; never blocks
// for long: the recogniser queues it).
func (l *asrListener) Write(pcm []int16, _ time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.voice.Write(pcm, l.now())
	if l.rec == nil {
		if l.err == nil {
			if drop := len(l.early) + len(pcm) - earlyMax; drop > 0 {
				// Keep the newest: an answer spoken while a busy engine still opens
				// must not be the audio that is lost.
				l.early = append(l.early[:0], l.early[min(drop, len(l.early)):]...)
			}
			l.early = append(l.early, pcm[max(0, len(pcm)-earlyMax):]...)
			l.lastEarly = l.now()
		}
		return
	}
	// Under the lock, so the clock and the recogniser see frames in one order;
	// Write only queues.
	switch err := l.rec.Write(pcm); {
	case err == nil:
		l.clock.add(len(pcm), l.now())
	case errors.Is(err, asr.ErrOverrun):
		l.dropped++
	}
}

// Dropped is how many frames the recogniser dropped, behind by more than its queue.
func (l *asrListener) Dropped() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.dropped
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
