package livefeed

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/voxdial/voxdial/internal/redistest"
	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
)

type publisher interface{ Publish(*store.CallEvent) }

type subscriber interface {
	Subscribe(ctx context.Context, fn func(*store.CallEvent), onErr func(error)) (func(), error)
}

// cluster makes the feed of each node of one cluster (the same for Local: one process).
type cluster func(t *testing.T, ctx context.Context, o Options) (publisher, subscriber)

func clusters(t *testing.T) map[string]cluster {
	return map[string]cluster{
		"local": func() cluster {
			var once sync.Once
			var l *Local
			return func(t *testing.T, _ context.Context, o Options) (publisher, subscriber) {
				once.Do(func() { l = NewLocal(o) })
				return l, l
			}
		}(),
		"redis": func() cluster {
			channel := storetest.UniqueName("voxdial_test_events")
			return func(t *testing.T, ctx context.Context, o Options) (publisher, subscriber) {
				r := NewRedis(redistest.Connect(t), RedisOptions{Options: o, Channel: channel})
				go r.Run(ctx)
				return r, r
			}
		}(),
	}
}

// collector gathers what a subscriber receives.
type collector struct {
	mu   sync.Mutex
	got  []*store.CallEvent
	errs []error
	more chan struct{}
}

func newCollector() *collector { return &collector{more: make(chan struct{}, 1)} }

func (c *collector) add(e *store.CallEvent) {
	c.mu.Lock()
	c.got = append(c.got, e)
	c.mu.Unlock()
	select {
	case c.more <- struct{}{}:
	default:
	}
}

func (c *collector) fail(err error) {
	c.mu.Lock()
	c.errs = append(c.errs, err)
	c.mu.Unlock()
}

// wait returns once n events have arrived, failing the test after 10 s.
func (c *collector) wait(t *testing.T, n int) []*store.CallEvent {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		c.mu.Lock()
		got := append([]*store.CallEvent(nil), c.got...)
		c.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-c.more:
		case <-deadline:
			t.Fatalf("%d events arrived, want %d", len(got), n)
		}
	}
}

func event(id int64, typ string) *store.CallEvent {
	return &store.CallEvent{ID: id, CampaignID: 3, ContactID: 40 + id, AttemptID: 7, Type: typ,
		Data: json.RawMessage(fmt.Sprintf(`{"outcome":"busy","n":%d}`, id)), At: time.Date(2026, 5, 1, 10, 0, 0, int(id)*1e6, time.UTC)}
}

// Every node's subscriber receives every node's events, each node's in the order published.
func TestFeed(t *testing.T) {
	t.Parallel()
	for name, mk := range clusters(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var mu sync.Mutex
			results := map[string]int{}
			received := 0
			o := Options{OnPublish: func(r string) { mu.Lock(); results[r]++; mu.Unlock() },
				OnReceive: func() { mu.Lock(); received++; mu.Unlock() }}
			pubA, subA := mk(t, ctx, o)
			pubB, subB := mk(t, ctx, o)
			cols := []*collector{newCollector(), newCollector()}
			for i, s := range []subscriber{subA, subB} {
				run, err := s.Subscribe(ctx, cols[i].add, cols[i].fail)
				if err != nil {
					t.Fatal(err)
				}
				go run()
			}
			const n = 50
			for i := int64(1); i <= n; i++ {
				pubA.Publish(event(i, "attempt_started"))
				pubB.Publish(event(1000+i, "attempt_finished"))
			}
			for ci, c := range cols {
				got := c.wait(t, 2*n)
				lastA, lastB := int64(0), int64(1000)
				for _, e := range got {
					want := event(e.ID, e.Type)
					if e.ContactID != want.ContactID || e.AttemptID != want.AttemptID || e.CampaignID != 3 || !e.At.Equal(want.At) ||
						string(e.Data) != string(want.Data) {
						t.Fatalf("subscriber %d: %+v (data %s), published %+v (data %s)", ci, e, e.Data, want, want.Data)
					}
					last := &lastA
					if e.ID > 1000 {
						last = &lastB
					}
					if e.ID != *last+1 {
						t.Fatalf("subscriber %d: event %d after %d: out of order or lost", ci, e.ID, *last)
					}
					*last = e.ID
				}
				if len(c.errs) > 0 {
					t.Fatalf("subscriber %d errors: %v", ci, c.errs)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if results[Sent] != 2*n || results[Dropped]+results[Failed] != 0 || received != 4*n {
				t.Fatalf("published %v, received %d; want %d sent, %d received", results, received, 2*n, 4*n)
			}
		})
	}
}

// A subscriber that does not keep up loses events (counted), never blocks the publisher.
func TestLocalSlowSubscriber(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	results := map[string]int{}
	l := NewLocal(Options{Buffer: 4, OnPublish: func(r string) { mu.Lock(); results[r]++; mu.Unlock() }})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := l.Subscribe(ctx, func(*store.CallEvent) {}, nil); err != nil { // never run
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		for i := int64(1); i <= 10; i++ {
			l.Publish(event(i, "attempt_started"))
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Publish blocked on a slow subscriber")
	}
	if results[Sent] != 4 || results[Dropped] != 6 {
		t.Fatalf("results %v, want 4 sent and 6 dropped", results)
	}
}

// Messages on the channel that are not events are reported and skipped; events after
// them still arrive.
func TestRedisBadMessages(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rdb := redistest.Connect(t)
	r := NewRedis(rdb, RedisOptions{Channel: storetest.UniqueName("voxdial_test_events")})
	go r.Run(ctx)
	c := newCollector()
	run, err := r.Subscribe(ctx, c.add, c.fail)
	if err != nil {
		t.Fatal(err)
	}
	go run()
	for _, bad := range []string{"", "not json", `{"id":0,"type":"x","at":"2026-05-01T10:00:00Z"}`,
		`{"id":5,"type":"x\nevent: evil","at":"2026-05-01T10:00:00Z"}`} {
		if err := rdb.Publish(ctx, r.Channel(), bad).Err(); err != nil {
			t.Fatal(err)
		}
	}
	r.Publish(event(9, "attempt_started"))
	got := c.wait(t, 1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(got) != 1 || got[0].ID != 9 || len(c.errs) != 4 {
		t.Fatalf("got %v, errors %v; want event 9 and 4 errors", got, c.errs)
	}
}

// Redis down: publishing fails (counted) without blocking, subscribing fails at once.
func TestRedisDown(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	failed := make(chan string, 10)
	r := NewRedis(redistest.Down(t), RedisOptions{Options: Options{OnPublish: func(res string) { failed <- res }}})
	go r.Run(ctx)
	r.Publish(event(1, "attempt_started"))
	select {
	case res := <-failed:
		if res != Failed {
			t.Fatalf("publish to a Redis that is down: %s, want %s", res, Failed)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("publish to a Redis that is down: no result")
	}
	if _, err := r.Subscribe(ctx, func(*store.CallEvent) {}, nil); err == nil {
		t.Fatal("subscribe to a Redis that is down: no error")
	}
}
