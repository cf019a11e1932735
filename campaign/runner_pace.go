package campaign

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/voxdial/voxdial/store"
)

// PaceReport is a campaign's pacing as this node last decided it (metrics).
type PaceReport struct {
	CampaignID  int64
	Campaign    string
	Predictive  bool
	DialRatio   float64 // legs in flight per free bot slot
	Limit       string  // what bound the last decision
	AnswerRate  float64 // measured (with the 1:1 prior)
	Samples     int64   // legs in the answer-rate window
	RingSeconds float64
	// Abandonment over the rules' windows (live answers, abandoned calls).
	Abandon24h, Abandon30d AbandonStats
	// Transfers to agents (asked for, abandoned) over the same windows.
	Transfers24h, Transfers30d AbandonStats
	AgentsPaced                bool
	AgentsBusy, AgentsFree     int
}

// How often a campaign's shared window and its store counts are re-read.
const (
	paceWindowEvery = 500 * time.Millisecond
	paceCountsEvery = 3 * time.Second
)

// campPace is the runner's pacing state of one campaign on this node. Counts
// of legs and answered calls are under the runner's mutex; the cached
// estimates under mu.
type campPace struct {
	r          *Runner
	id         int64
	key        string // campaign id as the shared state names it
	name       string
	opts       PaceOptions
	predictive bool
	queue      *agentQueue
	stopQueue  context.CancelFunc

	// Under r.mu.
	legs        int // leased, not answered (or ended) yet
	answeredPre int // answered, no transfer asked yet (paced transfers only)
	expAnswers  float64

	mu       sync.Mutex
	est      Estimates
	estAt    time.Time
	counts   [4]AbandonStats // abandon 24h, 30d; transfers 24h, 30d
	countsAt time.Time
	// Abandonment the store's counts may not show yet. A call is counted the moment it
	// is abandoned (pendingAb; its record is written only after the information message),
	// then as recorded until a counts query that began after its record has replaced it.
	pendingAb, recordedAb int64
	recordedXfer          int64 // abandoned transfers, their call events written
	last                  DialDecision
	agentBusy             int
	agentFree             int
	others                float64 // transfers the other nodes expect
	// The abandonment budget is the cluster's: each node dialling the campaign takes an
	// even share (the nodes count themselves in through the pace state).
	otherNodes float64
}

// slot is one leased contact's claim on the node: a leg in flight, a bot slot.
type slot struct {
	inFlight  bool // counted in campPace.legs
	abandoned bool // answered with no free bot slot (counted in campPace.pendingAb until recorded)
	bot       bool // holds a bot slot (reserved at lease for 1:1 campaigns)
	pre       bool // counted in campPace.answeredPre
}

// campPace returns the campaign's pacing state, made (or remade when its
// options changed) from the plan.
func (r *Runner) campPace(ctx context.Context, p *Plan) *campPace {
	r.mu.Lock()
	defer r.mu.Unlock()
	cp := r.paces[p.ID]
	if cp != nil && cp.opts == p.Pace && cp.predictive == p.Predictive() {
		return cp
	}
	n := &campPace{r: r, id: p.ID, key: strconv.FormatInt(p.ID, 10), name: p.Name, opts: p.Pace, predictive: p.Predictive()}
	if cp != nil {
		n.legs, n.answeredPre = cp.legs, cp.answeredPre
		if cp.stopQueue != nil {
			cp.stopQueue()
		}
	}
	if p.Pace.AgentsURL != "" {
		qctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		n.queue = &agentQueue{url: p.Pace.AgentsURL, client: r.opts.Transfers.queueClient(), every: r.opts.AgentPoll}
		n.stopQueue = cancel
		r.pollers.Add(1)
		go func() {
			defer r.pollers.Done()
			n.queue.run(qctx, r.log.With(zap.String("campaign", p.Name)))
		}()
	}
	r.paces[p.ID] = n
	return n
}

func (cp *campPace) pool() AgentPool {
	if cp.queue != nil {
		return cp.queue.pool(cp.key)
	}
	return AgentPool{Campaign: cp.key, Capacity: cp.opts.Agents}
}

func (cp *campPace) record(ctx context.Context, s PaceSample) {
	if err := cp.r.state.Record(context.WithoutCancel(ctx), cp.key, s); err != nil {
		cp.r.log.Warn("pace state", zap.String("campaign", cp.name), zap.Error(err))
	}
}

// transferAbandoned counts an abandoned transfer whose call event is written.
func (cp *campPace) transferAbandoned() {
	cp.mu.Lock()
	cp.recordedXfer++
	cp.mu.Unlock()
}

// abandonStarted counts a call abandoned now (answered with no free bot slot).
func (cp *campPace) abandonStarted() {
	cp.mu.Lock()
	cp.pendingAb++
	cp.mu.Unlock()
}

