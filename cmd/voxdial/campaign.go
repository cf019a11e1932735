package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/voxdial/voxdial/campaign"
	"github.com/voxdial/voxdial/store"
)

// newCampaignCmd is `voxdial campaign create|list|show|start|pause|resume|stop|results|import`.
func newCampaignCmd() *cobra.Command {
	var dbURL string
	cmd := &cobra.Command{
		Use:   "campaign",
		Short: "Create, import into, run and report on campaigns",
	}
	cmd.PersistentFlags().StringVar(&dbURL, "database-url", "", "database: postgres://… or sqlite:PATH (default $VOXDIAL_DATABASE_URL, else "+defaultDatabaseURL+")")
	db := func(cmd *cobra.Command) (*store.DB, error) { return openStore(cmd.Context(), dbURL, true) }
	cmd.AddCommand(newCampaignCreateCmd(db), newCampaignListCmd(db), newCampaignShowCmd(db),
		newCampaignStateCmd(db, "start", "Schedule a draft campaign (it runs from its start date)"),
		newCampaignStateCmd(db, "pause", "Stop dialling new contacts; live calls finish"),
		newCampaignStateCmd(db, "resume", "Resume a paused campaign"),
		newCampaignStateCmd(db, "stop", "End a campaign for good; pending contacts are closed as stopped"),
		newCampaignResultsCmd(db), newCampaignImportCmd(db), newCampaignComplianceCmd(db), newCampaignPaceCmd(db),
		newCampaignRecycleCmd(db), newCampaignEditCmd(db), newCampaignCloneCmd(db),
		newCampaignArchiveCmd(db, true), newCampaignArchiveCmd(db, false))
	return cmd
}

type dbFunc func(cmd *cobra.Command) (*store.DB, error)

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// withCampaign opens the database, resolves ref (name or id) and runs f.
func withCampaign(cmd *cobra.Command, db dbFunc, ref string, f func(d *store.DB, c *store.Campaign) error) error {
	d, err := db(cmd)
	if err != nil {
		return err
	}
	defer d.Close()
	c, err := findCampaign(cmd.Context(), d, ref)
	if err != nil {
		return err
	}
	return f(d, c)
}

// findCampaign resolves a campaign by name or numeric id.
func findCampaign(ctx context.Context, db *store.DB, ref string) (*store.Campaign, error) {
	p := &store.CampaignGetParams{Name: ref}
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		p = &store.CampaignGetParams{ID: id}
	}
	c, err := db.CampaignGet(ctx, p)
	if errors.Is(err, store.ErrNotFound) {
		return nil, usageErr("campaign %q: no such campaign (voxdial campaign list)", ref)
	}
	if err != nil {
		return nil, failureErr(err)
	}
	return c, nil
}

