package compliance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/voxdial/voxdial/store"
)

// NewAuditRecord is the audit record of one decision (unsealed: no Seq, Prev or Hash).
func NewAuditRecord(a *Attempt, d *Decision, decidedAt time.Time) AuditRecord {
	j := d.JSON()
	return AuditRecord{
		DecidedAt: fmtTime(decidedAt), AttemptID: a.ID, Number: a.Number, Campaign: a.Campaign, PlannedAt: fmtTime(a.At),
		Decision: j.Decision, Rules: j.Rules, Passed: j.Passed, Reason: j.Reason, NextEligibleAt: j.NextEligibleAt,
		Zones: j.Zones, PackVersion: d.PackVersion, Engine: auditEngine, ConsentID: d.ConsentID,
		NationalAsOf: fmtTime(d.NationalAsOf), TPSAsOf: fmtTime(d.TPSAsOf),
	}
}

// StoreAudit appends decisions to the store's hash-chained audit table
// (compliance_audit). Safe for concurrent use; the store serialises appenders.
type StoreAudit struct {
	DB  *store.DB
	Now func() time.Time // default time.Now
}

// Append records one decision.
func (s *StoreAudit) Append(ctx context.Context, a *Attempt, d *Decision) error {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	rec := NewAuditRecord(a, d, now())
	return s.AppendRecords(ctx, []AuditRecord{rec})
}

// AppendRecords seals and appends records in one transaction (their Seq, Prev and Hash are
// set by the chain).
func (s *StoreAudit) AppendRecords(ctx context.Context, recs []AuditRecord) error {
	return s.DB.AuditAppend(ctx, &store.AuditAppendParams{N: len(recs), Seal: func(i int, seq int64, prev string) (*store.AuditRow, error) {
		r := recs[i]
		r.Seq, r.Prev, r.Hash = uint64(seq), prev, ""
		h, err := r.chainHash()
		if err != nil {
			return nil, err
		}
		r.Hash = h
		doc, err := json.Marshal(&r)
		if err != nil {
			return nil, err
		}
		decided, _ := time.Parse(time.RFC3339Nano, r.DecidedAt)
		return &store.AuditRow{DecidedAt: decided, Phone: r.Number, Campaign: r.Campaign, Decision: r.Decision,
			ConsentID: r.ConsentID, Record: string(doc), Hash: h}, nil
	}})
}

// VerifyStoreAudit checks the whole audit table: every record's hash, its link to the
// previous one, consecutive sequence numbers, and that the query columns match the record.
// It returns the number of records verified; an *AuditError's Line is the record's seq.
func VerifyStoreAudit(ctx context.Context, db *store.DB) (int, error) {
	var after int64
	prev, n := "", 0
	// A pruned log starts after its latest anchor: the last pruned record's seq and hash.
	anchor, err := db.AuditAnchorLatest(ctx)
	if err != nil {
		return 0, err
	}
	if anchor != nil {
		after, prev = anchor.Seq, anchor.Hash
	}
	for {
		rows, err := db.AuditList(ctx, &store.AuditListParams{AfterSeq: after, Limit: 10000})
		if err != nil {
			return n, err
		}
		for _, row := range rows {
			bad := func(format string, args ...any) (int, error) {
				return n, &AuditError{Line: int(row.Seq), Reason: fmt.Sprintf(format, args...)}
			}
			if row.Seq != after+1 {
				return bad("sequence %d follows %d: a record was deleted or moved", row.Seq, after)
			}
			var rec AuditRecord
			if err := json.Unmarshal([]byte(row.Record), &rec); err != nil {
				return bad("not a record: %v", err)
			}
			if int64(rec.Seq) != row.Seq || rec.Prev != row.Prev || rec.Hash != row.Hash {
				return bad("the record's seq, prev or hash differs from its row")
			}
			if rec.Number != row.Phone || rec.Decision != row.Decision || rec.Campaign != row.Campaign || rec.ConsentID != row.ConsentID {
				return bad("the row's number, decision, campaign or consent differs from its record: the row was edited")
			}
			if rec.Prev != prev {
				return bad("link to the previous record is broken")
			}
			h, err := rec.chainHash()
			if err != nil {
				return bad("%v", err)
			}
			if h != rec.Hash {
				return bad("hash mismatch: the record was edited")
			}
			prev, after = rec.Hash, row.Seq
			n++
		}
		if len(rows) < 10000 {
			return n, nil
		}
	}
}

// AuditRetentionYears is how long audit records are kept by default and at least: the TSR
// (16 CFR 310.5) and 47 CFR 64.1200(d)(6) ask for 5 years; a deployment may keep them longer.
const AuditRetentionYears = 5

