package numbers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure NewLocal and NewRedis. Zero values take the defaults noted.
type Options struct {
	// TTL is how long a lock outlives a holder that stops refreshing it (a crashed node);
	// a live holder refreshes it every TTL/3 (default 1m).
	TTL time.Duration
	// Retain is how long attempts stay in the log (default 32 days: the compliance gate's
	// look-back, so the log alone answers every window the rules use).
	Retain time.Duration
	// OnError is told of every failed operation on the shared state, op being lock,
	// refresh, release, record, forget or read (logs, metrics). Cancelled contexts are not
	// errors. A refresh that finds the lock taken over reports ErrLockLost.
	OnError func(op string, err error)
	// OnHeld is told this process's count of held locks whenever it changes (metrics).
	OnHeld func(held int)
}

func (o *Options) defaults() {
	if o.TTL <= 0 {
		o.TTL = time.Minute
	}
	if o.Retain <= 0 {
		o.Retain = 32 * 24 * time.Hour
	}
}

// backend is where locks and logs live. Times are whole milliseconds.
type backend interface {
	// lock takes number's lock for token if it is free.
	lock(ctx context.Context, number, token string, ttl time.Duration) (bool, error)
	// refresh extends the lock if token still holds it.
	refresh(ctx context.Context, number, token string, ttl time.Duration) (bool, error)
	// unlock frees the lock if token holds it.
	unlock(ctx context.Context, number, token string) error
	// record adds member at atMS to number's log if token holds the lock, and drops the
	// log's members older than trimMS.
	record(ctx context.Context, number, token string, atMS int64, member string, trimMS int64, retain time.Duration) (bool, error)
	// forget removes member from number's log.
	forget(ctx context.Context, number, member string) error
	// read returns number's members with fromMS ≤ at ≤ toMS, oldest first.
	read(ctx context.Context, number string, fromMS, toMS int64) ([]string, error)
	// ping checks that the shared state answers.
	ping(ctx context.Context) error
}

// Guard hands out numbers' in-flight locks and keeps their attempt logs. Safe for
// concurrent use.
type Guard struct {
	b    backend
	opts Options
	held atomic.Int64
}

func newGuard(b backend, o Options) *Guard {
	o.defaults()
	return &Guard{b: b, opts: o}
}

// failed wraps a backend error in ErrUnavailable and reports it.
func (g *Guard) failed(op string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", op, err)
	}
	err = fmt.Errorf("%w: %s: %w", ErrUnavailable, op, err)
	if g.opts.OnError != nil {
		g.opts.OnError(op, err)
	}
	return err
}

func (g *Guard) heldChanged(delta int64) {
	n := g.held.Add(delta)
	if g.opts.OnHeld != nil {
		g.opts.OnHeld(int(n))
	}
}

// Ping checks that the shared state answers (a runner that paused dialling because the
// guard failed resumes once it does). Failures are ErrUnavailable, not reported to OnError.
func (g *Guard) Ping(ctx context.Context) error {
	if err := g.b.ping(ctx); err != nil {
		return fmt.Errorf("%w: ping: %w", ErrUnavailable, err)
	}
	return nil
}

// Held is the number of locks this Guard holds now.
func (g *Guard) Held() int { return int(g.held.Load()) }

// Lock takes number's in-flight lock for one call; owner names the holder in the token
// (a node, a contact). It fails with ErrBusy when another call has the number, and with
// ErrUnavailable when the shared state cannot be reached. The lock is kept alive until
// Release.
func (g *Guard) Lock(ctx context.Context, number, owner string) (*Lock, error) {
	if !validNumber(number) {
		return nil, fmt.Errorf("lock %.20q: %w", number, ErrInvalidNumber)
	}
	var id [9]byte
	_, _ = rand.Read(id[:])
	token := owner + "/" + hex.EncodeToString(id[:])
	ok, err := g.b.lock(ctx, number, token, g.opts.TTL)
	if err != nil {
		return nil, g.failed("lock", err)
	}
	if !ok {
		return nil, ErrBusy
	}
	kctx, stop := context.WithCancel(context.Background())
	l := &Lock{g: g, number: number, token: token, kctx: kctx, stop: stop, done: make(chan struct{}),
		members: map[string]string{}}
	g.heldChanged(1)
	go l.keepAlive()
	return l, nil
}

