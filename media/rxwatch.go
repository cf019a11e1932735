package media

import (
	"sync/atomic"
	"time"
)

// rxWatch tells the clock whether a receive goroutine has read what arrived.
//
// ContinuousAudio makes up silence for media time no packet covered. On a starved
// process the packets for that time may be there all along — waiting in the socket
// for a reader goroutine that is runnable but not running, or read and not yet
// dispatched — and silence made up in their place reaches the recogniser before them:
// a gap inside a word ("speaking" heard as "the again"). The clock's own lateness does
// not show this (its goroutine can run on time while the reader waits), so the reader
// says what it has done: when it last emptied the socket, and whether a batch is in
// its hands. The clock asks the kernel whether a datagram is queued only when the
// reader has not emptied the socket for a frame.
type rxWatch struct {
	base time.Time
	// drained is when (ns since base) the reader last started a read that emptied the
	// socket, published once that read's packets were dispatched.
	drained atomic.Int64
	// busy is set from a read's return to the end of its dispatch.
	busy atomic.Bool
	// probe reports a datagram waiting in the socket; nil where it cannot be asked.
	probe *unreadProbe
	// The last probe's time and answer: one system call per millisecond at most, for
	// all the legs of a shared socket. Used by one clock goroutine only.
	probedAt int64
	probed   bool
}

// rxSlack is how long ago the reader may last have emptied the socket and still be
// taken to be keeping up: a frame.
const rxSlack = FrameDuration

func newRxWatch(probe *unreadProbe) *rxWatch {
	return &rxWatch{base: time.Now(), probe: probe}
}

// read is called by the reader when a read returns, before its packets are dispatched.
func (w *rxWatch) read() { w.busy.Store(true) }

// dispatched is called by the reader once the read started at start is dispatched;
// emptied says the read left nothing in the socket.
func (w *rxWatch) dispatched(start time.Time, emptied bool) {
	if emptied {
		w.drained.Store(int64(start.Sub(w.base)))
	}
	w.busy.Store(false)
}

// behind reports whether packets that arrived before now - rxSlack may not have been
// dispatched yet. Called from the clock goroutine.
func (w *rxWatch) behind(now time.Time) bool {
	at := int64(now.Sub(w.base))
	if at-w.drained.Load() <= int64(rxSlack) {
		return false
	}
	if w.busy.Load() {
		return true
	}
	if w.probe == nil {
		return false
	}
	if at-w.probedAt > int64(time.Millisecond) || at < w.probedAt {
		w.probedAt, w.probed = at, w.probe.pending()
	}
	return w.probed
}
