package compliance_test

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/voxdial/voxdial/compliance"
	"github.com/voxdial/voxdial/internal/redistest"
	"github.com/voxdial/voxdial/store/storetest"
)

// testRedis connects to the test Redis (see redistest).
func testRedis(t *testing.T) *redis.Client {
	t.Helper()
	return redistest.Connect(t)
}

// An opt-out recorded on one node is refused by another node's gate within 1 s through
// Redis pub/sub, with neither node polling the change log; without the fan-out the other
// node sees it only at its next poll (the fallback).
func TestOptOutFanout(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db, _ := openBackend(t, "postgres")
	camp := storeWorld(t, db)
	rdb := testRedis(t)
	channel := storetest.UniqueName("voxdial_test_dnc")

	node := func(subscribe bool) (*compliance.StoreGate, *compliance.RedisFanout) {
		sg, err := compliance.NewStoreGate(ctx, db, compliance.StoreSourceOptions{})
		if err != nil {
			t.Fatal(err)
		}
		f := &compliance.RedisFanout{Client: rdb, Channel: channel, DNC: sg.DNC}
		if subscribe {
			run, err := f.Subscribe(ctx, func(err error) { t.Error(err) })
			if err != nil {
				t.Fatal(err)
			}
			go run()
		}
		return sg, f
	}
	a, fa := node(false)
	b, _ := node(true)
	c, _ := node(false) // no subscription: polling only

	refuses := func(g *compliance.StoreGate, num string) bool {
		d := g.Check(ctx, compliance.Attempt{Number: num, Campaign: itoa(camp), At: time.Now()})
		return d.Rules.Has(compliance.DNCInternal)
	}
	var delays []time.Duration
	for _, num := range []string{"+12125550101", "+12125550103", "+12125550105", "+12125550107", "+12125550109"} {
		if refuses(b, num) {
			t.Fatalf("%s refused before its opt-out", num)
		}
		o := &compliance.OptOuts{DB: db, DNC: a.DNC, Fanout: fa, Seller: "S1"}
		if err := o.For("", num).OptOut(ctx); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		for !refuses(b, num) {
			if time.Since(start) > time.Second {
				t.Fatalf("%s: node B still allows 1 s after the opt-out", num)
			}
			time.Sleep(time.Millisecond)
		}
		delays = append(delays, time.Since(start))
		if !refuses(a, num) {
			t.Fatalf("%s: the recording node allows after the opt-out", num)
		}
		if refuses(c, num) {
			t.Fatalf("%s: node C neither polled nor subscribed, yet refuses (the test would prove nothing)", num)
		}
	}
	sort.Slice(delays, func(i, j int) bool { return delays[i] < delays[j] })
	t.Logf("opt-out → other node refuses: median %v, max %v over %d opt-outs", delays[len(delays)/2], delays[len(delays)-1], len(delays))
	// The fallback: C's poll of the change log.
	if err := c.DNC.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if !refuses(c, "+12125550101") {
		t.Fatal("node C allows after polling the change log")
	}
}
