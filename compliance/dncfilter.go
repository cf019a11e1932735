package compliance

import (
	"sync/atomic"
	"unsafe"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
)

// dncFilter is a register-blocked Bloom filter in front of a list's bitmap: most numbers a
// dialer asks about are not listed, and the filter says so with one memory read (one 64-bit
// word per number, 3 bits set in it) and no lock, where the roaring lookup takes a read lock
// and several dependent cache misses (container keys, container, contents). About
// 0.75 bytes per listed number at ~6 % false positives, which fall through to the bitmap,
// so answers stay exact.
//
// Words are read and set with atomic operations so that lookups need no lock: a writer
// (serialised by the index's lock) sets a number's bits after adding it to the bitmap, and
// a lookup that sees no bit answers "not listed" — ordered before that add. Removals leave
// their bits (more false positives, never a wrong answer); the filter is rebuilt when a
// list is replaced or has outgrown it.
type dncFilter struct {
	words []uint64
	cap   uint64 // numbers it was sized for
}

// filterMinNumbers is the smallest size a filter is built for: a small list's filter
// (3 KiB) stays in cache.
const filterMinNumbers = 1 << 12

// dncFilterBitsPerNumber trades memory (≤ 3 bytes per DNC number with the bitmap) for
// false positives.
const dncFilterBitsPerNumber = 6

// newDNCFilter returns a filter holding b's numbers, or nil for an empty list.
func newDNCFilter(b *roaring64.Bitmap) *dncFilter {
	n := b.GetCardinality()
	if n == 0 {
		return nil
	}
	size := max(n, filterMinNumbers)
	f := &dncFilter{words: make([]uint64, size*dncFilterBitsPerNumber/64+1), cap: size}
	it := b.ManyIterator()
	buf := make([]uint64, 4096)
	for {
		k := it.NextMany(buf)
		if k == 0 {
			break
		}
		for _, x := range buf[:k] {
			i, m := f.slot(x)
			f.words[i] |= m // not yet published: no reader
		}
	}
	return f
}

// slot returns the word index and the bits of number n.
func (f *dncFilter) slot(n uint64) (uint64, uint64) {
	h := n * 0x9E3779B97F4A7C15
	h ^= h >> 29
	h *= 0xBF58476D1CE4E5B9
	h ^= h >> 32
	i := (h >> 32) * uint64(len(f.words)) >> 32 // fast range reduction: no power-of-two rounding
	return i, 1<<(h&63) | 1<<(h>>6&63) | 1<<(h>>12&63)
}

func (f *dncFilter) add(n uint64) {
	i, m := f.slot(n)
	atomic.OrUint64(&f.words[i], m)
}

// mayHave is false only when n is certainly not in the list.
func (f *dncFilter) mayHave(n uint64) bool {
	i, m := f.slot(n)
	return atomic.LoadUint64(&f.words[i])&m == m
}

// prefetch starts loading n's word so that its cache miss overlaps with other work.
func (f *dncFilter) prefetch(n uint64) {
	i, _ := f.slot(n)
	prefetch(uintptr(unsafe.Pointer(&f.words[i])))
}

// outgrown reports whether the list (of n numbers) has grown past what the filter was
// sized for by enough to rebuild it (geometric growth: rebuilds cost O(1) per number).
func (f *dncFilter) outgrown(n uint64) bool { return f == nil || n > f.cap+f.cap/2 }

func (f *dncFilter) sizeInBytes() uint64 {
	if f == nil {
		return 0
	}
	return uint64(len(f.words)) * 8
}
