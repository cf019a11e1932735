package numbers

import (
	"context"
	"sort"
	"sync"
	"time"
)

// NewLocal returns the in-process Guard of a single node.
func NewLocal(o Options) *Guard {
	return newGuard(&local{nums: map[string]*localNumber{}}, o)
}

// local keeps every number in one map under one mutex: a node's rate of calls is far
// below what a map lookup costs.
type local struct {
	mu   sync.Mutex
	nums map[string]*localNumber
}

type localNumber struct {
	token string
	until time.Time // lock expiry
	log   []localEntry
}

type localEntry struct {
	ms     int64
	member string
}

// get returns number's state, creating it when create is set (nil otherwise).
func (b *local) get(number string, create bool) *localNumber {
	n := b.nums[number]
	if n == nil && create {
		n = &localNumber{}
		b.nums[number] = n
	}
	return n
}

func (n *localNumber) holds(token string, now time.Time) bool {
	return n.token == token && now.Before(n.until)
}

// gc drops a number with neither a live lock nor a log.
func (b *local) gc(number string, n *localNumber, now time.Time) {
	if len(n.log) == 0 && !now.Before(n.until) {
		delete(b.nums, number)
	}
}

func (b *local) ping(context.Context) error { return nil }

func (b *local) lock(_ context.Context, number, token string, ttl time.Duration) (bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	n := b.get(number, true)
	if now.Before(n.until) {
		return false, nil
	}
	n.token, n.until = token, now.Add(ttl)
	return true, nil
}

func (b *local) refresh(_ context.Context, number, token string, ttl time.Duration) (bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	n := b.get(number, false)
	if n == nil || !n.holds(token, now) {
		return false, nil
	}
	n.until = now.Add(ttl)
	return true, nil
}

func (b *local) unlock(_ context.Context, number, token string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	if n := b.get(number, false); n != nil && n.holds(token, now) {
		n.token, n.until = "", time.Time{}
		b.gc(number, n, now)
	}
	return nil
}

func (b *local) record(_ context.Context, number, token string, atMS int64, member string, trimMS int64, _ time.Duration) (bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := b.get(number, false)
	if n == nil || !n.holds(token, time.Now()) {
		return false, nil
	}
	// Sorted by time, then member, as a Redis sorted set is.
	e := localEntry{atMS, member}
	i := sort.Search(len(n.log), func(i int) bool {
		x := n.log[i]
		return x.ms > e.ms || (x.ms == e.ms && x.member >= e.member)
	})
	if i == len(n.log) || n.log[i] != e {
		n.log = append(n.log, localEntry{})
		copy(n.log[i+1:], n.log[i:])
		n.log[i] = e
	}
	k := sort.Search(len(n.log), func(i int) bool { return n.log[i].ms >= trimMS })
	n.log = append(n.log[:0], n.log[k:]...)
	return true, nil
}

func (b *local) forget(_ context.Context, number, member string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := b.get(number, false)
	if n == nil {
		return nil
	}
	for i, e := range n.log {
		if e.member == member {
			n.log = append(n.log[:i], n.log[i+1:]...)
			break
		}
	}
	b.gc(number, n, time.Now())
	return nil
}

func (b *local) read(_ context.Context, number string, fromMS, toMS int64) ([]string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := b.get(number, false)
	if n == nil {
		return nil, nil
	}
	var out []string
	for _, e := range n.log {
		if e.ms >= fromMS && e.ms <= toMS {
			out = append(out, e.member)
		}
	}
	return out, nil
}
