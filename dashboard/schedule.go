package dashboard

import (
	"time"

	"github.com/voxdial/voxdial/campaign"
	"github.com/voxdial/voxdial/store"
)

// campaignRun is where a recurring (cron) campaign stands: inside a run, or waiting for
// the next (the state stays "running" between runs; the UI shows "scheduled — next run at").
type campaignRun struct {
	InRun     bool      `json:"in_run"`
	NextRunAt time.Time `json:"next_run_at"` // the current run's start when in_run
	RunEndsAt time.Time `json:"run_ends_at"`
	RunFor    string    `json:"run_for"` // Go duration: how long each run dials
	Cron      string    `json:"cron"`
}

// runOf is c's run at now; nil when c is not recurring, not started, or has no run left.
func runOf(c *store.Campaign, now time.Time) *campaignRun {
	switch c.State {
	case "scheduled", "running", "paused":
	default:
		return nil
	}
	plan, err := campaign.Compile(c)
	if err != nil || !plan.Sched.Recurring() {
		return nil
	}
	start, end, ok := plan.Sched.NextRun(now, plan.Loc)
	if !ok {
		return nil
	}
	return &campaignRun{InRun: !start.After(now), NextRunAt: start.UTC(), RunEndsAt: end.UTC(),
		RunFor: time.Duration(plan.Sched.RunFor).String(), Cron: plan.Sched.Cron}
}
