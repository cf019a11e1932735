package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/voxdial/voxdial/campaign"
	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/internal/app"
	"github.com/voxdial/voxdial/sim"
	"github.com/voxdial/voxdial/store"
)

// demoContacts is the sample contact file of the campaign demo: good rows,
// a duplicate, a bad number, a row missing a required field. The simulator
// profile below decides each number's fate by its last digit.
const demoContacts = `phone,first_name,amount,due_date,timezone,external_id
+14155550100,Ana,120.50,2026-12-01,,D-100
+12125550101,Ben,89.99,2026-12-03,,D-101
(312) 555-0102,Chen,1500,2026-12-05,America/Chicago,D-102
+13055550103,Dora,45.00,2026-12-02,,D-103
+14155550104,Eve,10.00,2026-12-01,,D-104
+12125550105,Fay,300.00,2026-12-06,,D-105
+13125550106,Gus,75.25,2026-12-04,,D-106
+13055550107,Hana,12.00,2026-12-07,,D-107
+14155550108,Ivo,999.99,2026-12-08,,D-108
+12125550109,Jun,20.00,2026-12-09,,D-109
not-a-number,Kim,10.00,2026-12-01,,D-110
+14155550100,Ana,120.50,2026-12-01,,D-100
+13055550111,Lee,,2026-12-06,,D-111
`

// demoProfile decides each number's fate by its last digit. People answer the
// payment-reminder bot with keys (the bot understands speech too once the
// recogniser is wired): 0 confirms and promises to pay, 1 confirms, cannot
// pay and declines an agent, 2 is the wrong person, 3 asks to opt out, 4 is a
// voicemail box, 5 is busy, 6 rings out, 7 is not a number, 8 meets
// congestion, 9 rejects the call.
const demoProfile = `
defaults: {end_of_speech: 700ms, max_wait: 15s, max_duration: 90s}
behaviours:
  promise:  {kind: person, answer_after: 1s, turns: [{dtmf: "1"}, {dtmf: "1"}], after_turns: wait}
  decline:  {kind: person, answer_after: 1s, turns: [{dtmf: "1"}, {dtmf: "2"}, {dtmf: "2"}], after_turns: wait}
  wrong:    {kind: person, answer_after: 2s, turns: [{dtmf: "2"}], after_turns: wait}
  opt_out:  {kind: person, answer_after: 1s, turns: [{dtmf: "9"}], after_turns: wait}
  voicemail: {kind: voicemail, answer_after: 2s, greeting: asset:greeting.wav, max_duration: 45s}
  busy: {kind: busy, ring: 500ms}
  ring_out: {kind: ring_out}
  invalid: {kind: invalid}
  congestion: {kind: congestion}
  reject: {kind: reject, ring: 1s}
routes:
  - {match: '0$', behaviour: promise}
  - {match: '1$', behaviour: decline}
  - {match: '2$', behaviour: wrong}
  - {match: '3$', behaviour: opt_out}
  - {match: '4$', behaviour: voicemail}
  - {match: '5$', behaviour: busy}
  - {match: '6$', behaviour: ring_out}
  - {match: '7$', behaviour: invalid}
  - {match: '8$', behaviour: congestion}
  - {match: '9$', behaviour: reject}
`

// demoConfig is the demo's node: the config file (sip, rtp, engines, log
// format), with the store, runner and HTTP keys the demo needs: an embedded
// database (a temporary SQLite file unless dbURL), migrated; state in process;
// short polls and ring timeouts, at most 10 calls at 5 per second.
func demoConfig(configPath, dbURL, logLevel, recordDir string) (*app.Config, func(), error) {
	cfg, err := app.Load(configPath, nil)
	if err != nil {
		return nil, nil, usageErr("%v", err)
	}
	cleanup := func() {}
	if dbURL == "" {
		dir, err := os.MkdirTemp("", "voxdial-demo-")
		if err != nil {
			return nil, nil, failureErr(err)
		}
		cleanup = func() { os.RemoveAll(dir) }
		dbURL = "sqlite:" + filepath.Join(dir, "demo.db")
	}
	cfg.Store = app.StoreConfig{URL: dbURL, Migrate: true}
	cfg.Cluster.RedisURL = ""
	cfg.Runner = app.RunnerConfig{MaxCalls: 10, CPS: 5, Poll: 250 * time.Millisecond, RingTimeout: 6 * time.Second,
		DrainTimeout: 10 * time.Second, RecordDir: recordDir}
	cfg.Log.Level = logLevel
	for p, o := range map[string]string{"store.url": "flag --database-url", "runner.record_dir": "flag --record-dir", "log.level": "flag --log-level"} {
		cfg.SetOrigin(p, o)
	}
	return cfg, cleanup, nil
}

