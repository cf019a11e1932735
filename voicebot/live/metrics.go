package live

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

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
