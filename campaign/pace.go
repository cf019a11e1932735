package campaign

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"sync"
	"time"
)

// Pacing modes of a campaign (the campaigns.pacing column, which the compliance
// gate reads too: abandonment caps apply to predictive campaigns).
const (
	PacingOneToOne   = "one_to_one" // a bot slot is reserved for every leg: nothing is ever abandoned
	PacingPredictive = "predictive" // dial ahead of free bot slots from the measured answer rate
)

// Abandonment limits of the rules (US-5: 64.1200(a)(7); UK Ofcom persistent misuse).
const (
	AbandonLimit  = 0.03            // abandoned ≤ 3 % of live-answered calls
	AbandonWindow = 2 * time.Second // nobody speaks within 2 s of the answer: abandoned
	AbandonRecall = 72 * time.Hour  // no re-call after an abandoned call (Ofcom)
)

// Defaults of PaceOptions.
const (
	DefaultMaxDialRatio   = 3.0
	DefaultAbandonTarget  = 0.02
	DefaultTransferTarget = 0.02
	DefaultAgentHandle    = 3 * time.Minute
)

// PaceOptions are a campaign's pacing settings (the campaigns.pace column).
// Zero values take the defaults.
type PaceOptions struct {
	// MaxDialRatio caps a predictive campaign's legs in flight per free bot
	// slot (default 3).
	MaxDialRatio float64 `json:"max_dial_ratio,omitempty"`
	// AbandonTarget is the abandonment the controller aims below (default
	// 0.02: under the rules' 0.03).
	AbandonTarget float64 `json:"abandon_target,omitempty"`
	// AbandonMessage is spoken to a callee who answers when no bot slot is
	// free (identity and opt-out; no marketing). Default: built from the
	// seller and the caller ID.
	AbandonMessage string `json:"abandon_message,omitempty"`
	// Agents is the number of human agents who take this campaign's transfers
	// (0: transfers are not paced). AgentsURL, when set, is polled (HTTP GET,
	// JSON {"available": N}) for the agents free now and wins over Agents.
	Agents    int    `json:"agents,omitempty"`
	AgentsURL string `json:"agents_url,omitempty"`
	// AgentHandle is the agent handle time assumed until measured, and how long
	// a transfer that left our dialog (REFER) holds its agent (default 3m).
	AgentHandle Duration `json:"agent_handle,omitempty"`
	// TransferTarget is the abandoned-transfer rate aimed below (default 0.02).
	TransferTarget float64 `json:"transfer_target,omitempty"`
}

// Compile checks the options and fills defaults.
func (o *PaceOptions) Compile() error {
	if o.MaxDialRatio == 0 {
		o.MaxDialRatio = DefaultMaxDialRatio
	}
	if o.AbandonTarget == 0 {
		o.AbandonTarget = DefaultAbandonTarget
	}
	if o.TransferTarget == 0 {
		o.TransferTarget = DefaultTransferTarget
	}
	if o.AgentHandle == 0 {
		o.AgentHandle = Duration(DefaultAgentHandle)
	}
	switch {
	case o.MaxDialRatio < 1 || o.MaxDialRatio > 20:
		return fmt.Errorf("max dial ratio %g: want 1 to 20", o.MaxDialRatio)
	case o.AbandonTarget <= 0 || o.AbandonTarget > AbandonLimit:
		return fmt.Errorf("abandon target %g: want a fraction above 0 and at most %g", o.AbandonTarget, AbandonLimit)
	case o.TransferTarget <= 0 || o.TransferTarget > AbandonLimit:
		return fmt.Errorf("transfer target %g: want a fraction above 0 and at most %g", o.TransferTarget, AbandonLimit)
	case o.Agents < 0:
		return fmt.Errorf("agents %d: must not be negative", o.Agents)
	case o.AgentHandle < 0:
		return fmt.Errorf("agent handle time %s: must not be negative", time.Duration(o.AgentHandle))
	}
	if o.AgentsURL != "" {
		u, err := url.Parse(o.AgentsURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("agents url %q: want an http(s) URL", o.AgentsURL)
		}
	}
	return nil
}

// checkPacing checks a pacing mode ("" is the default, one_to_one).
func checkPacing(mode string) error {
	switch mode {
	case "", PacingOneToOne, PacingPredictive:
		return nil
	}
	return fmt.Errorf("pacing %q: want %s or %s", mode, PacingOneToOne, PacingPredictive)
}