// abandonRecorded: the abandoned call's attempt is in the store now.
func (cp *campPace) abandonRecorded() {
	cp.mu.Lock()
	cp.pendingAb--
	cp.recordedAb++
	cp.mu.Unlock()
}

// refresh re-reads the shared window, the store's counts and the agents when due.
func (cp *campPace) refresh(ctx context.Context, now time.Time) {
	cp.mu.Lock()
	winDue := now.Sub(cp.estAt) >= paceWindowEvery
	countsDue := now.Sub(cp.countsAt) >= paceCountsEvery && (cp.predictive || cp.opts.PacesTransfers())
	cp.mu.Unlock()
	r := cp.r
	if winDue {
		w, err := r.state.Window(ctx, cp.key)
		if err != nil {
			r.log.Warn("pace state window", zap.String("campaign", cp.name), zap.Error(err))
		}
		est := Estimate(w, time.Duration(cp.opts.AgentHandle))
		var busy, free int
		others := 0.0
		if cp.opts.PacesTransfers() {
			if busy, free, err = r.state.AgentStats(ctx, cp.pool()); err != nil {
				r.log.Warn("agent pool", zap.String("campaign", cp.name), zap.Error(err))
			}
			// Publish what this node expects to transfer; learn the other nodes'.
			cp.mu.Lock()
			mine := cp.last.ExpectedTransfers
			cp.mu.Unlock()
			if others, err = r.state.Expect(ctx, cp.key, r.opts.Holder, mine); err != nil {
				r.log.Warn("pace state expect", zap.String("campaign", cp.name), zap.Error(err))
			}
		}
		var otherNodes float64
		if cp.predictive {
			if otherNodes, err = r.state.Expect(ctx, cp.key+"/nodes", r.opts.Holder, 1); err != nil {
				// Unknown: leave no budget to this node.
				r.log.Warn("pace state nodes", zap.String("campaign", cp.name), zap.Error(err))
				otherNodes = math.Inf(1)
			}
		}
		cp.mu.Lock()
		cp.est, cp.estAt, cp.agentBusy, cp.agentFree, cp.others = est, now, busy, free, others
		cp.otherNodes = otherNodes
		cp.mu.Unlock()
	}
	if countsDue {
		// What is recorded before the queries begin, they count; what is recorded while
		// they run may be counted twice until the next read (the safe side).
		cp.mu.Lock()
		snapAb, snapXfer := cp.recordedAb, cp.recordedXfer
		cp.mu.Unlock()
		var c [4]AbandonStats
		var err error
		for i, q := range []struct {
			f     func(context.Context, *store.AbandonCountsParams) (int64, int64, error)
			since time.Duration
		}{{r.opts.Store.AbandonCounts, 24 * time.Hour}, {r.opts.Store.AbandonCounts, 30 * 24 * time.Hour},
			{r.opts.Store.TransferCounts, 24 * time.Hour}, {r.opts.Store.TransferCounts, 30 * 24 * time.Hour}} {
			if i >= 2 && !cp.opts.PacesTransfers() {
				break
			}
			var l, a int64
			if l, a, err = q.f(ctx, &store.AbandonCountsParams{CampaignID: cp.id, Since: now.Add(-q.since)}); err != nil {
				break
			}
			c[i] = AbandonStats{Live: l, Abandoned: a}
		}
		if err != nil {
			if ctx.Err() == nil {
				r.log.Warn("abandonment counts", zap.String("campaign", cp.name), zap.Error(err))
			}
			return // keep the old counts (and their local additions)
		}
		cp.mu.Lock()
		cp.counts, cp.countsAt = c, now
		cp.recordedAb -= snapAb
		cp.recordedXfer -= snapXfer
		cp.mu.Unlock()
	}
}

