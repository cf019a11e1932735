package dashboard_test

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/voxdial/voxdial/campaign"
	"github.com/voxdial/voxdial/dashboard"
)

// TestObserveAttemptLabels: the runner's free-text reasons never become
// label values (bounded cardinality).
func TestObserveAttemptLabels(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ outcome, label string }{
		{"answered", "answered"},
		{"voicemail", "voicemail"},
		{"gate: DNC_INTERNAL: number is on the internal do-not-call list (acme)", "gate_block"},
		{"gate_hold", "gate_hold"},
		{"schedule ended", "schedule_ended"},
		{"max attempts", "max_attempts"},
		{"released", "released"},
		{"something new", "other"},
		{"", "other"},
	} {
		m := dashboard.NewMetrics()
		m.ObserveAttempt(campaign.AttemptReport{Outcome: tc.outcome})
		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		body, _ := io.ReadAll(rec.Body)
		want := `voxdial_node_attempts_total{outcome="` + tc.label + `"} 1`
		if !strings.Contains(string(body), want) {
			t.Errorf("outcome %q: /metrics lacks %s", tc.outcome, want)
		}
	}
}
