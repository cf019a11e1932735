package main

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

// storeBenchWorld puts a gate workload into a database: a seller, a collections campaign,
// contacts each with a consent record, and a national DNC copy.
type storeBenchWorld struct {
	campaign string
	numbers  []string
}

func buildStoreBenchWorld(ctx context.Context, db *store.DB, contacts, dncNumbers int, progress func(string, ...any)) (*storeBenchWorld, error) {
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
	w := &storeBenchWorld{campaign: strconv.FormatInt(c.ID, 10)}
	progress("bench gate --store: %d contacts with consents\n", contacts)
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
	progress("bench gate --store: national DNC copy of %d numbers\n", dncNumbers)
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

// runBenchGateStore measures the store-backed gate (StoreSource reads per decision, the DNC
// index in memory) with each decision audited: one transaction per decision, then group
// commit (AuditBatcher), in one run so the ratio is comparable.
func runBenchGateStore(ctx context.Context, f *benchGateFlags, stdout, stderr io.Writer) error {
	progress := func(format string, args ...any) { fmt.Fprintf(stderr, format, args...) }
	db, err := openStore(ctx, f.storeURL, true)
	if err != nil {
		return err
	}
	defer db.Close()
	w, err := buildStoreBenchWorld(ctx, db, f.storeContacts, f.storeDNC, progress)
	if err != nil {
		return failureErr(err)
	}
	sg, err := compliance.NewStoreGate(ctx, db, compliance.StoreSourceOptions{})
	if err != nil {
		return failureErr(err)
	}
	type phase struct {
		name   string
		append func(context.Context, *compliance.Attempt, *compliance.Decision) error
	}
	batcher := &compliance.AuditBatcher{Audit: sg.Audit}
	phases := []phase{
		{"no_audit", nil},
		{"audit_per_decision", sg.Audit.Append},
		{"audit_group_commit", batcher.Append},
	}
	// The planned time: 11:00 in New York today, inside the Reg F window whenever the bench
	// runs (the history and consents are as of now).
	y, mo, dd := time.Now().UTC().Date()
	at := time.Date(y, mo, dd, 11, 0, 0, 0, mustLoc("America/New_York"))
	res := map[string]any{}
	var meterAll *benchMeter
	for i, ph := range phases {
		progress("bench gate --store: %s, %d callers for %v\n", ph.name, f.storeConcurrency, f.duration)
		var decisions, allowed, failed atomic.Int64
		deadline := time.Now().Add(f.duration)
		meter := startMeter()
		if i == 0 {
			meterAll = meter
		}
		var wg sync.WaitGroup
		for c := 0; c < f.storeConcurrency; c++ {
			wg.Add(1)
			go func(c int) {
				defer wg.Done()
				var d compliance.Decision
				for k := c; time.Now().Before(deadline) && ctx.Err() == nil; k += f.storeConcurrency {
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
		m := meter.common()
		cpu := m["cpu_cores"].(float64) * m["duration_s"].(float64)
		n := float64(decisions.Load())
		m["decisions"] = int64(n)
		m["allowed"] = allowed.Load()
		m["failed"] = failed.Load()
		m["decisions_per_second"] = n / m["duration_s"].(float64)
		m["decisions_per_second_per_core"] = n / cpu
		if ph.name == "audit_group_commit" {
			b, r := batcher.Stats()
			m["audit_transactions"], m["audit_records"] = b, r
		}
		res[ph.name] = m
	}
	if n, err := compliance.VerifyStoreAudit(ctx, db); err != nil {
		return failureErr(fmt.Errorf("audit chain after the bench: %w", err))
	} else {
		res["audit_records_verified"] = n
	}
	all := meterAll.common()
	for k, v := range all {
		res[k] = v
	}
	res["backend"] = db.Backend()
	res["contacts"] = len(w.numbers)
	res["dnc_numbers"] = f.storeDNC
	res["concurrency"] = f.storeConcurrency
	return printJSON(stdout, res)
}

func mustLoc(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}