// PacesTransfers reports whether the campaign's transfers are paced against agents.
func (o *PaceOptions) PacesTransfers() bool { return o.Agents > 0 || o.AgentsURL != "" }

// ParsePaceOptions reads the stored JSON ("" or {} for the defaults).
func ParsePaceOptions(raw json.RawMessage) (PaceOptions, error) {
	var o PaceOptions
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &o); err != nil {
			return o, fmt.Errorf("pace options: %w", err)
		}
	}
	return o, o.Compile()
}

// PaceSample counts what a campaign's calls did; a window of them feeds the
// controller. Durations are sums in milliseconds, so samples add up.
type PaceSample struct {
	Dialled   int64 `json:"dialled"`  // legs that reached a final answer (answered or not)
	Answered  int64 `json:"answered"` // live answers (abandoned ones included)
	RingMS    int64 `json:"ring_ms"`  // INVITE → final answer, summed over Dialled
	Finished  int64 `json:"finished"` // answered calls the bot finished (transfer-rate denominator)
	Transfers int64 `json:"transfers"`
	// PreTransferMS sums answer → transfer over Transfers.
	PreTransferMS int64 `json:"pre_transfer_ms"`
	AgentCalls    int64 `json:"agent_calls"` // agent holds that ended
	AgentMS       int64 `json:"agent_ms"`    // their lengths, summed
	BotCalls      int64 `json:"bot_calls"`   // answered calls that held a bot slot and ended
	BotMS         int64 `json:"bot_ms"`      // their answer → end, summed
}

// Add adds o to s.
func (s *PaceSample) Add(o PaceSample) {
	s.Dialled += o.Dialled
	s.Answered += o.Answered
	s.RingMS += o.RingMS
	s.Finished += o.Finished
	s.Transfers += o.Transfers
	s.PreTransferMS += o.PreTransferMS
	s.AgentCalls += o.AgentCalls
	s.AgentMS += o.AgentMS
	s.BotCalls += o.BotCalls
	s.BotMS += o.BotMS
}

// paceFields names PaceSample's counters (Redis hash fields).
var paceFields = []string{"dialled", "answered", "ring_ms", "finished", "transfers", "pre_transfer_ms", "agent_calls", "agent_ms", "bot_calls", "bot_ms"}

func (s *PaceSample) fields() []*int64 {
	return []*int64{&s.Dialled, &s.Answered, &s.RingMS, &s.Finished, &s.Transfers, &s.PreTransferMS, &s.AgentCalls, &s.AgentMS, &s.BotCalls, &s.BotMS}
}

// Sliding window of PaceSamples: paceBuckets buckets of paceBucket each.
const (
	paceBucket  = 10 * time.Second
	paceBuckets = 30 // 5 minutes: recent enough to follow a list's answer rate, long enough to count
)

func bucketOf(t time.Time) int64 { return t.UnixMilli() / paceBucket.Milliseconds() }

// localWindow is one campaign's sliding window in process.
type localWindow struct {
	b map[int64]*PaceSample
}

func (w *localWindow) add(now time.Time, s PaceSample) {
	k := bucketOf(now)
	b := w.b[k]
	if b == nil {
		b = &PaceSample{}
		w.b[k] = b
		for old := range w.b {
			if old <= k-paceBuckets {
				delete(w.b, old)
			}
		}
	}
	b.Add(s)
}

func (w *localWindow) sum(now time.Time) PaceSample {
	k := bucketOf(now)
	var s PaceSample
	for i, b := range w.b {
		if i > k-paceBuckets && i <= k {
			s.Add(*b)
		}
	}
	return s
}

// LocalPaceState keeps the campaigns' windows, agents and expectations in
// process (a single node).
type LocalPaceState struct {
	now func() time.Time

	mu     sync.Mutex
	w      map[string]*localWindow
	expect map[string]map[string]expectation
	agents map[string]*localAgents
}

// NewLocalPaceState returns an empty in-process state; now defaults to time.Now.
func NewLocalPaceState(now func() time.Time) *LocalPaceState {
	if now == nil {
		now = time.Now
	}
	return &LocalPaceState{now: now, w: map[string]*localWindow{}, expect: map[string]map[string]expectation{},
		agents: map[string]*localAgents{}}
}

func (l *LocalPaceState) clock() time.Time { return l.now() }

