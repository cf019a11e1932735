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
	up := activeCalls(b.far.Calls())
	a.stop(t) // the deadline (300 ms) falls in the middle of the 4 s calls

	st, err := db.CampaignStatsGet(t.Context(), &store.CampaignGetParams{ID: c.ID})
	if err != nil {
		t.Fatal(err)
	}
	if st.Outcomes[OutcomeCut] < up || st.Outcomes["answered"] != 0 || st.Contacts[store.ContactDone] != 0 {
		t.Fatalf("after the drain: %+v; want the %d calls up recorded as cut, none completed", st, up)
	}
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
