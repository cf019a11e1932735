package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/voxdial/voxdial/campaign"
	"github.com/voxdial/voxdial/dashboard"
	"github.com/voxdial/voxdial/internal/redistest"
	"github.com/voxdial/voxdial/sim/simtest"
	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
)

// clusterProfile: everyone answers at once; the script listens briefly, so calls to a
// number from two campaigns would overlap if nothing kept them apart.
const clusterProfile = `
defaults: {end_of_speech: 200ms, max_wait: 1s, max_duration: 20s}
behaviours:
  person: {kind: person, answer_after: 50ms, turns: [{silence: 5s}], after_turns: wait}
routes:
  - {match: '.*', behaviour: person}
`

const clusterScript = `name: short
max_call: 10s
steps:
  - listen: 400ms
  - hangup: true
`

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestServeCluster runs two `voxdial serve` nodes sharing PostgreSQL and Redis over two
// campaigns that hold the same numbers: no number is ever in two calls at once at the
// simulator, every contact is called, and node A's dashboard streams node B's calls (live
// events through Redis).
func TestServeCluster(t *testing.T) {
	t.Parallel()
	const n = 16
	ctx := context.Background()
	far := simtest.Start(t, "cluster-profile", clusterProfile)
	url := storetest.PostgresURL(t)
	db, err := openStore(ctx, url, false)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	script := writeFile(t, "short.yaml", clusterScript)
	var phones []string
	for i := range n {
		phones = append(phones, fmt.Sprintf("+1415555%04d", i))
	}
	var camps []*store.Campaign
	for _, name := range []string{"first", "second"} {
		c, err := campaign.Create(ctx, db, campaign.CreateParams{Name: name, Script: script, Trunk: "sip:" + far.Addr().String(),
			MaxAttempts: 1, MaxConcurrent: 8})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := campaign.Import(ctx, db, strings.NewReader("phone\n"+strings.Join(phones, "\n")+"\n"), campaign.ImportOptions{Campaign: c, File: name + ".csv"}); err != nil {
			t.Fatal(err)
		}
		camps = append(camps, c)
	}
	u, err := dashboard.UserAdd(ctx, db, "watcher", store.RoleManager, "correct horse battery", bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := dashboard.TokenIssue(ctx, db, u.ID, "test", 0)
	if err != nil {
		t.Fatal(err)
	}
	prefix := storetest.UniqueName("voxdial_test") + ":"
	cleanRedis(t, prefix) // fails (or skips, when asked) without Redis

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	httpA, httpB := freeAddr(t), freeAddr(t)
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for _, http := range []string{httpA, httpB} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := newServeCmd()
			cmd.SetArgs([]string{"--database-url", url, "--redis-url", redistest.URL(), "--redis-prefix", prefix,
				"--http", http, "--script-dir", t.TempDir(), "--listen", "127.0.0.1:0", "--no-compliance-gate",
				"--log-level", "error", "--drain-timeout", "5s", "--number-busy-retry", "300ms", "--max-calls", "2"})
			cmd.SetErr(io.Discard)
			errs <- cmd.ExecuteContext(runCtx)
		}()
	}
	defer func() { stop(); wg.Wait() }()

	// Node A's live stream, from before the campaigns start.
	attemptsSeen := make(chan int64, 4*n)
	var sseReq *http.Request
	for deadline := time.Now().Add(30 * time.Second); ; {
		sseReq, _ = http.NewRequestWithContext(runCtx, "GET", "http://"+httpA+"/api/events", nil)
		sseReq.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(sseReq)
		if err == nil && res.StatusCode == 200 {
			go func() {
				defer res.Body.Close()
				sc := bufio.NewScanner(res.Body)
				for sc.Scan() {
					data, ok := strings.CutPrefix(sc.Text(), "data: ")
					if !ok {
						continue
					}
					var e dashboard.Event
					if json.Unmarshal([]byte(data), &e) == nil && e.Type == "attempt_started" {
						attemptsSeen <- e.AttemptID
					}
				}
			}()
			break
		}
		if err == nil {
			res.Body.Close()
		}
		if time.Now().After(deadline) {
			t.Fatalf("node A's dashboard did not come up: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Node B serves HTTP just before its runner starts: wait for it too, or a slow start
	// (a loaded CI machine) lets node A take every attempt and the stream can show only A.
	// Each node also takes only two answered calls at once (--max-calls 2), so node A
	// alone needs several seconds for the 32 calls: with 16 at once it finished them
	// all before node B's runner claimed one, on a machine loaded by CI and tuning runs.
	for deadline := time.Now().Add(30 * time.Second); ; {
		res, err := http.Get("http://" + httpB + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("node B did not come up: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, c := range camps {
		if _, err := campaign.Start(ctx, db, c.ID, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	for deadline := time.Now().Add(2 * time.Minute); ; {
		done := 0
		for _, c := range camps {
			if cur, err := db.CampaignGet(ctx, &store.CampaignGetParams{ID: c.ID}); err == nil && cur.State == store.CampaignCompleted {
				done++
			}
		}
		if done == len(camps) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("campaigns not completed in 2 minutes (%d calls at the simulator)", len(far.Calls()))
		}
		time.Sleep(200 * time.Millisecond)
	}
	calls := far.Calls()
	byNumber := simtest.CheckNoOverlap(t, calls)
	if len(calls) != 2*n || len(byNumber) != n {
		t.Fatalf("%d calls to %d numbers, want %d to %d", len(calls), len(byNumber), 2*n, n)
	}
	// Node A's stream carried the attempts of both nodes.
	holders := map[string]int{}
	for deadline := time.After(10 * time.Second); len(holders) < 2; {
		select {
		case id := <-attemptsSeen:
			a, err := db.AttemptGet(ctx, &store.AttemptGetParams{ID: id})
			if err != nil {
				t.Fatal(err)
			}
			holders[a.Holder]++
		case <-deadline:
			t.Fatalf("node A's live stream showed attempts of %d node(s) %v, want both", len(holders), holders)
		}
	}
	res, err := http.Get("http://" + httpA + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := string(b)
	for series, want := range map[string]func(float64) bool{
		`voxdial_live_events_received_total{source="feed"}`: func(v float64) bool { return v >= 2*n },
		// How the calls split between the nodes varies with load; node A published its own.
		`voxdial_live_events_published_total{result="sent"}`: func(v float64) bool { return v >= 1 },
		`voxdial_number_locks_held`:                          func(v float64) bool { return v == 0 },
	} {
		if v := metricValue(m, series); !want(v) {
			t.Errorf("node A: %s = %v", series, v)
		}
	}
	if v := metricValue(m, `voxdial_number_guard_errors_total{op="lock"}`); v > 0 {
		t.Errorf("node A: %v lock errors", v)
	}
	stop()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	}
	t.Logf("%d calls; node A streamed attempts by holder %v; node A busy numbers %v", len(calls), holders,
		metricValue(m, `voxdial_node_attempts_total{outcome="number_busy"}`))
}

// cleanRedis deletes the prefix's keys when the test ends.
func cleanRedis(t *testing.T, prefix string) {
	t.Helper()
	rdb := redistest.Connect(t)
	t.Cleanup(func() {
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, prefix+"*", 100).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
	})
}

// With Redis unreachable, `serve` refuses to start, saying so, and places no call.
func TestServeRedisDown(t *testing.T) {
	t.Parallel()
	far := simtest.Start(t, "cluster-profile", clusterProfile)
	ctx := context.Background()
	dbURL := "sqlite:" + t.TempDir() + "/down.db"
	db, err := openStore(ctx, dbURL, true)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := campaign.Create(ctx, db, campaign.CreateParams{Name: "down", Script: writeFile(t, "short.yaml", clusterScript),
		Trunk: "sip:" + far.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := campaign.Import(ctx, db, strings.NewReader("phone\n+14155550100\n"), campaign.ImportOptions{Campaign: c, File: "c.csv"}); err != nil {
		t.Fatal(err)
	}
	if _, err := campaign.Start(ctx, db, c.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	down := redistest.Down(t).Options().Addr
	code, _, stderr := runCLI(t, "serve", "--database-url", dbURL, "--redis-url", "redis://"+down+"/0", "--http", "",
		"--listen", "127.0.0.1:0", "--no-compliance-gate")
	if code != 1 || !strings.Contains(stderr, "redis "+down) || !strings.Contains(stderr, "refused") {
		t.Fatalf("serve with Redis down: exit %d, stderr %q; want exit 1 naming the Redis", code, stderr)
	}
	if calls := far.Calls(); len(calls) != 0 {
		t.Fatalf("%d calls placed", len(calls))
	}
}
