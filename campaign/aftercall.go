package campaign

import (
	"context"
	"encoding/json"
	"time"

	"go.uber.org/zap"

	"github.com/voxdial/voxdial/dialer"
)

// AfterCall analyses a finished call and queues its follow-ups (package aftercall; wired by
// internal/app as RunnerOptions.AfterCall). Analyze runs before the attempt is recorded
// and fills res.Insight, so the grade and summary are stored with the result, shown by the
// API and sent by webhooks; FollowUp runs after the record and queues the messages in the
// store. Neither may fail the call: they log and go on.
type AfterCall interface {
	Analyze(ctx context.Context, c *AfterCallInfo, res *dialer.Result)
	FollowUp(ctx context.Context, c *AfterCallInfo, res *dialer.Result)
}

// AfterCallInfo is what the after-call step knows of the attempt besides its result.
type AfterCallInfo struct {
	CampaignID, ContactID, AttemptID int64
	Campaign, Seller, Purpose        string
	Script                           string // the campaign's script path
	Phone, TimeZone                  string // the contact's number (E.164) and zone
	Vars                             map[string]string
	Outcome                          string // the campaign's outcome (voicemail, abandoned, …)
	Now                              time.Time
}

// afterCallInfo builds the info of an attempt with its final outcome.
func (a *attempt) afterCallInfo(outcome string, now time.Time) *AfterCallInfo {
	vars := map[string]string{}
	if len(a.ct.Variables) > 0 {
		if err := json.Unmarshal(a.ct.Variables, &vars); err != nil {
			a.log.Warn("after call: contact variables", zap.Error(err))
		}
	}
	return &AfterCallInfo{CampaignID: a.p.ID, ContactID: a.ct.ID, AttemptID: a.att.ID, Campaign: a.p.Name, Seller: a.p.Seller,
		Purpose: a.p.Purpose, Script: a.p.Script, Phone: a.ct.Phone, TimeZone: a.ct.TimeZone, Vars: vars, Outcome: outcome, Now: now}
}
