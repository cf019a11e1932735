package main

import (
	"context"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/voxdial/voxdial/internal/bench"
)

type benchCampaignFlags struct {
	o       bench.CampaignOptions
	jsonOut bool
}

// newBenchCampaignCmd is `voxdial bench campaign`: the whole node end to end.
func newBenchCampaignCmd() *cobra.Command {
	f := &benchCampaignFlags{}
	cmd := &cobra.Command{
		Use:   "campaign",
		Short: "The whole node as serve builds it (store, audited gate, pacer, dialer, voice bots) running a campaign against the simulator",
		Long: `Starts the callee simulator in this process (every callee answers at once and
stays silent), creates a scratch database (on the PostgreSQL server of
--database-url, uniquely named and dropped at the end; or --database-url sqlite
for a temporary SQLite file), builds a node as serve does (compliance gate with
audit, a seller and a consent for every contact, a clock at a calling hour),
starts a campaign of --contacts contacts whose voice bot listens for --talk
and hangs up, and measures over --duration after --warmup: finished attempts
per second, CPU per attempt, gate decisions and audit records per second and,
on PostgreSQL, store round trips and transactions per attempt with the
statements that cost most.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBenchCampaign(cmd.Context(), f, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.o.DatabaseURL, "database-url", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
		"PostgreSQL server to create the scratch database on (postgres://…), or sqlite")
	fl.IntVar(&f.o.Contacts, "contacts", 30_000, "contacts in the campaign (each called once)")
	fl.IntVar(&f.o.Calls, "calls", 200, "calls up at once (runner.max_calls and the campaign's limit)")
	fl.DurationVar(&f.o.Warmup, "warmup", 5*time.Second, "run before measuring")
	fl.DurationVar(&f.o.Duration, "duration", time.Minute, "measured run")
	fl.DurationVar(&f.o.Talk, "talk", 200*time.Millisecond, "how long the voice bot listens before it hangs up")
	fl.BoolVar(&f.jsonOut, "json", true, "print one JSON object")
	return cmd
}

func runBenchCampaign(ctx context.Context, f *benchCampaignFlags, stdout, stderr io.Writer) error {
	rep, err := bench.Campaign(ctx, f.o, stderr)
	if err != nil {
		return benchErr(err)
	}
	return printJSON(stdout, rep)
}
