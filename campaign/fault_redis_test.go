package campaign

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/voxdial/voxdial/compliance"
	"github.com/voxdial/voxdial/internal/redistest"
	"github.com/voxdial/voxdial/numbers"
	"github.com/voxdial/voxdial/store/storetest"
)

// guardHistory is the gate's history as a cluster node has it: the store's (here a
// compliance.Memory) merged with the number guard's attempt log in Redis, so that a Redis
// outage is a data source failing under the gate.
type guardHistory struct {
	*compliance.Memory
	guard *numbers.Guard
}

func (h guardHistory) Attempts(ctx context.Context, number uint64, since, until time.Time, buf []compliance.Event) ([]compliance.Event, error) {
	if _, err := h.guard.Attempts(ctx, compliance.FormatNumber(number), since, until, nil); err != nil {
		return buf, err
	}
	return h.Memory.Attempts(ctx, number, since, until, buf)
}

type auditTally struct {
	mu          sync.Mutex
	unavailable int
}

func (a *auditTally) Append(_ context.Context, _ *compliance.Attempt, d *compliance.Decision) error {
	if d.Rules.Has(compliance.DataUnavailable) {
		a.mu.Lock()
		a.unavailable++
		a.mu.Unlock()
	}
	return nil
}

// decidedBy records the invite-stage allows of another gate (checkSettled's decisions).
type decidedBy struct {
	Gate
	dl *decisionLog
}

func (g decidedBy) Check(ctx context.Context, req GateRequest) (GateVerdict, error) {
	v, err := g.Gate.Check(ctx, req)
	if err == nil && v.Decision == GateAllow {
		_, _ = g.dl.Check(ctx, req)
	}
	return v, err
}

// Redis goes away mid-campaign and comes back empty. The node stops leasing at the first
// failure (the gate's DATA_UNAVAILABLE from the number log, the number lock, the pacer),
// tries the contacts that failed again after NumberErrorRetry (a minute by default; no
// 15-minute hold), probes Redis and resumes when it answers.
func TestFaultRedisRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the fault suite runs campaigns through outages")
	}
	t.Parallel()
	const contacts, concurrent, retry = 40, 8, time.Second
	// The node's clock: a Wednesday noon in New York, running at the wall clock's pace, so
	// that the gate's calling hours pass at any hour the test runs.
	base, start := time.Date(2040, 6, 13, 16, 0, 0, 0, time.UTC), time.Now()
	now := func() time.Time { return base.Add(time.Since(start)) }

	rs := redistest.StartServer(t)
	rdb := rs.Client()
	db := storetest.OpenPostgres(t)
	b := setupClusterWith(t, "fault-profile", faultProfile, "long.yaml", faultScript)
	c := faultCampaign(t, db, b, contacts, concurrent, now())

	guard := numbers.NewRedis(rdb, numbers.RedisOptions{Prefix: "fault:num:"})
	mem := compliance.NewMemory()
	mem.PutSeller(compliance.Seller{ID: "S1", CallerIDs: []string{b.trunk.CallerID}})
	mem.PutCampaign(compliance.Campaign{ID: strconv.FormatInt(c.ID, 10), Seller: "S1", Purpose: compliance.Telemarketing,
		Voice: compliance.VoiceLive, Subject: "offer", CallerID: b.trunk.CallerID, Pacing: compliance.PacingOneToOne})
	dnc := compliance.NewDNCIndex()
	dnc.SetSnapshot(compliance.ListNational, base.AddDate(0, 0, -3))
	cg, err := compliance.NewGate(compliance.Options{Directory: mem, Consents: mem, History: guardHistory{mem, guard}, DNC: dnc})
	if err != nil {
		t.Fatal(err)
	}
	audit := &auditTally{}
	decisions := newDecisionLog()
	gate := decidedBy{Gate: &ComplianceGate{Gate: cg, Audit: audit}, dl: decisions}

	var mu sync.Mutex
	var failed []AttemptReport // contacts not called because Redis failed
	onAttempt := func(rep AttemptReport) {
		switch rep.Outcome {
		case "gate_hold", "gate_error":
			t.Errorf("contact %d: %s until %s: a transient outage is not a hold", rep.ContactID, rep.Outcome, rep.Next)
		case "gate_unavailable", "number_error", "pacer_error":
			mu.Lock()
			failed = append(failed, rep)
			mu.Unlock()
		}
	}
	log := zaptest.NewLogger(t, zaptest.Level(zap.ErrorLevel))
	n := b.startNode(t, "node-a", db, NewRedisPacer(rdb, RedisPacerOptions{Prefix: "fault:pace:"}), gate,
		TrunkLimits{CPS: 20, Channels: concurrent}, log, onAttempt, func(o *RunnerOptions) {
			o.Numbers, o.State, o.Now = guard, NewRedisPaceState(rdb, "fault:pace:"), now
			o.NumberErrorRetry, o.ProbeEvery = retry, 100*time.Millisecond
		})

	waitFor(t, 60*time.Second, "calls up", func() (bool, string) {
		calls := b.far.Calls()
		return activeCalls(calls) >= 4, fmt.Sprintf("%d calls, %d up", len(calls), activeCalls(calls))
	})
	rs.Stop()
	waitFor(t, 30*time.Second, "leasing paused", func() (bool, string) { return n.runner.Paused(), "" })
	// The outage lasts: the node keeps probing and leases nothing meanwhile.
	time.Sleep(2 * time.Second)
	mu.Lock()
	during := len(failed)
	mu.Unlock()
	rs.Start() // empty
	waitFor(t, 30*time.Second, "leasing resumed", func() (bool, string) { return !n.runner.Paused(), "" })
	waitCompleted(t, db, c.ID, 90*time.Second)
	n.stop(t)

	s := checkSettled(t, db, c, b.far, decisions)
	if len(s.calls) != contacts {
		t.Errorf("%d calls for %d contacts (everyone answers: one call each)", len(s.calls), contacts)
	}
	mu.Lock()
	defer mu.Unlock()
	// Only the contacts already in hand when Redis went away failed; then no more leases.
	if during == 0 || during > 2*concurrent {
		t.Errorf("%d contacts failed during the outage; want some, and no more than the %d in hand", during, 2*concurrent)
	}
	for _, rep := range failed {
		if d := rep.Next.Sub(now()); d > retry {
			t.Errorf("contact %d retried %s from now: want within %s", rep.ContactID, d, retry)
		}
	}
	audit.mu.Lock()
	defer audit.mu.Unlock()
	if audit.unavailable > 2*concurrent {
		t.Errorf("%d DATA_UNAVAILABLE decisions audited: the node went on leasing through the outage", audit.unavailable)
	}
	t.Logf("%d calls; %d contacts failed during the outage (%d audited DATA_UNAVAILABLE), all retried within %s",
		len(s.calls), during, audit.unavailable, retry)
}

