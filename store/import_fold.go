package store

import (
	"hash/maphash"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
)

// importFold decides, row by row in file order, whether a row of a first
// import into an empty campaign can be copied straight into contacts. It
// keeps the numbers of the rows copied (exactly, in a compressed bitmap) and
// a 64-bit hash of their external ids. A row is:
//   - a duplicate when its number was copied already (exact);
//   - doubtful when its id's hash was seen, or it shares a number or an id
//     hash with an earlier doubtful row: the database decides those later,
//     against what is in contacts by then, in file order;
//   - copied otherwise.
//
// No copied row can conflict with a doubtful row, so deciding the doubtful
// ones afterwards gives the same contacts as taking every row in file order.
type importFold struct {
	phones   *roaring64.Bitmap // numbers of copied rows
	ids      hashSet           // id hashes of copied and doubtful rows
	doubtful *roaring64.Bitmap // numbers of doubtful rows
	seed     maphash.Seed
}

func newImportFold() *importFold {
	return &importFold{phones: roaring64.New(), doubtful: roaring64.New(), seed: maphash.MakeSeed()}
}

type foldVerdict int

const (
	foldCopy foldVerdict = iota
	foldDuplicate
	foldDoubtful
)

// decide classifies a row and records it.
func (f *importFold) decide(r *ContactRow) foldVerdict {
	key, ok := phoneKey(r.Phone)
	if !ok {
		return foldDoubtful // not E.164 digits: let the database compare the text
	}
	if f.phones.Contains(key) {
		return foldDuplicate
	}
	var h uint64
	if r.ExternalID != "" {
		h = maphash.String(f.seed, r.ExternalID) | 1 // never 0: 0 marks an empty slot
	}
	if f.doubtful.Contains(key) || (h != 0 && f.ids.has(h)) {
		f.doubtful.Add(key)
		if h != 0 {
			f.ids.add(h)
		}
		return foldDoubtful
	}
	f.phones.Add(key)
	if h != 0 {
		f.ids.add(h)
	}
	return foldCopy
}

// size is the number of entries held, to bound memory.
func (f *importFold) size() int { return f.ids.n + int(f.phones.GetCardinality()) }

// phoneKey maps an E.164 number to a distinct integer: its digits, and the
// digit count above bit 50 (10^15 < 2^50) so that leading zeros cannot
// collide.
func phoneKey(p string) (uint64, bool) {
	if len(p) < 2 || len(p) > 16 || p[0] != '+' {
		return 0, false
	}
	var v uint64
	for i := 1; i < len(p); i++ {
		c := p[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	return uint64(len(p)-1)<<50 | v, true
}

// hashSet is an open-addressing set of non-zero uint64 (8 bytes a slot,
// at most half full): a third of the memory of a Go map.
type hashSet struct {
	slots []uint64
	n     int
}

func (s *hashSet) has(h uint64) bool {
	if len(s.slots) == 0 {
		return false
	}
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case h:
			return true
		case 0:
			return false
		}
	}
}

func (s *hashSet) add(h uint64) {
	if 2*(s.n+1) > len(s.slots) {
		s.grow()
	}
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case h:
			return
		case 0:
			s.slots[i] = h
			s.n++
			return
		}
	}
}

func (s *hashSet) grow() {
	old := s.slots
	s.slots = make([]uint64, max(1024, 2*len(old)))
	s.n = 0
	for _, h := range old {
		if h != 0 {
			s.add(h)
		}
	}
}
