package bench

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/RoaringBitmap/roaring/v2/roaring64"

	"github.com/voxdial/voxdial/compliance"
	"github.com/voxdial/voxdial/store"
)

// GateStoreOptions are `voxdial bench gate --store`'s flags. DB is a scratch database:
// the bench adds a seller, a campaign, consents and a national DNC copy.
type GateStoreOptions struct {
	DB          *store.DB
	Contacts    int // callees with a consent record
	DNCNumbers  int // national DNC numbers
	Concurrency int // concurrent callers (the runner's dial workers)
	Duration    time.Duration
}

// Check reports options that cannot run (before the caller opens a database for them).
func (o *GateStoreOptions) Check() error {
	if o.Contacts <= 0 || o.DNCNumbers <= 0 || o.Concurrency <= 0 || o.Duration <= 0 {
		return usage("bench gate: --store-contacts, --store-dnc, --store-concurrency and --duration must be positive")
	}
	return nil
}

// GateStorePhase is one phase of the store-backed gate bench.
type GateStorePhase struct {
	Common
	Decisions                 int64   `json:"decisions"`
	Allowed                   int64   `json:"allowed"`
	Failed                    int64   `json:"failed"`
	DecisionsPerSecond        float64 `json:"decisions_per_second"`
	DecisionsPerSecondPerCore float64 `json:"decisions_per_second_per_core"`
	// Group commit only: transactions and the records they carried.
	AuditTransactions *int64 `json:"audit_transactions,omitempty"`
	AuditRecords      *int64 `json:"audit_records,omitempty"`
}

// GateStoreReport is `voxdial bench gate --store URL --json`: the three phases, then the
// whole run's common keys.
type GateStoreReport struct {
	Common
	NoAudit              GateStorePhase `json:"no_audit"`
	AuditPerDecision     GateStorePhase `json:"audit_per_decision"`
	AuditGroupCommit     GateStorePhase `json:"audit_group_commit"`
	AuditRecordsVerified int            `json:"audit_records_verified"`
	Backend              store.Backend  `json:"backend"`
	Contacts             int            `json:"contacts"`
	DNCNumbers           int            `json:"dnc_numbers"`
	Concurrency          int            `json:"concurrency"`
}

// storeWorld is a gate workload in a database: a seller, a collections campaign, contacts
// each with a consent record, and a national DNC copy.
type storeWorld struct {
	campaign string
	numbers  []string
}

func buildStoreWorld(ctx context.Context, db *store.DB, contacts, dncNumbers int, say func(string, ...any)) (*storeWorld, error) {
	now := time.Now().UTC()
	tag := strconv.FormatInt(now.UnixNano(), 36)
	seller := "bench-" + tag
	cid := "+12125550000"
	if _, err := db.SellerPut(ctx, &store.SellerPutParams{ID: seller, CallerIDs: []string{cid}, Now: now}); err != nil {
		return nil, err
	}
	c, err := db.CampaignCreate(ctx, &store.CampaignCreateParams{Name: "bench-gate-" + tag, Seller: seller, Purpose: "collections",
		CallerIDs: []string{cid}, Now: now})
	if err != nil {
		return nil, err
	}
	w := &storeWorld{campaign: strconv.FormatInt(c.ID, 10)}
	say("bench gate --store: %d contacts with consents\n", contacts)
	var batch []store.Consent
	for i := 0; i < contacts; i++ {
		// New York numbers (one zone).
		ph := compliance.FormatNumber(12120000000 + uint64(2_000_000+i*37%8_000_000))
		w.numbers = append(w.numbers, ph)
		r := store.Consent{Phone: ph, Seller: seller, Kind: "express", Scope: []string{"collections"}, ArtificialVoice: true,
			GivenAt: now.AddDate(0, -1, 0)}
		r.RecordHash = compliance.ConsentRecordHash(&r)
		batch = append(batch, r)
		if len(batch) == 5000 || i == contacts-1 {
			if _, err := db.ConsentAdd(ctx, &store.ConsentAddParams{Consents: batch, Now: now}); err != nil {
				return nil, err
			}
			batch = batch[:0]
		}
	}
	say("bench gate --store: national DNC copy of %d numbers\n", dncNumbers)
	b := roaring64.New()
	for i := 0; i < dncNumbers; i++ {
		b.Add(13050000000 + uint64(i)*7)
	}
	data, err := compliance.EncodeSnapshot(b)
	if err != nil {
		return nil, err
	}
	if _, err := db.DNCSnapshotPut(ctx, &store.DNCSnapshotPutParams{List: "national", AsOf: now.Format(time.DateOnly),
		Numbers: int64(dncNumbers), Source: "bench", By: "bench", Data: data, Now: now}); err != nil {
		return nil, err
	}
	return w, nil
}

