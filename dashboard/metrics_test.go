package dashboard_test

import (
	"io"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/voxdial/voxdial/campaign"
	"github.com/voxdial/voxdial/dashboard"
	"github.com/voxdial/voxdial/outcome"
)

// TestObserveAttemptLabels: label values are the outcome table's codes; free
// text (as older runners reported it) maps to its code or to "other", never
// to a label of its own (bounded cardinality).
func TestObserveAttemptLabels(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		outcome outcome.Code
		label   string
	}{
		{"answered", "answered"},
		{"voicemail", "voicemail"},
		{"gate: DNC_INTERNAL: number is on the internal do-not-call list (acme)", "gate_block"},
		{"gate_hold", "gate_hold"},
		{"schedule ended", "schedule_ended"},
		{"max attempts", "max_attempts"},
		{"released", "released"},
		{outcome.NumberBusy, "number_busy"},
		{outcome.Lost, "lost"},
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

// TestObservePace: the pacing gauges and the abandonment counters.
func TestObservePace(t *testing.T) {
	t.Parallel()
	m := dashboard.NewMetrics()
	m.ObservePace(campaign.PaceReport{CampaignID: 3, Campaign: "spring", Predictive: true, DialRatio: 1.75, AnswerRate: 0.4,
		Abandon24h: campaign.AbandonStats{Live: 200, Abandoned: 3}, Abandon30d: campaign.AbandonStats{Live: 1000, Abandoned: 10},
		AgentsPaced: true, AgentsBusy: 2, AgentsFree: 1, Transfers24h: campaign.AbandonStats{Live: 50, Abandoned: 1}})
	m.ObserveAttempt(campaign.AttemptReport{Outcome: campaign.OutcomeAbandoned})
	m.ObserveAttempt(campaign.AttemptReport{Outcome: "answered", TransferAbandoned: true})
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		`voxdial_pacing_dial_ratio{campaign="spring"} 1.75`,
		`voxdial_pacing_answer_rate{campaign="spring"} 0.4`,
		`voxdial_pacing_abandon_rate{campaign="spring",window="24h"} 0.015`,
		`voxdial_pacing_abandon_rate{campaign="spring",window="30d"} 0.01`,
		`voxdial_pacing_transfer_abandon_rate{campaign="spring",window="24h"} 0.02`,
		`voxdial_pacing_agents{campaign="spring",state="busy"} 2`,
		`voxdial_pacing_agents{campaign="spring",state="available"} 1`,
		`voxdial_node_calls_abandoned_total 1`,
		`voxdial_node_transfers_abandoned_total 1`,
		`voxdial_node_attempts_total{outcome="abandoned"} 1`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// TestWatchSpool: the parked-writes gauge reads the runner's count at every scrape.
func TestWatchSpool(t *testing.T) {
	t.Parallel()
	m := dashboard.NewMetrics()
	n := 0
	m.WatchSpool(func() int { return n })
	scrape := func() string {
		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		body, _ := io.ReadAll(rec.Body)
		return string(body)
	}
	for _, want := range []int{0, 7, 0} {
		n = want
		if line := "voxdial_node_spooled_writes " + strconv.Itoa(want); !strings.Contains(scrape(), line+"\n") {
			t.Fatalf("scrape lacks %q", line)
		}
	}
}
