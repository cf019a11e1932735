package campaign

import (
	"context"
	"math"
	"testing"
	"time"
)

// binomExcess is E[(X−b)+] by brute force, to check ExpectedExcess.
func binomExcess(n, b int, p float64) float64 {
	e := 0.0
	for k := 0; k <= n; k++ {
		c := math.Exp(lgamma(n+1) - lgamma(k+1) - lgamma(n-k+1))
		if k > b {
			e += float64(k-b) * c * math.Pow(p, float64(k)) * math.Pow(1-p, float64(n-k))
		}
	}
	return e
}

func lgamma(x int) float64 { v, _ := math.Lgamma(float64(x)); return v }

func TestExpectedExcess(t *testing.T) {
	for _, tc := range []struct {
		n, b int
		p    float64
	}{{10, 4, 0.4}, {25, 10, 0.4}, {3, 3, 0.9}, {8, 0, 0.5}, {40, 12, 0.25}, {100, 50, 0.55}, {6, 2, 1}, {6, 2, 0}} {
		got, want := ExpectedExcess(tc.n, tc.b, tc.p), binomExcess(tc.n, tc.b, tc.p)
		if math.Abs(got-want) > 1e-9 {
			t.Errorf("ExpectedExcess(%d, %d, %g) = %g, want %g", tc.n, tc.b, tc.p, got, want)
		}
		// Slots that free up while the legs ring only lower the excess; none change nothing.
		if w := ExcessWithFrees(tc.n, tc.b, tc.p, 0, 0.3); math.Abs(w-want) > 1e-9 {
			t.Errorf("ExcessWithFrees without busy slots = %g, want %g", w, want)
		}
		if w := ExcessWithFrees(tc.n, tc.b, tc.p, 5, 0.3); w > want+1e-9 || (want > 0.01 && tc.p < 1 && tc.p > 0 && w >= want) {
			t.Errorf("ExcessWithFrees with 5 busy slots = %g, not below %g", w, want)
		}
	}
}

func TestEstimate(t *testing.T) {
	for _, tc := range []struct {
		name         string
		s            PaceSample
		rate, hiOver float64 // want AnswerRate ≈ rate, AnswerRateHi ≥ hiOver
		ring         time.Duration
		handle       time.Duration
	}{
		{"no samples: the 1:1 prior", PaceSample{}, 1, 1, 0, 3 * time.Minute},
		{"few samples stay near 1", PaceSample{Dialled: 5, Answered: 2, RingMS: 5000}, 12.0 / 15, 0.8, time.Second, 3 * time.Minute},
		{"many samples: the measured rate", PaceSample{Dialled: 990, Answered: 390, RingMS: 990 * 4000}, 0.4, 0.4, 4 * time.Second, 3 * time.Minute},
		{"measured handle time after 5 holds", PaceSample{AgentCalls: 5, AgentMS: 50000}, 1, 1, 0, 10 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := Estimate(tc.s, 3*time.Minute)
			if math.Abs(e.AnswerRate-tc.rate) > 1e-9 || e.AnswerRateHi < tc.hiOver || e.AnswerRateHi > 1 || e.AnswerRateHi < e.AnswerRate {
				t.Errorf("rate %g hi %g, want %g and hi ≥ %g", e.AnswerRate, e.AnswerRateHi, tc.rate, tc.hiOver)
			}
			if e.Ring != tc.ring || e.Handle != tc.handle {
				t.Errorf("ring %s handle %s, want %s %s", e.Ring, e.Handle, tc.ring, tc.handle)
			}
		})
	}
}

func TestAllowance(t *testing.T) {
	for _, tc := range []struct {
		name    string
		windows []AbandonStats
		want    float64
	}{
		{"young campaign: no budget for one abandoned call yet", []AbandonStats{{Live: 40}, {Live: 40}}, 0},
		{"budget for one: full target", []AbandonStats{{Live: 50}, {Live: 50}}, 0.02},
		{"at half the target: full", []AbandonStats{{Live: 1000, Abandoned: 10}, {Live: 5000, Abandoned: 10}}, 0.02},
		{"24 h window at 1.5 %: half", []AbandonStats{{Live: 1000, Abandoned: 15}, {Live: 5000, Abandoned: 20}}, 0.01},
		{"30 d window at the target: none", []AbandonStats{{Live: 1000}, {Live: 5000, Abandoned: 100}}, 0},
		{"over the limit: none", []AbandonStats{{Live: 1000, Abandoned: 40}, {Live: 5000, Abandoned: 40}}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Allowance(0.02, tc.windows...); math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("Allowance = %g, want %g", got, tc.want)
			}
		})
	}
	// A target at the limit never risks reaching it: the gate blocks at 3 %.
	if a := Allowance(0.03, AbandonStats{Live: 100, Abandoned: 2}); a != 0 {
		t.Errorf("target 3 %%, 2 of 100 abandoned: allowance %g, want 0", a)
	}
	if a := Allowance(0.03, AbandonStats{Live: 100, Abandoned: 1}); a <= 0 {
		t.Errorf("target 3 %%, 1 of 100 abandoned: allowance %g, want some", a)
	}
}

