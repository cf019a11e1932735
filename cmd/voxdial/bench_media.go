package main

import (
	"context"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/voxdial/voxdial/internal/bench"
)

type benchMediaFlags struct {
	legs        int
	duration    time.Duration
	mode        string
	codec       string
	gomaxprocs  int
	groups      int
	compare     bool
	inProcess   bool
	peer        bool // hidden: run as the far end for a parent bench
	peerMode    string
	peerProcs   int
	jsonOut     bool
	setupPerSec int
	cpuProfile  string
	opusRate    int
	opusCplx    int
	poll        bool
}

// newBenchMediaCmd measures the media plane: N full-duplex legs on loopback.
func newBenchMediaCmd() *cobra.Command {
	f := &benchMediaFlags{}
	cmd := &cobra.Command{
		Use:   "media",
		Short: "Measure the media plane: N full-duplex RTP legs on loopback",
		Long: `Runs --legs full-duplex RTP legs for --duration between this process (the bot side:
plays a cached prompt on every leg and runs VAD on what it hears) and a far end in a
separate process (the same binary, the simulator's media engine: a shared-socket plane
that speaks back). Reports, with the keys every bench carries: legs_requested,
legs_established, packets_sent, packets_received, packets_lost (what this side did not
receive), send_lateness_ms {p50, p99, max} (how late the clock slots fired),
rss_bytes, rss_bytes_per_leg ((RSS after - RSS before the legs) / legs),
allocs_per_packet, and the far end's own counts under "peer" (its packets_lost is the
loss of what this side sent). CPU is this process only.

--compare runs shared and per-leg modes at GOMAXPROCS 1 and 2, each in its own child
process, and lists them under "compare".`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBenchMedia(cmd.Context(), f, cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&f.legs, "legs", 1000, "concurrent full-duplex legs")
	fl.DurationVar(&f.duration, "duration", 10*time.Second, "measurement time once every leg is up")
	fl.StringVar(&f.mode, "mode", "shared", "RTP ports of this side: shared (batched shared sockets) or per_leg")
	fl.StringVar(&f.codec, "codec", "pcmu", "codec: pcmu or opus")
	fl.IntVar(&f.opusRate, "opus-rate", 8000, "Opus internal sample rate: 8000, 16000 or 48000")
	fl.IntVar(&f.opusCplx, "opus-complexity", 1, "Opus encoder complexity 0-10")
	fl.IntVar(&f.gomaxprocs, "gomaxprocs", 0, "GOMAXPROCS of this process (0: leave as is)")
	fl.IntVar(&f.groups, "groups", 0, "clock/socket groups (0: one per P)")
	fl.BoolVar(&f.compare, "compare", false, "run shared and per_leg at GOMAXPROCS 1 and 2, one child process each")
	fl.BoolVar(&f.inProcess, "in-process", false, "run the far end in this process (tests; CPU then counts both sides)")
	fl.IntVar(&f.setupPerSec, "setup-rate", 2000, "legs set up per second")
	fl.BoolVar(&f.jsonOut, "json", true, "print one JSON object")
	fl.BoolVar(&f.peer, "peer", false, "run as the far end of a parent bench (stdin/stdout protocol)")
	fl.StringVar(&f.peerMode, "peer-mode", "shared", "RTP ports of the far end")
	fl.IntVar(&f.peerProcs, "peer-gomaxprocs", 0, "GOMAXPROCS of the far end process (0: as is)")
	fl.BoolVar(&f.poll, "poll-receive", false, "both sides read their shared sockets from the clock instead of a parked reader goroutine")
	fl.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of the measurement window to this file")
	_ = fl.MarkHidden("peer")
	return cmd
}

func runBenchMedia(ctx context.Context, f *benchMediaFlags, stdin io.Reader, stdout, stderr io.Writer) error {
	if f.peer {
		return benchErr(bench.MediaPeer(ctx, f.peerMode, stdin, stdout))
	}
	exe, err := os.Executable()
	if err != nil {
		return failureErr(err)
	}
	if f.compare {
		rep, err := bench.MediaCompare(ctx, func(mode string, procs int) []string {
			return []string{exe, "bench", "media", "--json", "--legs", strconv.Itoa(f.legs), "--duration", f.duration.String(),
				"--mode", mode, "--gomaxprocs", strconv.Itoa(procs), "--codec", f.codec,
				"--opus-rate", strconv.Itoa(f.opusRate), "--opus-complexity", strconv.Itoa(f.opusCplx)}
		}, stderr)
		if err != nil {
			return benchErr(err)
		}
		return printJSON(stdout, rep)
	}
	o := bench.MediaOptions{Legs: f.legs, Duration: f.duration, Mode: f.mode, Codec: f.codec, OpusRate: f.opusRate, OpusCplx: f.opusCplx,
		GOMAXPROCS: f.gomaxprocs, Groups: f.groups, SetupPerSec: f.setupPerSec, PollReceive: f.poll, CPUProfile: f.cpuProfile,
		PeerMode: f.peerMode, PeerGOMAXPROCS: f.peerProcs}
	if !f.inProcess {
		o.PeerCommand = []string{exe, "bench", "media", "--peer", "--peer-mode", f.peerMode}
	}
	rep, err := bench.Media(ctx, o, stderr)
	if err != nil {
		return benchErr(err)
	}
	return printJSON(stdout, rep)
}
