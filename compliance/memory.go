package compliance

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"
)

// Memory is an in-process Directory, ConsentLedger and History. The store-backed
// implementations come with the store; Memory serves tests, `voxdial compliance check` and
// benchmarks. Safe for concurrent use.
type Memory struct {
	mu         sync.RWMutex
	campaigns  map[string]*Campaign
	sellers    map[string]*Seller
	contacts   map[uint64]*Contact
	consents   map[uint64][]Consent
	ebrs       map[uint64][]EBR
	reassigned map[uint64][]ReassignedCheck // sorted by CheckedAt
	history    map[uint64][]Event           // sorted by At
	refusals   map[uint64][]Event           // sorted by At
}

// NewMemory returns an empty store.
func NewMemory() *Memory {
	return &Memory{
		campaigns:  map[string]*Campaign{},
		sellers:    map[string]*Seller{},
		contacts:   map[uint64]*Contact{},
		consents:   map[uint64][]Consent{},
		ebrs:       map[uint64][]EBR{},
		reassigned: map[uint64][]ReassignedCheck{},
		history:    map[uint64][]Event{},
		refusals:   map[uint64][]Event{},
	}
}

// PutCampaign adds or replaces a campaign.
func (m *Memory) PutCampaign(c Campaign) {
	m.mu.Lock()
	m.campaigns[c.ID] = &c
	m.mu.Unlock()
}

// PutSeller adds or replaces a seller.
func (m *Memory) PutSeller(s Seller) {
	m.mu.Lock()
	m.sellers[s.ID] = &s
	m.mu.Unlock()
}

// PutContact adds or replaces a contact.
func (m *Memory) PutContact(number uint64, c Contact) {
	m.mu.Lock()
	m.contacts[number] = &c
	m.mu.Unlock()
}

// AddConsent appends a consent record.
func (m *Memory) AddConsent(c Consent) {
	m.mu.Lock()
	m.consents[c.Number] = append(m.consents[c.Number], c)
	m.mu.Unlock()
}

// RevokeConsent revokes the number's consents for seller at t via channel; it reports
// whether any consent was in force.
func (m *Memory) RevokeConsent(number uint64, seller string, t time.Time, via string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	cs := m.consents[number]
	any := false
	for i := range cs {
		if cs[i].Seller == seller && cs[i].RevokedAt.IsZero() {
			cs[i].RevokedAt, cs[i].RevokedVia = t, via
			any = true
		}
	}
	return any
}

// AddEBR appends an established business relationship.
func (m *Memory) AddEBR(e EBR) {
	m.mu.Lock()
	m.ebrs[e.Number] = append(m.ebrs[e.Number], e)
	m.mu.Unlock()
}

// AddReassigned records a Reassigned Numbers Database answer.
func (m *Memory) AddReassigned(r ReassignedCheck) {
	m.mu.Lock()
	defer m.mu.Unlock()
	rs := append(m.reassigned[r.Number], r)
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].CheckedAt.Before(rs[j].CheckedAt) })
	m.reassigned[r.Number] = rs
}

// AddEvent records an attempt in the history.
func (m *Memory) AddEvent(e Event) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.history[e.Number] = insertByTime(m.history[e.Number], e)
	if e.Refused {
		m.refusals[e.Number] = insertByTime(m.refusals[e.Number], e)
	}
}

func insertByTime(es []Event, e Event) []Event {
	i := sort.Search(len(es), func(i int) bool { return es[i].At.After(e.At) })
	es = append(es, Event{})
	copy(es[i+1:], es[i:])
	es[i] = e
	return es
}

// Campaign implements Directory.
func (m *Memory) Campaign(_ context.Context, id string) (*Campaign, error) {
	m.mu.RLock()
	c := m.campaigns[id]
	m.mu.RUnlock()
	if c == nil {
		return nil, fmt.Errorf("campaign %q: %w", id, ErrNotFound)
	}
	return c, nil
}

// Seller implements Directory.
func (m *Memory) Seller(_ context.Context, id string) (*Seller, error) {
	m.mu.RLock()
	s := m.sellers[id]
	m.mu.RUnlock()
	if s == nil {
		return nil, fmt.Errorf("seller %q: %w", id, ErrNotFound)
	}
	return s, nil
}

// Contact implements Directory.
func (m *Memory) Contact(_ context.Context, number uint64) (*Contact, error) {
	m.mu.RLock()
	c := m.contacts[number]
	m.mu.RUnlock()
	return c, nil
}

// Consents implements ConsentLedger.
func (m *Memory) Consents(_ context.Context, number uint64, buf []Consent) ([]Consent, error) {
	m.mu.RLock()
	buf = append(buf, m.consents[number]...)
	m.mu.RUnlock()
	return buf, nil
}

// EBRs implements ConsentLedger.
func (m *Memory) EBRs(_ context.Context, number uint64, buf []EBR) ([]EBR, error) {
	m.mu.RLock()
	buf = append(buf, m.ebrs[number]...)
	m.mu.RUnlock()
	return buf, nil
}

// Reassigned implements ConsentLedger.
func (m *Memory) Reassigned(_ context.Context, number uint64, at time.Time) (ReassignedCheck, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	rs := m.reassigned[number]
	for i := len(rs) - 1; i >= 0; i-- {
		if !rs[i].CheckedAt.After(at) {
			return rs[i], nil
		}
	}
	return ReassignedCheck{Number: number}, nil
}

// Attempts implements History.
func (m *Memory) Attempts(_ context.Context, number uint64, since, until time.Time, buf []Event) ([]Event, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	es := m.history[number]
	i := sort.Search(len(es), func(i int) bool { return !es[i].At.Before(since) })
	for ; i < len(es) && !es[i].At.After(until); i++ {
		buf = append(buf, es[i])
	}
	return buf, nil
}

// Refusals implements History.
func (m *Memory) Refusals(_ context.Context, number uint64, until time.Time, buf []Event) ([]Event, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	for _, e := range m.refusals[number] {
		if e.At.After(until) {
			break
		}
		buf = append(buf, e)
	}
	return buf, nil
}
