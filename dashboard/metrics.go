package dashboard

import (
	"time"

	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/voxdial/voxdial/campaign"
	"github.com/voxdial/voxdial/dashboard/webhook"
	"github.com/voxdial/voxdial/outcome"
)

// Metrics are the Prometheus metrics of a node. Event-derived series
// (attempts, gate decisions, latencies) follow the shared event log, so they
// describe the whole cluster: aggregate them with max, not sum, across nodes.
// voxdial_node_* series count what this node's runner did.
type Metrics struct {
	reg *prometheus.Registry

	activeCalls     prometheus.Gauge
	attempts        *prometheus.CounterVec
	cps             prometheus.Gauge
	gate            *prometheus.CounterVec
	turnLatency     prometheus.Histogram
	firstAudio      prometheus.Histogram
	hopperDepth     prometheus.Gauge
	leased          prometheus.Gauge
	leasesExpired   prometheus.Gauge
	attemptsLost    prometheus.Counter
	nodeAttempts    *prometheus.CounterVec
	logins          *prometheus.CounterVec
	sseClients      prometheus.Gauge
	eventsPublished prometheus.Counter
	rtpReceived     prometheus.Counter
	rtpLost         prometheus.Counter
	rtpRejected     prometheus.Counter
	rtpJitter       prometheus.Histogram
	webhookTries    *prometheus.CounterVec
	webhookLatency  prometheus.Histogram
	asrLatency      prometheus.Histogram
	ttsLatency      *prometheus.HistogramVec
	// Pacing (campaign.Runner's OnPace and OnAttempt).
	dialRatio          *prometheus.GaugeVec
	answerRate         *prometheus.GaugeVec
	abandonRate        *prometheus.GaugeVec
	transferAbandon    *prometheus.GaugeVec
	agents             *prometheus.GaugeVec
	callsAbandoned     prometheus.Counter
	transfersAbandoned prometheus.Counter
	liveReceived       *prometheus.CounterVec
	livePublished      *prometheus.CounterVec
	numberErrors       *prometheus.CounterVec
	numberLocks        prometheus.Gauge
}

