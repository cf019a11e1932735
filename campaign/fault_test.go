package campaign

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/voxdial/voxdial/internal/pgtest"
	"github.com/voxdial/voxdial/sim"
	"github.com/voxdial/voxdial/sim/simtest"
	"github.com/voxdial/voxdial/store"
)

// The fault suite: a campaign runs while the store, Redis or the recording disk fail under
// it, against the simulator. Every test ends with checkSettled: every contact final or
// scheduled, attempts = calls one for one, no number in two calls at once, no call without
// a recorded decision.

// faultProfile: everyone answers and stays silent; the script listens, then hangs up, so
// that calls are up for a while (the outages land in the middle of them).
const faultProfile = `
defaults: {end_of_speech: 200ms, max_wait: 1s, max_duration: 20s}
behaviours:
  person: {kind: person, answer_after: 50ms, turns: [{silence: 10s}], after_turns: wait}
routes:
  - {match: '.*', behaviour: person}
`

const faultScript = `name: long
max_call: 10s
steps:
  - listen: 1200ms
  - hangup: true
`

// decisionLog is a gate that allows every call and remembers each decision at the
// INVITE stage: a call placed without one would be a call without a decision.
type decisionLog struct {
	mu      sync.Mutex
	invites map[string]bool // contact/attempt
}

func newDecisionLog() *decisionLog { return &decisionLog{invites: map[string]bool{}} }

func (d *decisionLog) key(contact int64, attempt int) string {
	return fmt.Sprintf("%d/%d", contact, attempt)
}

func (d *decisionLog) Check(_ context.Context, req GateRequest) (GateVerdict, error) {
	if req.Stage == StageInvite {
		d.mu.Lock()
		d.invites[d.key(req.ContactID, req.Attempt)] = true
		d.mu.Unlock()
	}
	return GateVerdict{Decision: GateAllow}, nil
}

func (d *decisionLog) decided(contact int64, attempt int) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.invites[d.key(contact, attempt)]
}

