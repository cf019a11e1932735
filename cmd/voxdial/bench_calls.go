package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/sim"
)

// benchProfile answers every call at once and stays silent until our BYE.
const benchProfile = `
defaults:
  max_duration: 10m
behaviours:
  answer: {kind: person, turns: [{silence: 1ms}], after_turns: wait}
mix:
  - {behaviour: answer, weight: 1}
`

type benchCallsFlags struct {
	calls, concurrency int
	concurrencySet     bool // --concurrency given: refuse a rate it cannot carry instead of raising it
	cps                float64
	hold               time.Duration
	trunk, rtpPorts    string
	jsonOut            bool
}

func newBenchCallsCmd() *cobra.Command {
	f := &benchCallsFlags{}
	cmd := &cobra.Command{
		Use:   "calls",
		Short: "Place many calls against the simulator (or a trunk) and measure setup rate and failures",
		Long: `Place --calls calls, at most --concurrency at a time, each held --hold after answer
with RTP flowing both ways, against an in-process simulator (both ends in this
process) or --trunk. Reports calls, calls_per_second (answered setups per second from
the first INVITE to the last answer, dialling_s), failed, peak concurrent calls,
setup latency and CPU (duration_s is the whole run, holds included).

--target and --total are the same as --trunk and --calls. Against SIPp as the far end
(dialer/testdata/sipp/uas_bench.xml answers at once and, run with -rtp_echo, sends
our RTP back):

  sipp -sf dialer/testdata/sipp/uas_bench.xml -i 127.0.0.1 -p 5070 -mp 16000 -rtp_echo -nostdin &
  voxdial bench calls --target sip:127.0.0.1:5070 --cps 300 --total 18000 --hold 2s --concurrency 1000 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f.concurrencySet = cmd.Flags().Changed("concurrency")
			return runBenchCalls(cmd.Context(), f, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&f.calls, "calls", 1000, "calls to place")
	fl.IntVar(&f.concurrency, "concurrency", 200, "calls in flight at once (with --cps and no --concurrency: sized from the rate and the hold)")
	fl.Float64Var(&f.cps, "cps", 0, "new calls per second at most (0: as fast as the concurrency allows)")
	fl.DurationVar(&f.hold, "hold", 2*time.Second, "how long each answered call stays up")
	fl.StringVar(&f.trunk, "trunk", "", "SIP URI of an external far end (default: in-process simulator)")
	fl.StringVar(&f.trunk, "target", "", "same as --trunk")
	fl.IntVar(&f.calls, "total", 1000, "same as --calls")
	fl.StringVar(&f.rtpPorts, "rtp-ports", "", "RTP port range MIN-MAX for the dialer")
	fl.BoolVar(&f.jsonOut, "json", true, "print one JSON object")
	return cmd
}

func runBenchCalls(ctx context.Context, f *benchCallsFlags, stdout, stderr io.Writer) error {
	if f.calls <= 0 || f.concurrency <= 0 || f.hold < 0 {
		return usageErr("bench calls: --calls and --concurrency must be positive, --hold not negative")
	}
	if f.cps > 0 {
		need := inFlightFor(f.cps, f.hold)
		switch {
		case !f.concurrencySet:
			f.concurrency = max(need, 1)
		case f.concurrency < need:
			return usageErr("bench calls: --cps %g with --hold %s needs about %d calls in flight; --concurrency %d carries at most %.0f calls/s (raise --concurrency to %d, or lower --cps or --hold)",
				f.cps, f.hold, need, f.concurrency, float64(f.concurrency)/(f.hold.Seconds()+benchSetupAllowance.Seconds()), need)
		}
	}
	ports, err := parsePortRange(f.rtpPorts)
	if err != nil {
		return usageErr("--rtp-ports: %v", err)
	}
	target := f.trunk
	if target == "" {
		prof, err := sim.ParseProfile(strings.NewReader(benchProfile), "bench-profile")
		if err != nil {
			return failureErr(err)
		}
		far, err := sim.New(sim.Options{Profile: prof, MaxRecords: 1})
		if err != nil {
			return failureErr(err)
		}
		if err := far.Start(ctx); err != nil {
			return failureErr(err)
		}
		defer far.Close()
		target = "sip:" + far.Addr().String()
	}
	trunk, err := dialer.ParseTrunk(target)
	if err != nil {
		return usageErr("--trunk: %v", err)
	}
	plane, ua, closeUA, err := startBenchDialer(ctx, ports)
	if err != nil {
		return err
	}
	defer closeUA()

	fmt.Fprintf(stderr, "bench calls: %d calls, %d at a time, held %s, far end %s\n", f.calls, f.concurrency, f.hold, target)
	// A carrier-style CPS limit, paced by deadlines.
	sched := newCallSchedule(f.calls, f.cps)
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
	for range f.concurrency {
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
					case <-time.After(f.hold):
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
	out := m.common()
	wall := out["duration_s"].(float64)
	answered := outcomes[string(dialer.OutcomeAnswered)]
	out["calls"] = f.calls
	out["concurrency"] = f.concurrency
	out["cps_limit"] = f.cps
	// The rate asked for against the rate the calls were placed at (first to last INVITE).
	dialled := int64(f.calls) - localErr.Load()
	if f.cps > 0 && dialled > 1 {
		achieved := float64(dialled-1) / time.Duration(lastDial.Load()-firstDial.Load()).Seconds()
		out["cps_achieved"] = achieved
		fmt.Fprintf(stderr, "bench calls: asked %.1f calls/s, placed %.1f calls/s\n", f.cps, achieved)
		if d := achieved/f.cps - 1; d > 0.05 || d < -0.05 {
			fmt.Fprintf(stderr, "bench calls: WARNING: the achieved rate differs from --cps by %+.0f%%\n", d*100)
		}
	}
	out["hold_s"] = f.hold.Seconds()
	// Setups per second while dialling: first INVITE to last answer (the hold of the
	// last calls is not setup time); the whole run's rate is calls / duration_s.
	span := time.Duration(lastAnswer.Load() - firstDial.Load()).Seconds()
	if span <= 0 || answered < 2 {
		span = wall
	}
	out["calls_per_second"] = float64(answered) / span
	out["dialling_s"] = span
	out["failed"] = failed.Load() + localErr.Load()
	out["local_errors"] = localErr.Load()
	out["outcomes"] = outcomes
	out["peak_concurrent_calls"] = peak.Load()
	out["setup_ms"] = percentilesMS(setups, 50, 95, 99)
	out["packets_sent"] = packetsSent.Load()
	out["packets_received"] = packets.Load()
	if e, ok := firstErr.Load().(string); ok {
		out["first_error"] = e
	}
	lat := plane.Lateness()
	out["clock_lateness_ms"] = map[string]float64{
		"p50": float64(lat.P50.Microseconds()) / 1000, "p99": float64(lat.P99.Microseconds()) / 1000,
		"max": float64(lat.Max.Microseconds()) / 1000,
	}
	if err := printJSON(stdout, out); err != nil {
		return failureErr(err)
	}
	if failed.Load()+localErr.Load() > 0 {
		return failureErr(fmt.Errorf("bench calls: %d of %d calls failed", failed.Load()+localErr.Load(), f.calls))
	}
	return nil
}

// benchSetupAllowance is the time a call holds its slot beyond the hold: INVITE to answer
// and BYE to 200 on loopback, with room for a loaded machine.
const benchSetupAllowance = 100 * time.Millisecond

// inFlightFor is how many calls must be in flight to place cps calls per second when each
// holds its slot for hold plus setup (Little's law), with 10 % headroom.
func inFlightFor(cps float64, hold time.Duration) int {
	return int(math.Ceil(cps * (hold + benchSetupAllowance).Seconds() * 1.1))
}

// startBenchDialer runs a dialer on a media plane of its own, so that a bench can read
// that plane's clock lateness. close stops both.
func startBenchDialer(ctx context.Context, ports media.PortRange) (*media.Plane, *dialer.UA, func(), error) {
	plane, err := media.NewPlane(media.PlaneOptions{Ports: ports})
	if err != nil {
		return nil, nil, nil, failureErr(err)
	}
	plane.Start(ctx)
	ua, err := dialer.NewUA(dialer.Options{Plane: plane})
	if err != nil {
		plane.Close()
		return nil, nil, nil, failureErr(err)
	}
	if err := ua.Start(ctx); err != nil {
		plane.Close()
		return nil, nil, nil, failureErr(err)
	}
	return plane, ua, func() { ua.Close(); plane.Close() }, nil
}

// startLocalSim starts the callee simulator on loopback and returns it with the trunk "sim"
// that reaches it (caller ID +12125550000); the caller closes the simulator.
func startLocalSim(ctx context.Context, opts sim.Options) (*sim.Server, *dialer.Trunk, error) {
	far, err := sim.New(opts)
	if err != nil {
		return nil, nil, fmt.Errorf("simulator: %w", err)
	}
	if err := far.Start(ctx); err != nil {
		return nil, nil, fmt.Errorf("simulator: %w", err)
	}
	trunk, err := dialer.ParseTrunk("sip:" + far.Addr().String())
	if err != nil {
		far.Close()
		return nil, nil, err
	}
	trunk.Name, trunk.CallerID = "sim", "+12125550000"
	return far, trunk, nil
}
