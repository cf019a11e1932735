package campaign

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/voxdial/voxdial/compliance"
)

// ComplianceAuditor records every gate decision (compliance.StoreAudit).
type ComplianceAuditor interface {
	Append(ctx context.Context, a *compliance.Attempt, d *compliance.Decision) error
}

// ComplianceGate adapts compliance.Gate to the runner's Gate. Campaigns are named to the
// gate by their store id. Every decision, allow or not, is appended to Audit before the
// runner acts on it; when the audit cannot be written no call is placed (an error: the
// runner retries later).
//
//	compliance allow                          → allow
//	compliance hold (a person must look)      → hold (the runner retries later)
//	compliance block, time alone decides      → hold until next_eligible_at
//	compliance block by campaign-level rules  → hold (the runner retries later)
//	compliance block otherwise                → block (compliance_blocked, final)
//
// Campaign-level rules (compliance.RuleSet.CampaignLevel) say nothing about the contact: a stale registry
// copy, an invalid caller ID, the campaign's abandonment rate, a data source that failed.
// No call is placed, but the contact is not given up either: once an operator imports the
// registry copy or fixes the caller ID, or the rate falls, the campaign goes on.
type ComplianceGate struct {
	Gate  *compliance.Gate
	Audit ComplianceAuditor // required
	// DebtIDs returns the debts a contact's call is about (Reg F counts per debt) when the
	// request does not carry them (GateRequest.DebtIDsKnown); nil: none known, every
	// earlier call of the seller counts (fail closed).
	DebtIDs func(ctx context.Context, contactID int64) ([]string, error)
}

// Check implements Gate.
func (g *ComplianceGate) Check(ctx context.Context, req GateRequest) (GateVerdict, error) {
	a := compliance.Attempt{
		ID:       fmt.Sprintf("c%d-n%d-%s", req.ContactID, req.Attempt, req.Stage),
		Number:   req.Number,
		Campaign: strconv.FormatInt(req.CampaignID, 10),
		At:       req.At,
	}
	if req.DebtIDsKnown {
		a.DebtIDs = req.DebtIDs
	} else if g.DebtIDs != nil && req.ContactID != 0 {
		ids, err := g.DebtIDs(ctx, req.ContactID)
		if err != nil {
			return GateVerdict{}, fmt.Errorf("compliance: %w", err)
		}
		a.DebtIDs = ids
	}
	var d compliance.Decision
	g.Gate.CheckTo(ctx, &a, &d)
	if err := g.Audit.Append(ctx, &a, &d); err != nil {
		return GateVerdict{}, fmt.Errorf("compliance audit: %w", err)
	}
	v := GateVerdict{RuleIDs: d.Rules.Strings()}
	switch d.Verdict {
	case compliance.Allow:
		v.Decision, v.Reason = GateAllow, "all applicable rules passed"
		return v, nil
	case compliance.Hold:
		v.Decision = GateHold
	default:
		v.Decision = GateBlock
		switch {
		case !d.NextEligibleAt.IsZero():
			v.Decision, v.NextEligible = GateHold, d.NextEligibleAt
		case d.Rules.CampaignLevel():
			v.Decision = GateHold
			// Data that could not be read is an outage, not a fact about the contact.
			v.Unavailable = d.SourceFailed
		}
	}
	v.Reason = strings.Join(v.RuleIDs, ",") + ": " + d.Reason()
	return v, nil
}
