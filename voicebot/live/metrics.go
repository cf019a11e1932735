package live

import (
	"maps"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voxdial/voxdial/asr"
	"github.com/voxdial/voxdial/voicebot"
)

// Metrics are the voice-bot's latency histograms, observed as each call ends.
type Metrics struct {
	turnLatency prometheus.Histogram
	firstAudio  prometheus.Histogram
}

// NewMetrics registers the histograms on reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	buckets := []float64{.1, .2, .3, .5, .7, .8, .9, 1, 1.2, 1.5, 2, 3, 5}
	m := &Metrics{
		turnLatency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "voxdial_bot_turn_latency_seconds",
			Help: "Voice-bot turn latency, measured on the call: caller's end of speech to the first RTP frame of the bot's reply (includes end_of_turn).", Buckets: buckets}),
		firstAudio: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "voxdial_bot_answer_to_first_audio_seconds",
			Help: "Voice-bot calls: answer to the first RTP frame of the bot's first prompt.", Buckets: buckets}),
	}
	for _, c := range []prometheus.Collector{m.turnLatency, m.firstAudio} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// observe records one call's figures; a nil Metrics does nothing.
func (m *Metrics) observe(res voicebot.Result) {
	if m == nil {
		return
	}
	for _, ms := range res.TurnLatencyMS {
		m.turnLatency.Observe((time.Duration(ms) * time.Millisecond).Seconds())
	}
	if res.FirstAudioMS != nil {
		m.firstAudio.Observe((time.Duration(*res.FirstAudioMS) * time.Millisecond).Seconds())
	}
}

// engineWork is what a recogniser that counts its decoding work reports (asr.Sphinx).
type engineWork interface{ Stats() asr.SphinxStats }

// hostCollector reports the recognisers' work counters at scrape time: engines are
// made on first use, so the set of locales grows as scripts are met.
type hostCollector struct {
	h                                                  *Host
	utterances, decodes, short, ahead, voided, dropped *prometheus.Desc
}

// Collector is a Prometheus collector of the host's speech recognition work: the
// utterances finished, decodes by pass (grammar, open), decodes started
// ahead of the end of turn and voided, and caller audio dropped because a
// recogniser fell behind (the machine is short of CPU for the load).
func (h *Host) Collector() prometheus.Collector {
	loc := []string{"locale"}
	return &hostCollector{h: h,
		utterances: prometheus.NewDesc("voxdial_asr_utterances_total",
			"Caller utterances with speech the recognisers finished, by script locale (default: the shared recogniser).", loc, nil),
		decodes: prometheus.NewDesc("voxdial_asr_decodes_total",
			"Decodes by pass: grammar (the state's phrases) and open (the state's language model, for words the grammar cannot hold); with an open pass, the grammar decodes only words that hold no intent.",
			[]string{"locale", "pass"}, nil),
		short: prometheus.NewDesc("voxdial_asr_decodes_short_total",
			"Utterances with under a second of loud speech (lone words, short answers), decoded at pocketsphinx's 100 frames a second where longer ones are decoded at 80.", loc, nil),
		ahead: prometheus.NewDesc("voxdial_asr_decodes_ahead_total",
			"Grammar decodes started in a pause before the end of turn (their result is ready when the turn ends).", loc, nil),
		voided: prometheus.NewDesc("voxdial_asr_decodes_ahead_voided_total",
			"Decodes ahead voided because the caller spoke again: work spent for nothing.", loc, nil),
		dropped: prometheus.NewDesc("voxdial_asr_frames_dropped_total",
			"Caller audio frames (20 ms) a recogniser dropped, more than three seconds behind: words may be lost; add CPU or lower runner.max_calls.", nil, nil),
	}
}

func (c *hostCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.utterances, c.decodes, c.short, c.ahead, c.voided, c.dropped} {
		ch <- d
	}
}

func (c *hostCollector) Collect(ch chan<- prometheus.Metric) {
	c.h.mu.Lock()
	engines := make(map[string]asr.Engine, len(c.h.engines))
	maps.Copy(engines, c.h.engines)
	c.h.mu.Unlock()
	for locale, eng := range engines {
		w, ok := eng.(engineWork)
		if !ok {
			continue
		}
		if locale == "" {
			locale = "default"
		}
		st := w.Stats()
		counter := func(d *prometheus.Desc, v int64, labels ...string) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
		}
		counter(c.utterances, st.Utterances, locale)
		counter(c.decodes, st.GrammarPasses, locale, "grammar")
		counter(c.decodes, st.OpenPasses, locale, "open")
		counter(c.short, st.ShortDecodes, locale)
		counter(c.ahead, st.Speculations, locale)
		counter(c.voided, st.Voided, locale)
	}
	ch <- prometheus.MustNewConstMetric(c.dropped, prometheus.CounterValue, float64(c.h.framesDropped.Load()))
}
