package campaign

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/voxdial/voxdial/asr"
	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/internal/safehttp"
	"github.com/voxdial/voxdial/sim"
	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
	"github.com/voxdial/voxdial/voicebot/live"
)

// paceProfile answers 40 % of calls (after 500 ms; the callee then waits for
// our BYE); the rest ring out or are busy after about a second.
const paceProfile = `
seed: 7
defaults: {end_of_speech: 200ms, max_wait: 1s, max_duration: 30s}
behaviours:
  person: {kind: person, answer_after: 500ms, turns: [{silence: 20s}], after_turns: wait}
  ring_out: {kind: ring_out, ring: 1s}
  busy: {kind: busy, ring: 800ms}
mix:
  - {behaviour: person, weight: 40}
  - {behaviour: ring_out, weight: 45}
  - {behaviour: busy, weight: 15}
`

// talkScript holds the bot for 2 s of an answered call.
const talkScript = `name: talk
max_call: 10s
steps:
  - listen: 2s
  - hangup: true
`

type paceRun struct {
	runner *Runner
	cancel context.CancelFunc
	done   chan error
}

func startPaceRunner(t *testing.T, b *clusterBundle, db *store.DB, name string, opts RunnerOptions) *paceRun {
	t.Helper()
	log := zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))
	ua, err := dialer.NewUA(dialer.Options{Clock: b.clock, Logger: log.Named(name + ".dialer")})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := ua.Start(ctx); err != nil {
		t.Fatal(err)
	}
	opts.Store, opts.Dialer, opts.Holder, opts.Logger = db, ua, name, log.Named(name)
	opts.Gate = GateFunc(func(context.Context, GateRequest) (GateVerdict, error) { return GateVerdict{Decision: GateAllow}, nil })
	opts.Trunk = func(string) (*dialer.Trunk, error) { return b.trunk, nil }
	opts.LeaseFor, opts.Poll, opts.Rescue = 20*time.Second, 50*time.Millisecond, -1
	opts.RingTimeout, opts.DrainTimeout = 5*time.Second, 20*time.Second
	withScriptHost(&opts)
	r, err := NewRunner(opts)
	if err != nil {
		t.Fatal(err)
	}
	pr := &paceRun{runner: r, cancel: cancel, done: make(chan error, 1)}
	go func() { pr.done <- r.Run(ctx) }()
	t.Cleanup(func() { pr.stop(t); ua.Close() })
	return pr
}

func (p *paceRun) stop(t *testing.T) {
	p.cancel()
	select {
	case err := <-p.done:
		if err != nil {
			t.Errorf("runner: %v", err)
		}
		p.done <- nil
	case <-time.After(40 * time.Second):
		t.Errorf("runner did not drain")
	}
}

// seedAnswered gives a campaign a history of n live answers (none abandoned)
// in the last 24 h: a campaign that has run a while, with abandonment budget.
func seedAnswered(t *testing.T, db *store.DB, c *store.Campaign, n int) {
	t.Helper()
	ctx := context.Background()
	var csv strings.Builder
	csv.WriteString("phone\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&csv, "+1347555%04d\n", i)
	}
	if rep, err := Import(ctx, db, strings.NewReader(csv.String()), ImportOptions{Campaign: c, File: "history.csv"}); err != nil || rep.Imported != n {
		t.Fatalf("history import: %+v %v", rep, err)
	}
	got, err := db.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: c.ID, Holder: "history", Limit: n, LeaseFor: time.Minute})
	if err != nil || len(got) != n {
		t.Fatal(len(got), err)
	}
	now := time.Now().Add(-time.Hour)
	for _, ct := range got {
		att, err := db.AttemptStart(ctx, &store.AttemptStartParams{ContactID: ct.ID, Holder: "history", CallID: fmt.Sprint("history-", ct.ID), Now: now})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.AttemptFinish(ctx, &store.AttemptFinishParams{AttemptID: att.ID, ContactID: ct.ID, Holder: "history", Outcome: "answered",
			Disposition: "completed", AnsweredAt: now, EndedAt: now, Final: true, Now: now}); err != nil {
			t.Fatal(err)
		}
	}
}