// faultCampaign creates and starts a campaign of n contacts on db.
func faultCampaign(t *testing.T, db *store.DB, b *clusterBundle, n, concurrent int, now time.Time) *store.Campaign {
	t.Helper()
	ctx := context.Background()
	retry := shortRetry()
	retry.Outcomes[string(OutcomeCut)] = Delay{D: 100 * time.Millisecond}
	c, err := Create(ctx, db, CreateParams{Name: "fault", Script: b.script, Trunk: "sim", MaxAttempts: 3, MaxConcurrent: concurrent,
		Retry: retry, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Import(ctx, db, strings.NewReader(contactsCSV(n)), ImportOptions{Campaign: c, File: "c.csv"})
	if err != nil || rep.Imported != n {
		t.Fatalf("import: %+v %v", rep, err)
	}
	if _, err := Start(ctx, db, c.ID, now); err != nil {
		t.Fatal(err)
	}
	return c
}

func activeCalls(calls []sim.CallRecord) int {
	n := 0
	for _, c := range calls {
		if c.Active {
			n++
		}
	}
	return n
}

// waitCompleted waits until the campaign is completed, reading through store errors (the
// store may be coming back).
func waitCompleted(t *testing.T, db *store.DB, id int64, limit time.Duration) {
	t.Helper()
	waitFor(t, limit, "campaign completed", func() (bool, string) {
		c, err := db.CampaignGet(context.Background(), &store.CampaignGetParams{ID: id})
		if err != nil {
			return false, err.Error()
		}
		st, _ := db.CampaignStatsGet(context.Background(), &store.CampaignGetParams{ID: id})
		return c.State == store.CampaignCompleted, fmt.Sprintf("%s %+v", c.State, st)
	})
}

// settled is what checkSettled found.
type settled struct {
	contacts []*store.Contact
	attempts []*store.Attempt
	calls    []sim.CallRecord
	byCallID map[string]sim.CallRecord
	perPhone map[string]int // calls per number at the simulator
}

// checkSettled checks the end state of a fault test: every contact final or scheduled
// (none leased), no attempt open, every attempt that was recorded done matches one call
// at the simulator by Call-ID and every call one attempt (a lost attempt never reached the
// simulator), no number in two calls at once, and every call has the gate's decision and
// a recorded outcome.
func checkSettled(t *testing.T, db *store.DB, c *store.Campaign, far *sim.Server, gate *decisionLog) *settled {
	t.Helper()
	ctx := context.Background()
	s := &settled{calls: far.Calls(), byCallID: map[string]sim.CallRecord{}, perPhone: map[string]int{}}
	for after := int64(0); ; {
		page, err := db.ContactList(ctx, &store.ContactListParams{CampaignID: c.ID, AfterID: after})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		s.contacts = append(s.contacts, page...)
		after = page[len(page)-1].ID
	}
	for _, ct := range s.contacts {
		switch {
		case ct.State == store.ContactDone:
		case ct.State == store.ContactPending && !ct.NextAttemptAt.IsZero():
		default:
			t.Errorf("contact %d (%s) is neither final nor scheduled: %s", ct.ID, ct.Phone, ct.State)
		}
	}
	for after := int64(0); ; {
		page, err := db.AttemptList(ctx, &store.AttemptListParams{CampaignID: c.ID, AfterID: after})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		s.attempts = append(s.attempts, page...)
		after = page[len(page)-1].ID
	}
	for _, cr := range s.calls {
		if _, dup := s.byCallID[cr.CallID]; dup {
			t.Fatalf("Call-ID %s twice at the simulator", cr.CallID)
		}
		s.byCallID[cr.CallID] = cr
		s.perPhone[cr.To]++
	}
	placed := 0
	for _, a := range s.attempts {
		_, called := s.byCallID[a.CallID]
		switch a.State {
		case store.AttemptDone:
			placed++
			if !called {
				t.Errorf("attempt %d (%s, outcome %s) recorded but never reached the simulator", a.ID, a.CallID, a.Outcome)
			}
			if a.Outcome == "" {
				t.Errorf("attempt %d without an outcome", a.ID)
			}
			if gate != nil && !gate.decided(a.ContactID, a.AttemptNo) {
				t.Errorf("attempt %d (contact %d, #%d) placed without a gate decision", a.ID, a.ContactID, a.AttemptNo)
			}
		case store.AttemptLost:
			if called {
				t.Errorf("attempt %d reached the simulator but was closed as lost: its result is gone", a.ID)
			}
		default:
			t.Errorf("attempt %d left open: %+v", a.ID, a)
		}
	}
	if placed != len(s.calls) {
		t.Errorf("%d attempts recorded as placed, the simulator saw %d calls", placed, len(s.calls))
	}
	simtest.CheckNoOverlap(t, s.calls)
	return s
}

// stopExpecting drains a node and returns Run's error (the node's cleanup then sees nil).
func (n *testNode) stopExpecting(t *testing.T) error {
	t.Helper()
	n.cancel()
	select {
	case err := <-n.done:
		n.done <- nil
		return err
	case <-time.After(30 * time.Second):
		t.Fatalf("runner %s did not drain", n.runner.Holder())
		return nil
	}
}

func spoolLines(t *testing.T, dir string) int {
	t.Helper()
	names, _ := filepath.Glob(filepath.Join(dir, spoolPrefix+"*"+spoolSuffix))
	n := 0
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		n += strings.Count(string(b), "\n")
	}
	return n
}

// PostgreSQL is stopped (fast shutdown, as in a restart) twice in the middle of a
// campaign. The first time the node goes on: calls that end while the store is down have
// their records retried, then parked in the spool, and written when it is back. The second
// time the node drains while the store is still down: its parked records stay in the spool
// file, and the next node replays them on start, before leasing anything. No call result
// is lost and no answered call is dialled again.
func TestFaultPostgresRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the fault suite runs campaigns through outages")
	}
	t.Parallel()
	const contacts = 40
	pg := pgtest.Start(t)
	db, err := store.Open(context.Background(), pg.CreateDB("fault"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	b := setupClusterWith(t, "fault-profile", faultProfile, "long.yaml", faultScript)
	c := faultCampaign(t, db, b, contacts, 8, time.Now())
	gate := newDecisionLog()
	spoolDir := t.TempDir()
	log := zaptest.NewLogger(t, zaptest.Level(zap.ErrorLevel))
	opts := func(o *RunnerOptions) {
		o.SpoolDir = spoolDir
		o.StoreRetry = StoreRetry{First: 50 * time.Millisecond, Max: 200 * time.Millisecond, Budget: 300 * time.Millisecond}
		o.ProbeEvery = 100 * time.Millisecond
	}
	limits := TrunkLimits{CPS: 20, Channels: 8}
	a := b.startNode(t, "node-a", db, NewLocalPacer(nil), gate, limits, log, nil, opts)
	upAndRunning := func() (bool, string) {
		calls := b.far.Calls()
		return activeCalls(calls) >= 4, fmt.Sprintf("%d calls, %d up", len(calls), activeCalls(calls))
	}

	// Outage 1: the node lives through it.
	waitFor(t, 60*time.Second, "calls up", upAndRunning)
	pg.Stop()
	waitFor(t, 30*time.Second, "a record parked", func() (bool, string) { return a.runner.SpooledWrites() > 0, "" })
	if n := spoolLines(t, spoolDir); n == 0 {
		t.Fatal("a record is parked but the spool file is empty: it would not outlive the process")
	}
	pg.Start()
	waitFor(t, 30*time.Second, "parked records written", func() (bool, string) {
		return a.runner.SpooledWrites() == 0, fmt.Sprint(a.runner.SpooledWrites(), " parked")
	})

	// Outage 2: the node drains while the store is down.
	waitFor(t, 60*time.Second, "calls up", upAndRunning)
	pg.Stop()
	waitFor(t, 30*time.Second, "a record parked", func() (bool, string) { return a.runner.SpooledWrites() > 0, "" })
	if err := a.stopExpecting(t); err == nil {
		t.Log("node A drained with the store down and released its leases anyway")
	}
	parked := spoolLines(t, spoolDir)
	if parked == 0 {
		t.Fatal("node A drained with the store down and left no parked writes in its spool")
	}
	pg.Start()
	nb := b.startNode(t, "node-b", db, NewLocalPacer(nil), gate, limits, log, nil, opts)
	waitCompleted(t, db, c.ID, 90*time.Second)
	nb.stop(t)

	s := checkSettled(t, db, c, b.far, gate)
	// Everyone answers and the script finishes: one call per contact. A second call would
	// be a finished call dialled again (a record lost, the contact rescued as lost).
	for num, n := range s.perPhone {
		if n != 1 {
			t.Errorf("%s called %d times", num, n)
		}
	}
	if len(s.calls) != contacts {
		t.Errorf("%d calls for %d contacts", len(s.calls), contacts)
	}
	for _, ct := range s.contacts {
		if ct.Disposition != "completed" {
			t.Errorf("contact %d: %s %q, want completed", ct.ID, ct.State, ct.Disposition)
		}
	}
	if n := spoolLines(t, spoolDir); n != 0 {
		t.Errorf("%d writes left in the spool", n)
	}
	if _, err := os.Stat(filepath.Join(spoolDir, rejectedName)); err == nil {
		b, _ := os.ReadFile(filepath.Join(spoolDir, rejectedName))
		t.Errorf("the store refused parked writes:\n%s", b)
	}
	t.Logf("%d calls; node A left %d parked writes for node B", len(s.calls), parked)
}
