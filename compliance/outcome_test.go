package compliance

import (
	"testing"

	"github.com/voxdial/voxdial/outcome"
	"github.com/voxdial/voxdial/store"
)

// Every attempt outcome in the outcome table reaches the gate's history as the class the
// table names, and the class is one the gate knows.
func TestStoreOutcomeFollowsTable(t *testing.T) {
	for _, i := range outcome.All() {
		got := storeOutcome(&store.HistoryEvent{State: store.AttemptDone, Outcome: string(i.Code)})
		if i.History == "" {
			if got != OutcomeUnknown {
				t.Errorf("%s: no history class in the table, gate reads %v", i.Code, got)
			}
			continue
		}
		want, ok := ParseOutcome(i.History)
		if !ok {
			t.Errorf("%s: history class %q is not the gate's", i.Code, i.History)
		}
		if got != want {
			t.Errorf("%s: gate reads %v, table says %s", i.Code, got, i.History)
		}
	}
	for _, tc := range []struct {
		e    store.HistoryEvent
		want Outcome
	}{
		{store.HistoryEvent{State: store.AttemptDone, Outcome: "rejected"}, OutcomeNoAnswer},
		{store.HistoryEvent{State: store.AttemptDone, Outcome: "congestion"}, OutcomeNotConnected},
		{store.HistoryEvent{State: store.AttemptDone, Outcome: "abandoned"}, OutcomeAbandoned},
		{store.HistoryEvent{State: store.AttemptLost, Outcome: "lost"}, OutcomeUnknown},
		{store.HistoryEvent{State: store.AttemptDialing, Outcome: ""}, OutcomeUnknown},
		{store.HistoryEvent{State: store.AttemptDone, Outcome: "no_such"}, OutcomeUnknown},
	} {
		if got := storeOutcome(&tc.e); got != tc.want {
			t.Errorf("%+v: %v, want %v", tc.e, got, tc.want)
		}
	}
}