func campaignAttempts(t *testing.T, db *store.DB, id int64) []*store.Attempt {
	t.Helper()
	var out []*store.Attempt
	for after := int64(0); ; {
		page, err := db.AttemptList(context.Background(), &store.AttemptListParams{CampaignID: id, AfterID: after, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			return out
		}
		out = append(out, page...)
		after = page[len(page)-1].ID
	}
}

// simEndSlack: the simulator stamps a call's end after its own teardown
// (media session closed), some milliseconds after the dialer saw the call end
// and may have freed its slot: ends are taken this much earlier.
const simEndSlack = 100 * time.Millisecond

// peakConcurrent is the most calls the simulator had up at once, each call's end taken
// slack earlier.
func peakConcurrent(calls []sim.CallRecord, slack time.Duration) int {
	type ev struct {
		at    time.Time
		delta int
	}
	var evs []ev
	for _, c := range calls {
		end := c.EndedAt.Add(-slack)
		if c.EndedAt.IsZero() {
			end = time.Now()
		}
		if end.Before(c.StartedAt) {
			end = c.StartedAt
		}
		evs = append(evs, ev{c.StartedAt, 1}, ev{end, -1})
	}
	sort.Slice(evs, func(i, j int) bool {
		if evs[i].at.Equal(evs[j].at) {
			return evs[i].delta < evs[j].delta
		}
		return evs[i].at.Before(evs[j].at)
	})
	cur, peak := 0, 0
	for _, e := range evs {
		cur += e.delta
		peak = max(peak, cur)
	}
	return peak
}

// TestAdaptiveDialling runs the same 40 %-answer population twice against the
// simulator with the same bot capacity (N = 4): once 1:1, once predictive.
// Counted on the simulator: 1:1 never has more than N legs up, predictive
// does, and it keeps the bots busier by a clear ratio; the trunk's CPS and
// channel limits hold; abandonment stays ≤ 3 %, every abandoned call heard
// the information message within 2 s and is not due again for 72 h.
func TestAdaptiveDialling(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: two 15 s campaign runs")
	}
	const bots, run, warm = 10, 15 * time.Second, 3 * time.Second
	b := setupClusterWith(t, "pace-profile", paceProfile, "talk.yaml", talkScript)
	far, script := b.far, b.script
	db := storetest.OpenPostgres(t)
	ctx := context.Background()
	limits := TrunkLimits{CPS: 40, Burst: 1, Channels: 24}

	type result struct {
		calls               []sim.CallRecord
		util                float64
		peak                int
		answered, abandoned int
		atts                []*store.Attempt
	}
	// One pacing state for both runs: the predictive campaign starts with the
	// answer rate the 1:1 run measured on the same population, as a campaign
	// that has been running a while would (its history is seeded too).
	state := NewLocalPaceState(nil)
	var oneID int64
	measure := func(pacing string, prefix int) result {
		registerSeller(t, db, "Acme")
		c, err := Create(ctx, db, CreateParams{Name: "pace-" + pacing, Script: script, Trunk: "sim", MaxAttempts: 2, MaxConcurrent: 40,
			Pacing: pacing, Seller: "Acme"})
		if err != nil {
			t.Fatal(err)
		}
		seedAnswered(t, db, c, 150)
		if oneID != 0 {
			w, _ := state.Window(ctx, fmt.Sprint(oneID))
			_ = state.Record(ctx, fmt.Sprint(c.ID), w)
		}
		oneID = c.ID
		var csv strings.Builder
		csv.WriteString("phone\n")
		for i := 0; i < 600; i++ {
			fmt.Fprintf(&csv, "+1%d555%04d\n", prefix, i)
		}
		if rep, err := Import(ctx, db, strings.NewReader(csv.String()), ImportOptions{Campaign: c, File: "c.csv"}); err != nil || rep.Imported != 600 {
			t.Fatalf("import: %+v %v", rep, err)
		}
		if _, err := Start(ctx, db, c.ID, time.Now()); err != nil {
			t.Fatal(err)
		}
		before := len(far.Calls())
		start := time.Now()
		pr := startPaceRunner(t, b, db, "node-"+pacing, RunnerOptions{MaxCalls: bots, State: state, Limits: func(*dialer.Trunk) TrunkLimits { return limits }})
		time.Sleep(run)
		stop := time.Now()
		if _, err := Pause(ctx, db, c.ID, stop); err != nil {
			t.Fatal(err)
		}
		pr.stop(t)
		calls := far.Calls()[before:]
		res := result{calls: calls, peak: peakConcurrent(calls, simEndSlack), atts: campaignAttempts(t, db, c.ID)}
		abandonedIDs := map[string]bool{}
		for _, a := range res.atts {
			switch a.Outcome {
			case "answered":
				if a.StartedAt.After(start) {
					res.answered++
				}
			case string(OutcomeAbandoned):
				res.answered++
				res.abandoned++
				abandonedIDs[a.CallID] = true
			}
		}
		// Bot time: answered, not abandoned calls, within [start+warm, stop].
		from := start.Add(warm)
		busy := time.Duration(0)
		for _, cr := range calls {
			if cr.AnsweredAt.IsZero() || abandonedIDs[cr.CallID] {
				continue
			}
			a, e := cr.AnsweredAt, cr.EndedAt
			if e.IsZero() || e.After(stop) {
				e = stop
			}
			if a.Before(from) {
				a = from
			}
			if e.After(a) {
				busy += e.Sub(a)
			}
		}
		res.util = busy.Seconds() / (float64(bots) * stop.Sub(from).Seconds())
		return res
	}
	one := measure(PacingOneToOne, 415)
	pred := measure(PacingPredictive, 646)
	t.Logf("1:1: %d calls, peak %d legs, bot utilisation %.2f; predictive: %d calls, peak %d legs, utilisation %.2f, %d abandoned of %d live",
		len(one.calls), one.peak, one.util, len(pred.calls), pred.peak, pred.util, pred.abandoned, pred.answered)
	if one.peak > bots {
		t.Errorf("1:1 had %d legs up at the simulator with %d bot slots", one.peak, bots)
	}
	if one.abandoned != 0 {
		t.Errorf("1:1 abandoned %d calls", one.abandoned)
	}
	if pred.peak <= bots {
		t.Errorf("predictive never had more than %d legs up (peak %d)", bots, pred.peak)
	}
	if pred.util < 1.15*one.util {
		t.Errorf("predictive bot utilisation %.2f is not 1.15× the 1:1 dialer's %.2f", pred.util, one.util)
	}
	checkLimits(t, pred.calls, limits)
	if pred.answered == 0 || float64(pred.abandoned) > AbandonLimit*float64(pred.answered+150) {
		t.Errorf("abandonment %d of %d live answers (+150 seeded) is over 3 %%", pred.abandoned, pred.answered)
	}
	byCall := map[string]sim.CallRecord{}
	for _, cr := range pred.calls {
		byCall[cr.CallID] = cr
	}
	for _, a := range pred.atts {
		if a.Outcome != string(OutcomeAbandoned) {
			continue
		}
		var res dialer.Result
		if err := json.Unmarshal(a.Result, &res); err != nil {
			t.Fatal(err)
		}
		if res.Timings.AnswerToFirstAudioMS == nil || *res.Timings.AnswerToFirstAudioMS > AbandonWindow.Milliseconds() {
			t.Errorf("abandoned call %s: no message within 2 s (%v)", a.CallID, res.Timings.AnswerToFirstAudioMS)
		}
		if cr := byCall[a.CallID]; cr.PacketsReceived == 0 {
			t.Errorf("abandoned call %s: the callee heard nothing", a.CallID)
		}
		if a.Disposition != DispositionAbandoned {
			t.Errorf("abandoned call %s: disposition %q", a.CallID, a.Disposition)
		}
		ct, err := db.ContactGet(ctx, &store.ContactGetParams{ID: a.ContactID})
		if err == nil && ct.State != store.ContactDone && ct.NextAttemptAt.Before(time.Now().Add(AbandonRecall-time.Minute)) {
			t.Errorf("abandoned contact %d due again at %s, before 72 h", ct.ID, ct.NextAttemptAt)
		}
	}
}