func (l *LocalPaceState) window(campaign string) *localWindow {
	w := l.w[campaign]
	if w == nil {
		w = &localWindow{b: map[int64]*PaceSample{}}
		l.w[campaign] = w
	}
	return w
}

// Estimates is what the controller reads from a window.
type Estimates struct {
	Samples      int64         // legs in the window
	AnswerRate   float64       // posterior mean (prior: every leg answers)
	AnswerRateHi float64       // its upper bound (z = 1.28, about 90 %)
	Ring         time.Duration // mean ring time (0 when nothing was dialled)
	TransferRate float64       // transfers per finished answered call (prior: every call transfers)
	TransferHi   float64
	PreTransfer  time.Duration // mean answer → transfer (0 when unknown)
	Handle       time.Duration // mean agent handle time (the configured one until measured)
	Hold         time.Duration // mean bot hold of an answered call (0 until 5 have ended)
}

// priorWeight is how many legs the 1:1 prior is worth: a campaign starts
// with no overdial and moves to its measured rate as legs come in.
const priorWeight = 10

// Estimate turns a window into estimates. handle is the configured handle time.
func Estimate(s PaceSample, handle time.Duration) Estimates {
	e := Estimates{Samples: s.Dialled}
	e.AnswerRate, e.AnswerRateHi = posterior(s.Answered, s.Dialled)
	if s.Dialled > 0 {
		e.Ring = time.Duration(s.RingMS/s.Dialled) * time.Millisecond
	}
	e.TransferRate, e.TransferHi = posterior(s.Transfers, max(s.Finished, s.Transfers))
	if s.Transfers > 0 {
		e.PreTransfer = time.Duration(s.PreTransferMS/s.Transfers) * time.Millisecond
	}
	if s.BotCalls >= 5 {
		e.Hold = time.Duration(s.BotMS/s.BotCalls) * time.Millisecond
	}
	e.Handle = handle
	if s.AgentCalls >= 5 {
		e.Handle = time.Duration(s.AgentMS/s.AgentCalls) * time.Millisecond
	}
	return e
}

// posterior is the mean and ~90 % upper bound of a rate with the prior "always"
// worth priorWeight observations.
func posterior(hits, n int64) (mean, hi float64) {
	if hits > n {
		hits = n
	}
	total := float64(n + priorWeight)
	mean = float64(hits+priorWeight) / total
	hi = math.Min(1, mean+1.28*math.Sqrt(mean*(1-mean)/total))
	return mean, hi
}

// AbandonStats count a campaign's live answers and abandoned calls (or
// transfers asked for and transfers abandoned) over one window.
type AbandonStats struct {
	Live, Abandoned int64
}

// Rate is Abandoned/Live (0 with no live answers).
func (s AbandonStats) Rate() float64 {
	if s.Live == 0 {
		return 0
	}
	return float64(s.Abandoned) / float64(s.Live)
}

// Allowance is the feedback term: the share of answers the controller may
// risk abandoning now, given the measured rates over the rules' windows (24 h
// and 30 days). It is target while every window is at most half the target,
// falls linearly to 0 as a window reaches target, and is 0 while any window
// has no budget left for one more abandoned call (so a young campaign, with
// few answers, dials 1:1 until it has earned room: a single abandoned call in
// 20 answers would already break 3 %).
func Allowance(target float64, windows ...AbandonStats) float64 {
	a := target
	for _, w := range windows {
		// One more abandoned call must leave the window within the target and
		// strictly under the rules' limit (the gate blocks at 3 %, not above it).
		if target*float64(w.Live)-float64(w.Abandoned) < 1 || AbandonLimit*float64(w.Live)-float64(w.Abandoned+1) <= 0 {
			return 0
		}
		a = math.Min(a, target*math.Max(0, math.Min(1, (target-w.Rate())/(target/2))))
	}
	return a
}

// RiskBudget is how many more calls the campaign may abandon and stay within target in
// every window: min over the windows of ⌊target·live − abandoned⌋, never below 0. Legs
// dialled beyond the free bot slots are capped by it (Decide), so the measured
// abandonment stays at the target (2 % by default, under the rules' 3 %) whatever the
// callees do. The budget grows with the live answers of the last 24 hours: a young
// campaign overdials little, a busy one freely.
func RiskBudget(target float64, windows ...AbandonStats) int {
	b := math.MaxInt
	for _, w := range windows {
		b = min(b, int(math.Floor(target*float64(w.Live)-float64(w.Abandoned)+1e-9)))
	}
	return max(b, 0)
}

