package dashboard

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/voxdial/voxdial/outcome"
	"github.com/voxdial/voxdial/store"
)

// Event is one live event (a row of the shared call_events log).
type Event struct {
	ID         int64           `json:"id"`
	Type       string          `json:"type"`
	CampaignID int64           `json:"campaign_id"`
	ContactID  int64           `json:"contact_id,omitempty"`
	AttemptID  int64           `json:"attempt_id,omitempty"`
	At         time.Time       `json:"at"`
	Data       json.RawMessage `json:"data"`
}

// LiveFeed brings call events as soon as any node appends them (livefeed.Local or
// livefeed.Redis): Subscribe registers fn and returns the function that delivers events
// until ctx ends.
type LiveFeed interface {
	Subscribe(ctx context.Context, fn func(*store.CallEvent), onErr func(error)) (func(), error)
}

// seenIDs is how many event ids Live remembers to show each event once, whether the feed
// or the poll brings it first: far more than arrive between two polls.
const seenIDs = 1 << 15

// Live tails the event log into subscribers and metrics. With a feed, events arrive
// through it at once and the poll catches up on what it missed; each event is shown and
// counted once (by id).
type Live struct {
	db      *store.DB
	m       *Metrics
	poll    time.Duration
	now     func() time.Time
	log     *zap.Logger
	feed    LiveFeed
	mu      sync.Mutex
	subs    map[*subscriber]struct{}
	last    int64
	started bool
	lost    int
	starts  []time.Time // attempt starts of the last 10 s, for CPS
	seen    map[int64]struct{}
	seenQ   []int64 // seen's ids, oldest first, to forget them in order (a ring of seenIDs)
	seenAt  int
	// ready is closed once Run has subscribed to the feed (or tried) and finished its
	// first poll: from then on events arrive by the feed until the next poll.
	ready     chan struct{}
	readyOnce sync.Once
}

// Ready is closed once Run has followed the feed and polled once.
func (l *Live) Ready() <-chan struct{} { return l.ready }

type subscriber struct {
	campaign int64 // 0: all
	ch       chan Event
}

func newLive(db *store.DB, m *Metrics, poll time.Duration, now func() time.Time, log *zap.Logger, feed LiveFeed) *Live {
	return &Live{db: db, m: m, poll: poll, now: now, log: log, feed: feed, subs: map[*subscriber]struct{}{},
		seen: make(map[int64]struct{}, seenIDs), ready: make(chan struct{})}
}

