package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"

	"github.com/spf13/cobra"

	"github.com/voxdial/voxdial/internal/bench"
)

type benchBotFlags struct {
	calls, concurrency int
	cps                float64
	noAMD              bool
	rtpPorts           string
	cpuProfile         string
	blockProfile       string
	jsonOut            bool
	dtx                string
}

func newBenchBotCmd() *cobra.Command {
	f := &benchBotFlags{}
	cmd := &cobra.Command{
		Use:   "bot",
		Short: "Voice-bot conversations against the simulator speaking scripted turns: latency, dispositions, concurrency",
		Long: `Run --calls live voice-bot calls of the reference script (payment-reminder.en.yaml),
at most --concurrency at a time, against an in-process simulator whose callees speak
their turns through text-to-speech (flite), with the embedded engines on the bot side:
pocketsphinx listening, the tts prompt cache speaking, answering-machine detection.
Contacts' names, amounts and due dates vary per call.
Callees cycle through promise_to_pay, claims_paid, callback_requested, opted_out
("stop calling" spoken over a prompt), transferred (REFER accepted) and voicemail_left;
one in ten answers the greeting with a short "yes" over it. --dtx puts every callee
on a line with silence suppression.

Reports calls completed, dispositions (and how many were the expected one), turn
latency (caller's end of speech to the bot's first RTP frame of the reply) and the
same minus the script's end_of_turn (turn_overhead_ms), answer to first audio, the
peak number of simultaneous conversations and CPU. Both ends run in this process.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBenchBot(cmd.Context(), f, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&f.calls, "calls", 60, "calls to place")
	fl.IntVar(&f.concurrency, "concurrency", 20, "conversations at once")
	fl.Float64Var(&f.cps, "cps", 20, "new calls per second at most (0: as fast as the concurrency allows)")
	fl.BoolVar(&f.noAMD, "no-amd", false, "turn answering-machine detection off (voicemail callees then fail their disposition)")
	fl.StringVar(&f.rtpPorts, "rtp-ports", "", "RTP port range MIN-MAX for the dialer")
	fl.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of the calls (not the warm-up) to this file")
	fl.StringVar(&f.blockProfile, "blockprofile", "", "write a blocking and lock-contention profile of the calls to this file (FILE and FILE.mutex)")
	fl.BoolVar(&f.jsonOut, "json", true, "print one JSON object")
	fl.StringVar(&f.dtx, "dtx", "off", "callees' silence suppression: off | silent (no RTP while quiet) | cn (one RFC 3389 comfort-noise packet per silence)")
	return cmd
}

func runBenchBot(ctx context.Context, f *benchBotFlags, stdout, stderr io.Writer) error {
	ports, err := parsePortRange(f.rtpPorts)
	if err != nil {
		return usageErr("--rtp-ports: %v", err)
	}
	rep, err := bench.Bot(ctx, bench.BotOptions{Calls: f.calls, Concurrency: f.concurrency, CPS: f.cps, NoAMD: f.noAMD,
		RTPPorts: ports, CPUProfile: f.cpuProfile, BlockProfile: f.blockProfile, DTX: f.dtx}, stderr)
	if err != nil {
		return benchErr(err)
	}
	if f.jsonOut {
		err = printJSON(stdout, rep)
	} else {
		err = printKeyValues(stdout, rep)
	}
	if err != nil {
		return failureErr(err)
	}
	return benchErr(rep.Failure())
}

// printKeyValues prints a report's JSON keys one per line, sorted, as "key: value".
func printKeyValues(w io.Writer, report any) error {
	b, err := json.Marshal(report)
	if err != nil {
		return err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "%s: %v\n", k, m[k])
	}
	return nil
}
