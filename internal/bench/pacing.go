package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/voxdial/voxdial/campaign"
	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/sim"
	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/voicebot/live"
)

// PacingOptions are `voxdial bench pacing`'s flags.
type PacingOptions struct {
	AnswerRate float64       // share of calls the simulated callees answer, in (0, 1)
	Bots       int           // bot capacity (the runner's MaxCalls)
	Duration   time.Duration // length of each run
	Talk       time.Duration // how long the bot holds an answered call
	Ring       time.Duration // how long unanswered calls ring before their final answer
	Seeded     int           // live answers in each campaign's 24 h history before the run
}

// PacingReport is `voxdial bench pacing --json`: the 1:1 run, then the predictive one.
type PacingReport struct {
	Common
	AnswerRateConfigured float64     `json:"answer_rate_configured"`
	Bots                 int         `json:"bots"`
	RunS                 float64     `json:"run_s"`
	TalkS                float64     `json:"talk_s"`
	SeededLiveAnswers    int         `json:"seeded_live_answers"`
	Runs                 []PacingRun `json:"runs"`
	// UtilisationRatio is predictive over 1:1 bot utilisation, when 1:1 used any.
	UtilisationRatio *float64 `json:"utilisation_ratio,omitempty"`
}

// PacingRun is one mode's run.
type PacingRun struct {
	Mode         string  `json:"mode"`
	Calls        int     `json:"calls"`
	Answered     int     `json:"answered"`
	Abandoned    int     `json:"abandoned"`
	AbandonRate  float64 `json:"abandon_rate"` // of the run's live answers
	Utilisation  float64 `json:"bot_utilisation"`
	LegsPerBot   float64 `json:"legs_per_bot"`   // mean legs up at the simulator / bots
	PeakLegs     int     `json:"peak_legs"`      // most legs up at once at the simulator (ends 100 ms early)
	DialRatio    float64 `json:"dial_ratio"`     // mean of the controller's decisions
	MeasuredRate float64 `json:"answer_rate"`    // the controller's last estimate
	MaxFirstMS   int64   `json:"abandon_msg_ms"` // slowest answer → first audio of an abandoned call
}

