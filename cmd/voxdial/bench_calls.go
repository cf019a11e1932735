package main

import (
	"context"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/voxdial/voxdial/internal/bench"
)

type benchCallsFlags struct {
	calls, concurrency int
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
			return runBenchCalls(cmd.Context(), f, cmd.Flags().Changed("concurrency"), cmd.OutOrStdout(), cmd.ErrOrStderr())
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

func runBenchCalls(ctx context.Context, f *benchCallsFlags, concurrencySet bool, stdout, stderr io.Writer) error {
	ports, err := parsePortRange(f.rtpPorts)
	if err != nil {
		return usageErr("--rtp-ports: %v", err)
	}
	rep, err := bench.Calls(ctx, bench.CallsOptions{Calls: f.calls, Concurrency: f.concurrency, ConcurrencySet: concurrencySet,
		CPS: f.cps, Hold: f.hold, Trunk: f.trunk, RTPPorts: ports}, stderr)
	if err != nil {
		return benchErr(err)
	}
	if err := printJSON(stdout, rep); err != nil {
		return failureErr(err)
	}
	return benchErr(rep.Failure())
}
