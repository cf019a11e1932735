package compliance

import (
	"context"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
)

// List names a do-not-call list.
type List uint8

const (
	ListInternal List = iota // a seller's own list (47 CFR 64.1200(d)); opt-outs land here
	ListNational             // US National DNC Registry (64.1200(c)(2))
	ListState                // a US state's list (by region)
	ListTPS                  // UK TPS/CTPS (PECR reg 21)
	ListDecline              // CN 谢绝来电 decline-calls registry
	numLists
)

var listNames = [numLists]string{"internal", "national", "state", "tps", "decline"}

func (l List) String() string {
	if l < numLists {
		return listNames[l]
	}
	return "list(" + itoa(int(l)) + ")"
}

// ParseList parses internal | national | state | tps | decline.
func ParseList(s string) (List, bool) {
	for i, n := range listNames {
		if n == s {
			return List(i), true
		}
	}
	return 0, false
}

// ListSet is a set of lists.
type ListSet uint8

// Has reports whether l is in the set.
func (s ListSet) Has(l List) bool { return s&(1<<l) != 0 }

// DNCQuery asks which lists hold a number at an instant.
type DNCQuery struct {
	Number       uint64
	Seller       string
	PlatformWide bool // every seller's internal entries count (platform suppression)
	At           time.Time
}

// DNCResult says which lists hold the number and how fresh the registry copies are.
type DNCResult struct {
	Hits           ListSet
	InternalSeller string // whose internal list (platform-wide suppression)
	StateRegion    string // which state's list
	// Snapshots are the as-of dates of the registry copies (zero: never loaded).
	NationalAsOf, TPSAsOf time.Time
}

// DNCLookup answers do-not-call questions. DNCIndex implements it in memory; a store-backed
// deployment loads a DNCIndex from the store and keeps it current.
type DNCLookup interface {
	LookupDNC(ctx context.Context, q DNCQuery) (DNCResult, error)
}

type entryKey struct {
	list   List
	scope  string
	number uint64
}

// DNCIndex is the in-memory do-not-call index: one compressed bitmap (roaring64) of E.164
// numbers per list and scope, about 2 bytes per number for registry-sized lists, each list
// kind behind a Bloom filter. A lookup of a number no list holds (most of them) reads the
// filters without a lock; only a possible hit takes the read lock for the bitmaps. Lookups
// do not allocate. Safe for concurrent use.
type DNCIndex struct {
	mu          sync.RWMutex
	national    *roaring64.Bitmap
	tps         *roaring64.Bitmap
	decline     *roaring64.Bitmap
	stateAll    *roaring64.Bitmap
	internalAll *roaring64.Bitmap
	internal    map[string]*roaring64.Bitmap // by seller
	state       map[string]*roaring64.Bitmap // by region, e.g. "US-TX"
	// listedAt holds the listing time of entries added one by one (bulk imports are as of
	// their snapshot). An entry listed after the query instant does not count (replays).
	listedAt map[entryKey]time.Time
	// Read without mu (lookups); written under mu.
	snapshots [numLists]atomic.Pointer[time.Time]
	// filters answer "certainly not listed" with one memory read and no lock: one per
	// registry list (national, tps, decline) and one over every seller's internal list and
	// every state's list (internalAll, stateAll); nil while the kind is empty.
	filters [numLists]atomic.Pointer[dncFilter]
}

// NewDNCIndex returns an empty index.
func NewDNCIndex() *DNCIndex {
	return &DNCIndex{
		national:    roaring64.New(),
		tps:         roaring64.New(),
		decline:     roaring64.New(),
		stateAll:    roaring64.New(),
		internalAll: roaring64.New(),
		internal:    map[string]*roaring64.Bitmap{},
		state:       map[string]*roaring64.Bitmap{},
		listedAt:    map[entryKey]time.Time{},
	}
}

// bitmap returns the list's bitmap for scope (seller for internal, region for state),
// creating it when create is set. Callers hold mu.
func (x *DNCIndex) bitmap(l List, scope string, create bool) *roaring64.Bitmap {
	var m map[string]*roaring64.Bitmap
	switch l {
	case ListNational:
		return x.national
	case ListTPS:
		return x.tps
	case ListDecline:
		return x.decline
	case ListInternal:
		m = x.internal
	case ListState:
		m = x.state
	default:
		return nil
	}
	b := m[scope]
	if b == nil && create {
		b = roaring64.New()
		m[scope] = b
	}
	return b
}

