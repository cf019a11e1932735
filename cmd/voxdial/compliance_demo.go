package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/voxdial/voxdial/compliance"
	"github.com/voxdial/voxdial/store"
)

// demoSeller is the company `voxdial demo` calls for.
const demoSeller = "demo-seller"

// demoDNC is the sample contact on the demo seller's internal do-not-call list: the demo
// shows the gate refusing it (DNC_INTERNAL).
const demoDNC = "+12125550105"

// seedDemoCompliance registers the demo seller and its caller id, a prior express consent
// (collections, artificial voice) for every sample contact, and one internal do-not-call
// entry.
func seedDemoCompliance(ctx context.Context, db *store.DB, callerID string, now time.Time, stderr io.Writer) error {
	if _, err := db.SellerPut(ctx, &store.SellerPutParams{ID: demoSeller, Name: "Demo Lending Co.", CallerIDs: []string{callerID}, Now: now}); err != nil {
		return err
	}
	var cs []store.Consent
	for _, ph := range []string{"+14155550100", "+12125550101", "+13125550102", "+13055550103", "+14155550104", "+12125550105",
		"+13125550106", "+13055550107", "+14155550108", "+12125550109", "+13055550111"} {
		c := store.Consent{Phone: ph, Seller: demoSeller, Kind: "express", Scope: []string{"collections"}, ArtificialVoice: true,
			Source: "loan application", EvidenceText: "You may call me about my account, including with an automated voice.",
			GivenAt: now.AddDate(0, -2, 0), RecordedBy: "voxdial demo"}
		c.RecordHash = compliance.ConsentRecordHash(&c)
		cs = append(cs, c)
	}
	if _, err := db.ConsentAdd(ctx, &store.ConsentAddParams{Consents: cs, Now: now}); err != nil {
		return err
	}
	if _, err := db.DNCEntryAdd(ctx, &store.DNCEntryAddParams{List: "internal", Scope: demoSeller, Phones: []string{demoDNC},
		By: "voxdial demo", Reason: "asked not to be called (sample entry)", Source: "demo", Now: now.Add(-time.Hour)}); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "compliance: seller %q, %d consents, %s on its internal do-not-call list; clock %s\n",
		demoSeller, len(cs), demoDNC, now.UTC().Format(time.RFC3339))
	return nil
}