// transferProfile: callees answer and wait; the agents' number answers and
// talks for about a second, then hangs up (ending the bridge).
const transferProfile = `
defaults: {end_of_speech: 200ms, max_wait: 500ms, max_duration: 30s}
behaviours:
  callee: {kind: person, answer_after: 300ms, turns: [{silence: 20s}], after_turns: wait}
  agent: {kind: person, answer_after: 100ms, turns: [{silence: 1s}], after_turns: hangup}
routes:
  - {match: '5550009999$', behaviour: agent}
mix:
  - {behaviour: callee, weight: 1}
`

const transferScript = `name: always-transfer
locale: en-US
purpose: informational
start: hand_over
states:
  hand_over:
    say: "Please hold."
    set: {disposition: transferred}
    transfer: "+15550009999"
`

// TestTransferPacing: every call transfers to 2 agents. Counted on the
// simulator, the agents never have more than 2 calls at once; abandoned
// transfers stay ≤ 3 % (from the store, as the results show them).
func TestTransferPacing(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: campaigns of transfers")
	}
	t.Run("fixed", func(t *testing.T) { testTransferPacing(t, false) })
	// The agents' queue endpoint says how many of the 2 agents are free: 2
	// less the agent calls up at the simulator.
	t.Run("queue", func(t *testing.T) { testTransferPacing(t, true) })
}