func TestDecide(t *testing.T) {
	measured := Estimate(PaceSample{Dialled: 1990, Answered: 792, RingMS: 1990 * 3000}, 3*time.Minute) // 40 %
	for _, tc := range []struct {
		name           string
		in             DialInput
		minLegs, legs  int // legs in [minLegs, legs]
		limit          string
		maxExcessShare float64 // E[(X−free)+] / E[X] of the legs in flight after the decision
	}{
		{"1:1: one leg per free slot", DialInput{FreeBots: 8, InFlight: 3, Room: 100, Est: measured, MaxRatio: 3, Allowance: 0.02, RiskBudget: 1000}, 5, 5, "bots", 0},
		{"predictive with the prior: no overdial", DialInput{FreeBots: 8, Room: 100, Est: Estimate(PaceSample{}, 0), Predictive: true, MaxRatio: 3, Allowance: 0.02, RiskBudget: 1000}, 8, 8, "bots", 0},
		{"predictive without allowance: 1:1", DialInput{FreeBots: 8, Room: 100, Est: measured, Predictive: true, MaxRatio: 3, Allowance: 0}, 8, 8, "bots", 0},
		{"predictive at 40 %: dial ahead within the allowance", DialInput{FreeBots: 20, Room: 100, Est: measured, Predictive: true, MaxRatio: 3, Allowance: 0.02, RiskBudget: 1000}, 30, 45, "abandonment", 0.02},
		{"predictive, legs already ringing", DialInput{FreeBots: 20, InFlight: 30, Room: 100, Est: measured, Predictive: true, MaxRatio: 3, Allowance: 0.02, RiskBudget: 1000}, 0, 15, "abandonment", 0.02},
		{"the ratio caps a generous allowance", DialInput{FreeBots: 4, Room: 100, Est: Estimate(PaceSample{Dialled: 5000, Answered: 250}, 0), Predictive: true, MaxRatio: 2, Allowance: 0.02, RiskBudget: 1000}, 8, 8, "ratio", 0.02},
		{"campaign room", DialInput{FreeBots: 20, Room: 3, Est: measured, Predictive: true, MaxRatio: 3, Allowance: 0.02, RiskBudget: 1000}, 3, 3, "campaign", 1},
		{"the abandonment budget caps the legs beyond the free slots", DialInput{FreeBots: 20, Room: 100, Est: measured, Predictive: true, MaxRatio: 3, Allowance: 0.02, RiskBudget: 3}, 23, 23, "abandon_budget", 0.02},
		{"legs already ringing beyond the free slots use the budget", DialInput{FreeBots: 20, InFlight: 22, Room: 100, Est: measured, Predictive: true, MaxRatio: 3, Allowance: 0.02, RiskBudget: 3}, 1, 1, "abandon_budget", 0.02},
		{"no budget left: 1:1", DialInput{FreeBots: 8, Room: 100, Est: measured, Predictive: true, MaxRatio: 3, Allowance: 0.02}, 8, 8, "bots", 0},
		{"no free slot: nothing", DialInput{FreeBots: 0, Room: 100, Est: measured, Predictive: true, MaxRatio: 3, Allowance: 0.02, RiskBudget: 1000}, 0, 0, "bots", 0},
		{"agents, strict: every pending call counts", DialInput{FreeBots: 20, Room: 100, Est: measured, Predictive: true, MaxRatio: 3, Allowance: 0.02, RiskBudget: 1000,
			Agents: &AgentInput{Free: 3, Busy: 2, Answered: 1, Allowance: 0}}, 2, 2, "agents", 1},
		{"agents with allowance: expected transfers fit", DialInput{FreeBots: 20, Room: 100, Est: measured, Predictive: true, MaxRatio: 3, Allowance: 0.02, RiskBudget: 1000,
			Agents: &AgentInput{Free: 3, Busy: 0, Answered: 0, Allowance: 0.02}}, 3, 6, "agents", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(tc.in)
			if d.Legs < tc.minLegs || d.Legs > tc.legs || d.Limit != tc.limit {
				t.Fatalf("Decide = %+v, want %d..%d legs limited by %s", d, tc.minLegs, tc.legs, tc.limit)
			}
			l := tc.in.InFlight + d.Legs
			if tc.in.Predictive && l > 0 && tc.maxExcessShare < 1 {
				share := ExpectedExcess(l, tc.in.FreeBots, tc.in.Est.AnswerRateHi) / (float64(l) * tc.in.Est.AnswerRate)
				if share > tc.maxExcessShare+1e-9 {
					t.Fatalf("%d legs on %d slots: expected abandonment %.4f > %g", l, tc.in.FreeBots, share, tc.maxExcessShare)
				}
			}
		})
	}
}

