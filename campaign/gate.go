package campaign

import (
	"context"
	"sync"
	"time"

	"go.uber.org/zap"
)

// Gate is the compliance gate as the campaign runner uses it: one decision
// per dial attempt. The compliance package is adapted to it in cmd/voxdial.
type Gate interface {
	Check(ctx context.Context, req GateRequest) (GateVerdict, error)
}

// GateStage says when the gate is asked.
type GateStage string

// Stages: before leasing work is committed to a contact, and right before the INVITE.
const (
	StageLease  GateStage = "lease"
	StageInvite GateStage = "invite"
)

// GateRequest is one planned call.
type GateRequest struct {
	Number     string // E.164
	TimeZone   string // the contact's IANA zone, "" when unknown
	CampaignID int64
	Campaign   string
	Seller     string
	Purpose    string
	ContactID  int64
	// DebtIDs are the debts the call is about, as the leased contact row has them
	// (DebtIDsKnown: read with the contact, so the gate need not read them again).
	DebtIDs      []string
	DebtIDsKnown bool
	Attempt      int       // the attempt this would be (1 for the first)
	At           time.Time // planned call time
	Stage        GateStage
}

// Decision of the gate.
type GateDecision string

// Gate decisions.
const (
	GateAllow GateDecision = "allow"
	GateBlock GateDecision = "block" // never call this contact in this campaign (DNC, no consent)
	GateHold  GateDecision = "hold"  // not now: try again at NextEligible
)

// GateVerdict is the gate's answer.
type GateVerdict struct {
	Decision     GateDecision
	RuleIDs      []string
	Reason       string
	NextEligible time.Time // for hold; zero: the runner picks a later time
	// Unavailable: the hold is because data the gate needs could not be read (a store or
	// Redis outage), not because of the contact. The runner retries the contact after
	// NumberErrorRetry and stops leasing until its shared dependencies answer.
	Unavailable bool
}

// AllowAllGate allows every call. It exists for demos and tests until the
// compliance gate is wired; it logs loudly, once, that nothing is checked.
type AllowAllGate struct {
	Logger *zap.Logger
	once   sync.Once
}

// Check allows.
func (g *AllowAllGate) Check(_ context.Context, req GateRequest) (GateVerdict, error) {
	g.once.Do(func() {
		if g.Logger != nil {
			g.Logger.Warn("NO COMPLIANCE GATE CONFIGURED: every call is allowed without any check (AllowAllGate); never use this for real calls",
				zap.String("campaign", req.Campaign))
		}
	})
	return GateVerdict{Decision: GateAllow, Reason: "no compliance gate configured"}, nil
}

// GateFunc adapts a function to Gate.
type GateFunc func(ctx context.Context, req GateRequest) (GateVerdict, error)

// Check calls f.
func (f GateFunc) Check(ctx context.Context, req GateRequest) (GateVerdict, error) {
	return f(ctx, req)
}