// NewMetrics registers the metrics on a private registry.
func NewMetrics() *Metrics {
	latency := []float64{.05, .1, .2, .3, .4, .5, .75, 1, 1.5, 2, 3, 5}
	m := &Metrics{
		reg:         prometheus.NewRegistry(),
		activeCalls: prometheus.NewGauge(prometheus.GaugeOpts{Name: "voxdial_active_calls", Help: "Calls in progress (open attempts, all nodes)."}),
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "voxdial_call_attempts_total",
			Help: "Finished call attempts by outcome (answered, busy, no_answer, voicemail, …)."}, []string{"outcome"}),
		cps: prometheus.NewGauge(prometheus.GaugeOpts{Name: "voxdial_calls_per_second", Help: "Call attempts started per second over the last 10 s."}),
		gate: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "voxdial_gate_decisions_total",
			Help: "Compliance gate decisions by decision and rule (allow is counted once per placed call)."}, []string{"decision", "rule"}),
		turnLatency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "voxdial_turn_latency_seconds",
			Help: "Voice-bot turn latency: caller's end of speech to the bot's first audio.", Buckets: latency}),
		firstAudio: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "voxdial_answer_to_first_audio_seconds",
			Help: "Answer to the bot's first audio.", Buckets: latency}),
		hopperDepth:   prometheus.NewGauge(prometheus.GaugeOpts{Name: "voxdial_hopper_depth", Help: "Contacts of running campaigns due now, not leased yet."}),
		leased:        prometheus.NewGauge(prometheus.GaugeOpts{Name: "voxdial_contacts_leased", Help: "Contacts leased by some node."}),
		leasesExpired: prometheus.NewGauge(prometheus.GaugeOpts{Name: "voxdial_leases_expired", Help: "Leases past their expiry, not rescued yet."}),
		attemptsLost: prometheus.NewCounter(prometheus.CounterOpts{Name: "voxdial_lease_expiries_total",
			Help: "Attempts closed as lost by a lease rescue (their node died or stalled), counted since this process started."}),
		nodeAttempts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "voxdial_node_attempts_total",
			Help: "Contacts this node's runner worked, by outcome (the outcome table's codes: dialer outcome, gate_block, gate_hold, window, released, …)."}, []string{"outcome"}),
		logins:          prometheus.NewCounterVec(prometheus.CounterOpts{Name: "voxdial_dashboard_logins_total", Help: "Dashboard logins by result."}, []string{"result"}),
		sseClients:      prometheus.NewGauge(prometheus.GaugeOpts{Name: "voxdial_dashboard_sse_clients", Help: "Connected live-event streams."}),
		eventsPublished: prometheus.NewCounter(prometheus.CounterOpts{Name: "voxdial_dashboard_events_total", Help: "Call events read from the event log."}),
		rtpReceived: prometheus.NewCounter(prometheus.CounterOpts{Name: "voxdial_rtp_packets_received_total",
			Help: "RTP packets received on finished calls."}),
		rtpLost: prometheus.NewCounter(prometheus.CounterOpts{Name: "voxdial_rtp_packets_lost_total",
			Help: "RTP packets lost on finished calls (sequence gaps of what we received)."}),
		rtpRejected: prometheus.NewCounter(prometheus.CounterOpts{Name: "voxdial_rtp_packets_rejected_total",
			Help: "RTP packets dropped on finished calls because they came from a source that is not the far end (injection attempts, or a far end that never proved its address)."}),
		rtpJitter: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "voxdial_rtp_jitter_seconds",
			Help: "RFC 3550 interarrival jitter of each finished call's received stream.", Buckets: []float64{.001, .002, .005, .01, .02, .03, .05, .1, .2}}),
		webhookTries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "voxdial_webhook_tries_total",
			Help: "Webhook requests this node sent, by result (delivered, retry, failed: gave up)."}, []string{"result"}),
		webhookLatency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "voxdial_webhook_request_seconds",
			Help: "Time of one webhook request.", Buckets: prometheus.DefBuckets}),
		asrLatency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "voxdial_asr_latency_seconds",
			Help: "Speech recognition latency per bot turn: caller's end of speech to the final result.", Buckets: latency}),
		ttsLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "voxdial_tts_synthesis_seconds",
			Help: "Prompt syntheses this node had to do (prompt-cache misses), by result.", Buckets: latency}, []string{"result"}),
		dialRatio: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "voxdial_pacing_dial_ratio",
			Help: "Legs in flight per free bot slot after this node's last pacing decision (1: no overdial)."}, []string{"campaign"}),
		answerRate: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "voxdial_pacing_answer_rate",
			Help: "Measured answer rate over the last 5 minutes (with the 1:1 prior while samples are few)."}, []string{"campaign"}),
		abandonRate: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "voxdial_pacing_abandon_rate",
			Help: "Abandoned calls per live answer over the rules' windows (limit 0.03)."}, []string{"campaign", "window"}),
		transferAbandon: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "voxdial_pacing_transfer_abandon_rate",
			Help: "Abandoned transfers per transfer asked for, over the rules' windows (limit 0.03)."}, []string{"campaign", "window"}),
		agents: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "voxdial_pacing_agents",
			Help: "A campaign's agents for transfers, busy and available (all nodes)."}, []string{"campaign", "state"}),
		callsAbandoned: prometheus.NewCounter(prometheus.CounterOpts{Name: "voxdial_node_calls_abandoned_total",
			Help: "Calls this node answered with no free bot slot (abandonment message, then hang-up)."}),
		transfersAbandoned: prometheus.NewCounter(prometheus.CounterOpts{Name: "voxdial_node_transfers_abandoned_total",
			Help: "Transfers of this node's calls that found no free agent within 2 s."}),
		liveReceived: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "voxdial_live_events_received_total",
			Help: "Call events this dashboard showed, by the path that brought them first: feed (at once, from any node) or poll (catch-up of the log)."}, []string{"source"}),
		livePublished: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "voxdial_live_events_published_total",
			Help: "Call events this node published on the live feed, by result (sent, dropped: a queue was full, error: Redis failed)."}, []string{"result"}),
		numberErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "voxdial_number_guard_errors_total",
			Help: "Failed operations on the per-number locks and attempt counters (Redis in cluster mode), by operation; no call is placed while lock, record or read fail."}, []string{"op"}),
		numberLocks: prometheus.NewGauge(prometheus.GaugeOpts{Name: "voxdial_number_locks_held",
			Help: "Numbers this node holds the in-flight lock of: its calls being set up or under way."}),
	}
	m.reg.MustRegister(m.activeCalls, m.attempts, m.cps, m.gate, m.turnLatency, m.firstAudio, m.hopperDepth, m.leased,
		m.leasesExpired, m.attemptsLost, m.nodeAttempts, m.logins, m.sseClients, m.eventsPublished,
		m.rtpReceived, m.rtpLost, m.rtpRejected, m.rtpJitter, m.webhookTries, m.webhookLatency, m.asrLatency, m.ttsLatency,
		m.dialRatio, m.answerRate, m.abandonRate, m.transferAbandon, m.agents, m.callsAbandoned, m.transfersAbandoned,
		m.liveReceived, m.livePublished, m.numberErrors, m.numberLocks,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves /metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Registry is the metrics' registry (to add a component's own collectors).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// ObserveAttempt counts one contact worked by this node's runner; give it