// A gate hold because its data could not be read (Unavailable) retries the contact after
// NumberErrorRetry, pauses leasing until the probes answer, and is not a 15-minute hold.
func TestGateUnavailablePausesLeasing(t *testing.T) {
	t.Parallel()
	const contacts, retry = 6, 500 * time.Millisecond
	db := storetest.OpenSQLite(t)
	b := setupClusterWith(t, "fault-profile", faultProfile, "long.yaml", faultScript)
	c := faultCampaign(t, db, b, contacts, 3, time.Now())
	var mu sync.Mutex
	down := true
	probes := 0
	gate := GateFunc(func(_ context.Context, req GateRequest) (GateVerdict, error) {
		mu.Lock()
		defer mu.Unlock()
		if down {
			return GateVerdict{Decision: GateHold, RuleIDs: []string{"DATA_UNAVAILABLE"}, Reason: "attempt history: connection refused",
				Unavailable: true}, nil
		}
		return GateVerdict{Decision: GateAllow}, nil
	})
	probe := pingFunc(func(context.Context) error {
		mu.Lock()
		defer mu.Unlock()
		probes++
		if down {
			return fmt.Errorf("still down")
		}
		return nil
	})
	var reps reports
	n := b.startNode(t, "node-a", db, NewLocalPacer(nil), gate, TrunkLimits{CPS: 20, Channels: 3},
		zaptest.NewLogger(t, zaptest.Level(zap.ErrorLevel+1)), reps.add, func(o *RunnerOptions) {
			o.NumberErrorRetry, o.ProbeEvery, o.Probes = retry, 50*time.Millisecond, []Pinger{probe}
		})
	waitFor(t, 30*time.Second, "paused after the first failure", func() (bool, string) {
		mu.Lock()
		defer mu.Unlock()
		return n.runner.Paused() && probes >= 5, reps.String()
	})
	held := reps.count("gate_unavailable")
	if held == 0 || held > 3 || reps.count("gate_hold") != 0 {
		t.Fatalf("while the gate's data was down: %s; want at most the 3 contacts in hand held, for a retry", reps.String())
	}
	mu.Lock()
	down = false
	mu.Unlock()
	waitCompleted(t, db, c.ID, 60*time.Second)
	n.stop(t)
	s := checkSettled(t, db, c, b.far, nil)
	if len(s.calls) != contacts {
		t.Fatalf("%d calls for %d contacts", len(s.calls), contacts)
	}
}

type pingFunc func(context.Context) error

func (f pingFunc) Ping(ctx context.Context) error { return f(ctx) }