// AuditPruneOptions configure PruneStoreAudit.
type AuditPruneOptions struct {
	RetentionYears int       // default and minimum AuditRetentionYears
	Before         time.Time // prune records decided before this; zero: now − retention
	By             string    // who prunes (required)
	DryRun         bool
	Now            time.Time // default time.Now()
}

// ErrRetention is returned when a prune would drop records younger than the retention.
var ErrRetention = errors.New("the audit retention forbids it")

// PruneStoreAudit deletes audit records older than the retention, leaving an anchor so the
// remaining chain still verifies (VerifyStoreAudit starts from it). It refuses a retention
// under AuditRetentionYears and a Before later than now − retention.
func PruneStoreAudit(ctx context.Context, db *store.DB, o AuditPruneOptions) (*store.AuditAnchor, error) {
	if o.RetentionYears == 0 {
		o.RetentionYears = AuditRetentionYears
	}
	if o.RetentionYears < AuditRetentionYears {
		return nil, fmt.Errorf("%w: a retention of %d years is under the %d-year minimum (TSR 310.5, 47 CFR 64.1200(d)(6))",
			ErrRetention, o.RetentionYears, AuditRetentionYears)
	}
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	limit := now.UTC().AddDate(-o.RetentionYears, 0, 0)
	if o.Before.IsZero() {
		o.Before = limit
	}
	if o.Before.After(limit) {
		return nil, fmt.Errorf("%w: records decided after %s are younger than the %d-year retention (asked to prune before %s)",
			ErrRetention, limit.Format(time.RFC3339), o.RetentionYears, o.Before.UTC().Format(time.RFC3339))
	}
	return db.AuditPrune(ctx, &store.AuditPruneParams{Before: o.Before, Retention: strconv.Itoa(o.RetentionYears) + "y",
		By: o.By, DryRun: o.DryRun, Now: now})
}

// OptOuts records opt-outs from calls over the store: the number goes on the seller's
// internal do-not-call list and every consent of the number for the seller is revoked, in
// one transaction, and this process's index refuses the number at once.
type OptOuts struct {
	DB  *store.DB
	DNC *StoreDNC // nil: other processes see it at their next refresh
	// Fanout tells the other nodes at once (RedisFanout); nil: they see it at their next
	// poll of the change log.
	Fanout DNCPublisher
	// Seller is used when the call is not an attempt of a campaign (voxdial call).
	Seller string
	Now    func() time.Time
}

// OptOut is one call's opt-out (voicebot.OptOuter).
type OptOut struct {
	o      *OptOuts
	callID string
	to     string
}

// For returns the opt-out of a call: the campaign's seller is found by the call's SIP
// Call-ID (its attempt row), else Seller is used.
func (o *OptOuts) For(callID, to string) *OptOut { return &OptOut{o: o, callID: callID, to: to} }

// OptOut implements voicebot.OptOuter.
func (p *OptOut) OptOut(ctx context.Context) error {
	o := p.o
	seller, phone := o.Seller, p.to
	if p.callID != "" {
		if _, s, ph, err := o.DB.CallAttempt(ctx, &store.CallAttemptParams{CallID: p.callID}); err == nil {
			seller, phone = s, ph
		}
	}
	if seller == "" {
		return fmt.Errorf("opt-out of call %s: no seller known for the call", p.callID)
	}
	num, ok := ParseNumber(phone)
	if !ok {
		return fmt.Errorf("opt-out of call %s: number %q is not E.164", p.callID, phone)
	}
	now := time.Now()
	if o.Now != nil {
		now = o.Now()
	}
	if _, _, err := o.DB.OptOutRecord(ctx, &store.OptOutRecordParams{Phone: phone, Seller: seller, Via: "call_opt_out",
		By: "voicebot", Reason: "the callee opted out during call " + p.callID, Source: "call:" + p.callID, Now: now}); err != nil {
		return err
	}
	at := now.UTC().Truncate(time.Millisecond)
	if o.DNC != nil {
		o.DNC.Apply(ListInternal, seller, num, at)
	}
	if o.Fanout != nil {
		// The store has the entry: a failed publish only delays the other nodes to their
		// next poll, so it does not fail the opt-out.
		_ = o.Fanout.PublishDNC(ctx, ListInternal, seller, num, at)
	}
	// Queued attempts of the seller's campaigns for the number are cancelled (the gate would
	// refuse them anyway; this takes them out of the hopper and gives them their final
	// disposition). The call under way keeps its own contact.
	if _, err := o.DB.ContactCancel(ctx, &store.ContactCancelParams{Phone: phone, Seller: seller,
		Reason: "the callee opted out during call " + p.callID, Now: now}); err != nil {
		return err
	}
	return nil
}
