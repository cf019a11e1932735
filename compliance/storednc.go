package compliance

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/RoaringBitmap/roaring/v2/roaring64"

	"github.com/voxdial/voxdial/store"
)

// ReplaceList swaps in a whole list for scope (a registry copy), as of its snapshot; the
// bitmap is owned by the index afterwards.
func (x *DNCIndex) ReplaceList(l List, scope string, b *roaring64.Bitmap) {
	var f *dncFilter
	if l == ListNational || l == ListTPS || l == ListDecline {
		f = newDNCFilter(b) // outside the lock: lookups go on meanwhile
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	switch l {
	case ListNational:
		x.national = b
	case ListTPS:
		x.tps = b
	case ListDecline:
		x.decline = b
	case ListInternal, ListState:
		m, all := x.internal, x.internalAll
		if l == ListState {
			m, all = x.state, x.stateAll
		}
		m[scope] = b
		all.Clear()
		for _, o := range m {
			all.Or(o)
		}
		f = newDNCFilter(all) // the union changed: no stale bits
	default:
		return
	}
	// Bitmap first, then filter: a lookup that sees the new filter's bit finds the number
	// in the new bitmap under the read lock.
	x.filters[l].Store(f)
	for k := range x.listedAt {
		if k.list == l && k.scope == scope {
			delete(x.listedAt, k)
		}
	}
}

// StoreDNC is the do-not-call lookup of a store-backed deployment: a DNCIndex loaded from
// the store's registry copies and entries, kept current by Refresh (every node polls the
// change log; the opt-outs of this process are applied at once by Apply).
type StoreDNC struct {
	db  *store.DB
	idx *DNCIndex

	mu      sync.Mutex // serialises loads and refreshes
	lastSeq int64
	snaps   map[string]int64                // list/scope → loaded snapshot id
	rows    map[string]map[uint64]time.Time // list/scope → active entries (over registry lists)
}

// NewStoreDNC loads the index from the store.
func NewStoreDNC(ctx context.Context, db *store.DB) (*StoreDNC, error) {
	s := &StoreDNC{db: db, idx: NewDNCIndex(), snaps: map[string]int64{}, rows: map[string]map[uint64]time.Time{}}
	if err := s.Refresh(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Index is the in-memory index (read-only use).
func (s *StoreDNC) Index() *DNCIndex { return s.idx }

// LookupDNC implements DNCLookup.
func (s *StoreDNC) LookupDNC(ctx context.Context, q DNCQuery) (DNCResult, error) {
	return s.idx.LookupDNC(ctx, q)
}

// Prefetch implements the gate's early read of the index's filter words (DNCIndex.Prefetch).
func (s *StoreDNC) Prefetch(n uint64) { s.idx.Prefetch(n) }

func key(list, scope string) string { return list + "/" + scope }

// DecodeSnapshot reads a registry copy's numbers.
func DecodeSnapshot(data []byte) (*roaring64.Bitmap, error) {
	b := roaring64.New()
	if _, err := b.ReadFrom(bytes.NewReader(data)); err != nil {
		return nil, fmt.Errorf("decode registry copy: %w", err)
	}
	return b, nil
}

// EncodeSnapshot serializes a list's numbers for the store.
func EncodeSnapshot(b *roaring64.Bitmap) ([]byte, error) {
	b.RunOptimize()
	var buf bytes.Buffer
	buf.Grow(int(b.GetSerializedSizeInBytes()))
	if _, err := b.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Refresh loads new registry copies and applies the entries' changes since the last call.
func (s *StoreDNC) Refresh(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	snaps, err := s.db.DNCSnapshotCurrent(ctx)
	if err != nil {
		return err
	}
	for _, sn := range snaps {
		k := key(sn.List, sn.Scope)
		if s.snaps[k] == sn.ID {
			continue
		}
		if err := s.loadSnapshot(ctx, sn); err != nil {
			return err
		}
	}
	for {
		chs, err := s.db.DNCChangeList(ctx, &store.DNCChangeListParams{After: s.lastSeq})
		if err != nil {
			return err
		}
		for _, c := range chs {
			s.apply(c)
			s.lastSeq = c.Seq
		}
		if len(chs) < 10000 {
			return nil
		}
	}
}

func (s *StoreDNC) loadSnapshot(ctx context.Context, sn *store.DNCSnapshot) error {
	l, ok := ParseList(sn.List)
	if !ok {
		return fmt.Errorf("registry copy %d: unknown list %q", sn.ID, sn.List)
	}
	data, err := s.db.DNCSnapshotData(ctx, sn.ID)
	if err != nil {
		return err
	}
	b, err := DecodeSnapshot(data)
	if err != nil {
		return fmt.Errorf("registry copy %d: %w", sn.ID, err)
	}
	k := key(sn.List, sn.Scope)
	for n := range s.rows[k] { // entries added one by one stay listed
		b.Add(n)
	}
	s.idx.ReplaceList(l, sn.Scope, b)
	for n, at := range s.rows[k] {
		s.idx.Add(l, sn.Scope, n, at)
	}
	if l == ListNational || l == ListTPS {
		asOf, err := time.Parse(time.DateOnly, sn.AsOf)
		if err != nil {
			return fmt.Errorf("registry copy %d: as_of %q: %w", sn.ID, sn.AsOf, err)
		}
		s.idx.SetSnapshot(l, asOf)
	}
	s.snaps[k] = sn.ID
	return nil
}

// apply applies one change to the index. Callers hold mu.
func (s *StoreDNC) apply(c store.DNCChange) {
	l, ok := ParseList(c.List)
	n, ok2 := ParseNumber(c.Phone)
	if !ok || !ok2 {
		return
	}
	k := key(c.List, c.Scope)
	switch c.Op {
	case "add":
		if s.rows[k] == nil {
			s.rows[k] = map[uint64]time.Time{}
		}
		s.rows[k][n] = c.At
		s.idx.Add(l, c.Scope, n, c.At)
	case "remove":
		delete(s.rows[k], n)
		if l != ListInternal && s.snaps[k] != 0 {
			// The number may be on the registry copy: reload it (rare).
			delete(s.snaps, k)
			return
		}
		s.idx.Remove(l, c.Scope, n)
	}
}

// Apply adds an entry to this process's index at once (the store already has it); Refresh
// will see the same change again, harmlessly.
func (s *StoreDNC) Apply(list List, scope string, number uint64, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := key(list.String(), scope)
	if s.rows[k] == nil {
		s.rows[k] = map[uint64]time.Time{}
	}
	if _, ok := s.rows[k][number]; !ok {
		s.rows[k][number] = at
	}
	s.idx.Add(list, scope, number, s.rows[k][number])
}

// Run refreshes every interval until ctx ends; errors are reported to onErr (the index keeps
// its last good state).
func (s *StoreDNC) Run(ctx context.Context, every time.Duration, onErr func(error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.Refresh(ctx); err != nil && ctx.Err() == nil && onErr != nil {
				onErr(err)
			}
		}
	}
}

// Has reports whether the list (of scope) holds the number now, regardless of listing time.
func (x *DNCIndex) Has(l List, scope string, number uint64) bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	b := x.bitmap(l, scope, false)
	return b != nil && b.Contains(number)
}

// Each calls f for every number of the list (of scope) in ascending order, under the read
// lock; f's error stops the walk.
func (x *DNCIndex) Each(l List, scope string, f func(uint64) error) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	b := x.bitmap(l, scope, false)
	if b == nil {
		return nil
	}
	it := b.Iterator()
	for it.HasNext() {
		if err := f(it.Next()); err != nil {
			return err
		}
	}
	return nil
}
