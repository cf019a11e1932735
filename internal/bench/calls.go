package bench

import (
	"context"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/sim"
)

// callsProfile answers every call at once and stays silent until our BYE.
const callsProfile = `
defaults:
  max_duration: 10m
behaviours:
  answer: {kind: person, turns: [{silence: 1ms}], after_turns: wait}
mix:
  - {behaviour: answer, weight: 1}
`

// CallsOptions are `voxdial bench calls`' flags.
type CallsOptions struct {
	Calls       int
	Concurrency int
	// ConcurrencySet: Concurrency was asked for; with CPS, a rate it cannot carry is
	// refused instead of Concurrency being sized from the rate and the hold.
	ConcurrencySet bool
	CPS            float64 // new calls per second at most; 0: as fast as the concurrency allows
	Hold           time.Duration
	Trunk          string // SIP URI of the far end; "": an in-process simulator
	RTPPorts       media.PortRange
}

// CallsReport is `voxdial bench calls --json`.
type CallsReport struct {
	Common
	Calls       int     `json:"calls"`
	Concurrency int     `json:"concurrency"`
	CPSLimit    float64 `json:"cps_limit"`
	// CPSAchieved is the rate the calls were placed at (first to last INVITE), with a
	// CPS limit only.
	CPSAchieved *float64 `json:"cps_achieved,omitempty"`
	HoldS       float64  `json:"hold_s"`
	// CallsPerSecond are answered setups per second while dialling: first INVITE to last
	// answer (DiallingS); the whole run's rate is Calls / DurationS.
	CallsPerSecond      float64        `json:"calls_per_second"`
	DiallingS           float64        `json:"dialling_s"`
	Failed              int64          `json:"failed"`
	LocalErrors         int64          `json:"local_errors"`
	Outcomes            map[string]int `json:"outcomes"`
	PeakConcurrentCalls int64          `json:"peak_concurrent_calls"`
	SetupMS             Percentiles    `json:"setup_ms"`
	PacketsSent         uint64         `json:"packets_sent"`
	PacketsReceived     uint64         `json:"packets_received"`
	FirstError          string         `json:"first_error,omitempty"`
	ClockLatenessMS     Lateness       `json:"clock_lateness_ms"`
}

// Failure is the run's verdict: an error when any call failed.
func (r *CallsReport) Failure() error {
	if r.Failed > 0 {
		return fmt.Errorf("bench calls: %d of %d calls failed", r.Failed, r.Calls)
	}
	return nil
}

// SetupAllowance is the time a call holds its slot beyond the hold: INVITE to answer
// and BYE to 200 on loopback, with room for a loaded machine.
const SetupAllowance = 100 * time.Millisecond

// InFlightFor is how many calls must be in flight to place cps calls per second when each
// holds its slot for hold plus setup (Little's law), with 10 % headroom.
func InFlightFor(cps float64, hold time.Duration) int {
	return int(math.Ceil(cps * (hold + SetupAllowance).Seconds() * 1.1))
}

