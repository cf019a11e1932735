package compliance

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
)

// The filter in front of a registry list never changes an answer: listed numbers are found
// (after bulk loads, replacement, single adds) and removed ones are not.
func TestDNCFilterExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	listed := make([]uint64, 70_000)
	for i := range listed {
		listed[i] = 12000000000 + rng.Uint64N(8_000_000_000)
	}
	ctx := context.Background()
	at := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		load func(x *DNCIndex)
	}{
		{"AddMany+Optimize", func(x *DNCIndex) { x.AddMany(ListNational, "", listed); x.Optimize() }},
		{"ReplaceList", func(x *DNCIndex) { x.ReplaceList(ListNational, "", roaring64.BitmapOf(listed...)) }},
		{"AddMany after Optimize", func(x *DNCIndex) {
			x.AddMany(ListNational, "", listed[:66_000])
			x.Optimize()
			x.AddMany(ListNational, "", listed[66_000:]) // within the filter's size: bits added
		}},
		{"AddMany outgrowing the filter, then Optimize", func(x *DNCIndex) {
			x.AddMany(ListNational, "", listed[:66_000])
			x.Optimize()
			more := make([]uint64, 40_000) // 66,000 + 40,000 > 1.5 × 66,000
			for i := range more {
				more[i] = 11000000000 + uint64(i)
			}
			x.AddMany(ListNational, "", append(more, listed[66_000:]...))
			if x.filters[ListNational] != nil {
				panic("an outgrown filter should be dropped") // the bitmap answers alone
			}
			x.Optimize()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := NewDNCIndex()
			tc.load(x)
			if x.filters[ListNational] == nil {
				t.Fatal("a registry-sized list should have a filter")
			}
			has := func(n uint64) bool {
				r, _ := x.LookupDNC(ctx, DNCQuery{Number: n, Seller: "S1", At: at})
				return r.Hits.Has(ListNational)
			}
			for _, n := range listed {
				if !has(n) {
					t.Fatalf("%d is listed but not found", n)
				}
			}
			set := roaring64.BitmapOf(listed...)
			fp := 0
			for range 20_000 {
				n := 12000000000 + rng.Uint64N(8_000_000_000)
				if has(n) != set.Contains(n) {
					t.Fatalf("%d: index says %v, list says %v", n, has(n), set.Contains(n))
				}
				if !set.Contains(n) && x.filters[ListNational].mayHave(n) {
					fp++
				}
			}
			if fp > 2_400 { // ~6 % expected
				t.Errorf("filter false positives %d of 20,000: too many", fp)
			}
			x.Remove(ListNational, "", listed[0])
			if has(listed[0]) {
				t.Error("a removed number is still found")
			}
			x.Add(ListNational, "", 19999999999, time.Time{})
			if !has(19999999999) {
				t.Error("a number added after the filter was built is not found")
			}
		})
	}
}
