package campaign

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/voxdial/voxdial/compliance"
	"github.com/voxdial/voxdial/internal/redistest"
	"github.com/voxdial/voxdial/numbers"
	"github.com/voxdial/voxdial/sim/simtest"
	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
)

// cnNumbers are n Chinese mobile numbers the test profile answers (last digit 0-5).
func cnNumbers(n int) []string {
	var out []string
	for i := 0; len(out) < n; i++ {
		if i%10 <= 5 {
			out = append(out, fmt.Sprintf("+861380013%04d", i))
		}
	}
	return out
}

// reports gathers what the runners did, by outcome.
type reports struct {
	mu  sync.Mutex
	by  map[string]int
	all []AttemptReport
}

func (r *reports) add(rep AttemptReport) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.by == nil {
		r.by = map[string]int{}
	}
	r.by[string(rep.Outcome)]++
	r.all = append(r.all, rep)
}

func (r *reports) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return fmt.Sprint(r.by)
}

func (r *reports) count(outcome string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.by[outcome]
}

// twoCampaigns creates campaigns a and b on db with the same numbers, sellers sa and sb,
// compliance settings for the CN pack (informational, artificial voice), and starts them.
func twoCampaigns(t *testing.T, db *store.DB, b *clusterBundle, phones []string, sa, sb string) (*store.Campaign, *store.Campaign) {
	t.Helper()
	ctx := context.Background()
	csv := "phone\n" + strings.Join(phones, "\n") + "\n"
	for _, seller := range []string{sa, sb} {
		if _, err := db.SellerPut(ctx, &store.SellerPutParams{ID: seller, CallerIDs: []string{"+861062345678"}}); err != nil {
			t.Fatal(err)
		}
	}
	var out []*store.Campaign
	for _, s := range []struct{ name, seller string }{{"a", sa}, {"b", sb}} {
		c, err := Create(ctx, db, CreateParams{Name: storetest.UniqueName(s.name), Script: b.script, Trunk: "sim", MaxAttempts: 3,
			MaxConcurrent: 16, Retry: shortRetry(), CallerIDs: []string{"+861062345678"}})
		if err != nil {
			t.Fatal(err)
		}
		packs := "cn"
		if err := db.CampaignComplianceSet(ctx, &store.CampaignComplianceSetParams{ID: c.ID, Seller: s.seller, Purpose: "informational",
			Voice: "artificial", RulePacks: &packs}); err != nil {
			t.Fatal(err)
		}
		rep, err := Import(ctx, db, strings.NewReader(csv), ImportOptions{Campaign: c, File: s.name + ".csv"})
		if err != nil || rep.Imported != len(phones) {
			t.Fatalf("import: %+v %v", rep, err)
		}
		out = append(out, c)
	}
	for _, c := range out {
		if _, err := Start(ctx, db, c.ID, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	return out[0], out[1]
}

// openNodes opens n store handles on one fresh PostgreSQL database: one per node.
func openNodes(t *testing.T, n int) []*store.DB {
	t.Helper()
	url := storetest.PostgresURL(t)
	var dbs []*store.DB
	for range n {
		db, err := store.Open(context.Background(), url, store.Options{Migrate: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs = append(dbs, db)
	}
	return dbs
}

// waitFor polls cond every 100 ms until it holds, failing after limit.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after %s (%s)", what, limit, state)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Two nodes sharing PostgreSQL and Redis work two campaigns (of two sellers) holding the
// same numbers, with no frequency rule: every contact is called, and a number is never in
// two dialogs at once at the simulator, although both campaigns reach it together.
func TestClusterOneCallPerNumber(t *testing.T) {
	t.Parallel()
	const n = 24
	b := setupCluster(t)
	dbs := openNodes(t, 2)
	rdb, prefix := redistest.Prefixed(t)
	phones := cnNumbers(n)
	ca, cb := twoCampaigns(t, dbs[0], b, phones, "S1", "S2")
	log := zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))
	var reps reports
	var locksMu sync.Mutex
	maxHeld := map[string]int{}
	for i, name := range []string{"node-a", "node-b"} {
		guard := numbers.NewRedis(rdb, numbers.RedisOptions{Prefix: prefix + "num:", Options: numbers.Options{
			OnHeld: func(h int) { locksMu.Lock(); maxHeld[name] = max(maxHeld[name], h); locksMu.Unlock() }}})
		b.startNode(t, name, dbs[i], NewRedisPacer(rdb, RedisPacerOptions{Prefix: prefix + "pace:"}), &AllowAllGate{},
			TrunkLimits{Channels: 48}, log, reps.add, func(o *RunnerOptions) {
				o.Numbers, o.NumberBusyRetry = guard, 200*time.Millisecond
			})
	}
	ctx := context.Background()
	waitFor(t, 2*time.Minute, "both campaigns completed", func() (bool, string) {
		var states []string
		for _, c := range []*store.Campaign{ca, cb} {
			got, err := dbs[0].CampaignGet(ctx, &store.CampaignGetParams{ID: c.ID})
			if err != nil {
				t.Fatal(err)
			}
			states = append(states, got.State)
		}
		return states[0] == store.CampaignCompleted && states[1] == store.CampaignCompleted, fmt.Sprint(states, " ", reps.String())
	})
	calls := b.far.Calls()
	byNumber := simtest.CheckNoOverlap(t, calls)
	if len(calls) != 2*n || len(byNumber) != n {
		t.Fatalf("%d calls to %d numbers at the simulator, want %d to %d", len(calls), len(byNumber), 2*n, n)
	}
	for num, crs := range byNumber {
		if len(crs) != 2 {
			t.Fatalf("%s called %d times, want 2 (once per campaign)", num, len(crs))
		}
	}
	if reps.count("answered") != 2*n {
		t.Fatalf("runners report %v, want %d answered", reps.String(), 2*n)
	}
	// Both campaigns did reach the same numbers together: the lock turned calls away.
	if reps.count("number_busy") == 0 {
		t.Fatalf("no contact ever found its number busy (%v): the test did not make the campaigns collide", reps.String())
	}
	locksMu.Lock()
	defer locksMu.Unlock()
	t.Logf("%d calls, runner reports %v, most locks held at once per node %v", len(calls), reps.String(), maxHeld)
}

// cnGate is the compliance gate of one node over its store handle, with the China pack
// made to allow calls at any hour and at most one call per number per 24 h (any caller
// id, any seller); the cluster's attempt log (guard) joins the store's history.
func cnGate(t *testing.T, db *store.DB, guard *numbers.Guard) *ComplianceGate {
	t.Helper()
	src := compliance.NewStoreSource(db, compliance.StoreSourceOptions{Recent: NumberHistory{Guard: guard}})
	dnc, err := compliance.NewStoreDNC(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	g, err := compliance.NewGate(compliance.Options{Packs: cnPacks(), Directory: src, Consents: src, History: src, DNC: dnc})
	if err != nil {
		t.Fatal(err)
	}
	return &ComplianceGate{Gate: g, Audit: &compliance.StoreAudit{DB: db}}
}

// cnPacks are the rule packs with China's made to allow calls at any hour and at most one
// call per number per 24 h.
func cnPacks() *compliance.RulePacks {
	packs := compliance.DefaultRulePacks()
	var allDay compliance.Week
	for d := range allDay {
		allDay[d] = []compliance.Window{{Open: 0, Close: 24 * 3600}}
	}
	packs.CN.Hours = compliance.Schedule{Week: allDay}
	packs.CN.PlatformCaps = []compliance.Cap{{Max: 1, Within: 24 * time.Hour}}
	return packs
}

// Two nodes, two campaigns of two sellers with the same numbers, and a rule allowing one
// call per number per 24 h across caller ids and sellers: each number is called once in
// all; its other contact is held by the gate for a day.
func TestClusterFrequencyCap(t *testing.T) {
	t.Parallel()
	const n = 12
	b := setupCluster(t)
	dbs := openNodes(t, 2)
	rdb, prefix := redistest.Prefixed(t)
	phones := cnNumbers(n)
	ca, cb := twoCampaigns(t, dbs[0], b, phones, "S1", "S2")
	log := zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))
	var reps reports
	for i, name := range []string{"node-a", "node-b"} {
		guard := numbers.NewRedis(rdb, numbers.RedisOptions{Prefix: prefix + "num:"})
		b.startNode(t, name, dbs[i], NewRedisPacer(rdb, RedisPacerOptions{Prefix: prefix + "pace:"}), cnGate(t, dbs[i], guard),
			TrunkLimits{Channels: 48}, log, reps.add, func(o *RunnerOptions) {
				o.Numbers, o.NumberBusyRetry = guard, 200*time.Millisecond
			})
	}
	ctx := context.Background()
	tomorrow := time.Now().Add(23 * time.Hour)
	var contacts []*store.Contact
	waitFor(t, 2*time.Minute, "one contact per number called, the other held for a day", func() (bool, string) {
		contacts = contacts[:0]
		for _, c := range []*store.Campaign{ca, cb} {
			page, err := dbs[0].ContactList(ctx, &store.ContactListParams{CampaignID: c.ID})
			if err != nil {
				t.Fatal(err)
			}
			contacts = append(contacts, page...)
		}
		done, held := 0, 0
		for _, ct := range contacts {
			switch {
			case ct.State == store.ContactDone:
				done++
			case ct.State == store.ContactPending && ct.NextAttemptAt.After(tomorrow):
				held++
			}
		}
		return done == n && held == n, fmt.Sprintf("%d done, %d held for a day; reports %v", done, held, reps.String())
	})
	calls := b.far.Calls()
	byNumber := simtest.CheckNoOverlap(t, calls)
	if len(calls) != n || len(byNumber) != n {
		t.Fatalf("%d calls to %d numbers at the simulator; want each of the %d numbers called once", len(calls), len(byNumber), n)
	}
	for _, ct := range contacts {
		if ct.State == store.ContactPending && ct.Attempts != 0 {
			t.Fatalf("a held contact was dialled: %+v", ct)
		}
	}
	if reps.count("gate_hold") < n {
		t.Fatalf("runner reports %v: want at least %d gate holds", reps.String(), n)
	}
	t.Logf("%d calls, runner reports %v", len(calls), reps.String())
}

// The gate of node B sees an attempt node A has logged before the store shows it (A is
// between its log record and its store record, or its store write is slow): the one-call
// per 24 h rule holds B back. Without the log, B's gate would allow the call.
func TestGateSeesOtherNodesAttempts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbs := openNodes(t, 1)
	db := dbs[0]
	rdb, prefix := redistest.Prefixed(t)
	b := &clusterBundle{script: "asset:hello.yaml"}
	num := cnNumbers(1)[0]
	ca, _ := twoCampaigns(t, db, b, []string{num}, "S1", "S2")
	nodeA := numbers.NewRedis(rdb, numbers.RedisOptions{Prefix: prefix})
	nodeB := numbers.NewRedis(rdb, numbers.RedisOptions{Prefix: prefix})
	req := GateRequest{Number: num, CampaignID: ca.ID, Campaign: ca.Name, ContactID: 1, Attempt: 1, At: time.Now(), Stage: StageInvite}
	if v, err := cnGate(t, db, nodeB).Check(ctx, req); err != nil || v.Decision != GateAllow {
		t.Fatalf("before any attempt: %+v %v", v, err)
	}
	l, err := nodeA.Lock(ctx, num, "node-a")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	if err := l.Record(ctx, numbers.Attempt{CallID: "a-1", At: time.Now(), Campaign: fmt.Sprint(ca.ID), Seller: "S1"}); err != nil {
		t.Fatal(err)
	}
	req.At = time.Now()
	v, err := cnGate(t, db, nodeB).Check(ctx, req)
	if err != nil || v.Decision != GateHold || !strings.Contains(strings.Join(v.RuleIDs, ","), "CN_PLATFORM_CAP") ||
		v.NextEligible.Before(req.At.Add(23*time.Hour)) {
		t.Fatalf("after node A's attempt: %+v %v; want a hold for a day by the platform cap", v, err)
	}
	// The same gate without the cluster's log sees nothing yet: the log is what tells.
	src := compliance.NewStoreSource(db, compliance.StoreSourceOptions{})
	dnc, err := compliance.NewStoreDNC(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := compliance.NewGate(compliance.Options{Packs: cnPacks(), Directory: src, Consents: src, History: src, DNC: dnc})
	if err != nil {
		t.Fatal(err)
	}
	if d := plain.Check(ctx, compliance.Attempt{Number: num, Campaign: fmt.Sprint(ca.ID), At: req.At}); d.Verdict != compliance.Allow {
		t.Fatalf("without the log: %v %v", d.Verdict, d.Rules)
	}
}

// Redis down: the number guard cannot lock, and no call is placed (fail closed); the
// contacts in hand are tried again later, the node leases no more until Redis answers,
// and the errors are reported.
func TestRedisDownNoCalls(t *testing.T) {
	t.Parallel()
	const n = 6
	b := setupCluster(t)
	db := openNodes(t, 1)[0]
	ctx := context.Background()
	c, err := Create(ctx, db, CreateParams{Name: "down", Script: b.script, Trunk: "sim", MaxAttempts: 3, MaxConcurrent: 4, Retry: shortRetry()})
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := Import(ctx, db, strings.NewReader(contactsCSV(n)), ImportOptions{Campaign: c, File: "c.csv"}); err != nil || rep.Imported != n {
		t.Fatalf("import: %+v %v", rep, err)
	}
	if _, err := Start(ctx, db, c.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	errs := map[string]int{}
	guard := numbers.NewRedis(redistest.Down(t), numbers.RedisOptions{Options: numbers.Options{OnError: func(op string, _ error) {
		mu.Lock()
		errs[op]++
		mu.Unlock()
	}}})
	var reps reports
	node := b.startNode(t, "node", db, NewLocalPacer(nil), &AllowAllGate{}, TrunkLimits{Channels: 10},
		zaptest.NewLogger(t, zaptest.Level(zap.ErrorLevel+1)), reps.add, func(o *RunnerOptions) { o.Numbers = guard })
	waitFor(t, time.Minute, "contacts turned away, leasing paused", func() (bool, string) {
		return reps.count("number_error") >= 1 && node.runner.Paused(), reps.String()
	})
	node.stop(t)
	turned := reps.count("number_error") // every worker has reported once the node drained
	if calls := b.far.Calls(); len(calls) != 0 {
		t.Fatalf("%d calls placed with the number guard down", len(calls))
	}
	// The contacts in hand when the guard failed are due again in about a minute; the node
	// leased no more while it was down (at most one lease round: the campaign's 4).
	if turned > 4 {
		t.Fatalf("%d contacts turned away: the node went on leasing with the guard down", turned)
	}
	page, err := db.ContactList(ctx, &store.ContactListParams{CampaignID: c.ID})
	if err != nil {
		t.Fatal(err)
	}
	later := 0
	for _, ct := range page {
		if ct.Attempts != 0 || ct.State != store.ContactPending {
			t.Fatalf("contact %+v: want pending, no attempt", ct)
		}
		if ct.NextAttemptAt.After(time.Now().Add(30 * time.Second)) {
			later++
		}
	}
	if later != turned {
		t.Fatalf("%d contacts due in about a minute, %d turned away", later, turned)
	}
	mu.Lock()
	defer mu.Unlock()
	if errs["lock"] < turned || reps.count("answered") != 0 {
		t.Fatalf("guard errors %v, reports %v", errs, reps.String())
	}
}