func newCampaignCreateCmd(db dbFunc) *cobra.Command {
	var p campaign.CreateParams
	var jsonOut bool
	var days, requires, callerIDs []string
	var window, retryJSON, runFor string
	var agentHandle time.Duration
	cmd := &cobra.Command{
		Use:   "create <name> --script FILE --trunk NAME|URI",
		Short: "Create a draft campaign",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p.Name = args[0]
			p.Schedule.Days = days
			p.CallerIDs = callerIDs
			if cmd.Flags().Changed("requires") {
				p.Requires = requires
			}
			if window != "" {
				a, b, ok := strings.Cut(window, "-")
				if !ok {
					return usageErr("--window %q: want HH:MM-HH:MM", window)
				}
				p.Schedule.Window = campaign.Window{Start: a, End: b}
			}
			if runFor != "" {
				d, err := time.ParseDuration(runFor)
				if err != nil {
					return usageErr("--run-for: %v", err)
				}
				p.Schedule.RunFor = campaign.Duration(d)
			}
			p.Pace.AgentHandle = campaign.Duration(agentHandle)
			if retryJSON != "" {
				if err := json.Unmarshal([]byte(retryJSON), &p.Retry); err != nil {
					return usageErr("--retry: %v (e.g. '{\"outcomes\":{\"busy\":\"10m\"}}')", err)
				}
			}
			d, err := db(cmd)
			if err != nil {
				return err
			}
			defer d.Close()
			c, err := campaign.Create(cmd.Context(), d, p)
			switch {
			case errors.Is(err, campaign.ErrInvalidCampaign):
				return usageErr("%v", err)
			case errors.Is(err, store.ErrConflict):
				return usageErr("campaign %q already exists", p.Name)
			case err != nil:
				return failureErr(err)
			}
			if jsonOut {
				return printJSON(cmd.OutOrStdout(), c)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "campaign %d %q created (draft); requires %v\n", c.ID, c.Name, c.Requires)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&p.Script, "script", "asset:hello.yaml", "script file; its requires: list checks imported rows")
	f.StringVar(&p.Trunk, "trunk", "", "trunk: a configured name or a SIP URI")
	f.StringSliceVar(&callerIDs, "caller-id", nil, "caller-ID pool (repeatable)")
	f.StringVar(&p.Region, "region", "US", "default region for numbers without a country code")
	f.StringVar(&p.TimeZone, "time-zone", "UTC", "campaign time zone (dates, cron, contacts of unknown zone)")
	f.StringVar(&p.Purpose, "purpose", "", "telemarketing | informational | collections | survey")
	f.StringVar(&p.Seller, "seller", "", "seller (for the compliance gate)")
	f.IntVar(&p.MaxAttempts, "max-attempts", 5, "attempts per contact")
	f.IntVar(&p.MaxConcurrent, "max-concurrent", 10, "concurrent calls of this campaign across all nodes")
	f.StringVar(&p.Schedule.StartDate, "start-date", "", "first day, YYYY-MM-DD")
	f.StringVar(&p.Schedule.EndDate, "end-date", "", "last day, YYYY-MM-DD")
	f.StringSliceVar(&days, "days", nil, "days of the week (mon,tue,…); default every day")
	f.StringVar(&window, "window", "", "daily window in the contact's local time, HH:MM-HH:MM")
	f.StringVar(&p.Schedule.Cron, "cron", "", `recurring runs, e.g. "0 10 * * MON-FRI"`)
	f.StringVar(&runFor, "run-for", "", "length of each cron run (default 4h)")
	f.StringVar(&retryJSON, "retry", "", `retry policy JSON, e.g. {"outcomes":{"busy":"10m"},"terminal":["no_commitment"]}`)
	f.StringSliceVar(&requires, "requires", nil, "required contact fields (default: the script's requires:)")
	defMode, defPace, defHandle := paceDefaults()
	paceFlags(f, &p.Pacing, &p.Pace, &agentHandle, defMode, defPace, defHandle)
	f.BoolVar(&jsonOut, "json", false, "print the campaign as one JSON document")
	return cmd
}

