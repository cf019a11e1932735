package numbers

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/voxdial/voxdial/internal/redistest"
)

// node returns another node's Guard over the same shared state (o for each).
type nodeFunc func(o Options) *Guard

// impls are the two Guards; the conformance test runs on each.
func impls() map[string]func(t *testing.T) nodeFunc {
	return map[string]func(t *testing.T) nodeFunc{
		"local": func(t *testing.T) nodeFunc {
			shared := &local{nums: map[string]*localNumber{}}
			return func(o Options) *Guard { return newGuard(shared, o) }
		},
		"redis": func(t *testing.T) nodeFunc {
			rdb, prefix := redistest.Prefixed(t)
			return func(o Options) *Guard { return NewRedis(rdb, RedisOptions{Options: o, Prefix: prefix}) }
		},
	}
}

func TestGuard(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, node nodeFunc)
	}{
		{"LockExcludes", testLockExcludes},
		{"CrashedHolderExpires", testCrashedHolderExpires},
		{"KeepAlive", testKeepAlive},
		{"RecordNeedsTheLock", testRecordNeedsTheLock},
		{"WindowEnds", testWindowEnds},
		{"Retain", testRetain},
		{"Forget", testForget},
		{"Race", testRace},
		{"BadInput", testBadInput},
	}
	for name, mk := range impls() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					tc.run(t, mk(t))
				})
			}
		})
	}
}

func testLockExcludes(t *testing.T, node nodeFunc) {
	ctx := context.Background()
	var held atomic.Int64
	a := node(Options{OnHeld: func(n int) { held.Store(int64(n)) }})
	b := node(Options{})
	la, err := a.Lock(ctx, "+14155550100", "node-a")
	if err != nil {
		t.Fatal(err)
	}
	if held.Load() != 1 || a.Held() != 1 {
		t.Fatalf("held %d/%d, want 1", held.Load(), a.Held())
	}
	// Another node, and another call of the same node, are refused the number.
	for _, g := range []*Guard{a, b} {
		if l, err := g.Lock(ctx, "+14155550100", "other"); !errors.Is(err, ErrBusy) {
			t.Fatalf("second lock: %v, %v; want ErrBusy", l, err)
		}
	}
	// Other numbers are free.
	lb, err := b.Lock(ctx, "+14155550101", "node-b")
	if err != nil {
		t.Fatal(err)
	}
	lb.Release()
	la.Release()
	la.Release() // idempotent
	if held.Load() != 0 {
		t.Fatalf("held %d after release, want 0", held.Load())
	}
	lb2, err := b.Lock(ctx, "+14155550100", "node-b")
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	lb2.Release()
}

// crash stops a lock's keep-alive without releasing it: its node died.
func crash(l *Lock) {
	l.stop()
	<-l.done
}

func testCrashedHolderExpires(t *testing.T, node nodeFunc) {
	ctx := context.Background()
	const ttl = 300 * time.Millisecond
	dead, live := node(Options{TTL: ttl}), node(Options{TTL: ttl})
	l, err := dead.Lock(ctx, "+14155550102", "dead")
	if err != nil {
		t.Fatal(err)
	}
	crash(l)
	if _, err := live.Lock(ctx, "+14155550102", "live"); !errors.Is(err, ErrBusy) {
		t.Fatalf("lock of a just-crashed holder's number: %v, want ErrBusy", err)
	}
	var l2 *Lock
	deadline := time.Now().Add(10 * time.Second)
	for l2 == nil {
		if l2, err = live.Lock(ctx, "+14155550102", "live"); err != nil && !errors.Is(err, ErrBusy) {
			t.Fatal(err)
		}
		if l2 == nil && time.Now().After(deadline) {
			t.Fatalf("the crashed holder's lock never expired (TTL %s)", ttl)
		}
		time.Sleep(20 * time.Millisecond)
	}
	defer l2.Release()
	// The crashed call may not log an attempt on the number now.
	err = l.Record(ctx, Attempt{CallID: "late", At: time.Now()})
	if !errors.Is(err, ErrLockLost) {
		t.Fatalf("record after the lock expired: %v, want ErrLockLost", err)
	}
	// Its release does not free the new holder's lock.
	l.once.Do(func() {}) // keep-alive already stopped: release only the key
	if err := dead.b.unlock(ctx, l.number, l.token); err != nil {
		t.Fatal(err)
	}
	if _, err := dead.Lock(ctx, "+14155550102", "dead"); !errors.Is(err, ErrBusy) {
		t.Fatalf("a stale holder's release freed the number: %v", err)
	}
}