// ExpectedExcess is E[max(0, X−b)] for X ~ Binomial(n, p): the answers that
// would find no free bot slot if n legs ring and b slots are free.
func ExpectedExcess(n, b int, p float64) float64 {
	if n <= b || p <= 0 {
		return 0
	}
	if b <= 0 {
		return float64(n) * p
	}
	if p >= 1 {
		return float64(n - b)
	}
	// E[(X−b)+] = E[X] − b + E[(b−X)+]; the last term sums the pmf below b.
	lq, lp := math.Log1p(-p), math.Log(p)
	logPMF := float64(n) * lq // k = 0
	below := 0.0
	for k := 0; k < b && k <= n; k++ {
		below += float64(b-k) * math.Exp(logPMF)
		// pmf(k+1) = pmf(k) · (n−k)/(k+1) · p/q
		logPMF += math.Log(float64(n-k)) - math.Log(float64(k+1)) + lp - lq
	}
	return math.Max(0, float64(n)*p-float64(b)+below)
}

// ExcessWithFrees is E[max(0, X−Y−b)] for X ~ Bin(n, p) answers and Y ~
// Bin(busy, q) bot slots that free up before they come: exact for small
// pools, a normal approximation for large ones.
func ExcessWithFrees(n, b int, p float64, busy int, q float64) float64 {
	if busy <= 0 || q <= 0 {
		return ExpectedExcess(n, b, p)
	}
	if n*busy > 200_000 {
		mu := float64(n)*p - float64(busy)*q - float64(b)
		sd := math.Sqrt(float64(n)*p*(1-p) + float64(busy)*q*(1-q))
		if sd == 0 {
			return math.Max(0, mu)
		}
		d := mu / sd
		return sd*math.Exp(-d*d/2)/math.Sqrt(2*math.Pi) + mu*0.5*math.Erfc(-d/math.Sqrt2)
	}
	px, py := binomPMF(n, p), binomPMF(busy, q)
	e := 0.0
	for y, fy := range py {
		if fy < 1e-12 {
			continue
		}
		for x := b + y + 1; x <= n; x++ {
			e += float64(x-b-y) * px[x] * fy
		}
	}
	return e
}

func binomPMF(n int, p float64) []float64 {
	out := make([]float64, n+1)
	switch {
	case p <= 0:
		out[0] = 1
		return out
	case p >= 1:
		out[n] = 1
		return out
	}
	lq, lp := math.Log1p(-p), math.Log(p)
	l := float64(n) * lq
	for k := 0; k <= n; k++ {
		out[k] = math.Exp(l)
		if k < n {
			l += math.Log(float64(n-k)) - math.Log(float64(k+1)) + lp - lq
		}
	}
	return out
}

// DialInput is one pacing decision of a campaign on a node.
type DialInput struct {
	FreeBots int // bot slots free for this campaign's answers
	// BusyBots are the answered calls holding bot slots now: some free up
	// while new legs ring (the measured ring time over the measured hold,
	// halved to stay on the safe side).
	BusyBots int
	InFlight int // this campaign's legs leased or ringing, not answered yet
	Room     int // legs the campaign may still add (campaign max, node limits)
	Est      Estimates
	// Predictive: dial ahead of FreeBots; otherwise 1:1 (one leg per free slot).
	Predictive bool
	MaxRatio   float64
	Allowance  float64 // Allowance of the campaign's abandonment
	// RiskBudget is this node's share of the abandoned calls the campaign may still
	// afford (RiskBudget), and a hard cap on the legs in flight beyond FreeBots: even if
	// every one of them is answered with no slot free, abandonment stays at the target.
	// The expected-excess model keeps the mean under the target, but no answer-rate model
	// survives what a real dialer sees: legs that fail fast (busy, invalid) drop out of
	// the ringing pool, so the legs still ringing answer far more often than the average.
	RiskBudget int
	// Agents, when non-nil, bounds dials by agent capacity for transfers.
	Agents *AgentInput
}

// AgentInput is the transfer side of a decision.
type AgentInput struct {
	Free      float64 // agents free now, minus what other nodes expect to use
	Busy      int
	Answered  int     // this node's answered calls of the campaign not transferred yet
	Allowance float64 // Allowance of the abandoned-transfer rate
}

