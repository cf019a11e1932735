package bench

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"go.uber.org/zap"

	"github.com/voxdial/voxdial/campaign"
	"github.com/voxdial/voxdial/compliance"
	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/internal/app"
	"github.com/voxdial/voxdial/sim"
	"github.com/voxdial/voxdial/store"
)

// CampaignOptions are `voxdial bench campaign`'s flags.
type CampaignOptions struct {
	// DatabaseURL: a postgres:// URL names a server on which the bench creates a scratch
	// database (uniquely named, dropped at the end); "sqlite" (or sqlite:…) a scratch
	// SQLite file in a temporary directory.
	DatabaseURL string
	Contacts    int           // contacts in the campaign (each called at most once)
	Calls       int           // calls up at once (runner.max_calls and the campaign's limit)
	Warmup      time.Duration // run before measuring
	Duration    time.Duration // measured
	Talk        time.Duration // how long the voice bot listens before it hangs up
}

// CampaignReport is `voxdial bench campaign --json`: the whole node as `serve` builds it
// (store, audited compliance gate, pacer, dialer, voice bots) running one campaign
// against the simulator, measured over Duration after Warmup.
type CampaignReport struct {
	Common
	Backend  store.Backend `json:"backend"`
	Contacts int           `json:"contacts"`
	Calls    int           `json:"max_calls"`
	WarmupS  float64       `json:"warmup_s"`
	TalkS    float64       `json:"talk_s"`
	// Attempts finished in the window (a call placed and its record written), and how
	// many of them failed (outcome failed: the dialer or the store let the call down).
	Attempts          int64   `json:"attempts"`
	Answered          int64   `json:"answered"`
	Failed            int64   `json:"failed"`
	NotPlaced         int64   `json:"not_placed"` // contacts turned away without a call (gate, window)
	AttemptsPerSecond float64 `json:"attempts_per_second"`
	// CPU of the process (node and simulator together) per finished attempt.
	CPUMSPerAttempt float64 `json:"cpu_ms_per_attempt"`
	// Gate decisions (two per call: at lease and before the INVITE) and the audit
	// records written for them, per second.
	GateDecisionsPerSecond float64 `json:"gate_decisions_per_second"`
	AuditRecordsPerSecond  float64 `json:"audit_records_per_second"`
	AuditTransactions      int64   `json:"audit_transactions"`
	// How long a gate decision took, its audit record's group commit included (ms).
	GateDecisionMS Percentiles `json:"gate_decision_ms"`
	// PostgreSQL only (nil on SQLite, which has no round trips): statements sent
	// (BEGIN and COMMIT included) and transactions begun, per finished attempt, over
	// every part of the node; and the statements that sent the most.
	RoundTripsPerAttempt   *float64         `json:"round_trips_per_attempt,omitempty"`
	TransactionsPerAttempt *float64         `json:"transactions_per_attempt,omitempty"`
	Statements             []StatementCount `json:"statements,omitempty"`
	AuditRecordsVerified   int              `json:"audit_records_verified"`
}

// StatementCount is one statement's round trips per finished attempt.
type StatementCount struct {
	SQL        string  `json:"sql"` // the statement's start, whitespace folded
	PerAttempt float64 `json:"per_attempt"`
}

// campaignScript is the bench's voice bot: it listens for Talk and hangs up.
const campaignScript = "name: bench-campaign\nmax_call: 1m\nsteps:\n  - listen: %s\n  - hangup: true\n"

// campaignProfile: every callee answers at once and stays silent until the bot hangs up.
const campaignProfile = `seed: 7
defaults: {end_of_speech: 200ms, max_wait: 5s, max_duration: 1m}
behaviours:
  person: {kind: person, answer_after: 20ms, turns: [{silence: 30s}], after_turns: wait}
mix:
  - {behaviour: person, weight: 1}
`

func (o *CampaignOptions) check() error {
	if o.Contacts <= 0 || o.Calls <= 0 || o.Duration <= 0 || o.Warmup < 0 || o.Talk <= 0 {
		return usage("bench campaign: --contacts, --calls, --duration and --talk must be positive, --warmup not negative")
	}
	if o.DatabaseURL == "" {
		return usage("bench campaign: --database-url is empty")
	}
	return nil
}

