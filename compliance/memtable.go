package compliance

import (
	"sync/atomic"
	"unsafe"
)

// numberTable is an open-addressing hash table of number → record with linear probing, the
// slots in one flat array: a lookup reads one slot (a cache line) and then the record. A Go
// map of a million entries costs two or three dependent misses (directory, table, group)
// before the record.
//
// Readers take no lock (a locked instruction would also stop the CPU from overlapping this
// miss with the next ones): slots are written with atomic stores, the record before the
// key, and a grown array is published whole. Writers are serialised by the caller.
type numberTable struct {
	slots atomic.Pointer[[]numberSlot] // power-of-two length
	n     int                          // writers only
}

type numberSlot struct {
	key atomic.Uint64 // number + 1 (0 marks an empty slot)
	rec atomic.Pointer[memRecord]
}

func home(n uint64, mask uint64) uint64 { return (n * 0x9E3779B97F4A7C15) >> 20 & mask }

func (t *numberTable) get(n uint64) *memRecord {
	p := t.slots.Load()
	if p == nil {
		return nil
	}
	slots := *p
	k, mask := n+1, uint64(len(slots)-1)
	for i := home(n, mask); ; i = (i + 1) & mask {
		s := &slots[i]
		switch s.key.Load() {
		case k:
			return s.rec.Load()
		case 0:
			return nil
		}
	}
}

// prefetch starts loading n's home slot (see prefetch).
func (t *numberTable) prefetch(n uint64) {
	if p := t.slots.Load(); p != nil {
		slots := *p
		prefetch(uintptr(unsafe.Pointer(&slots[home(n, uint64(len(slots)-1))])))
	}
}

func (t *numberTable) put(n uint64, rec *memRecord) {
	p := t.slots.Load()
	if p == nil || 2*(t.n+1) > len(*p) {
		p = t.grow(p)
	}
	slots := *p
	k, mask := n+1, uint64(len(slots)-1)
	for i := home(n, mask); ; i = (i + 1) & mask {
		s := &slots[i]
		switch s.key.Load() {
		case k:
			s.rec.Store(rec)
			return
		case 0:
			s.rec.Store(rec)
			s.key.Store(k)
			t.n++
			return
		}
	}
}

// grow copies the slots into an array twice as large and publishes it.
func (t *numberTable) grow(p *[]numberSlot) *[]numberSlot {
	size := 16
	if p != nil {
		size = 2 * len(*p)
	}
	slots := make([]numberSlot, size)
	mask := uint64(size - 1)
	if p != nil {
		for i := range *p {
			o := &(*p)[i]
			k := o.key.Load()
			if k == 0 {
				continue
			}
			j := home(k-1, mask)
			for slots[j].key.Load() != 0 {
				j = (j + 1) & mask
			}
			slots[j].rec.Store(o.rec.Load())
			slots[j].key.Store(k)
		}
	}
	t.slots.Store(&slots)
	return &slots
}