// as campaign.RunnerOptions.OnAttempt.
func (m *Metrics) ObserveAttempt(rep campaign.AttemptReport) {
	m.nodeAttempts.WithLabelValues(attemptLabel(rep.Outcome)).Inc()
	if rep.Outcome == campaign.OutcomeAbandoned {
		m.callsAbandoned.Inc()
	}
	if rep.TransferAbandoned {
		m.transfersAbandoned.Inc()
	}
}

// ObservePace records a campaign's pacing as this node decided it; give it as
// campaign.RunnerOptions.OnPace.
func (m *Metrics) ObservePace(r campaign.PaceReport) {
	c := r.Campaign
	m.dialRatio.WithLabelValues(c).Set(r.DialRatio)
	m.answerRate.WithLabelValues(c).Set(r.AnswerRate)
	m.abandonRate.WithLabelValues(c, "24h").Set(r.Abandon24h.Rate())
	m.abandonRate.WithLabelValues(c, "30d").Set(r.Abandon30d.Rate())
	if r.AgentsPaced {
		m.transferAbandon.WithLabelValues(c, "24h").Set(r.Transfers24h.Rate())
		m.transferAbandon.WithLabelValues(c, "30d").Set(r.Transfers30d.Rate())
		m.agents.WithLabelValues(c, "busy").Set(float64(r.AgentsBusy))
		m.agents.WithLabelValues(c, "available").Set(float64(r.AgentsFree))
	}
}

// attemptLabel bounds the label to the outcome table's codes ("other" for
// anything else); text an older runner reported in place of a code ("gate:
// DNC_INTERNAL: …", "schedule ended") maps to its code.
func attemptLabel(code outcome.Code) string {
	if c, _, ok := outcome.Parse(string(code)); ok {
		return string(c)
	}
	return "other"
}

// WatchSpool exports the node's parked store writes (campaign.Runner.SpooledWrites) as
// voxdial_node_spooled_writes: above zero, results are safe on local disk but not in
// the store yet (it was unavailable), and the dashboard lags them.
func (m *Metrics) WatchSpool(pending func() int) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "voxdial_node_spooled_writes",
		Help: "Attempt results this node parked on local disk while the store was unavailable, waiting to be replayed."},
		func() float64 { return float64(pending()) }))
}

// ObserveSynthesis records one prompt synthesis of this node; give it as
// live.Options.OnSynthesize.
func (m *Metrics) ObserveSynthesis(d time.Duration, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.ttsLatency.WithLabelValues(result).Observe(d.Seconds())
}

// ObserveLivePublish counts one event this node published on the live feed; give it as
// livefeed.Options.OnPublish.
func (m *Metrics) ObserveLivePublish(result string) {
	m.livePublished.WithLabelValues(result).Inc()
}

// ObserveNumberError counts one failed operation on the per-number state; give it as
// numbers.Options.OnError.
func (m *Metrics) ObserveNumberError(op string, _ error) {
	m.numberErrors.WithLabelValues(op).Inc()
}

// SetNumberLocks is this node's count of held number locks; give it as numbers.Options.OnHeld.
func (m *Metrics) SetNumberLocks(n int) { m.numberLocks.Set(float64(n)) }

// ObserveWebhookTry counts one webhook request; give it as webhook.Options.OnTry.
func (m *Metrics) ObserveWebhookTry(t webhook.Try) {
	m.webhookTries.WithLabelValues(t.Result).Inc()
	m.webhookLatency.Observe(t.Duration.Seconds())
}