// Campaign runs the bench: the simulator in process, a scratch database, a node built by
// internal/app as `serve` builds it (real compliance gate with audit, a seller and
// consents for every contact, a clock at a calling hour), one campaign of o.Contacts
// contacts started, then measured for o.Duration after o.Warmup.
func Campaign(ctx context.Context, o CampaignOptions, progress io.Writer) (*CampaignReport, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	say := progressTo(progress)
	dir, err := os.MkdirTemp("", "voxdial-bench-campaign-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	dbURL, drop, err := scratchDatabase(ctx, o.DatabaseURL, dir)
	if err != nil {
		return nil, err
	}
	defer drop()

	prof, err := sim.ParseProfile(strings.NewReader(campaignProfile), "bench-campaign profile")
	if err != nil {
		return nil, err
	}
	far, trunk, err := sim.StartLocal(ctx, sim.Options{Profile: prof, MaxRecords: 1})
	if err != nil {
		return nil, err
	}
	defer far.Close()
	script := filepath.Join(dir, "bot.yaml")
	if err := os.WriteFile(script, fmt.Appendf(nil, campaignScript, o.Talk), 0o644); err != nil {
		return nil, err
	}

	cfg := app.Defaults()
	cfg.Store = app.StoreConfig{URL: dbURL, Migrate: true}
	cfg.HTTP.Listen = app.HTTPOff
	cfg.Runner.MaxCalls = o.Calls
	cfg.Runner.Poll = 50 * time.Millisecond
	cfg.Runner.RingTimeout = 10 * time.Second
	cfg.Runner.DrainTimeout = 10 * time.Second
	cfg.Runner.DataDir = filepath.Join(dir, "data")
	cfg.Log.Level = "warn"
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	now := app.CallingHourClock(time.Now)
	tr := &countingTracer{}
	gateTimes := &timings{}
	var (
		c                    *store.Campaign
		attempts, answered   atomic.Int64
		failed, notPlaced    atomic.Int64
		decisions            atomic.Int64
		batcher              *compliance.AuditBatcher
		seller               = "bench-" + strconv.FormatInt(time.Now().UnixNano(), 36)
		contactsCSV, numbers = campaignContacts(o.Contacts)
	)
	prepare := func(ctx context.Context, db *store.DB) error {
		say("bench campaign: %s, %d contacts with consents\n", db.Backend(), o.Contacts)
		if _, err := db.SellerPut(ctx, &store.SellerPutParams{ID: seller, CallerIDs: []string{trunk.CallerID}, Now: now()}); err != nil {
			return err
		}
		var err error
		c, err = campaign.Create(ctx, db, campaign.CreateParams{Name: seller, Script: script, Trunk: "sim", Purpose: "collections",
			MaxAttempts: 1, MaxConcurrent: o.Calls, Seller: seller, CallerIDs: []string{trunk.CallerID}})
		if err != nil {
			return err
		}
		if err := importPhones(ctx, db, c, contactsCSV, "bench.csv", o.Contacts); err != nil {
			return fmt.Errorf("bench contacts: %w", err)
		}
		var batch []store.Consent
		for i, ph := range numbers {
			r := store.Consent{Phone: ph, Seller: seller, Kind: "express", Scope: []string{"collections"}, ArtificialVoice: true,
				GivenAt: now().AddDate(0, -1, 0)}
			r.RecordHash = compliance.ConsentRecordHash(&r)
			batch = append(batch, r)
			if len(batch) == 5000 || i == len(numbers)-1 {
				if _, err := db.ConsentAdd(ctx, &store.ConsentAddParams{Consents: batch, Now: now()}); err != nil {
					return err
				}
				batch = batch[:0]
			}
		}
		_, err = campaign.Start(ctx, db, c.ID, now())
		return err
	}
	n, err := app.New(ctx, &cfg, app.Options{Logger: zap.NewNop(), Now: now, Prepare: prepare,
		Store: func(so *store.Options) { so.Tracer = tr },
		Runner: func(ro *campaign.RunnerOptions) {
			ro.Trunk = func(string) (*dialer.Trunk, error) { return trunk, nil }
			if cg, ok := ro.Gate.(*campaign.ComplianceGate); ok {
				batcher, _ = cg.Audit.(*compliance.AuditBatcher)
			}
			ro.Gate = countingGate{ro.Gate, &decisions, gateTimes}
			prev := ro.OnAttempt
			ro.OnAttempt = func(r campaign.AttemptReport) {
				if prev != nil {
					prev(r)
				}
				switch {
				case r.Attempt == 0:
					notPlaced.Add(1)
				default:
					attempts.Add(1)
					switch r.Outcome {
					case "answered":
						answered.Add(1)
					case "failed":
						failed.Add(1)
					}
				}
			}
		}})
	if err != nil {
		return nil, err
	}
	if batcher == nil {
		n.Close()
		return nil, fmt.Errorf("bench campaign: the node has no audited compliance gate")
	}
	db := n.Store()
	rep := &CampaignReport{Backend: db.Backend(), Contacts: o.Contacts, Calls: o.Calls, WarmupS: o.Warmup.Seconds(), TalkS: o.Talk.Seconds()}
	runErr := n.Run(ctx, func(ctx context.Context) error {
		rctx, stop := context.WithCancel(ctx)
		defer stop()
		done := make(chan error, 1)
		go func() { done <- n.Runner().Run(rctx) }()
		say("bench campaign: warm-up %s, then %s measured, %d calls at once\n", o.Warmup, o.Duration, o.Calls)
		wait := func(d time.Duration) {
			select {
			case <-time.After(d):
			case <-ctx.Done():
			}
		}
		wait(o.Warmup)
		a0, np0, an0, f0, d0, q0, tx0 := attempts.Load(), notPlaced.Load(), answered.Load(), failed.Load(), decisions.Load(), tr.queries.Load(), tr.begins.Load()
		b0, r0 := batcher.Stats()
		tr.startStatements()
		gateTimes.on.Store(true)
		m := startMeter()
		wait(o.Duration)
		rep.Common = m.common()
		stmts := tr.stopStatements()
		rep.GateDecisionMS = percentilesMS(gateTimes.stop(), 50, 95, 99)
		if cur, err := db.CampaignGet(ctx, &store.CampaignGetParams{ID: c.ID}); err == nil && cur.State == store.CampaignCompleted {
			stop()
			<-done //nolint:errcheck // Run ends with the stop's error; running out of contacts is the one to report
			return usage("bench campaign: the campaign ran out of contacts before the end of the run: raise --contacts")
		}
		rep.Attempts, rep.NotPlaced = attempts.Load()-a0, notPlaced.Load()-np0
		rep.Answered, rep.Failed = answered.Load()-an0, failed.Load()-f0
		q, tx := tr.queries.Load()-q0, tr.begins.Load()-tx0
		b1, r1 := batcher.Stats()
		dec := decisions.Load() - d0
		secs := rep.DurationS
		rep.AttemptsPerSecond = round3(float64(rep.Attempts) / secs)
		rep.GateDecisionsPerSecond = round3(float64(dec) / secs)
		rep.AuditRecordsPerSecond = round3(float64(r1-r0) / secs)
		rep.AuditTransactions = b1 - b0
		if rep.Attempts > 0 {
			per := float64(rep.Attempts)
			rep.CPUMSPerAttempt = round3(rep.cpuSeconds() * 1000 / per)
			if db.Backend() == store.Postgres {
				rt, txs := round3(float64(q)/per), round3(float64(tx)/per)
				rep.RoundTripsPerAttempt, rep.TransactionsPerAttempt = &rt, &txs
				rep.Statements = topStatements(stmts, per, 12)
			}
		}
		stop()
		return <-done
	})
	if runErr != nil && ctx.Err() == nil {
		return nil, runErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// The audit chain, checked on a fresh connection (the node closed its own).
	vdb, err := store.Open(context.WithoutCancel(ctx), dbURL, store.Options{})
	if err != nil {
		return nil, err
	}
	defer vdb.Close()
	if rep.AuditRecordsVerified, err = compliance.VerifyStoreAudit(ctx, vdb); err != nil {
		return nil, fmt.Errorf("audit chain after the bench: %w", err)
	}
	return rep, nil
}

// campaignContacts is a CSV of n New York numbers (one time zone, inside the clock's
// calling hours) and the numbers in E.164.
func campaignContacts(n int) (string, []string) {
	var b strings.Builder
	b.WriteString("phone\n")
	nums := make([]string, n)
	for i := range n {
		nums[i] = compliance.FormatNumber(12122000000 + uint64(i))
		b.WriteString(nums[i])
		b.WriteByte('\n')
	}
	return b.String(), nums
}

// scratchDatabase makes the bench's database: a new PostgreSQL database on raw's server
// or a SQLite file in dir. drop removes it.
func scratchDatabase(ctx context.Context, raw, dir string) (dbURL string, drop func(), err error) {
	if raw == "sqlite" || strings.HasPrefix(raw, "sqlite:") {
		return "sqlite:" + filepath.Join(dir, "bench.db"), func() {}, nil
	}
	if !strings.HasPrefix(raw, "postgres://") && !strings.HasPrefix(raw, "postgresql://") {
		return "", nil, usage("bench campaign: --database-url %q: want postgres://… (a server to create a scratch database on) or sqlite", raw)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", nil, usage("bench campaign: --database-url: %v", err)
	}
	admin, err := pgx.Connect(ctx, raw)
	if err != nil {
		return "", nil, fmt.Errorf("bench campaign: %w", err)
	}
	defer admin.Close(context.WithoutCancel(ctx))
	name := "voxdial_bench_campaign_" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, fmt.Errorf("bench campaign: create database: %w", err)
	}
	u.Path = "/" + name
	drop = func() {
		dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(dctx, raw)
		if err != nil {
			return
		}
		defer c.Close(dctx)
		_, _ = c.Exec(dctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	}
	return u.String(), drop, nil
}

// countingGate counts the gate's decisions and, while on, times them.
type countingGate struct {
	campaign.Gate
	n     *atomic.Int64
	times *timings
}

func (g countingGate) Check(ctx context.Context, req campaign.GateRequest) (campaign.GateVerdict, error) {
	g.n.Add(1)
	start := time.Now()
	v, err := g.Gate.Check(ctx, req)
	g.times.add(time.Since(start))
	return v, err
}

// timings collects durations while on.
type timings struct {
	on atomic.Bool
	mu sync.Mutex
	ds []time.Duration
}

func (t *timings) add(d time.Duration) {
	if !t.on.Load() {
		return
	}
	t.mu.Lock()
	t.ds = append(t.ds, d)
	t.mu.Unlock()
}

func (t *timings) stop() []time.Duration {
	t.on.Store(false)
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.ds
}

// countingTracer counts the statements the store sends to PostgreSQL (each a round
// trip: BEGIN and COMMIT are statements too) and the transactions begun; while
// statements are on, it also counts by statement.
type countingTracer struct {
	queries, begins atomic.Int64
	on              atomic.Bool
	mu              sync.Mutex
	byStmt          map[string]int64
}

func (t *countingTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	t.queries.Add(1)
	if sql := strings.TrimPrefix(d.SQL, "batch: "); len(sql) >= 5 && strings.EqualFold(sql[:5], "begin") {
		t.begins.Add(1)
	}
	if t.on.Load() {
		key := strings.Join(strings.Fields(d.SQL), " ")
		if len(key) > 90 {
			key = key[:90]
		}
		t.mu.Lock()
		if t.byStmt != nil { // nil once stopped: a query that saw "on" just before
			t.byStmt[key]++
		}
		t.mu.Unlock()
	}
	return ctx
}

func (t *countingTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// A batch (a pipeline: the gate's reads of one decision, an audit commit's halves) is one
// round trip, whatever it holds; it is named by its first statements.
func (t *countingTracer) TraceBatchStart(ctx context.Context, c *pgx.Conn, d pgx.TraceBatchStartData) context.Context {
	name := "batch:"
	if d.Batch != nil {
		for i, q := range d.Batch.QueuedQueries {
			if i == 2 {
				break
			}
			name += " " + q.SQL + ";"
		}
	}
	return t.TraceQueryStart(ctx, c, pgx.TraceQueryStartData{SQL: name})
}
func (t *countingTracer) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (t *countingTracer) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

func (t *countingTracer) startStatements() {
	t.mu.Lock()
	t.byStmt = map[string]int64{}
	t.mu.Unlock()
	t.on.Store(true)
}

// stopStatements returns the counts and hands the map over: a query still in flight
// that saw "on" before the stop must not write to it while the caller reads it.
func (t *countingTracer) stopStatements() map[string]int64 {
	t.on.Store(false)
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.byStmt
	t.byStmt = nil
	return m
}

// topStatements are the k statements with the most round trips, per attempt.
func topStatements(m map[string]int64, attempts float64, k int) []StatementCount {
	out := make([]StatementCount, 0, len(m))
	for s, n := range m {
		out = append(out, StatementCount{SQL: s, PerAttempt: round3(float64(n) / attempts)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].PerAttempt != out[j].PerAttempt {
			return out[i].PerAttempt > out[j].PerAttempt
		}
		return out[i].SQL < out[j].SQL
	})
	if len(out) > k {
		out = out[:k]
	}
	return out
}