// Add lists a number. scope is the seller for internal lists and the region (e.g. "US-TX")
// for state lists. A non-zero listedAt is kept so that earlier instants are not affected.
func (x *DNCIndex) Add(l List, scope string, number uint64, listedAt time.Time) {
	x.mu.Lock()
	defer x.mu.Unlock()
	b := x.bitmap(l, scope, true)
	if b == nil {
		return
	}
	b.Add(number)
	switch l {
	case ListInternal:
		x.internalAll.Add(number)
	case ListState:
		x.stateAll.Add(number)
	}
	if f := x.filters[l].Load(); f.outgrown(x.filtered(l).GetCardinality()) {
		x.filters[l].Store(newDNCFilter(x.filtered(l))) // holds number
	} else {
		f.add(number)
	}
	k := entryKey{l, scope, number}
	if listedAt.IsZero() {
		delete(x.listedAt, k)
	} else if old, ok := x.listedAt[k]; !ok || listedAt.Before(old) {
		x.listedAt[k] = listedAt
	}
}

// AddMany lists many numbers at once (a registry import); numbers need not be sorted.
func (x *DNCIndex) AddMany(l List, scope string, numbers []uint64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	b := x.bitmap(l, scope, true)
	if b == nil {
		return
	}
	b.AddMany(numbers)
	switch l {
	case ListInternal:
		x.internalAll.AddMany(numbers)
	case ListState:
		x.stateAll.AddMany(numbers)
	}
	// An overfull filter is still exact (more false positives, which the bitmap answers);
	// it is rebuilt only at 4× its size so that a bulk load in batches stays linear, and
	// Optimize sizes it for the final list.
	if f := x.filters[l].Load(); f == nil || x.filtered(l).GetCardinality() > 4*f.cap {
		x.filters[l].Store(newDNCFilter(x.filtered(l)))
	} else {
		for _, n := range numbers {
			f.add(n)
		}
	}
}

// filtered returns the bitmap a list kind's filter covers: the registry list itself, or
// the union of every seller's internal list or every state's list. Callers hold mu.
func (x *DNCIndex) filtered(l List) *roaring64.Bitmap {
	switch l {
	case ListInternal:
		return x.internalAll
	case ListState:
		return x.stateAll
	}
	return x.bitmap(l, "", false)
}

// Remove unlists a number.
func (x *DNCIndex) Remove(l List, scope string, number uint64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	b := x.bitmap(l, scope, false)
	if b == nil {
		return
	}
	b.Remove(number)
	delete(x.listedAt, entryKey{l, scope, number})
	var all *roaring64.Bitmap
	var m map[string]*roaring64.Bitmap
	switch l {
	case ListInternal:
		all, m = x.internalAll, x.internal
	case ListState:
		all, m = x.stateAll, x.state
	default:
		return
	}
	for _, o := range m {
		if o.Contains(number) {
			return
		}
	}
	all.Remove(number)
}

// SetSnapshot records the as-of date of a registry copy (national, tps).
func (x *DNCIndex) SetSnapshot(l List, asOf time.Time) {
	if l < numLists {
		x.snapshots[l].Store(&asOf)
	}
}

func (x *DNCIndex) snapshot(l List) time.Time {
	if t := x.snapshots[l].Load(); t != nil {
		return *t
	}
	return time.Time{}
}

// Optimize compresses runs and sizes the filters for the lists as they are; call after a
// bulk import.
func (x *DNCIndex) Optimize() {
	x.mu.Lock()
	defer x.mu.Unlock()
	for l := range numLists {
		b := x.filtered(l)
		b.RunOptimize()
		// Rebuilt (or dropped) when the list emptied, outgrew its filter or shrank to under half of it.
		if n, f := b.GetCardinality(), x.filters[l].Load(); n == 0 || f.outgrown(n) || f.cap > 2*max(n, filterMinNumbers) {
			x.filters[l].Store(newDNCFilter(b))
		}
	}
}