// Pacing runs two campaigns against an in-process simulator whose callees answer with
// o.AnswerRate: first 1:1, then predictive, each for o.Duration with o.Bots bot slots.
// The predictive campaign starts with the answer rate the 1:1 run measured and a history
// of o.Seeded live answers (abandonment budget), as a campaign that has been running
// would.
func Pacing(ctx context.Context, o PacingOptions, progress io.Writer) (*PacingReport, error) {
	if o.AnswerRate <= 0 || o.AnswerRate >= 1 || o.Bots <= 0 || o.Duration <= 0 || o.Talk <= 0 || o.Ring <= 0 {
		return nil, usage("bench pacing: --answer-rate must be in (0, 1); --bots, --duration, --talk and --ring positive")
	}
	say := progressTo(progress)
	answer := int(o.AnswerRate*1000 + 0.5)
	profile := fmt.Sprintf(`seed: 11
defaults: {end_of_speech: 200ms, max_wait: 1s, max_duration: 2m}
behaviours:
  person: {kind: person, answer_after: 500ms, turns: [{silence: 1m}], after_turns: wait}
  ring_out: {kind: ring_out, ring: %s}
mix:
  - {behaviour: person, weight: %d}
  - {behaviour: ring_out, weight: %d}
`, o.Ring, answer, 1000-answer)
	prof, err := sim.ParseProfile(strings.NewReader(profile), "bench-pacing")
	if err != nil {
		return nil, err
	}
	far, trunk, err := sim.StartLocal(ctx, sim.Options{Profile: prof})
	if err != nil {
		return nil, err
	}
	defer far.Close()
	_, ua, closeUA, err := startDialer(ctx, media.PortRange{})
	if err != nil {
		return nil, err
	}
	defer closeUA()
	dir, err := os.MkdirTemp("", "voxdial-bench-pacing-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "talk.yaml")
	if err := os.WriteFile(script, []byte(fmt.Sprintf("name: talk\nmax_call: 5m\nsteps:\n  - listen: %s\n  - hangup: true\n", o.Talk)), 0o644); err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(dir, "bench.db"), store.Options{Migrate: true})
	if err != nil {
		return nil, err
	}
	defer db.Close()

	m := startMeter()
	state := campaign.NewLocalPaceState(nil)
	var prevID int64
	runs := map[string]PacingRun{}
	contacts := int(o.Duration.Seconds()*float64(o.Bots)*4) + 200
	// A campaign's seller must be registered (campaign.Create refuses an unknown one).
	if _, err := db.SellerPut(ctx, &store.SellerPutParams{ID: "Bench"}); err != nil {
		return nil, err
	}
	for i, mode := range []string{campaign.PacingOneToOne, campaign.PacingPredictive} {
		say("bench pacing: %s, %d bots, answer rate %.2f, %s\n", mode, o.Bots, o.AnswerRate, o.Duration)
		c, err := campaign.Create(ctx, db, campaign.CreateParams{Name: "bench-" + mode, Script: script, Trunk: "sim",
			MaxAttempts: 1, MaxConcurrent: o.Bots * 4, Pacing: mode, Seller: "Bench"})
		if err != nil {
			return nil, err
		}
		if err := seedHistory(ctx, db, c, o.Seeded, i); err != nil {
			return nil, err
		}
		if prevID != 0 {
			w, _ := state.Window(ctx, fmt.Sprint(prevID))
			_ = state.Record(ctx, fmt.Sprint(c.ID), w)
		}
		prevID = c.ID
		var csv strings.Builder
		csv.WriteString("phone\n")
		for n := 0; n < contacts; n++ {
			fmt.Fprintf(&csv, "+1%d5%06d\n", 415+i, n)
		}
		if err := importPhones(ctx, db, c, csv.String(), "bench.csv", contacts); err != nil {
			return nil, fmt.Errorf("bench contacts: %w", err)
		}
		if _, err := campaign.Start(ctx, db, c.ID, time.Now()); err != nil {
			return nil, err
		}
		var mu sync.Mutex
		var ratios []float64
		var lastRate float64
		host := live.NewHost(live.Options{Logger: zap.NewNop()})
		r, err := campaign.NewRunner(campaign.RunnerOptions{Store: db, Dialer: ua, Gate: &campaign.AllowAllGate{Logger: zap.NewNop()},
			LoadScript: func(p string) (campaign.Script, error) { return host.Load(p) }, Speak: host.SpeakText,
			Trunk: func(string) (*dialer.Trunk, error) { return trunk, nil }, MaxCalls: o.Bots, State: state,
			Poll: 50 * time.Millisecond, Rescue: -1, RingTimeout: o.Ring + 5*time.Second, DrainTimeout: o.Talk + 10*time.Second,
			OnPace: func(p campaign.PaceReport) {
				if p.CampaignID == c.ID {
					mu.Lock()
					ratios = append(ratios, p.DialRatio)
					lastRate = p.AnswerRate
					mu.Unlock()
				}
			}})
		if err != nil {
			return nil, err
		}
		before := len(far.Calls())
		rctx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		start := time.Now()
		go func() { done <- r.Run(rctx) }()
		select {
		case <-time.After(o.Duration):
		case <-ctx.Done():
		}
		end := time.Now()
		if _, err := campaign.Pause(context.WithoutCancel(ctx), db, c.ID, end); err != nil {
			stop()
			return nil, err
		}
		stop()
		if err := <-done; err != nil {
			return nil, err
		}
		run := PacingRun{Mode: mode}
		calls := far.Calls()[before:]
		abandoned := map[string]int64{}
		for after := int64(0); ; {
			page, err := db.AttemptList(context.WithoutCancel(ctx), &store.AttemptListParams{CampaignID: c.ID, AfterID: after, Limit: 1000})
			if err != nil {
				return nil, err
			}
			if len(page) == 0 {
				break
			}
			for _, a := range page {
				if a.StartedAt.Before(start) {
					continue
				}
				switch a.Outcome {
				case "answered":
					run.Answered++
				case string(campaign.OutcomeAbandoned):
					run.Answered++
					run.Abandoned++
					abandoned[a.CallID] = 0
					var res dialer.Result
					if json.Unmarshal(a.Result, &res) == nil && res.Timings.AnswerToFirstAudioMS != nil {
						run.MaxFirstMS = max(run.MaxFirstMS, *res.Timings.AnswerToFirstAudioMS)
					}
				}
			}
			after = page[len(page)-1].ID
		}
		run.Calls = len(calls)
		if run.Answered > 0 {
			run.AbandonRate = float64(run.Abandoned) / float64(run.Answered)
		}
		run.Utilisation, run.LegsPerBot, run.PeakLegs = pacingUse(calls, abandoned, start, end, o.Bots)
		mu.Lock()
		for _, x := range ratios {
			run.DialRatio += x / float64(len(ratios))
		}
		run.MeasuredRate = lastRate
		mu.Unlock()
		runs[mode] = run
	}
	one, pred := runs[campaign.PacingOneToOne], runs[campaign.PacingPredictive]
	rep := &PacingReport{Common: m.common(), AnswerRateConfigured: o.AnswerRate, Bots: o.Bots, RunS: o.Duration.Seconds(),
		TalkS: o.Talk.Seconds(), SeededLiveAnswers: o.Seeded, Runs: []PacingRun{one, pred}}
	if one.Utilisation > 0 {
		ratio := pred.Utilisation / one.Utilisation
		rep.UtilisationRatio = &ratio
	}
	return rep, nil
}