// decide is one pacing decision for the campaign: how many contacts to lease now.
func (r *Runner) decide(ctx context.Context, p *Plan, cp *campPace, now time.Time) DialDecision {
	cp.refresh(ctx, now)
	cp.mu.Lock()
	est, counts, localAb, localXfer := cp.est, cp.counts, cp.pendingAb+cp.recordedAb, cp.recordedXfer
	agentFree, agentBusy, others := cp.agentFree, cp.agentBusy, cp.others
	otherNodes := cp.otherNodes
	cp.mu.Unlock()
	// Abandoned calls recorded since the counts were read count at once.
	ab24, ab30 := counts[0], counts[1]
	ab24.Abandoned += localAb
	ab30.Abandoned += localAb
	xf24, xf30 := counts[2], counts[3]
	xf24.Abandoned += localXfer
	xf30.Abandoned += localXfer

	r.mu.Lock()
	otherAnswers := 0.0
	for id, o := range r.paces {
		if id != p.ID && o.predictive {
			otherAnswers += o.expAnswers
		}
	}
	freeBots := r.opts.MaxCalls - r.bots - int(math.Ceil(otherAnswers-1e-9))
	in := DialInput{
		InFlight:   cp.legs,
		Room:       min(p.MaxConcurrent-r.byCamp[p.ID], r.opts.MaxLegs-r.active),
		Est:        est,
		Predictive: cp.predictive,
		MaxRatio:   cp.opts.MaxDialRatio,
		Allowance:  Allowance(cp.opts.AbandonTarget, ab24, ab30),
	}
	if cp.predictive {
		in.FreeBots, in.BusyBots = freeBots, r.bots
		// This node's even share of the cluster's budget.
		if !math.IsInf(otherNodes, 1) {
			in.RiskBudget = RiskBudget(cp.opts.AbandonTarget, ab24, ab30) / (1 + int(math.Round(otherNodes)))
		}
	} else {
		// 1:1: each leg in flight holds its own reserved slot.
		in.FreeBots = freeBots + cp.legs
	}
	if cp.opts.PacesTransfers() {
		in.Agents = &AgentInput{Free: float64(agentFree) - others, Busy: agentBusy, Answered: cp.answeredPre,
			Allowance: Allowance(cp.opts.TransferTarget, xf24, xf30)}
	}
	d := Decide(in)
	if cp.predictive {
		cp.expAnswers = float64(cp.legs+d.Legs) * est.AnswerRate
	}
	r.mu.Unlock()

	cp.mu.Lock()
	cp.last = d
	cp.mu.Unlock()
	if r.opts.OnPace != nil {
		r.opts.OnPace(PaceReport{CampaignID: p.ID, Campaign: p.Name, Predictive: cp.predictive, DialRatio: d.Ratio, Limit: d.Limit,
			AnswerRate: est.AnswerRate, Samples: est.Samples, RingSeconds: est.Ring.Seconds(), Abandon24h: ab24, Abandon30d: ab30,
			Transfers24h: xf24, Transfers30d: xf30, AgentsPaced: cp.opts.PacesTransfers(), AgentsBusy: agentBusy, AgentsFree: agentFree})
	}
	return d
}

// stopPollers ends the agent queue pollers (drain).
func (r *Runner) stopPollers() {
	r.mu.Lock()
	for _, cp := range r.paces {
		if cp.stopQueue != nil {
			cp.stopQueue()
		}
	}
	r.mu.Unlock()
	r.pollers.Wait()
}

// landed takes the slot's leg out of the campaign's legs in flight, once. Callers hold r.mu.
func (s *slot) landed(cp *campPace) {
	if s.inFlight {
		s.inFlight = false
		cp.legs--
	}
}

// unpend takes the slot's call out of the answered calls waiting to transfer, once.
// Callers hold r.mu.
func (s *slot) unpend(cp *campPace) {
	if s.pre {
		s.pre = false
		cp.answeredPre--
	}
}

// answered moves a leg to answered: a predictive leg claims a free bot slot
// now (false: none free, the call must be abandoned lawfully).
func (r *Runner) answered(cp *campPace, s *slot) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	s.landed(cp)
	if !s.bot && r.bots < r.opts.MaxCalls {
		r.bots++
		s.bot = true
	}
	if s.bot && cp.opts.PacesTransfers() {
		s.pre = true
		cp.answeredPre++
	}
	return s.bot
}

// ended is the leg's final answer without an answer.
func (r *Runner) legEnded(cp *campPace, s *slot) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s.landed(cp)
}

// transferAsked: the call's bot asked for an agent; it is no longer pending.
func (r *Runner) transferAsked(cp *campPace, s *slot) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s.unpend(cp)
}

// freeSlot gives back whatever the contact still holds.
func (r *Runner) freeSlot(cp *campPace, s *slot) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s.landed(cp)
	if s.bot {
		s.bot = false
		r.bots--
	}
	s.unpend(cp)
}

// abandonMessage is the campaign's information message for a call answered
// with no free bot slot: its own, or identity + no re-call + opt-out number.
func abandonMessage(p *Plan, callerID string) string {
	if p.Pace.AbandonMessage != "" {
		return p.Pace.AbandonMessage
	}
	who := p.Seller
	if who == "" {
		who = p.Name
	}
	msg := "Hello, this is a call from " + who + ". Sorry, nobody is free to take your call right now. We will not call you again for at least three days."
	if digits := strings.TrimPrefix(callerID, "+"); digits != "" {
		msg += " To stop our calls, call " + spellDigits(digits) + "."
	}
	return msg
}

// spellDigits reads a number digit by digit ("5 5 5, 0 1 0 0").
func spellDigits(s string) string {
	var b strings.Builder
	for i, c := range s {
		if c < '0' || c > '9' {
			continue
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Predictive reports whether the campaign dials ahead of free bot slots.
func (p *Plan) Predictive() bool { return p.Pacing == PacingPredictive }

func paceErr(name string, err error) error { return fmt.Errorf("campaign %q pace: %w", name, err) }
