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
//	compliance block otherwise                → block (compliance_blocked, final)
type ComplianceGate struct {
	Gate  *compliance.Gate
	Audit ComplianceAuditor // required
}

// Check implements Gate.
func (g *ComplianceGate) Check(ctx context.Context, req GateRequest) (GateVerdict, error) {
	a := compliance.Attempt{
		ID:       fmt.Sprintf("c%d-n%d-%s", req.ContactID, req.Attempt, req.Stage),
		Number:   req.Number,
		Campaign: strconv.FormatInt(req.CampaignID, 10),
		At:       req.At,
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
		if !d.NextEligibleAt.IsZero() {
			v.Decision, v.NextEligible = GateHold, d.NextEligibleAt
		}
	}
	v.Reason = strings.Join(v.RuleIDs, ",") + ": " + d.Reason()
	return v, nil
}