// pacingUse reads the simulator's view of [start, end]: bot time (answered,
// not abandoned calls) per bot, mean legs up per bot, and the peak of legs.
func pacingUse(calls []sim.CallRecord, abandoned map[string]int64, start, end time.Time, bots int) (util, legsPerBot float64, peak int) {
	type ev struct {
		at    time.Time
		delta int
	}
	var evs []ev
	var busy, legTime time.Duration
	clip := func(a, b time.Time) time.Duration {
		if b.IsZero() || b.After(end) {
			b = end
		}
		if a.Before(start) {
			a = start
		}
		if b.After(a) {
			return b.Sub(a)
		}
		return 0
	}
	for _, c := range calls {
		legTime += clip(c.StartedAt, c.EndedAt)
		// The simulator stamps an end after its own teardown, some ms after the
		// dialer freed the slot: ends count 100 ms early for the peak.
		e := c.EndedAt.Add(-100 * time.Millisecond)
		if c.EndedAt.IsZero() {
			e = end
		}
		if e.Before(c.StartedAt) {
			e = c.StartedAt
		}
		evs = append(evs, ev{c.StartedAt, 1}, ev{e, -1})
		if _, ab := abandoned[c.CallID]; !c.AnsweredAt.IsZero() && !ab {
			busy += clip(c.AnsweredAt, c.EndedAt)
		}
	}
	sort.Slice(evs, func(i, j int) bool {
		if evs[i].at.Equal(evs[j].at) {
			return evs[i].delta < evs[j].delta
		}
		return evs[i].at.Before(evs[j].at)
	})
	cur := 0
	for _, e := range evs {
		cur += e.delta
		peak = max(peak, cur)
	}
	span := end.Sub(start).Seconds() * float64(bots)
	return busy.Seconds() / span, legTime.Seconds() / span, peak
}

// seedHistory gives the campaign n live answers an hour ago (abandonment budget).
func seedHistory(ctx context.Context, db *store.DB, c *store.Campaign, n, run int) error {
	if n <= 0 {
		return nil
	}
	var csv strings.Builder
	csv.WriteString("phone\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&csv, "+1%d5%06d\n", 646+run, i)
	}
	if err := importPhones(ctx, db, c, csv.String(), "history.csv", n); err != nil {
		return fmt.Errorf("history contacts: %w", err)
	}
	got, err := db.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: c.ID, Holder: "history", Limit: n, LeaseFor: time.Minute})
	if err != nil {
		return err
	}
	at := time.Now().Add(-time.Hour)
	for _, ct := range got {
		att, err := db.AttemptStart(ctx, &store.AttemptStartParams{ContactID: ct.ID, Holder: "history", CallID: fmt.Sprint("history-", ct.ID), Now: at})
		if err != nil {
			return err
		}
		if err := db.AttemptFinish(ctx, &store.AttemptFinishParams{AttemptID: att.ID, ContactID: ct.ID, Holder: "history",
			Outcome: "answered", Disposition: "completed", AnsweredAt: at, EndedAt: at, Final: true, Now: at}); err != nil {
			return err
		}
	}
	return nil
}

// importPhones imports a CSV of phone numbers into c and checks that all want were new.
func importPhones(ctx context.Context, db *store.DB, c *store.Campaign, csv, file string, want int) error {
	rep, err := campaign.Import(ctx, db, strings.NewReader(csv), campaign.ImportOptions{Campaign: c, File: file})
	if err != nil {
		return err
	}
	if rep.Imported != want {
		return fmt.Errorf("%d of %d imported", rep.Imported, want)
	}
	return nil
}
