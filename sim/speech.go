package sim

import (
	"context"
	"math"
	"sync/atomic"
	"time"

	"github.com/voxdial/voxdial/media"
)

// listener watches the audio the simulator receives: it keeps the energy
// totals for CallRecord.ReceivedRMS and finds where the bot stops talking.
//
// A frame is speech when its RMS reaches the threshold. The bot's turn ends
// once speech has been heard since the wait began and then no speech frame
// has arrived for the end-of-speech gap. Frames come from the session's
// receive goroutine; the waiting call goroutine sleeps on a timer armed only
// when it must re-check, so a call costs no ticker and no per-frame timer
// (with one bot talking, about one wake-up per end-of-speech gap).
type listener struct {
	threshold  float64
	base       time.Time
	lastSpeech atomic.Int64  // ns since base of the last speech frame; 0 = none since reset
	speech     chan struct{} // signalled by the first speech frame after reset (cap 1)
	frames     atomic.Uint64
	samples    atomic.Uint64
	sumSquares atomic.Uint64
}

func newListener(threshold float64) *listener {
	return &listener{threshold: threshold, base: time.Now(), speech: make(chan struct{}, 1)}
}

// onAudio is the session's OnAudio callback: allocation-free, no locks.
func (l *listener) onAudio(pcm []int16, _ time.Duration) {
	var ss uint64
	for _, s := range pcm {
		v := int64(s)
		ss += uint64(v * v)
	}
	l.frames.Add(1)
	l.samples.Add(uint64(len(pcm)))
	l.sumSquares.Add(ss)
	if len(pcm) == 0 || math.Sqrt(float64(ss)/float64(len(pcm))) < l.threshold {
		return
	}
	now := max(int64(time.Since(l.base)), 1)
	if l.lastSpeech.Swap(now) == 0 {
		select {
		case l.speech <- struct{}{}:
		default:
		}
	}
}

// reset forgets speech heard so far: the next wait needs new speech.
func (l *listener) reset() {
	l.lastSpeech.Store(0)
	select {
	case <-l.speech:
	default:
	}
}

// rms is the RMS of everything received.
func (l *listener) rms() float64 {
	n := l.samples.Load()
	if n == 0 {
		return 0
	}
	return math.Sqrt(float64(l.sumSquares.Load()) / float64(n))
}

// waitResult says why waitEndOfSpeech returned.
type waitResult int

const (
	endOfSpeech waitResult = iota // speech, then the gap of silence
	waitTimeout                   // maxWait passed (a silent or endless bot)
	waitAborted                   // ctx ended
)

// waitEndOfSpeech blocks until the bot has spoken and then been quiet for
// gap, or maxWait passes, or ctx ends. onDigit, when the session delivers
// DTMF meanwhile, is called from this goroutine.
func (l *listener) waitEndOfSpeech(ctx context.Context, gap, maxWait time.Duration, dtmf <-chan media.DTMFDigit, onDigit func(rune)) waitResult {
	l.reset()
	deadline := time.NewTimer(maxWait)
	defer deadline.Stop()
	recheck := time.NewTimer(time.Hour)
	recheck.Stop()
	defer recheck.Stop()
	for {
		if last := l.lastSpeech.Load(); last != 0 {
			remaining := time.Duration(last) + gap - time.Since(l.base)
			if remaining <= 0 {
				return endOfSpeech
			}
			recheck.Reset(remaining)
		}
		select {
		case <-recheck.C:
		case <-l.speech:
		case d, ok := <-dtmf:
			if !ok {
				dtmf = nil
			} else if onDigit != nil {
				onDigit(d.Digit)
			}
		case <-deadline.C:
			return waitTimeout
		case <-ctx.Done():
			return waitAborted
		}
	}
}

// waitSpeechStart blocks until the bot starts speaking, delay has passed and
// the bot is mid-word (a caller who talks over the prompt), or maxWait passes,
// or ctx ends.
func (l *listener) waitSpeechStart(ctx context.Context, delay, maxWait time.Duration, dtmf <-chan media.DTMFDigit, onDigit func(rune)) waitResult {
	l.reset()
	deadline := time.NewTimer(maxWait)
	defer deadline.Stop()
	for l.lastSpeech.Load() == 0 {
		select {
		case <-l.speech:
		case d, ok := <-dtmf:
			if !ok {
				dtmf = nil
			} else if onDigit != nil {
				onDigit(d.Digit)
			}
		case <-deadline.C:
			return waitTimeout
		case <-ctx.Done():
			return waitAborted
		}
	}
	if !sleep(ctx, delay) {
		return waitAborted
	}
	// Then start in the middle of a word, not in a pause between two: poll (this
	// is one call's goroutine, for at most a few gaps) until bot speech is fresh.
	for {
		if last := l.lastSpeech.Load(); last != 0 && time.Since(l.base)-time.Duration(last) < 30*time.Millisecond {
			return endOfSpeech
		}
		select {
		case <-time.After(5 * time.Millisecond):
		case <-deadline.C:
			return waitTimeout
		case <-ctx.Done():
			return waitAborted
		}
	}
}