// Attempts appends number's logged attempts with since ≤ At ≤ until, oldest first.
func (g *Guard) Attempts(ctx context.Context, number string, since, until time.Time, buf []Attempt) ([]Attempt, error) {
	if !validNumber(number) {
		return buf, fmt.Errorf("attempts of %.20q: %w", number, ErrInvalidNumber)
	}
	if until.Before(since) {
		return buf, nil
	}
	members, err := g.b.read(ctx, number, since.UnixMilli(), until.UnixMilli())
	if err != nil {
		return buf, g.failed("read", err)
	}
	for _, m := range members {
		a, err := decodeMember(number, m)
		if err != nil {
			// An entry nobody can read is still an attempt nobody can rule out: fail closed.
			return buf, g.failed("read", err)
		}
		// Whole milliseconds were read; the window's ends may fall inside one.
		if a.At.Before(since) || a.At.After(until) {
			continue
		}
		buf = append(buf, a)
	}
	return buf, nil
}

// Lock is one call's hold on a number. Its methods are safe for concurrent use.
type Lock struct {
	g      *Guard
	number string
	token  string
	kctx   context.Context // the keep-alive's; Release cancels it, even mid-refresh
	stop   context.CancelFunc
	done   chan struct{}
	once   sync.Once

	mu      sync.Mutex
	members map[string]string // call id → the member Record logged
}

// Number is the locked number.
func (l *Lock) Number() string { return l.number }

// keepAlive refreshes the lock every TTL/3 until Release, or until it is found lost.
func (l *Lock) keepAlive() {
	defer close(l.done)
	t := time.NewTicker(l.g.opts.TTL / 3)
	defer t.Stop()
	for {
		select {
		case <-l.kctx.Done():
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(l.kctx, l.g.opts.TTL/3)
		ok, err := l.g.b.refresh(ctx, l.number, l.token, l.g.opts.TTL)
		cancel()
		switch {
		case l.kctx.Err() != nil:
			return
		case err != nil:
			_ = l.g.failed("refresh", err) // try again next tick: the TTL leaves two more
		case !ok:
			_ = l.g.failed("refresh", ErrLockLost)
			return
		}
	}
}

// Record logs the attempt a on the locked number (a.Number is set to it), provided the
// lock is still this call's: ErrLockLost otherwise, and no call may be placed.
func (l *Lock) Record(ctx context.Context, a Attempt) error {
	a.Number = l.number
	m, err := encodeMember(&a)
	if err != nil {
		return fmt.Errorf("record attempt %s: %w", a.CallID, err)
	}
	at := a.At.UnixMilli()
	ok, err := l.g.b.record(ctx, l.number, l.token, at, m, at-l.g.opts.Retain.Milliseconds(), l.g.opts.Retain)
	if err != nil {
		return l.g.failed("record", err)
	}
	if !ok {
		return fmt.Errorf("record attempt %s: %w", a.CallID, ErrLockLost)
	}
	l.mu.Lock()
	l.members[a.CallID] = m
	l.mu.Unlock()
	return nil
}

// Forget removes an attempt Record logged whose call was never placed (its store record
// could not be written, say).
func (l *Lock) Forget(ctx context.Context, callID string) error {
	l.mu.Lock()
	m, ok := l.members[callID]
	delete(l.members, callID)
	l.mu.Unlock()
	if !ok {
		return nil
	}
	if err := l.g.b.forget(ctx, l.number, m); err != nil {
		return l.g.failed("forget", err)
	}
	return nil
}

// Release frees the number (after the call has been recorded in the store). It is
// idempotent; a failure is reported to OnError and the lock then expires after its TTL.
func (l *Lock) Release() {
	if l == nil {
		return
	}
	l.once.Do(func() {
		l.stop()
		<-l.done
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := l.g.b.unlock(ctx, l.number, l.token); err != nil {
			_ = l.g.failed("release", err)
		}
		l.g.heldChanged(-1)
	})
}