// Run polls, and follows the feed when there is one, until ctx ends. A feed that cannot be
// subscribed to is tried again at every poll meanwhile.
func (l *Live) Run(ctx context.Context) {
	t := time.NewTicker(l.poll)
	defer t.Stop()
	var feedDone chan struct{}
	defer func() {
		if feedDone != nil {
			<-feedDone
		}
	}()
	failed := false
	for {
		if l.feed != nil && feedDone == nil {
			run, err := l.feed.Subscribe(ctx, func(e *store.CallEvent) { l.deliver(ctx, e, "feed") },
				func(err error) { l.log.Warn("live feed: message skipped", zap.Error(err)) })
			switch {
			case err == nil:
				if failed {
					l.log.Info("live feed subscribed")
				}
				feedDone = make(chan struct{})
				go func() { defer close(feedDone); run() }()
			case !failed && ctx.Err() == nil:
				failed = true
				l.log.Warn("live feed: cannot subscribe (events arrive by the poll meanwhile)", zap.Error(err))
			}
		}
		if err := l.Poll(ctx); err != nil && ctx.Err() == nil {
			l.log.Warn("live events", zap.Error(err))
		}
		l.readyOnce.Do(func() { close(l.ready) })
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// deliver shows and counts e unless it has been already (source: feed or poll).
func (l *Live) deliver(ctx context.Context, e *store.CallEvent, source string) {
	l.mu.Lock()
	if _, dup := l.seen[e.ID]; dup {
		l.mu.Unlock()
		return
	}
	if len(l.seenQ) < seenIDs {
		l.seenQ = append(l.seenQ, e.ID)
	} else {
		delete(l.seen, l.seenQ[l.seenAt])
		l.seenQ[l.seenAt] = e.ID
		l.seenAt = (l.seenAt + 1) % seenIDs
	}
	l.seen[e.ID] = struct{}{}
	l.mu.Unlock()
	l.m.liveReceived.WithLabelValues(source).Inc()
	l.observe(ctx, e)
	l.publish(Event{ID: e.ID, Type: e.Type, CampaignID: e.CampaignID, ContactID: e.ContactID, AttemptID: e.AttemptID, At: e.At, Data: e.Data})
}

// Poll reads new events once, publishes them and refreshes the gauges. The
// first poll starts after the newest event: history is in the API.
func (l *Live) Poll(ctx context.Context) error {
	l.mu.Lock()
	started, last := l.started, l.last
	l.mu.Unlock()
	if !started {
		_, newest, err := l.db.CallEventTail(ctx, &store.CallEventTailParams{AfterID: -1})
		if err != nil {
			return err
		}
		l.mu.Lock()
		l.started, l.last, last = true, newest, newest
		l.mu.Unlock()
	}
	for {
		evs, next, err := l.db.CallEventTail(ctx, &store.CallEventTailParams{AfterID: last, Limit: 500})
		if err != nil {
			return err
		}
		for _, e := range evs {
			l.deliver(ctx, e, "poll")
		}
		l.mu.Lock()
		l.last, last = next, next
		l.mu.Unlock()
		if len(evs) < 500 {
			break
		}
	}
	st, err := l.db.QueueStatsGet(ctx, &store.QueueStatsGetParams{Now: l.now()})
	if err != nil {
		return err
	}
	l.m.activeCalls.Set(float64(st.Dialing))
	l.m.hopperDepth.Set(float64(st.Due))
	l.m.leased.Set(float64(st.Leased))
	l.m.leasesExpired.Set(float64(st.LeaseExpired))
	l.mu.Lock()
	if l.lost == 0 {
		l.lost = st.Lost // count expiries from this process's start
	} else if st.Lost > l.lost {
		l.m.attemptsLost.Add(float64(st.Lost - l.lost))
		l.lost = st.Lost
	}
	cutoff := l.now().Add(-10 * time.Second)
	i := 0
	for i < len(l.starts) && l.starts[i].Before(cutoff) {
		i++
	}
	l.starts = l.starts[i:]
	l.m.cps.Set(float64(len(l.starts)) / 10)
	l.mu.Unlock()
	return nil
}

// observe feeds the event-derived metrics.
func (l *Live) observe(ctx context.Context, e *store.CallEvent) {
	l.m.eventsPublished.Inc()
	var data struct {
		Outcome  string   `json:"outcome"`
		Decision string   `json:"decision"`
		Rules    []string `json:"rules"`
	}
	_ = json.Unmarshal(e.Data, &data)
	switch e.Type {
	case "attempt_started":
		l.m.gate.WithLabelValues("allow", "").Inc()
		l.mu.Lock()
		l.starts = append(l.starts, e.At)
		l.mu.Unlock()
	case "gate_block", "gate_hold":
		decision := map[string]string{"gate_block": "block", "gate_hold": "hold"}[e.Type]
		if len(data.Rules) == 0 {
			l.m.gate.WithLabelValues(decision, "").Inc()
		}
		for _, r := range data.Rules {
			l.m.gate.WithLabelValues(decision, r).Inc()
		}
	case "attempt_finished":
		l.m.attempts.WithLabelValues(attemptLabel(outcome.Code(data.Outcome))).Inc() // bounded: a code of the outcome table or "other"
		if e.AttemptID == 0 {
			return
		}
		a, err := l.db.AttemptGet(ctx, &store.AttemptGetParams{ID: e.AttemptID})
		if err != nil {
			return
		}
		var res struct {
			Timings struct {
				AnswerToFirstAudioMS *int64  `json:"answer_to_first_audio_ms"`
				TurnLatencyMS        []int64 `json:"turn_latency_ms"`
				TurnRecognitionMS    []int64 `json:"turn_recognition_ms"`
			} `json:"timings"`
			Media *struct {
				PacketsReceived uint64  `json:"packets_received"`
				PacketsLost     uint64  `json:"packets_lost"`
				PacketsRejected uint64  `json:"packets_rejected"`
				JitterMS        float64 `json:"jitter_ms"`
			} `json:"media"`
		}
		if json.Unmarshal(a.Result, &res) != nil {
			return
		}
		if v := res.Timings.AnswerToFirstAudioMS; v != nil {
			l.m.firstAudio.Observe(float64(*v) / 1000)
		}
		for _, v := range res.Timings.TurnLatencyMS {
			l.m.turnLatency.Observe(float64(v) / 1000)
		}
		for _, v := range res.Timings.TurnRecognitionMS {
			if v > 0 {
				l.m.asrLatency.Observe(float64(v) / 1000)
			}
		}
		if md := res.Media; md != nil && md.PacketsRejected > 0 {
			l.m.rtpRejected.Add(float64(md.PacketsRejected))
		}
		if md := res.Media; md != nil && md.PacketsReceived+md.PacketsLost > 0 {
			l.m.rtpReceived.Add(float64(md.PacketsReceived))
			l.m.rtpLost.Add(float64(md.PacketsLost))
			l.m.rtpJitter.Observe(md.JitterMS / 1000)
		}
	}
}

func (l *Live) publish(e Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for s := range l.subs {
		if s.campaign != 0 && s.campaign != e.CampaignID {
			continue
		}
		select {
		case s.ch <- e:
		default: // a slow client loses events; it refetches counters anyway
		}
	}
}

// Subscribe returns a channel of the events of one campaign (0: all) and a
// function that ends the subscription.
func (l *Live) Subscribe(campaignID int64) (<-chan Event, func()) {
	s := &subscriber{campaign: campaignID, ch: make(chan Event, 256)}
	l.mu.Lock()
	l.subs[s] = struct{}{}
	l.mu.Unlock()
	l.m.sseClients.Inc()
	return s.ch, func() {
		l.mu.Lock()
		delete(l.subs, s)
		l.mu.Unlock()
		l.m.sseClients.Dec()
	}
}

// handleEvents streams live events over SSE; ?campaign=ID filters.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request, p *principal) {
	fl, ok := w.(http.Flusher)
	if !ok {
		writeError(w, http.StatusInternalServerError, "streaming unsupported")
		return
	}
	release, ok := s.acquireStream(p.User.ID)
	if !ok {
		w.Header().Set("Retry-After", "10")
		writeError(w, http.StatusTooManyRequests, "too many live event streams open (at most %d per user, %d in all): close one", s.opts.MaxStreamsPerUser, s.opts.MaxStreams)
		return
	}
	defer release()
	// The stream outlives the server's ReadTimeout: lift the read deadline
	// so that no background read's timeout can end it.
	_ = http.NewResponseController(w).SetReadDeadline(time.Time{})
	ch, cancel := s.Live.Subscribe(queryInt(r, "campaign", 0))
	defer cancel()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 2000\nevent: hello\ndata: {}\n\n")
	fl.Flush()
	beat := time.NewTicker(15 * time.Second)
	defer beat.Stop()
	var red *redactor // roles that see masked numbers get event data without numbers or DTMF
	if !p.fullNumbers() {
		red = newRedactor(nil)
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case <-beat.C:
			fmt.Fprint(w, ": keep-alive\n\n")
		case e := <-ch:
			if red != nil && len(e.Data) > 0 {
				e.Data = red.json(e.Data)
			}
			b, _ := json.Marshal(e)
			fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", e.ID, e.Type, b)
		}
		fl.Flush()
	}
}