func newCampaignListCmd(db dbFunc) *cobra.Command {
	var jsonOut, archived bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List campaigns",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := db(cmd)
			if err != nil {
				return err
			}
			defer d.Close()
			filter := store.ArchivedHide
			if archived {
				filter = store.ArchivedOnly
			}
			cs, err := d.CampaignList(cmd.Context(), &store.CampaignListParams{Archived: filter})
			if err != nil {
				return failureErr(err)
			}
			if cs == nil {
				cs = []*store.Campaign{}
			}
			if jsonOut {
				return printJSON(cmd.OutOrStdout(), map[string]any{"campaigns": cs})
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tSTATE\tSCRIPT\tTRUNK\tCREATED")
			for _, c := range cs {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Name, c.State, c.Script, c.Trunk, c.CreatedAt.Format(time.RFC3339))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print one JSON document")
	cmd.Flags().BoolVar(&archived, "archived", false, "list the archived campaigns")
	return cmd
}

func newCampaignShowCmd(db dbFunc) *cobra.Command {
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "show <campaign>",
		Short: "Show a campaign's settings and counters",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withCampaign(cmd, db, args[0], func(d *store.DB, c *store.Campaign) error {
				st, err := d.CampaignStatsGet(cmd.Context(), &store.CampaignGetParams{ID: c.ID})
				if err != nil {
					return failureErr(err)
				}
				pr, err := campaign.LoadPacing(cmd.Context(), d, c, time.Now())
				if err != nil {
					return failureErr(err)
				}
				gs, err := campaign.LoadGateSummary(cmd.Context(), d, c, st)
				if err != nil {
					return failureErr(err)
				}
				if jsonOut {
					return printJSON(cmd.OutOrStdout(), map[string]any{"campaign": c, "stats": st, "pacing": pr, "gate_summary": gs})
				}
				w := cmd.OutOrStdout()
				fmt.Fprintf(w, "campaign %d %q: %s\n  script %s, trunk %s, region %s, zone %s, max attempts %d, max concurrent %d\n  schedule %s\n  retry %s\n",
					c.ID, c.Name, c.State, c.Script, c.Trunk, c.Region, c.TimeZone, c.MaxAttempts, c.MaxConcurrent, c.Schedule, c.RetryPolicy)
				fmt.Fprintf(w, "  contacts %d: %v; attempts %d (%d dialling)\n", st.Total, st.Contacts, st.Attempts, st.OpenAttempts)
				printPacing(w, pr)
				if gs != nil {
					fmt.Fprintf(w, "  %s\n", gs.Text)
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print one JSON document")
	return cmd
}

func newCampaignStateCmd(db dbFunc, verb, short string) *cobra.Command {
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   verb + " <campaign>",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withCampaign(cmd, db, args[0], func(d *store.DB, c *store.Campaign) error {
				c, closed, err := campaign.Transition(cmd.Context(), d, c.ID, verb, time.Now())
				if errors.Is(err, store.ErrStateConflict) {
					return usageErr("%s: %v", verb, err)
				}
				if err != nil {
					return failureErr(err)
				}
				if jsonOut {
					return printJSON(cmd.OutOrStdout(), map[string]any{"campaign": c, "contacts_closed": closed})
				}
				fmt.Fprintf(cmd.OutOrStdout(), "campaign %q is %s\n", c.Name, c.State)
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print one JSON document")
	return cmd
}

// printPacing prints a campaign's pacing mode and its abandonment over the rules' windows.
func printPacing(w io.Writer, pr *campaign.PacingResults) {
	if pr == nil {
		return
	}
	o := pr.Options
	fmt.Fprintf(w, "  pacing %s (max dial ratio %g, abandon target %g)", pr.Mode, o.MaxDialRatio, o.AbandonTarget)
	if o.PacesTransfers() {
		agents := fmt.Sprint(o.Agents)
		if o.AgentsURL != "" {
			agents = o.AgentsURL
		}
		fmt.Fprintf(w, ", agents %s", agents)
	}
	fmt.Fprintf(w, "\n  abandoned calls: 24 h %d of %d live (%.2f %%), 30 d %d of %d (%.2f %%)\n",
		pr.Abandon24h.Abandoned, pr.Abandon24h.Total, 100*pr.Abandon24h.Rate, pr.Abandon30d.Abandoned, pr.Abandon30d.Total, 100*pr.Abandon30d.Rate)
	fmt.Fprintf(w, "  abandoned transfers: 24 h %d of %d (%.2f %%), 30 d %d of %d (%.2f %%)\n",
		pr.Transfers24h.Abandoned, pr.Transfers24h.Total, 100*pr.Transfers24h.Rate, pr.Transfers30d.Abandoned, pr.Transfers30d.Total, 100*pr.Transfers30d.Rate)
}

func printResults(w io.Writer, r *campaign.Results) {
	fmt.Fprintf(w, "campaign %q (%s): %d contacts, %d final, %d pending, %d attempts\n", r.Campaign, r.State, r.Contacts, r.Final, r.Pending, r.Attempts)
	printPacing(w, r.Pacing)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  DISPOSITION\tCONTACTS")
	keys := make([]string, 0, len(r.Dispositions))
	for k := range r.Dispositions {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return r.Dispositions[keys[i]] > r.Dispositions[keys[j]] || r.Dispositions[keys[i]] == r.Dispositions[keys[j]] && keys[i] < keys[j]
	})
	for _, k := range keys {
		fmt.Fprintf(tw, "  %s\t%d\n", k, r.Dispositions[k])
	}
	tw.Flush()
	if len(r.Rows) > 0 {
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  PHONE\tEXTERNAL ID\tSTATE\tDISPOSITION\tATTEMPTS\tLAST OUTCOME")
		for _, row := range r.Rows {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%d\t%s\n", row.Phone, dash(row.ExternalID), row.State, dash(row.Disposition), row.Attempts, dash(row.LastOutcome))
		}
		tw.Flush()
	}
}

func newCampaignResultsCmd(db dbFunc) *cobra.Command {
	var jsonOut, rows bool
	cmd := &cobra.Command{
		Use:   "results <campaign>",
		Short: "Per-disposition results of a campaign (and per contact with --contacts)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withCampaign(cmd, db, args[0], func(d *store.DB, c *store.Campaign) error {
				r, err := campaign.LoadResults(cmd.Context(), d, c, rows, time.Now())
				if err != nil {
					return failureErr(err)
				}
				if jsonOut {
					return printJSON(cmd.OutOrStdout(), r)
				}
				printResults(cmd.OutOrStdout(), r)
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print one JSON document")
	cmd.Flags().BoolVar(&rows, "contacts", false, "include one row per contact")
	return cmd
}

func newCampaignImportCmd(db dbFunc) *cobra.Command {
	var jsonOut bool
	var maxErrors int
	cmd := &cobra.Command{
		Use:   "import <campaign> <file.csv>",
		Short: "Import contacts from a CSV file (header row; phone column; other columns become variables)",
		Long: `Stream a CSV file into a campaign. Numbers are normalised to E.164 with the
campaign's region; duplicates (same number or external_id, in the file or already
in the campaign) are folded; rows missing a field the script requires are rejected.
Good rows are imported in one transaction; bad rows are reported with line, field
and reason. Re-importing a file changes nothing. Exit 0 when the file was imported
(even with rejected rows), 2 when the file itself is unusable.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withCampaign(cmd, db, args[0], func(d *store.DB, c *store.Campaign) error {
				f, err := os.Open(args[1])
				if err != nil {
					return usageErr("%v", err)
				}
				defer f.Close()
				var size int64
				if fi, err := f.Stat(); err == nil {
					size = fi.Size()
				}
				return runImport(cmd.Context(), d, c, f, filepath.Base(args[1]), size, maxErrors, jsonOut, cmd.OutOrStdout(), cmd.ErrOrStderr())
			})
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print the report as one JSON document")
	cmd.Flags().IntVar(&maxErrors, "max-errors", 1000, "list at most this many row errors (the rest are counted)")
	return cmd
}

func runImport(ctx context.Context, d *store.DB, c *store.Campaign, r io.Reader, name string, size int64, maxErrors int, jsonOut bool, stdout, stderr io.Writer) error {
	bar := newProgressBar(stderr, size)
	rep, err := campaign.Import(ctx, d, r, campaign.ImportOptions{Campaign: c, File: name, MaxErrors: maxErrors, Progress: bar.update})
	bar.finish()
	var fe *campaign.FileError
	if errors.As(err, &fe) {
		if jsonOut {
			_ = printJSON(stdout, &campaign.ImportReport{Campaign: c.Name, File: name, Errors: []campaign.ImportError{fe.ImportError}})
		}
		return usageErr("%v", err)
	}
	if err != nil {
		return failureErr(err)
	}
	if jsonOut {
		return printJSON(stdout, rep)
	}
	fmt.Fprintf(stdout, "%s → %q: %d rows, %d imported, %d updated, %d duplicates, %d rejected (%d ms)\n",
		name, c.Name, rep.Rows, rep.Imported, rep.Updated, rep.Duplicates, rep.Rejected, rep.DurationMS)
	if !rep.DueAgainAt.IsZero() {
		fmt.Fprintf(stdout, "  the %d updated contacts are due again at the next run, %s\n", rep.Updated, rep.DueAgainAt.Format(time.RFC3339))
	}
	for _, e := range rep.Errors {
		field := e.Field
		if field == "" {
			field = "-"
		}
		fmt.Fprintf(stdout, "  %s:%d: %s: %s\n", name, e.Line, field, e.Reason)
	}
	if rep.ErrorsOmitted > 0 {
		fmt.Fprintf(stdout, "  … and %d more errors\n", rep.ErrorsOmitted)
	}
	return nil
}

// progressBar draws import progress on stderr when it is a terminal.
type progressBar struct {
	w     io.Writer
	size  int64
	on    bool
	start time.Time
}

func newProgressBar(w io.Writer, size int64) *progressBar {
	on := false
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			on = true
		}
	}
	return &progressBar{w: w, size: size, on: on, start: time.Now()}
}

func (p *progressBar) update(pr campaign.ImportProgress) {
	if !p.on {
		return
	}
	rate := float64(pr.Rows) / max(time.Since(p.start).Seconds(), 0.001)
	if p.size > 0 {
		frac := min(float64(pr.Bytes)/float64(p.size), 1)
		n := int(frac * 30)
		fmt.Fprintf(p.w, "\r[%s%s] %3.0f%% %d rows (%.0f rows/s)", strings.Repeat("#", n), strings.Repeat(".", 30-n), frac*100, pr.Rows, rate)
		return
	}
	fmt.Fprintf(p.w, "\r%d rows (%.0f rows/s)", pr.Rows, rate)
}

func (p *progressBar) finish() {
	if p.on {
		fmt.Fprintln(p.w)
	}
}

// paceFlagNames are the flags paceFlags defines.
var paceFlagNames = []string{"pacing", "max-dial-ratio", "abandon-target", "abandon-message", "agents", "agents-url", "agent-handle-time", "transfer-target"}

// paceDefaults are what `campaign create` shows and stores when a pacing flag is not given.
func paceDefaults() (string, campaign.PaceOptions, time.Duration) {
	return campaign.PacingOneToOne, campaign.PaceOptions{MaxDialRatio: campaign.DefaultMaxDialRatio,
		AbandonTarget: campaign.DefaultAbandonTarget, TransferTarget: campaign.DefaultTransferTarget}, campaign.DefaultAgentHandle
}

// paceFlags defines a campaign's pacing flags on f with the given defaults (create: the
// paceDefaults; pace: zero values, where only the flags given change anything).
func paceFlags(f *pflag.FlagSet, mode *string, o *campaign.PaceOptions, agentHandle *time.Duration, defMode string, def campaign.PaceOptions, defHandle time.Duration) {
	f.StringVar(mode, "pacing", defMode, "one_to_one (a bot slot per leg, nothing abandoned) | predictive (dial ahead from the measured answer rate)")
	f.Float64Var(&o.MaxDialRatio, "max-dial-ratio", def.MaxDialRatio, "predictive: at most this many legs in flight per free bot slot")
	f.Float64Var(&o.AbandonTarget, "abandon-target", def.AbandonTarget, "predictive: abandonment to stay under (fraction; the rules' limit is 0.03)")
	f.StringVar(&o.AbandonMessage, "abandon-message", "", "said to a callee answered with no free bot slot (default: seller, no re-call for 3 days, opt-out number)")
	f.IntVar(&o.Agents, "agents", 0, "human agents taking this campaign's transfers (0: transfers not paced)")
	f.StringVar(&o.AgentsURL, "agents-url", "", `queue endpoint polled for free agents (HTTP GET, JSON {"available": N}); wins over --agents`)
	f.DurationVar(agentHandle, "agent-handle-time", defHandle, "agent handle time until measured; how long a REFER transfer holds its agent")
	f.Float64Var(&o.TransferTarget, "transfer-target", def.TransferTarget, "abandoned transfers to stay under (fraction; limit 0.03)")
}
