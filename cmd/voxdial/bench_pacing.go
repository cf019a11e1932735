package main

import (
	"context"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/voxdial/voxdial/internal/bench"
)

type benchPacingFlags struct {
	answerRate float64
	bots       int
	duration   time.Duration
	talk, ring time.Duration
	seeded     int
	jsonOut    bool
}

// newBenchPacingCmd is `voxdial bench pacing`: the same callee population
// dialled 1:1 and then predictively, with the same bot capacity.
func newBenchPacingCmd() *cobra.Command {
	f := &benchPacingFlags{}
	cmd := &cobra.Command{
		Use:   "pacing",
		Short: "Bot-capacity utilisation, dial ratio and abandonment of 1:1 and predictive pacing against the simulator",
		Long: `Runs two campaigns against an in-process simulator whose callees answer with
--answer-rate (after 500 ms; the rest ring out or are busy after --ring): first
1:1, then predictive, each for --duration with --bots bot slots. The
predictive campaign starts with the answer rate the 1:1 run measured and a
history of --seeded live answers (abandonment budget), as a campaign that has
been running would. Reports, per mode, the bot-capacity utilisation (answered
bot time / (bots × time)), legs in flight per bot, the controller's dial
ratio and the abandonment rate, and the utilisation ratio of the two.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBenchPacing(cmd.Context(), f, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fl := cmd.Flags()
	fl.Float64Var(&f.answerRate, "answer-rate", 0.4, "share of calls the simulated callees answer")
	fl.IntVar(&f.bots, "bots", 10, "bot capacity (the runner's MaxCalls)")
	fl.DurationVar(&f.duration, "duration", 20*time.Second, "length of each run")
	fl.DurationVar(&f.talk, "talk", 2*time.Second, "how long the bot holds an answered call")
	fl.DurationVar(&f.ring, "ring", time.Second, "how long unanswered calls ring before their final answer")
	fl.IntVar(&f.seeded, "seeded", 150, "live answers in each campaign's 24 h history before the run")
	fl.BoolVar(&f.jsonOut, "json", true, "print one JSON object")
	return cmd
}

func runBenchPacing(ctx context.Context, f *benchPacingFlags, stdout, stderr io.Writer) error {
	rep, err := bench.Pacing(ctx, bench.PacingOptions{AnswerRate: f.answerRate, Bots: f.bots, Duration: f.duration,
		Talk: f.talk, Ring: f.ring, Seeded: f.seeded}, stderr)
	if err != nil {
		return benchErr(err)
	}
	return printJSON(stdout, rep)
}
