package campaign

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/sim"
	"github.com/voxdial/voxdial/sim/simtest"
	"github.com/voxdial/voxdial/store"
)

// testProfile routes by the last digit: 0-5 a person who answers at once
// (the bot listens briefly and hangs up), 6 busy, 7 invalid, 8 congestion,
// 9 rings out (CANCEL after the runner's ring timeout).
const testProfile = `
defaults: {end_of_speech: 200ms, max_wait: 1s, max_duration: 20s}
behaviours:
  person: {kind: person, answer_after: 50ms, turns: [{silence: 5s}], after_turns: wait}
  busy: {kind: busy}
  invalid: {kind: invalid}
  congestion: {kind: congestion}
  ring_out: {kind: ring_out}
routes:
  - {match: '[0-5]$', behaviour: person}
  - {match: '6$', behaviour: busy}
  - {match: '7$', behaviour: invalid}
  - {match: '8$', behaviour: congestion}
  - {match: '9$', behaviour: ring_out}
`

const testScript = `name: short
max_call: 10s
steps:
  - listen: 300ms
  - hangup: true
`

type testNode struct {
	runner *Runner
	ua     *dialer.UA
	cancel context.CancelFunc
	done   chan error
}

type clusterBundle struct {
	far    *sim.Server
	trunk  *dialer.Trunk
	script string
	clock  media.Clock
}

func setupCluster(t *testing.T) *clusterBundle {
	t.Helper()
	return setupClusterWith(t, "test-profile", testProfile, "short.yaml", testScript)
}

