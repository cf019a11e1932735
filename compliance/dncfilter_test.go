package compliance

import (
	"context"
	"math/rand/v2"
	"sync/atomic"
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
			if f := x.filters[ListNational].Load(); f == nil || f.cap != 66_000 {
				panic("an overfull filter is kept (bits added) until Optimize") // still exact
			}
			x.Optimize()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := NewDNCIndex()
			tc.load(x)
			if x.filters[ListNational].Load() == nil {
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
				if !set.Contains(n) && x.filters[ListNational].Load().mayHave(n) {
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

// Every list kind is answered through its filter, small lists and scoped ones included, and
// a number added or removed one at a time is seen at once.
func TestDNCFilterEveryKind(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		list   List
		scope  string
		seller string
	}{
		{ListNational, "", "S1"}, {ListTPS, "", "S1"}, {ListDecline, "", "S1"},
		{ListInternal, "S1", "S1"}, {ListState, "US-TX", "S1"},
	} {
		t.Run(tc.list.String(), func(t *testing.T) {
			x := NewDNCIndex()
			if r, _ := x.LookupDNC(ctx, DNCQuery{Number: 12125550100, Seller: tc.seller, At: at}); r.Hits != 0 {
				t.Fatalf("empty index: hits %b", r.Hits)
			}
			for i := range uint64(10_000) { // past the smallest filter's size: rebuilt on the way
				x.Add(tc.list, tc.scope, 12125550000+i*7, time.Time{})
				if r, _ := x.LookupDNC(ctx, DNCQuery{Number: 12125550000 + i*7, Seller: tc.seller, At: at}); !r.Hits.Has(tc.list) {
					t.Fatalf("number %d added but not found", i)
				}
			}
			if f := x.filters[tc.list].Load(); f == nil || f.outgrown(10_000) {
				t.Fatal("filter not grown with the list")
			}
			for i := range uint64(10_000) {
				r, _ := x.LookupDNC(ctx, DNCQuery{Number: 12125550000 + i*7 + 1, Seller: tc.seller, At: at})
				if r.Hits != 0 {
					t.Fatalf("unlisted %d found: %b", 12125550000+i*7+1, r.Hits)
				}
			}
			x.Remove(tc.list, tc.scope, 12125550000)
			if r, _ := x.LookupDNC(ctx, DNCQuery{Number: 12125550000, Seller: tc.seller, At: at}); r.Hits != 0 {
				t.Fatalf("removed number still found: %b", r.Hits)
			}
		})
	}
}

// Lookups read the filters without the lock while writers add: a number whose Add has
// returned is always found (run with -race).
func TestDNCLookupDuringAdds(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	x := NewDNCIndex()
	var added atomic.Uint64 // numbers 0..added-1 of the sequence are listed
	num := func(i uint64) uint64 { return 13125550000 + i*13 }
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range uint64(20_000) {
			l := ListInternal
			if i%2 == 0 {
				l = ListNational
			}
			x.Add(l, "S1", num(i), time.Time{})
			added.Store(i + 1)
		}
	}()
	rng := rand.New(rand.NewPCG(1, 2))
	for {
		select {
		case <-done:
			return
		default:
		}
		n := added.Load()
		if n == 0 {
			continue
		}
		i := rng.Uint64N(n)
		if r, _ := x.LookupDNC(ctx, DNCQuery{Number: num(i), Seller: "S1", At: at}); r.Hits == 0 {
			t.Fatalf("number %d was added but a concurrent lookup missed it", i)
		}
	}
}
