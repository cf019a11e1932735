package compliance

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// Memory is an in-process Directory, ConsentLedger, History and FactsSource. The
// store-backed implementations come with the store; Memory serves tests, `voxdial compliance
// check` and benchmarks. Safe for concurrent use: campaigns and sellers are copy-on-write
// snapshots; per-number records are immutable, replaced whole by writers (serialised per
// shard of 64) and read without locks (FactsSource) or under the shard's read lock.
type Memory struct {
	wmu       sync.Mutex // serialises campaign and seller writers
	imu       sync.Mutex
	strs      map[string]string // interned seller, campaign and subject names
	campaigns atomic.Pointer[map[string]*Campaign]
	sellers   atomic.Pointer[map[string]*Seller]
	shards    [memShards]memShard
}

const memShards = 64

type memShard struct {
	mu      sync.RWMutex
	numbers numberTable
	_       [88]byte // keep shards on separate cache lines (128 bytes each)
}

// NewMemory returns an empty store.
func NewMemory() *Memory {
	m := &Memory{strs: map[string]string{}}
	c, s := map[string]*Campaign{}, map[string]*Seller{}
	m.campaigns.Store(&c)
	m.sellers.Store(&s)
	return m
}

func (m *Memory) shard(n uint64) *memShard { return &m.shards[(n*0x9E3779B97F4A7C15)>>58] }

// update replaces the number's record by a copy that f changes, under the shard's write
// lock. Records are immutable once published (readers use them without a lock or a copy),
// so f must not write into the old record's slices: it appends (which never touches the
// elements an older record sees) or replaces them.
func (m *Memory) update(n uint64, f func(d *NumberFacts)) {
	s := m.shard(n)
	s.mu.Lock()
	r := &memRecord{}
	d := &r.NumberFacts
	if old := s.numbers.get(n); old != nil {
		old := &old.NumberFacts
		// Field by field: the zone cache is not copied (the contact may change).
		d.Contact, d.Consents, d.EBRs, d.Reassigned, d.History, d.Refusals =
			old.Contact, old.Consents, old.EBRs, old.Reassigned, old.History, old.Refusals
	}
	f(d)
	// Keep the contact and a single consent inside the record: one decision then reads
	// one contiguous block instead of three scattered ones (each a cache miss).
	if d.Contact != nil {
		r.contact = *d.Contact
		d.Contact = &r.contact
	}
	if len(d.Consents) == 1 {
		r.consent[0] = d.Consents[0]
		d.Consents = r.consent[:1:1]
	}
	s.numbers.put(n, r)
	s.mu.Unlock()
}

// memRecord is a NumberFacts with room for the common case inline.
type memRecord struct {
	NumberFacts
	contact Contact
	consent [1]Consent
}

// intern returns the one copy of s that every record shares: the gate compares sellers and
// subjects per decision, and equal strings that share their bytes compare without reading
// them (a number's own copy would be one more cache miss).
func (m *Memory) intern(s string) string {
	m.imu.Lock()
	defer m.imu.Unlock()
	if v, ok := m.strs[s]; ok {
		return v
	}
	m.strs[s] = s
	return s
}

// PutCampaign adds or replaces a campaign.
func (m *Memory) PutCampaign(c Campaign) {
	c.Seller, c.Subject, c.CallerID = m.intern(c.Seller), m.intern(c.Subject), m.intern(c.CallerID)
	m.wmu.Lock()
	next := maps.Clone(*m.campaigns.Load())
	next[c.ID] = &c
	m.campaigns.Store(&next)
	m.wmu.Unlock()
}

// PutSeller adds or replaces a seller.
func (m *Memory) PutSeller(s Seller) {
	s.CallerIDs = slices.Clone(s.CallerIDs)
	for i, c := range s.CallerIDs {
		s.CallerIDs[i] = m.intern(c)
	}
	m.wmu.Lock()
	next := maps.Clone(*m.sellers.Load())
	next[s.ID] = &s
	m.sellers.Store(&next)
	m.wmu.Unlock()
}

// PutContact adds or replaces a contact.
func (m *Memory) PutContact(number uint64, c Contact) {
	m.update(number, func(d *NumberFacts) { d.Contact = &c })
}

// AddConsent appends a consent record.
func (m *Memory) AddConsent(c Consent) {
	c.Seller = m.intern(c.Seller)
	m.update(c.Number, func(d *NumberFacts) { d.Consents = append(d.Consents[:len(d.Consents):len(d.Consents)], c) })
}

// RevokeConsent revokes the number's consents for seller at t via channel; it reports
// whether any consent was in force.
func (m *Memory) RevokeConsent(number uint64, seller string, t time.Time, via string) bool {
	revoked := false
	m.update(number, func(d *NumberFacts) {
		cs := make([]Consent, len(d.Consents)) // copy: readers may hold the old slice
		copy(cs, d.Consents)
		for i := range cs {
			if cs[i].Seller == seller && cs[i].RevokedAt.IsZero() {
				cs[i].RevokedAt, cs[i].RevokedVia = t, via
				revoked = true
			}
		}
		d.Consents = cs
	})
	return revoked
}

// AddEBR appends an established business relationship.
func (m *Memory) AddEBR(e EBR) {
	e.Seller = m.intern(e.Seller)
	m.update(e.Number, func(d *NumberFacts) { d.EBRs = append(d.EBRs[:len(d.EBRs):len(d.EBRs)], e) })
}