func testTransferPacing(t *testing.T, queue bool) {
	const contacts, agents = 16, 2
	b := setupClusterWith(t, "transfer-profile", transferProfile, "transfer.yaml", transferScript)
	far, script := b.far, b.script
	db := storetest.OpenPostgres(t)
	ctx := context.Background()
	pace := PaceOptions{Agents: agents}
	if queue {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			busy := 0
			for _, cr := range far.Calls() {
				if cr.Active && strings.HasSuffix(cr.To, "5550009999") {
					busy++
				}
			}
			fmt.Fprintf(w, `{"available": %d}`, max(agents-busy, 0))
		}))
		t.Cleanup(srv.Close)
		pace = PaceOptions{AgentsURL: srv.URL}
	}
	c, err := Create(ctx, db, CreateParams{Name: "transfers", Script: script, Trunk: "sim", MaxAttempts: 1, MaxConcurrent: 8,
		Pace: pace})
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := Import(ctx, db, strings.NewReader(contactsCSV(contacts)), ImportOptions{Campaign: c, File: "c.csv"}); err != nil || rep.Imported != contacts {
		t.Fatalf("import: %+v %v", rep, err)
	}
	if _, err := Start(ctx, db, c.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	loopback, _ := safehttp.ParsePolicy([]string{"127.0.0.0/8"}) // the queue is an httptest server
	desk := NewTransferDeskWith(loopback)
	host := live.NewHost(live.Options{NoAMD: true, Transfers: func(id string) live.TransferAdmitter { return desk.For(id) },
		NewRecognizer: func([]string) (asr.Engine, error) { return nil, nil }})
	start := time.Now()
	pr := startPaceRunner(t, b, db, "node-x", RunnerOptions{MaxCalls: 8, Transfers: desk, Speak: host.SpeakText, AgentPoll: 200 * time.Millisecond,
		LoadScript: func(p string) (Script, error) { return host.Load(p) }})
	for {
		got, err := db.CampaignGet(ctx, &store.CampaignGetParams{ID: c.ID})
		if err != nil {
			t.Fatal(err)
		}
		if got.State == store.CampaignCompleted {
			break
		}
		if time.Since(start) > 3*time.Minute {
			t.Fatalf("campaign still %s after 3 minutes", got.State)
		}
		time.Sleep(200 * time.Millisecond)
	}
	pr.stop(t)
	var agentCalls []sim.CallRecord
	for _, cr := range far.Calls() {
		if strings.HasSuffix(cr.To, "5550009999") {
			agentCalls = append(agentCalls, cr)
		}
	}
	transfers, abandoned, err := db.TransferCounts(ctx, &store.AbandonCountsParams{CampaignID: c.ID, Since: start.Add(-time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	peak := peakConcurrent(agentCalls, simEndSlack)
	st, _ := db.CampaignStatsGet(ctx, &store.CampaignGetParams{ID: c.ID})
	t.Logf("%d contacts in %s: %d transfers asked, %d abandoned, %d agent calls at the simulator, peak %d at once; dispositions %v",
		contacts, time.Since(start).Round(time.Millisecond), transfers, abandoned, len(agentCalls), peak, st.Dispositions)
	if peak > agents {
		t.Errorf("%d agent calls at once at the simulator, %d agents", peak, agents)
	}
	if transfers < contacts*3/4 {
		t.Errorf("only %d transfers of %d contacts", transfers, contacts)
	}
	if float64(abandoned) > AbandonLimit*float64(transfers) {
		t.Errorf("%d of %d transfers abandoned: over 3 %%", abandoned, transfers)
	}
	if int64(len(agentCalls)) != transfers-abandoned {
		t.Errorf("%d agent calls at the simulator for %d admitted transfers", len(agentCalls), transfers-abandoned)
	}
}

// TestOverdialTwoNodes: two nodes share one Redis pacer and one Redis pacing
// state and dial one predictive campaign. Counted on the simulator: the
// trunk's channels and CPS are never exceeded although both nodes dial ahead
// of their bot slots (more legs up than the cluster has bots), and the shared
// answer-rate window holds both nodes' legs.
func TestOverdialTwoNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: a 12 s two-node campaign")
	}
	const botsPerNode, run = 6, 12 * time.Second
	b := setupClusterWith(t, "pace-profile", paceProfile, "talk.yaml", talkScript)
	far, script := b.far, b.script
	ctx := context.Background()
	dbs := openNodes(t, 2)
	db1, db2 := dbs[0], dbs[1]
	rdb, prefix := testRedis(t)
	registerSeller(t, db1, "Acme")
	c, err := Create(ctx, db1, CreateParams{Name: "overdial", Script: script, Trunk: "sim", MaxAttempts: 2, MaxConcurrent: 30,
		Pacing: PacingPredictive, Seller: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	seedAnswered(t, db1, c, 150)
	if rep, err := Import(ctx, db1, strings.NewReader(contactsCSV(400)), ImportOptions{Campaign: c, File: "c.csv"}); err != nil || rep.Imported != 400 {
		t.Fatalf("import: %+v %v", rep, err)
	}
	// The campaign has been running: its window knows the answer rate.
	state := NewRedisPaceState(rdb, prefix)
	key := fmt.Sprint(c.ID)
	if err := state.Record(ctx, key, PaceSample{Dialled: 200, Answered: 80, RingMS: 200 * 800, BotCalls: 80, BotMS: 80 * 2300}); err != nil {
		t.Fatal(err)
	}
	if _, err := Start(ctx, db1, c.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	limits := TrunkLimits{CPS: 15, Burst: 1, Channels: 16}
	before := len(far.Calls())
	nodes := []*paceRun{}
	for i, db := range []*store.DB{db1, db2} {
		nodes = append(nodes, startPaceRunner(t, b, db, fmt.Sprint("node-", i), RunnerOptions{MaxCalls: botsPerNode,
			Pacer: NewRedisPacer(rdb, RedisPacerOptions{Prefix: prefix}), State: NewRedisPaceState(rdb, prefix),
			Limits: func(*dialer.Trunk) TrunkLimits { return limits }}))
	}
	time.Sleep(run)
	if _, err := Pause(ctx, db1, c.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		n.stop(t)
	}
	calls := far.Calls()[before:]
	peak := peakConcurrent(calls, simEndSlack)
	w, err := state.Window(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	atts := campaignAttempts(t, db1, c.ID)
	live, abandoned := 0, 0
	holders := map[string]int{}
	for _, a := range atts {
		if a.Holder == "history" {
			continue
		}
		holders[a.Holder]++
		switch a.Outcome {
		case "answered":
			live++
		case string(OutcomeAbandoned):
			live++
			abandoned++
		}
	}
	t.Logf("%d calls, peak %d legs at the simulator (%d bots in the cluster); window %d legs (200 seeded); %d abandoned of %d live; attempts by node %v",
		len(calls), peak, 2*botsPerNode, w.Dialled, abandoned, live, holders)
	checkLimits(t, calls, limits)
	if peak <= 2*botsPerNode {
		t.Errorf("the cluster never had more legs up (%d) than bots (%d)", peak, 2*botsPerNode)
	}
	if len(holders) != 2 {
		t.Errorf("attempts by node %v: want both nodes dialling", holders)
	}
	if w.Dialled-200 != int64(len(calls)) {
		t.Errorf("shared window has %d legs besides the seeded 200, the simulator saw %d", w.Dialled-200, len(calls))
	}
	if float64(abandoned) > AbandonLimit*float64(live+150) {
		t.Errorf("%d abandoned of %d live (+150 seeded): over 3 %%", abandoned, live)
	}
}

// fastFailProfile: 40 % answer after 500 ms; the rest are busy within 10 ms, so the legs
// still ringing are mostly the ones that will answer (what broke an answer-rate model).
const fastFailProfile = `
seed: 3
defaults: {end_of_speech: 200ms, max_wait: 1s, max_duration: 30s}
behaviours:
  person: {kind: person, answer_after: 500ms, turns: [{silence: 20s}], after_turns: wait}
  busy: {kind: busy, ring: 10ms}
mix:
  - {behaviour: person, weight: 40}
  - {behaviour: busy, weight: 60}
`

// A young predictive campaign (50 live answers: a budget of one abandoned call at 2 %)
// on a small pool, with callees that fail fast: it does dial ahead of its bots, and its
// abandoned calls never exceed the target share of its live answers.
func TestPredictiveAbandonBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: a 20 s campaign run")
	}
	const bots, seeded = 6, 50
	b := setupClusterWith(t, "fast-fail", fastFailProfile, "talk.yaml", talkScript)
	db := storetest.OpenPostgres(t)
	ctx := context.Background()
	registerSeller(t, db, "Acme")
	c, err := Create(ctx, db, CreateParams{Name: "young", Script: b.script, Trunk: "sim", MaxAttempts: 1, MaxConcurrent: 40,
		Pacing: PacingPredictive, Seller: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	seedAnswered(t, db, c, seeded)
	if rep, err := Import(ctx, db, strings.NewReader(contactsCSV(600)), ImportOptions{Campaign: c, File: "c.csv"}); err != nil || rep.Imported != 600 {
		t.Fatalf("import: %+v %v", rep, err)
	}
	if _, err := Start(ctx, db, c.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	before := len(b.far.Calls())
	run := startPaceRunner(t, b, db, "young", RunnerOptions{MaxCalls: bots, Pacer: NewLocalPacer(nil)})
	time.Sleep(20 * time.Second)
	run.stop(t)
	live, abandoned := 0, 0
	for _, a := range campaignAttempts(t, db, c.ID) {
		switch a.Outcome {
		case "answered":
			live++
		case string(OutcomeAbandoned):
			live++
			abandoned++
		}
	}
	peak := peakConcurrent(b.far.Calls()[before:], simEndSlack)
	t.Logf("%d live answers (and %d seeded), %d abandoned, peak %d calls at the simulator for %d bots", live, seeded, abandoned, peak, bots)
	if peak <= bots {
		t.Errorf("peak %d calls for %d bots: the campaign never dialled ahead", peak, bots)
	}
	if limit := int(DefaultAbandonTarget*float64(live+seeded) + 1e-9); abandoned > limit {
		t.Errorf("%d abandoned of %d live answers: over the %.0f %% target (%d)", abandoned, live+seeded, 100*DefaultAbandonTarget, limit)
	}
}

// registerSeller registers a seller (with one caller ID) so that a campaign may name it.
func registerSeller(t *testing.T, db *store.DB, id string) {
	t.Helper()
	if _, err := db.SellerPut(context.Background(), &store.SellerPutParams{ID: id, Name: id, CallerIDs: []string{"+12125550000"}, Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
}