// Calls places o.Calls calls, at most o.Concurrency at a time, each held o.Hold after
// answer with RTP flowing both ways, and measures setup rate, failures and CPU. The
// report comes back even when calls failed (see Failure).
func Calls(ctx context.Context, o CallsOptions, progress io.Writer) (*CallsReport, error) {
	say := progressTo(progress)
	if o.Calls <= 0 || o.Concurrency <= 0 || o.Hold < 0 {
		return nil, usage("bench calls: --calls and --concurrency must be positive, --hold not negative")
	}
	if o.CPS > 0 {
		need := InFlightFor(o.CPS, o.Hold)
		switch {
		case !o.ConcurrencySet:
			o.Concurrency = max(need, 1)
		case o.Concurrency < need:
			return nil, usage("bench calls: --cps %g with --hold %s needs about %d calls in flight; --concurrency %d carries at most %.0f calls/s (raise --concurrency to %d, or lower --cps or --hold)",
				o.CPS, o.Hold, need, o.Concurrency, float64(o.Concurrency)/(o.Hold.Seconds()+SetupAllowance.Seconds()), need)
		}
	}
	target := o.Trunk
	if target == "" {
		prof, err := sim.ParseProfile(strings.NewReader(callsProfile), "bench-profile")
		if err != nil {
			return nil, err
		}
		far, err := sim.New(sim.Options{Profile: prof, MaxRecords: 1})
		if err != nil {
			return nil, err
		}
		if err := far.Start(ctx); err != nil {
			return nil, err
		}
		defer far.Close()
		target = "sip:" + far.Addr().String()
	}
	trunk, err := dialer.ParseTrunk(target)
	if err != nil {
		return nil, usage("--trunk: %v", err)
	}
	plane, ua, closeUA, err := startDialer(ctx, o.RTPPorts)
	if err != nil {
		return nil, err
	}
	defer closeUA()

	say("bench calls: %d calls, %d at a time, held %s, far end %s\n", o.Calls, o.Concurrency, o.Hold, target)
	// A carrier-style CPS limit, paced by deadlines.
	sched := newCallSchedule(o.Calls, o.CPS)
	start := sched.start
	m := startMeter()
	var firstDial, lastDial, lastAnswer atomic.Int64 // ns since start
	var (
		mu                   sync.Mutex
		setups               []time.Duration
		outcomes             = map[string]int{}
		failed, localErr     atomic.Int64
		active, peak         atomic.Int64
		firstErr             atomic.Value
		wg                   sync.WaitGroup
		packetsSent, packets atomic.Uint64
	)
	for range o.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i, ok := sched.take(ctx)
				if !ok {
					return
				}
				if i == 1 {
					firstDial.Store(int64(time.Since(start)))
				}
				storeMax(&lastDial, int64(time.Since(start)))
				to := fmt.Sprintf("+1555%07d", i)
				call, err := ua.Dial(ctx, dialer.DialRequest{Trunk: trunk, To: to, RingTimeout: 10 * time.Second})
				if err != nil {
					localErr.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				if call.Answered() {
					storeMax(&lastAnswer, int64(time.Since(start)))
					storeMax(&peak, active.Add(1))
					select {
					case <-time.After(o.Hold):
					case <-call.Done():
					case <-ctx.Done():
					}
					_ = call.Hangup(context.WithoutCancel(ctx))
					active.Add(-1)
				}
				<-call.Done()
				r := call.Result()
				mu.Lock()
				outcomes[string(r.Outcome)]++
				if r.Outcome == dialer.OutcomeAnswered {
					setups = append(setups, time.Duration(r.Timings.SetupMS)*time.Millisecond)
				}
				mu.Unlock()
				if r.Outcome != dialer.OutcomeAnswered || r.HangupBy != dialer.HangupBot {
					failed.Add(1)
				}
				if r.Media != nil {
					packetsSent.Add(r.Media.PacketsSent)
					packets.Add(r.Media.PacketsReceived)
				}
			}
		}()
	}
	wg.Wait()
	rep := &CallsReport{Common: m.common(), Calls: o.Calls, Concurrency: o.Concurrency, CPSLimit: o.CPS, HoldS: o.Hold.Seconds()}
	answered := outcomes[string(dialer.OutcomeAnswered)]
	// The rate asked for against the rate the calls were placed at (first to last INVITE).
	dialled := int64(o.Calls) - localErr.Load()
	if o.CPS > 0 && dialled > 1 {
		achieved := float64(dialled-1) / time.Duration(lastDial.Load()-firstDial.Load()).Seconds()
		rep.CPSAchieved = &achieved
		say("bench calls: asked %.1f calls/s, placed %.1f calls/s\n", o.CPS, achieved)
		if d := achieved/o.CPS - 1; d > 0.05 || d < -0.05 {
			say("bench calls: WARNING: the achieved rate differs from --cps by %+.0f%%\n", d*100)
		}
	}
	// Setups per second while dialling: first INVITE to last answer (the hold of the
	// last calls is not setup time).
	span := time.Duration(lastAnswer.Load() - firstDial.Load()).Seconds()
	if span <= 0 || answered < 2 {
		span = rep.DurationS
	}
	rep.CallsPerSecond = float64(answered) / span
	rep.DiallingS = span
	rep.Failed = failed.Load() + localErr.Load()
	rep.LocalErrors = localErr.Load()
	rep.Outcomes = outcomes
	rep.PeakConcurrentCalls = peak.Load()
	rep.SetupMS = percentilesMS(setups, 50, 95, 99)
	rep.PacketsSent = packetsSent.Load()
	rep.PacketsReceived = packets.Load()
	if e, ok := firstErr.Load().(string); ok {
		rep.FirstError = e
	}
	rep.ClockLatenessMS = latenessMS(plane.Lateness())
	return rep, nil
}

func latenessMS(l media.Lateness) Lateness {
	return Lateness{P50: ms(l.P50), P99: ms(l.P99), Max: ms(l.Max)}
}

// startDialer runs a dialer on a media plane of its own, so that a bench can read that
// plane's clock lateness. close stops both.
func startDialer(ctx context.Context, ports media.PortRange) (*media.Plane, *dialer.UA, func(), error) {
	plane, err := media.NewPlane(media.PlaneOptions{Ports: ports})
	if err != nil {
		return nil, nil, nil, err
	}
	plane.Start(ctx)
	ua, err := dialer.NewUA(dialer.Options{Plane: plane})
	if err != nil {
		plane.Close()
		return nil, nil, nil, err
	}
	if err := ua.Start(ctx); err != nil {
		plane.Close()
		return nil, nil, nil, err
	}
	return plane, ua, func() { ua.Close(); plane.Close() }, nil
}