// GateStore measures the store-backed gate (StoreSource reads per decision, the DNC index
// in memory) without audit, with one audit transaction per decision, then with group
// commit (AuditBatcher), in one run so the ratios are comparable; then verifies the audit
// chain.
func GateStore(ctx context.Context, o GateStoreOptions, progress io.Writer) (*GateStoreReport, error) {
	if err := o.Check(); err != nil {
		return nil, err
	}
	say := progressTo(progress)
	db := o.DB
	w, err := buildStoreWorld(ctx, db, o.Contacts, o.DNCNumbers, say)
	if err != nil {
		return nil, err
	}
	sg, err := compliance.NewStoreGate(ctx, db, compliance.StoreSourceOptions{})
	if err != nil {
		return nil, err
	}
	rep := &GateStoreReport{Backend: db.Backend(), Contacts: len(w.numbers), DNCNumbers: o.DNCNumbers, Concurrency: o.Concurrency}
	batcher := &compliance.AuditBatcher{Audit: sg.Audit}
	phases := []struct {
		name   string
		append func(context.Context, *compliance.Attempt, *compliance.Decision) error
		out    *GateStorePhase
	}{
		{"no_audit", nil, &rep.NoAudit},
		{"audit_per_decision", sg.Audit.Append, &rep.AuditPerDecision},
		{"audit_group_commit", batcher.Append, &rep.AuditGroupCommit},
	}
	// The planned time: 11:00 in New York today, inside the Reg F window whenever the bench
	// runs (the history and consents are as of now).
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		return nil, err
	}
	y, mo, dd := time.Now().UTC().Date()
	at := time.Date(y, mo, dd, 11, 0, 0, 0, ny)
	var meterAll *meter
	for i, ph := range phases {
		say("bench gate --store: %s, %d callers for %v\n", ph.name, o.Concurrency, o.Duration)
		var decisions, allowed, failed atomic.Int64
		deadline := time.Now().Add(o.Duration)
		m := startMeter()
		if i == 0 {
			meterAll = m
		}
		var wg sync.WaitGroup
		for c := 0; c < o.Concurrency; c++ {
			wg.Add(1)
			go func(c int) {
				defer wg.Done()
				var d compliance.Decision
				for k := c; time.Now().Before(deadline) && ctx.Err() == nil; k += o.Concurrency {
					a := compliance.Attempt{ID: strconv.Itoa(k), Number: w.numbers[k%len(w.numbers)], Campaign: w.campaign, At: at.Add(time.Duration(k) * time.Millisecond)}
					sg.CheckTo(ctx, &a, &d)
					if ph.append != nil {
						if err := ph.append(ctx, &a, &d); err != nil {
							failed.Add(1)
							continue
						}
					}
					decisions.Add(1)
					if d.Verdict == compliance.Allow {
						allowed.Add(1)
					}
				}
			}(c)
		}
		wg.Wait()
		p := GateStorePhase{Common: m.common()}
		n := float64(decisions.Load())
		p.Decisions = int64(n)
		p.Allowed = allowed.Load()
		p.Failed = failed.Load()
		p.DecisionsPerSecond = n / p.DurationS
		p.DecisionsPerSecondPerCore = n / p.cpuSeconds()
		if ph.out == &rep.AuditGroupCommit {
			b, r := batcher.Stats()
			p.AuditTransactions, p.AuditRecords = &b, &r
		}
		*ph.out = p
	}
	n, err := compliance.VerifyStoreAudit(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("audit chain after the bench: %w", err)
	}
	rep.AuditRecordsVerified = n
	rep.Common = meterAll.common()
	return rep, nil
}
