package bench

import (
	"context"
	"sync"
	"testing"
	"time"
)

// Every call number is handed out once, none before its deadline (start + (i-1)/cps),
// and a cancelled context stops the hand-out.
func TestCallSchedule(t *testing.T) {
	s := newCallSchedule(20, 200)
	var mu sync.Mutex
	seen := map[int64]bool{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i, ok := s.take(context.Background())
				if !ok {
					return
				}
				at := time.Since(s.start)
				mu.Lock()
				if seen[i] {
					t.Errorf("call %d handed out twice", i)
				}
				seen[i] = true
				mu.Unlock()
				if due := time.Duration(i-1) * 5 * time.Millisecond; at < due {
					t.Errorf("call %d at %v, before its turn %v", i, at, due)
				}
			}
		}()
	}
	wg.Wait()
	if len(seen) != 20 {
		t.Errorf("%d calls handed out, want 20", len(seen))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, ok := newCallSchedule(5, 1).take(ctx); ok {
		t.Error("a cancelled context still got a call")
	}
}