// Prefetch starts loading the filter words of n so that their cache misses overlap with
// the caller's other lookups (the gate calls it first, LookupDNC later).
func (x *DNCIndex) Prefetch(n uint64) {
	for l := range numLists {
		if f := x.filters[l].Load(); f != nil {
			f.prefetch(n)
		}
	}
}

// Len returns the number of entries over every list (a number on two lists counts twice).
func (x *DNCIndex) Len() uint64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	n := x.national.GetCardinality() + x.tps.GetCardinality() + x.decline.GetCardinality()
	for _, b := range x.internal {
		n += b.GetCardinality()
	}
	for _, b := range x.state {
		n += b.GetCardinality()
	}
	return n
}

// SizeInBytes estimates the memory of the bitmaps.
func (x *DNCIndex) SizeInBytes() uint64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	n := x.national.GetSizeInBytes() + x.tps.GetSizeInBytes() + x.decline.GetSizeInBytes() +
		x.stateAll.GetSizeInBytes() + x.internalAll.GetSizeInBytes()
	for l := range numLists {
		n += x.filters[l].Load().sizeInBytes()
	}
	for _, b := range x.internal {
		n += b.GetSizeInBytes()
	}
	for _, b := range x.state {
		n += b.GetSizeInBytes()
	}
	return n
}

// listedBy reports whether the entry counts at instant at. Callers hold mu.
func (x *DNCIndex) listedBy(l List, scope string, number uint64, at time.Time) bool {
	if len(x.listedAt) == 0 {
		return true
	}
	t, ok := x.listedAt[entryKey{l, scope, number}]
	return !ok || !t.After(at)
}

// LookupDNC implements DNCLookup without allocating. The filters settle most lookups
// without the lock: a number none of them may hold is on no list.
func (x *DNCIndex) LookupDNC(ctx context.Context, q DNCQuery) (DNCResult, error) {
	r := DNCResult{NationalAsOf: x.snapshot(ListNational), TPSAsOf: x.snapshot(ListTPS)}
	n := q.Number
	var maybe ListSet
	for l := range numLists {
		if f := x.filters[l].Load(); f != nil && f.mayHave(n) {
			maybe |= 1 << l
		}
	}
	if maybe == 0 {
		return r, nil
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	if maybe.Has(ListNational) && x.national.Contains(n) && x.listedBy(ListNational, "", n, q.At) {
		r.Hits |= 1 << ListNational
	}
	if maybe.Has(ListTPS) && x.tps.Contains(n) && x.listedBy(ListTPS, "", n, q.At) {
		r.Hits |= 1 << ListTPS
	}
	if maybe.Has(ListDecline) && x.decline.Contains(n) && x.listedBy(ListDecline, "", n, q.At) {
		r.Hits |= 1 << ListDecline
	}
	if maybe.Has(ListInternal) && x.internalAll.Contains(n) {
		if b := x.internal[q.Seller]; b != nil && b.Contains(n) && x.listedBy(ListInternal, q.Seller, n, q.At) {
			r.Hits |= 1 << ListInternal
			r.InternalSeller = q.Seller
		} else if q.PlatformWide {
			if s, ok := x.firstScope(x.internal, ListInternal, n, q.At); ok {
				r.Hits |= 1 << ListInternal
				r.InternalSeller = s
			}
		}
	}
	if maybe.Has(ListState) && x.stateAll.Contains(n) {
		if s, ok := x.firstScope(x.state, ListState, n, q.At); ok {
			r.Hits |= 1 << ListState
			r.StateRegion = s
		}
	}
	return r, nil
}

// firstScope finds, in sorted scope order, a scope whose list holds n at at (rare path:
// only after the union bitmap matched).
func (x *DNCIndex) firstScope(m map[string]*roaring64.Bitmap, l List, n uint64, at time.Time) (string, bool) {
	best, found := "", false
	for s, b := range m {
		if b.Contains(n) && x.listedBy(l, s, n, at) && (!found || s < best) {
			best, found = s, true
		}
	}
	return best, found
}

// Scopes returns the sellers (internal) or regions (state) that have a list.
func (x *DNCIndex) Scopes(l List) []string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	var m map[string]*roaring64.Bitmap
	switch l {
	case ListInternal:
		m = x.internal
	case ListState:
		m = x.state
	}
	out := make([]string, 0, len(m))
	for s := range m {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}
