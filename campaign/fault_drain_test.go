package campaign

import (
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
)

const drainScript = `name: long
max_call: 20s
steps:
  - listen: 4s
  - hangup: true
`

// A drain whose deadline hangs up live calls records them as cut, not completed, and the
// contacts are called again (by the next node here) until the script finishes.
func TestFaultDrainCutsCalls(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the fault suite runs campaigns")
	}
	t.Parallel()
	const contacts = 10
	db := storetest.OpenPostgres(t)
	b := setupClusterWith(t, "fault-profile", faultProfile, "drain.yaml", drainScript)
	c := faultCampaign(t, db, b, contacts, 5, time.Now())
	gate := newDecisionLog()
	log := zaptest.NewLogger(t, zaptest.Level(zap.ErrorLevel))
	limits := TrunkLimits{CPS: 20, Channels: 5}
	short := func(o *RunnerOptions) { o.DrainTimeout = 300 * time.Millisecond }
	a := b.startNode(t, "node-a", db, NewLocalPacer(nil), gate, limits, log, nil, short)
	waitFor(t, 60*time.Second, "calls up", func() (bool, string) { return activeCalls(b.far.Calls()) >= 3, "" })
	a.stop(t) // the deadline (300 ms) falls in the middle of the 4 s calls
	// The calls the drain found up: still up at the simulator when the drain began, ended
	// by it (a call that ended by itself before is completed, as it should be).
	var cutIDs []string
	for _, cr := range b.far.Calls() {
		if cr.ByeFrom == "peer" && cr.EndedAt.Sub(cr.StartedAt) < 3*time.Second {
			cutIDs = append(cutIDs, cr.CallID)
		}
	}
	if len(cutIDs) == 0 {
		t.Fatal("no call was hung up early by the drain")
	}
	outcome := map[string]*store.Attempt{}
	atts, err := db.AttemptList(t.Context(), &store.AttemptListParams{CampaignID: c.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range atts {
		outcome[at.CallID] = at
	}
	for _, id := range cutIDs {
		at := outcome[id]
		if at == nil || at.Outcome != string(OutcomeCut) {
			t.Fatalf("call %s hung up by the drain recorded as %+v; want outcome cut", id, at)
		}
		ct, err := db.ContactGet(t.Context(), &store.ContactGetParams{ID: at.ContactID})
		if err != nil {
			t.Fatal(err)
		}
		if ct.State != store.ContactPending {
			t.Fatalf("contact %d of a cut call is %s %q; want pending (retried)", ct.ID, ct.State, ct.Disposition)
		}
	}
	up := len(cutIDs)
	nb := b.startNode(t, "node-b", db, NewLocalPacer(nil), gate, limits, log, nil)
	waitCompleted(t, db, c.ID, 90*time.Second)
	nb.stop(t)
	s := checkSettled(t, db, c, b.far, gate)
	for _, ct := range s.contacts {
		if ct.Disposition != "completed" {
			t.Errorf("contact %d: %q, want completed", ct.ID, ct.Disposition)
		}
	}
	t.Logf("%d calls cut by the drain, %d calls in all", up, len(s.calls))
}