// runDemoCampaign is `voxdial demo`: a whole campaign against the simulator on
// embedded SQLite, run by a node like `serve`'s.
func runDemoCampaign(ctx context.Context, f demoFlags, dbURL string, timeout time.Duration, dash demoDash, stdout, stderr io.Writer) error {
	cfg, cleanupDB, err := demoConfig(f.configPath, dbURL, f.logLevel, f.recordDir)
	if err != nil {
		return err
	}
	defer cleanupDB()
	if err := f.engines.apply(cfg); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return usageErr("%v", err)
	}
	log, err := app.NewLogger(cfg.Log, stderr)
	if err != nil {
		return usageErr("--log-level: %v", err)
	}
	prof, err := sim.ParseProfile(strings.NewReader(demoProfile), "demo-campaign profile")
	if err != nil {
		return failureErr(err)
	}
	far, trunk, err := sim.StartLocal(ctx, sim.Options{Profile: prof, Logger: log.Named("sim")})
	if err != nil {
		return failureErr(err)
	}
	defer far.Close()

	name := "demo-" + time.Now().UTC().Format("20060102-150405")
	now := app.CallingHourClock(time.Now)
	var c *store.Campaign
	prepare := func(ctx context.Context, db *store.DB) error {
		// Before the campaign (its seller must be registered) and before the gate loads
		// the store: the seller, consents and DNC entries.
		if err := seedDemoCompliance(ctx, db, trunk.CallerID, now(), stderr); err != nil {
			return failureErr(err)
		}
		var err error
		c, err = campaign.Create(ctx, db, campaign.CreateParams{
			Name: name, Script: "asset:payment-reminder.en.yaml", Trunk: "sim", Purpose: "collections", MaxAttempts: 2, MaxConcurrent: 10,
			Seller: demoSeller, CallerIDs: []string{trunk.CallerID},
			Requires: []string{"first_name", "amount:amount", "due_date:date"}, // typed: checked at import, never at call time
			Retry: campaign.RetryPolicy{Outcomes: map[string]campaign.Delay{ // demo time: seconds, not hours
				"busy": {D: 3 * time.Second}, "no_answer": {D: 3 * time.Second}, "voicemail": {D: 3 * time.Second},
				"failed": {D: 3 * time.Second}, "congestion": {D: 2 * time.Second}, "rejected": {D: 3 * time.Second}},
				Dispositions: map[string]campaign.Delay{"no_response": {D: 3 * time.Second}, "voicemail_left": {D: 3 * time.Second}}},
		})
		if err != nil {
			return failureErr(err)
		}
		fmt.Fprintf(stderr, "voxdial demo: simulator on %s, database %s, campaign %q\n", far.Addr(), db.Backend(), name)
		fmt.Fprintln(stderr, "importing the sample contact file:")
		if err := runImport(ctx, db, c, strings.NewReader(demoContacts), "sample-contacts.csv", int64(len(demoContacts)), 100, false, stderr, stderr); err != nil {
			return err
		}
		if _, err := campaign.Start(ctx, db, c.ID, now()); err != nil {
			return failureErr(err)
		}
		return nil
	}
	report := func(r campaign.AttemptReport) {
		if r.Attempt == 0 && r.Disposition == "compliance_blocked" {
			fmt.Fprintf(stderr, "  %s not called, blocked by the compliance gate: %s\n", r.Phone, r.Reason)
		}
		if r.Attempt > 0 {
			next := "final: " + r.Disposition
			if !r.Final {
				next = "retry at " + r.Next.Format("15:04:05")
			}
			fmt.Fprintf(stderr, "  %s attempt %d: %s (%s)\n", r.Phone, r.Attempt, r.Outcome, next)
		}
	}
	n, cleanupDash, err := newDemoNode(ctx, cfg, dash, app.Options{Logger: log, Now: now, Prepare: prepare,
		Runner: func(o *campaign.RunnerOptions) {
			o.Trunk = func(string) (*dialer.Trunk, error) { return trunk, nil }
			o.Limits = func(*dialer.Trunk) campaign.TrunkLimits { return campaign.TrunkLimits{CPS: 5, Channels: 10} }
			o.OnAttempt = chainAttempt(o.OnAttempt, report)
		}}, stderr)
	if err != nil {
		return err
	}
	defer cleanupDash()
	db := n.Store()
	return n.Run(ctx, func(ctx context.Context) error {
		runCtx, stopRunner := context.WithCancel(ctx)
		defer stopRunner()
		done := make(chan error, 1)
		go func() { done <- n.Runner().Run(runCtx) }() // waited for below, on every path
		deadline := time.After(timeout)
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
	wait:
		for {
			select {
			case <-ctx.Done():
				break wait
			case <-deadline:
				stopRunner()
				<-done //nolint:errcheck // Run ends with the stop's error; the timeout is the one to report
				return failureErr(fmt.Errorf("demo: campaign not finished after %s", timeout))
			case <-tick.C:
				cur, err := db.CampaignGet(ctx, &store.CampaignGetParams{ID: c.ID})
				if err == nil && cur.State == store.CampaignCompleted {
					break wait
				}
			}
		}
		stopRunner()
		if err := <-done; err != nil {
			log.Warn("runner", zap.Error(err))
		}
		cur, err := db.CampaignGet(context.WithoutCancel(ctx), &store.CampaignGetParams{ID: c.ID})
		if err != nil {
			return failureErr(err)
		}
		res, err := campaign.LoadResults(context.WithoutCancel(ctx), db, cur, true, now())
		if err != nil {
			return failureErr(err)
		}
		if f.jsonOut {
			err = printJSON(stdout, res)
		} else {
			printResults(stdout, res)
		}
		if dash.stay && n.HTTPURL() != "" && err == nil {
			fmt.Fprintf(stderr, "dashboard still at %s; Ctrl-C to stop\n", n.HTTPURL())
			<-ctx.Done()
		}
		return err
	})
}