// AddReassigned records a Reassigned Numbers Database answer.
func (m *Memory) AddReassigned(r ReassignedCheck) {
	m.update(r.Number, func(d *NumberFacts) {
		rs := append(slices.Clone(d.Reassigned), r)
		sort.SliceStable(rs, func(i, j int) bool { return rs[i].CheckedAt.Before(rs[j].CheckedAt) })
		d.Reassigned = rs
	})
}

// AddEvent records an attempt in the history.
func (m *Memory) AddEvent(e Event) {
	e.Seller, e.Campaign, e.Subject, e.CallerID = m.intern(e.Seller), m.intern(e.Campaign), m.intern(e.Subject), m.intern(e.CallerID)
	m.update(e.Number, func(d *NumberFacts) {
		d.History = insertByTime(d.History, e)
		if e.Refused {
			d.Refusals = insertByTime(d.Refusals, e)
		}
	})
}

// insertByTime returns es with e inserted in time order, without writing into es's
// elements (readers of an older record may hold it).
func insertByTime(es []Event, e Event) []Event {
	i := sort.Search(len(es), func(i int) bool { return es[i].At.After(e.At) })
	if i == len(es) {
		return append(es[:len(es):len(es)], e)
	}
	return slices.Insert(slices.Clone(es), i, e)
}

// get returns the number's record (read-only) under the shard's read lock, released by the
// returned shard's RUnlock.
func (m *Memory) get(n uint64) (*memShard, *NumberFacts) {
	s := m.shard(n)
	s.mu.RLock()
	if r := s.numbers.get(n); r != nil {
		return s, &r.NumberFacts
	}
	return s, nil
}

// Campaign implements Directory.
func (m *Memory) Campaign(_ context.Context, id string) (*Campaign, error) {
	c := (*m.campaigns.Load())[id]
	if c == nil {
		return nil, fmt.Errorf("campaign %q: %w", id, ErrNotFound)
	}
	return c, nil
}

// Seller implements Directory.
func (m *Memory) Seller(_ context.Context, id string) (*Seller, error) {
	s := (*m.sellers.Load())[id]
	if s == nil {
		return nil, fmt.Errorf("seller %q: %w", id, ErrNotFound)
	}
	return s, nil
}

// Contact implements Directory.
func (m *Memory) Contact(_ context.Context, number uint64) (*Contact, error) {
	s, d := m.get(number)
	defer s.mu.RUnlock()
	if d == nil {
		return nil, nil
	}
	return d.Contact, nil
}

// Consents implements ConsentLedger.
func (m *Memory) Consents(_ context.Context, number uint64, buf []Consent) ([]Consent, error) {
	s, d := m.get(number)
	if d != nil {
		buf = append(buf, d.Consents...)
	}
	s.mu.RUnlock()
	return buf, nil
}

// EBRs implements ConsentLedger.
func (m *Memory) EBRs(_ context.Context, number uint64, buf []EBR) ([]EBR, error) {
	s, d := m.get(number)
	if d != nil {
		buf = append(buf, d.EBRs...)
	}
	s.mu.RUnlock()
	return buf, nil
}

// Reassigned implements ConsentLedger.
func (m *Memory) Reassigned(_ context.Context, number uint64, at time.Time) (ReassignedCheck, error) {
	s, d := m.get(number)
	defer s.mu.RUnlock()
	if d != nil {
		for i := len(d.Reassigned) - 1; i >= 0; i-- {
			if !d.Reassigned[i].CheckedAt.After(at) {
				return d.Reassigned[i], nil
			}
		}
	}
	return ReassignedCheck{Number: number}, nil
}

// Attempts implements History.
func (m *Memory) Attempts(_ context.Context, number uint64, since, until time.Time, buf []Event) ([]Event, error) {
	s, d := m.get(number)
	defer s.mu.RUnlock()
	if d == nil {
		return buf, nil
	}
	es := d.History
	lo, hi := 0, len(es)
	for lo < hi { // first event at or after since
		mid := int(uint(lo+hi) >> 1)
		if es[mid].At.Before(since) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	for i := lo; i < len(es) && !es[i].At.After(until); i++ {
		buf = append(buf, es[i])
	}
	return buf, nil
}

// Refusals implements History.
func (m *Memory) Refusals(_ context.Context, number uint64, until time.Time, buf []Event) ([]Event, error) {
	s, d := m.get(number)
	defer s.mu.RUnlock()
	if d == nil {
		return buf, nil
	}
	for _, e := range d.Refusals {
		if e.At.After(until) {
			break
		}
		buf = append(buf, e)
	}
	return buf, nil
}

// PrefetchFacts starts loading the number's table slot (the gate calls it first, with the
// DNC prefetch, and NumberFacts a little later).
func (m *Memory) PrefetchFacts(number uint64) {
	m.shard(number).numbers.prefetch(number)
}

// NumberFacts implements FactsSource: one map lookup, no copy (records are immutable).
func (m *Memory) NumberFacts(_ context.Context, number uint64) (*NumberFacts, error) {
	r := m.shard(number).numbers.get(number)
	if r == nil {
		return nil, nil
	}
	// The record spans several cache lines that the gate reads one after another (facts,
	// contact, consent); asking for all of them now costs one miss's wait instead of several.
	for off := uintptr(64); off < unsafe.Sizeof(*r); off += 64 {
		prefetch(uintptr(unsafe.Pointer(r)) + off)
	}
	return &r.NumberFacts, nil
}