// DialDecision says how many legs to start now and why.
type DialDecision struct {
	Legs  int     // new legs to start now
	Ratio float64 // legs in flight per free bot slot after this decision (1 for 1:1)
	// Limit names what bound Legs: bots, ratio, abandonment, agents, campaign.
	Limit string
	// ExpectedTransfers are the transfers this node's calls and legs are
	// expected to ask for (published for the other nodes).
	ExpectedTransfers float64
}

// Decide is the controller. 1:1: one leg per free bot slot. Predictive: the
// most legs L in flight (at most MaxRatio per free slot) whose expected
// answers without a free slot, E[(X−FreeBots)+] with X ~ Bin(L, p̂hi), stay
// within Allowance of the expected answers L·p̂. With agents, the expected
// transfers of answered and ringing calls, plus a margin, must fit the agents
// free by the time they transfer.
func Decide(in DialInput) DialDecision {
	free := max(in.FreeBots, 0)
	target, limit := free, "bots"
	if in.Predictive && in.Allowance > 0 && free > 0 && in.RiskBudget > 0 {
		ratioCap := int(math.Floor(in.MaxRatio * float64(free)))
		hi := min(ratioCap, free+in.RiskBudget)
		q := 0.0
		if in.Est.Hold > 0 {
			q = 0.5 * math.Min(1, in.Est.Ring.Seconds()/in.Est.Hold.Seconds())
		}
		ok := func(l int) bool {
			return ExcessWithFrees(l, free, in.Est.AnswerRateHi, in.BusyBots, q) <= in.Allowance*float64(l)*in.Est.AnswerRate
		}
		// The excess share grows with L: binary search for the largest L that fits.
		lo := free
		for lo < hi {
			mid := (lo + hi + 1) / 2
			if ok(mid) {
				lo = mid
			} else {
				hi = mid - 1
			}
		}
		target = lo
		if target > free {
			switch {
			case target == ratioCap:
				limit = "ratio"
			case target == free+in.RiskBudget:
				limit = "abandon_budget"
			default:
				limit = "abandonment"
			}
		}
	}
	legs := target - in.InFlight
	if legs > in.Room {
		legs, limit = in.Room, "campaign"
	}
	d := DialDecision{Legs: max(legs, 0), Limit: limit, Ratio: 1}
	if in.Agents != nil {
		n, exp := agentRoom(in, d.Legs)
		if n < d.Legs {
			d.Legs, d.Limit = n, "agents"
		}
		d.ExpectedTransfers = exp
	}
	if free > 0 {
		d.Ratio = float64(in.InFlight+d.Legs) / float64(free)
	}
	return d
}

// agentRoom is how many of want new legs the agents can take, and the
// transfers expected with them. Each pending call (answered, or ringing and
// answered with p̂) transfers with τ̂hi; the agents free at transfer time are
// those free now plus, when the allowance is not 0, the busy ones expected to
// finish before then (pre-transfer time over handle time). With no allowance
// the bound is strict: every ringing leg counts as a transfer and no agent is
// expected to free up, so nothing is abandoned.
func agentRoom(in DialInput, want int) (int, float64) {
	a := in.Agents
	e := in.Est
	expect := func(legs int) (mean, variance float64) {
		for _, q := range []struct {
			n int
			p float64
		}{{a.Answered, e.TransferHi}, {in.InFlight + legs, e.AnswerRate * e.TransferHi}} {
			mean += float64(q.n) * q.p
			variance += float64(q.n) * q.p * (1 - q.p)
		}
		return mean, variance
	}
	mean0, _ := expect(0)
	if a.Allowance <= 0 {
		n := int(math.Floor(a.Free)) - a.Answered - in.InFlight
		return min(max(n, 0), want), mean0
	}
	capacity := a.Free
	if e.Handle > 0 {
		lead := e.Ring + e.PreTransfer
		capacity += float64(a.Busy) * math.Min(1, lead.Seconds()/e.Handle.Seconds())
	}
	// A smaller allowance asks for a wider margin: z from 1 (allowance = target
	// 2 %) up as it shrinks.
	z := 1 + 2*math.Max(0, 1-a.Allowance/DefaultTransferTarget)
	n := 0
	for n < want {
		m, v := expect(n + 1)
		if m+z*math.Sqrt(v) > capacity {
			break
		}
		n++
	}
	m, _ := expect(n)
	return n, m
}