// setupClusterWith starts the simulator with a population profile and writes a script
// for the nodes: the trunk "sim" points at the simulator.
func setupClusterWith(t *testing.T, profileName, profile, scriptName, scriptBody string) *clusterBundle {
	t.Helper()
	far := simtest.Start(t, profileName, profile)
	ctx := context.Background()
	trunk, err := dialer.ParseTrunk("sip:" + far.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	trunk.Name = "sim"
	trunk.CallerID = "+12125550000"
	script := filepath.Join(t.TempDir(), scriptName)
	if err := os.WriteFile(script, []byte(scriptBody), 0o644); err != nil {
		t.Fatal(err)
	}
	clock := media.NewClock(media.ClockOptions{})
	clock.Start(ctx)
	t.Cleanup(clock.Stop)
	return &clusterBundle{far: far, trunk: trunk, script: script, clock: clock}
}

func (b *clusterBundle) startNode(t *testing.T, name string, db *store.DB, pacer Pacer, gate Gate, limits TrunkLimits, log *zap.Logger, onAttempt func(AttemptReport), more ...func(*RunnerOptions)) *testNode {
	t.Helper()
	ua, err := dialer.NewUA(dialer.Options{Clock: b.clock, Logger: log.Named(name + ".dialer")})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := ua.Start(ctx); err != nil {
		t.Fatal(err)
	}
	opts := RunnerOptions{
		Store: db, Dialer: ua, Gate: gate, Pacer: pacer, Holder: name,
		Trunk:    func(string) (*dialer.Trunk, error) { return b.trunk, nil },
		Limits:   func(*dialer.Trunk) TrunkLimits { return limits },
		MaxCalls: 25, LeaseFor: 20 * time.Second, Poll: 100 * time.Millisecond, Rescue: 200 * time.Millisecond,
		RingTimeout: 700 * time.Millisecond, DrainTimeout: 5 * time.Second, Logger: log.Named(name), OnAttempt: onAttempt,
	}
	for _, f := range more {
		f(&opts)
	}
	withScriptHost(&opts)
	r, err := NewRunner(opts)
	if err != nil {
		t.Fatal(err)
	}
	n := &testNode{runner: r, ua: ua, cancel: cancel, done: make(chan error, 1)}
	go func() { n.done <- r.Run(ctx) }()
	t.Cleanup(func() {
		n.stop(t)
		ua.Close()
	})
	return n
}

func (n *testNode) stop(t *testing.T) {
	n.cancel()
	select {
	case err := <-n.done:
		if err != nil {
			t.Errorf("runner %s: %v", n.runner.Holder(), err)
		}
		n.done <- nil
	case <-time.After(30 * time.Second):
		t.Errorf("runner %s did not drain", n.runner.Holder())
	}
}

func shortRetry() RetryPolicy {
	return RetryPolicy{Outcomes: map[string]Delay{
		"busy": {D: 300 * time.Millisecond}, "no_answer": {D: 300 * time.Millisecond}, "congestion": {D: 200 * time.Millisecond},
		"failed": {D: 300 * time.Millisecond}, "lost": {D: 100 * time.Millisecond},
	}, Backoff: map[string]float64{"congestion": 1.5}}
}

func contactsCSV(n int) string {
	var b strings.Builder
	b.WriteString("phone,first_name\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "+1415555%04d,N%d\n", i, i)
	}
	return b.String()
}

// TestTwoNodes runs two in-process nodes (each its own dialer and runner)
// sharing one PostgreSQL database and one Redis pacer against the
// simulator, after a third node "died" holding leases mid-call.
func TestTwoNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the two-node campaign takes ~30 s")
	}
	const contacts = 1000 // enough for both nodes to work many contacts
	b := setupCluster(t)
	ctx := context.Background()
	dbs := openNodes(t, 2)
	db1, db2 := dbs[0], dbs[1]
	rdb, prefix := testRedis(t)
	pool := []string{"+13125550100", "(212) 555-0101"} // the second is normalised to +12125550101
	c, err := Create(ctx, db1, CreateParams{Name: "cluster", Script: b.script, Trunk: "sim", MaxAttempts: 3, MaxConcurrent: 32,
		Retry: shortRetry(), CallerIDs: pool})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Import(ctx, db1, strings.NewReader(contactsCSV(contacts)), ImportOptions{Campaign: c, File: "c.csv"})
	if err != nil || rep.Imported != contacts {
		t.Fatalf("import: %+v %v", rep, err)
	}
	// A node that died mid-call: it holds 10 leases (expiring in 1 s) and had
	// started dialling 4 of them.
	dead, err := db1.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: c.ID, Holder: "dead-node", Limit: 10, LeaseFor: time.Second})
	if err != nil || len(dead) != 10 {
		t.Fatal(dead, err)
	}
	for _, ct := range dead[:4] {
		if _, err := db1.AttemptStart(ctx, &store.AttemptStartParams{ContactID: ct.ID, Holder: "dead-node", CallID: "never-placed-" + fmt.Sprint(ct.ID)}); err != nil {
			t.Fatal(err)
		}
	}
	blocked := "+14155550042" // the gate blocks one number for good and holds another once
	held := "+14155550043"
	var holdOnce sync.Once
	gate := GateFunc(func(_ context.Context, req GateRequest) (GateVerdict, error) {
		switch req.Number {
		case blocked:
			return GateVerdict{Decision: GateBlock, RuleIDs: []string{"test.dnc"}, Reason: "on the test DNC list"}, nil
		case held:
			v := GateVerdict{Decision: GateAllow}
			holdOnce.Do(func() {
				v = GateVerdict{Decision: GateHold, Reason: "quiet hours", NextEligible: req.At.Add(time.Second)}
			})
			return v, nil
		}
		return GateVerdict{Decision: GateAllow}, nil
	})
	if _, err := Start(ctx, db1, c.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	limits := TrunkLimits{CPS: 60, Burst: 1, Channels: 24}
	log := zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))
	start := time.Now()
	nodes := []*testNode{
		b.startNode(t, "node-a", db1, NewRedisPacer(rdb, RedisPacerOptions{Prefix: prefix}), gate, limits, log, nil),
		b.startNode(t, "node-b", db2, NewRedisPacer(rdb, RedisPacerOptions{Prefix: prefix}), gate, limits, log, nil),
	}
	deadline := time.Now().Add(3 * time.Minute)
	for {
		got, err := db1.CampaignGet(ctx, &store.CampaignGetParams{ID: c.ID})
		if err != nil {
			t.Fatal(err)
		}
		if got.State == store.CampaignCompleted {
			break
		}
		if time.Now().After(deadline) {
			st, _ := db1.CampaignStatsGet(ctx, &store.CampaignGetParams{ID: c.ID})
			t.Fatalf("campaign still %s after 3 minutes: %+v", got.State, st)
		}
		time.Sleep(200 * time.Millisecond)
	}
	elapsed := time.Since(start)
	for _, n := range nodes {
		n.stop(t)
	}

	// Every contact reached a final state.
	st, err := db1.CampaignStatsGet(ctx, &store.CampaignGetParams{ID: c.ID})
	if err != nil {
		t.Fatal(err)
	}
	if st.Contacts[store.ContactDone] != contacts || st.OpenAttempts != 0 {
		t.Fatalf("not every contact is final: %+v", st)
	}
	// Attempts = calls the simulator saw, one for one by Call-ID.
	var atts []*store.Attempt
	for after := int64(0); ; {
		page, err := db1.AttemptList(ctx, &store.AttemptListParams{CampaignID: c.ID, AfterID: after, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		atts = append(atts, page...)
		after = page[len(page)-1].ID
	}
	calls := b.far.Calls()
	seen := map[string]sim.CallRecord{}
	for _, cr := range calls {
		if _, dup := seen[cr.CallID]; dup {
			t.Fatalf("Call-ID %s twice at the simulator", cr.CallID)
		}
		seen[cr.CallID] = cr
	}
	placed, lost := 0, 0
	for _, a := range atts {
		switch a.State {
		case store.AttemptLost:
			lost++
			if _, ok := seen[a.CallID]; ok {
				t.Fatalf("a lost attempt reached the simulator: %+v", a)
			}
		case store.AttemptDone:
			placed++
			cr, ok := seen[a.CallID]
			if !ok {
				t.Fatalf("attempt %d (%s) never reached the simulator", a.ID, a.CallID)
			}
			// The campaign's caller-ID pool, per contact, as the simulator saw it in From.
			if want := []string{"+13125550100", "+12125550101"}[a.ContactID%2]; cr.From != want || a.CallerID != want {
				t.Fatalf("attempt %d of contact %d: From %q, recorded caller ID %q; want %s", a.ID, a.ContactID, cr.From, a.CallerID, want)
			}
		default:
			t.Fatalf("attempt left open: %+v", a)
		}
	}
	if placed != len(calls) || lost != 4 {
		t.Fatalf("%d attempts placed, simulator saw %d calls; %d lost (want 4)", placed, len(calls), lost)
	}
	// No contact dialled twice at once: per number, calls never overlap.
	byNumber := simtest.CheckNoOverlap(t, calls)
	// Pacer limits, counted on the simulator: channels and CPS.
	checkLimits(t, calls, limits)
	// Outcomes make sense: the blocked number never rang; invalid numbers are final after one attempt.
	if _, ok := byNumber[blocked[1:]]; ok {
		t.Fatalf("the gate-blocked number was dialled")
	}
	ct := contactByPhone(t, db1, c.ID, blocked)
	if ct.Disposition != "compliance_blocked" || ct.Attempts != 0 {
		t.Fatalf("blocked contact %+v", ct)
	}
	if ct := contactByPhone(t, db1, c.ID, held); ct.Disposition != "completed" {
		t.Fatalf("held contact %+v", ct)
	}
	if ct := contactByPhone(t, db1, c.ID, "+14155550017"); ct.Disposition != "invalid_number" || ct.Attempts != 1 {
		t.Fatalf("invalid number %+v", ct)
	}
	if ct := contactByPhone(t, db1, c.ID, "+14155550016"); ct.Disposition != "busy" || ct.Attempts != 3 {
		t.Fatalf("busy number %+v (max attempts 3)", ct)
	}
	t.Logf("%d contacts, %d calls, %d lost attempts in %s; dispositions %v", contacts, len(calls), lost, elapsed.Round(time.Millisecond), st.Dispositions)
}

func contactByPhone(t *testing.T, db *store.DB, campaignID int64, phone string) *store.Contact {
	t.Helper()
	for after := int64(0); ; {
		page, err := db.ContactList(context.Background(), &store.ContactListParams{CampaignID: campaignID, AfterID: after})
		if err != nil || len(page) == 0 {
			t.Fatalf("contact %s not found (%v)", phone, err)
		}
		for _, c := range page {
			if c.Phone == phone {
				return c
			}
		}
		after = page[len(page)-1].ID
	}
}

// checkLimits checks the simulator's view: concurrent calls never exceed the
// channels; calls started in any window w never exceed burst + cps*w.
func checkLimits(t *testing.T, calls []sim.CallRecord, lim TrunkLimits) {
	t.Helper()
	starts := make([]time.Time, 0, len(calls))
	for _, c := range calls {
		starts = append(starts, c.StartedAt)
	}
	peak := peakConcurrent(calls, 0)
	if peak > lim.Channels {
		t.Fatalf("%d concurrent calls at the simulator, trunk max channels %d", peak, lim.Channels)
	}
	sort.Slice(starts, func(i, j int) bool { return starts[i].Before(starts[j]) })
	// The simulator stamps an INVITE when it has handled it, which may be a
	// little after the token was taken (SDP, sockets, a loaded machine, the
	// race detector): allow each call to arrive up to this late.
	const jitter = 0.15
	for i := range starts {
		for j := i + 1; j < len(starts); j++ {
			w := starts[j].Sub(starts[i]).Seconds()
			if w > 2 {
				break
			}
			if float64(j-i+1) > float64(max(lim.Burst, 1))+lim.CPS*(w+jitter) {
				t.Fatalf("%d calls started within %.3fs: more than %g CPS", j-i+1, w, lim.CPS)
			}
		}
	}
	t.Logf("peak %d concurrent calls (max %d)", peak, lim.Channels)
}