func testKeepAlive(t *testing.T, node nodeFunc) {
	ctx := context.Background()
	const ttl = 200 * time.Millisecond
	a, b := node(Options{TTL: ttl}), node(Options{TTL: ttl})
	l, err := a.Lock(ctx, "+14155550103", "a")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	// Held for five TTLs: refreshed, never free.
	for end := time.Now().Add(5 * ttl); time.Now().Before(end); time.Sleep(ttl / 4) {
		if _, err := b.Lock(ctx, "+14155550103", "b"); !errors.Is(err, ErrBusy) {
			t.Fatalf("a live holder's lock was taken: %v", err)
		}
	}
	if err := l.Record(ctx, Attempt{CallID: "c1", At: time.Now()}); err != nil {
		t.Fatalf("record under a refreshed lock: %v", err)
	}
}

func testRecordNeedsTheLock(t *testing.T, node nodeFunc) {
	ctx := context.Background()
	g := node(Options{})
	l, err := g.Lock(ctx, "+14155550104", "a")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := l.Record(ctx, Attempt{CallID: "c1", At: now, Campaign: "7", Seller: "acme", CallerID: "+12125550000"}); err != nil {
		t.Fatal(err)
	}
	l.Release()
	if err := l.Record(ctx, Attempt{CallID: "c2", At: now}); !errors.Is(err, ErrLockLost) {
		t.Fatalf("record after release: %v, want ErrLockLost", err)
	}
	got, err := node(Options{}).Attempts(ctx, "+14155550104", now.Add(-time.Hour), now.Add(time.Hour), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Attempt{Number: "+14155550104", CallID: "c1", At: now.Truncate(time.Millisecond).UTC(), Campaign: "7", Seller: "acme", CallerID: "+12125550000"}
	if len(got) != 1 || got[0] != want {
		t.Fatalf("attempts %+v, want [%+v]", got, want)
	}
}

// testWindowEnds: [since, until] includes both ends, to the millisecond, whatever the
// sub-millisecond part of the window's ends.
func testWindowEnds(t *testing.T, node nodeFunc) {
	ctx := context.Background()
	g := node(Options{})
	const num = "+14155550105"
	t0 := time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	at := map[string]time.Time{
		"before": t0.Add(-day - time.Millisecond), "since": t0.Add(-day), "after-since": t0.Add(-day + time.Millisecond),
		"until": t0, "after": t0.Add(time.Millisecond),
	}
	l, err := g.Lock(ctx, num, "a")
	if err != nil {
		t.Fatal(err)
	}
	for id, ts := range at {
		if err := l.Record(ctx, Attempt{CallID: id, At: ts}); err != nil {
			t.Fatal(err)
		}
	}
	l.Release()
	cases := []struct {
		name         string
		since, until time.Time
		want         []string
	}{
		{"exact ends", t0.Add(-day), t0, []string{"since", "after-since", "until"}},
		{"ends inside a millisecond", t0.Add(-day + 500*time.Microsecond), t0.Add(999 * time.Microsecond), []string{"after-since", "until"}},
		{"one instant", t0, t0, []string{"until"}},
		{"empty", t0.Add(time.Microsecond), t0.Add(900 * time.Microsecond), nil},
		{"reversed", t0, t0.Add(-day), nil},
		{"everything", t0.Add(-2 * day), t0.Add(day), []string{"before", "since", "after-since", "until", "after"}},
	}
	for _, c := range cases {
		got, err := g.Attempts(ctx, num, c.since, c.until, nil)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, a := range got {
			ids = append(ids, a.CallID)
			if !a.At.Equal(at[a.CallID]) {
				t.Fatalf("%s: %s at %s, recorded at %s", c.name, a.CallID, a.At, at[a.CallID])
			}
		}
		if fmt.Sprint(ids) != fmt.Sprint(c.want) {
			t.Errorf("%s: attempts %v, want %v (oldest first)", c.name, ids, c.want)
		}
	}
}

func testRetain(t *testing.T, node nodeFunc) {
	ctx := context.Background()
	g := node(Options{Retain: time.Hour})
	const num = "+14155550106"
	t0 := time.Now()
	l, err := g.Lock(ctx, num, "a")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	for i, ts := range []time.Time{t0.Add(-2 * time.Hour), t0.Add(-time.Hour), t0} {
		if err := l.Record(ctx, Attempt{CallID: fmt.Sprint("c", i), At: ts}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := g.Attempts(ctx, num, t0.Add(-3*time.Hour), t0, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Older than Retain before the latest record: gone; exactly Retain old: kept.
	if len(got) != 2 || got[0].CallID != "c1" || got[1].CallID != "c2" {
		t.Fatalf("after trimming to 1h: %+v", got)
	}
}

func testForget(t *testing.T, node nodeFunc) {
	ctx := context.Background()
	g := node(Options{})
	const num = "+14155550107"
	l, err := g.Lock(ctx, num, "a")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	now := time.Now()
	for _, id := range []string{"kept", "never-placed"} {
		if err := l.Record(ctx, Attempt{CallID: id, At: now}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Forget(ctx, "never-placed"); err != nil {
		t.Fatal(err)
	}
	if err := l.Forget(ctx, "unknown"); err != nil {
		t.Fatal(err)
	}
	got, err := g.Attempts(ctx, num, now.Add(-time.Second), now.Add(time.Second), nil)
	if err != nil || len(got) != 1 || got[0].CallID != "kept" {
		t.Fatalf("after forget: %+v %v", got, err)
	}
}

// testRace: nodes racing for one number; never two holders at once.
func testRace(t *testing.T, node nodeFunc) {
	ctx := context.Background()
	guards := []*Guard{node(Options{}), node(Options{}), node(Options{})}
	var holders, peak, wins atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < 12; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g := guards[i%len(guards)]
			for k := 0; k < 20; k++ {
				l, err := g.Lock(ctx, "+14155550108", fmt.Sprint("w", i))
				if errors.Is(err, ErrBusy) {
					continue
				}
				if err != nil {
					t.Error(err)
					return
				}
				n := holders.Add(1)
				for p := peak.Load(); n > p; p = peak.Load() {
					if peak.CompareAndSwap(p, n) {
						break
					}
				}
				wins.Add(1)
				time.Sleep(time.Millisecond)
				holders.Add(-1)
				l.Release()
			}
		}()
	}
	wg.Wait()
	if peak.Load() != 1 || wins.Load() == 0 {
		t.Fatalf("peak %d holders at once (want 1), %d wins", peak.Load(), wins.Load())
	}
}

func testBadInput(t *testing.T, node nodeFunc) {
	ctx := context.Background()
	g := node(Options{})
	for _, n := range []string{"", "14155550100", "+", "+0123", "+1415555010x", "+1234567890123456", "+1 415"} {
		if _, err := g.Lock(ctx, n, "a"); !errors.Is(err, ErrInvalidNumber) {
			t.Errorf("Lock(%q): %v, want ErrInvalidNumber", n, err)
		}
		if _, err := g.Attempts(ctx, n, time.Now(), time.Now(), nil); !errors.Is(err, ErrInvalidNumber) {
			t.Errorf("Attempts(%q): %v, want ErrInvalidNumber", n, err)
		}
	}
	l, err := g.Lock(ctx, "+14155550109", "a")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	for _, a := range []Attempt{{At: time.Now()}, {CallID: "c", At: time.Unix(0, 0)}, {CallID: string(make([]byte, 300)), At: time.Now()}} {
		if err := l.Record(ctx, a); err == nil {
			t.Errorf("Record(%+v) accepted", a)
		}
	}
}

// Redis down: every operation fails at once with ErrUnavailable, reported to OnError.
func TestRedisDown(t *testing.T) {
	t.Parallel()
	var ops []string
	var mu sync.Mutex
	g := NewRedis(redistest.Down(t), RedisOptions{Options: Options{OnError: func(op string, err error) {
		mu.Lock()
		ops = append(ops, op)
		mu.Unlock()
	}}})
	ctx := context.Background()
	if l, err := g.Lock(ctx, "+14155550100", "a"); !errors.Is(err, ErrUnavailable) || l != nil {
		t.Fatalf("Lock on a Redis that is down: %v, %v; want ErrUnavailable", l, err)
	}
	if _, err := g.Attempts(ctx, "+14155550100", time.Now().Add(-time.Hour), time.Now(), nil); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Attempts on a Redis that is down: %v; want ErrUnavailable", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(ops) != "[lock read]" {
		t.Fatalf("OnError saw %v, want [lock read]", ops)
	}
	if g.Held() != 0 {
		t.Fatalf("held %d", g.Held())
	}
}

// A member nobody can read fails the read (closed), instead of being skipped.
func TestUnreadableEntryFailsClosed(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.Prefixed(t)
	g := NewRedis(rdb, RedisOptions{Prefix: prefix})
	ctx := context.Background()
	now := time.Now()
	if err := rdb.ZAdd(ctx, prefix+"log:{+14155550100}", redisZ(now.UnixMilli(), `{"call_id":""}`)).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Attempts(ctx, "+14155550100", now.Add(-time.Minute), now, nil); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Attempts over a bad entry: %v, want ErrUnavailable", err)
	}
}