// TestPaceState is the conformance test of the shared pacing state.
func TestPaceState(t *testing.T) {
	impls := map[string]func(t *testing.T) PaceState{
		"local": func(t *testing.T) PaceState { return NewLocalPaceState(nil) },
		"redis": func(t *testing.T) PaceState {
			rdb, prefix := testRedis(t)
			return NewRedisPaceState(rdb, prefix)
		},
	}
	for name, newState := range impls {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			st := newState(t)
			for i := 0; i < 3; i++ {
				if err := st.Record(ctx, "7", PaceSample{Dialled: 2, Answered: 1, RingMS: 3000}); err != nil {
					t.Fatal(err)
				}
			}
			if err := st.Record(ctx, "8", PaceSample{Dialled: 1}); err != nil {
				t.Fatal(err)
			}
			w, err := st.Window(ctx, "7")
			if err != nil || w != (PaceSample{Dialled: 6, Answered: 3, RingMS: 9000}) {
				t.Fatalf("window %+v %v", w, err)
			}
			// Agents: a fixed pool of 2.
			pool := AgentPool{Campaign: "7", Capacity: 2}
			var rel []func()
			for i := 0; i < 2; i++ {
				f, ok, err := st.AgentTry(ctx, pool)
				if err != nil || !ok {
					t.Fatalf("agent %d: %v %v", i, ok, err)
				}
				rel = append(rel, f)
			}
			if _, ok, _ := st.AgentTry(ctx, pool); ok {
				t.Fatal("a third agent of 2")
			}
			if busy, free, err := st.AgentStats(ctx, pool); busy != 2 || free != 0 || err != nil {
				t.Fatalf("stats %d busy %d free %v", busy, free, err)
			}
			rel[0]()
			if _, ok, _ := st.AgentTry(ctx, pool); !ok {
				t.Fatal("a released agent is not free again")
			}
			// Polled: 1 available at the poll, and a grant since then uses it.
			polled := AgentPool{Campaign: "9", Polled: true, Available: 1, PolledAt: time.Now().Add(-time.Second)}
			if _, ok, _ := st.AgentTry(ctx, polled); !ok {
				t.Fatal("the polled free agent")
			}
			if _, ok, _ := st.AgentTry(ctx, polled); ok {
				t.Fatal("two grants on one polled agent")
			}
			// Expectations: each node sees the others'.
			if o, err := st.Expect(ctx, "7", "a", 1.5); err != nil || o != 0 {
				t.Fatalf("expect a: %g %v", o, err)
			}
			if o, err := st.Expect(ctx, "7", "b", 0.25); err != nil || math.Abs(o-1.5) > 1e-6 {
				t.Fatalf("expect b: %g %v", o, err)
			}
		})
	}
}

// TestLocalWindowSlides: samples leave the window after it has passed (injected clock).
func TestLocalWindowSlides(t *testing.T) {
	now := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	st := NewLocalPaceState(func() time.Time { return now })
	ctx := context.Background()
	for _, step := range []struct {
		advance time.Duration
		record  int64
		want    int64
	}{
		{0, 4, 4},
		{2 * time.Minute, 1, 5},
		{3*time.Minute + paceBucket, 0, 1}, // the first is 5 min + one bucket old
		{3 * time.Minute, 0, 0},
	} {
		now = now.Add(step.advance)
		if step.record > 0 {
			_ = st.Record(ctx, "c", PaceSample{Dialled: step.record})
		}
		if w, _ := st.Window(ctx, "c"); w.Dialled != step.want {
			t.Fatalf("at +%s: %d dialled in the window, want %d", step.advance, w.Dialled, step.want)
		}
	}
}

func TestRiskBudget(t *testing.T) {
	for _, tc := range []struct {
		name    string
		windows []AbandonStats
		want    int
	}{
		{"young campaign: under 50 live answers, nothing to risk", []AbandonStats{{Live: 49}, {Live: 49}}, 0},
		{"50 live answers: one call", []AbandonStats{{Live: 50}, {Live: 50}}, 1},
		{"used up", []AbandonStats{{Live: 99, Abandoned: 1}, {Live: 99, Abandoned: 1}}, 0},
		{"the tighter window decides", []AbandonStats{{Live: 1000, Abandoned: 5}, {Live: 5000, Abandoned: 95}}, 5},
		{"over the target: never negative", []AbandonStats{{Live: 100, Abandoned: 9}}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := RiskBudget(0.02, tc.windows...); got != tc.want {
				t.Fatalf("RiskBudget = %d, want %d", got, tc.want)
			}
		})
	}
}
