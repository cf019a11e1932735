package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/voxdial/voxdial/campaign"
	"github.com/voxdial/voxdial/store"
)

// The campaign lifecycle commands (docs/campaign-lifecycle.md): recycle, edit,
// clone, archive and unarchive.

// lifecycleErr maps the lifecycle's errors to exit codes: bad input or a state
// that does not allow it is 2, anything else 1.
func lifecycleErr(what string, err error) error {
	switch {
	case errors.Is(err, campaign.ErrInvalidCampaign), errors.Is(err, store.ErrStateConflict), errors.Is(err, store.ErrInvalidParams):
		return usageErr("%s: %v", what, err)
	case errors.Is(err, store.ErrConflict):
		return usageErr("%s: the name is taken: %v", what, err)
	}
	return failureErr(err)
}

func newCampaignRecycleCmd(db dbFunc) *cobra.Command {
	var outcomes, dispositions string
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "recycle <campaign> [--outcomes busy,no_answer] [--dispositions no_commitment]",
		Short: "Make final contacts with these outcomes or dispositions due again (a new cycle; never opted_out)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withCampaign(cmd, db, args[0], func(d *store.DB, c *store.Campaign) error {
				res, err := campaign.Recycle(cmd.Context(), d, c.ID, campaign.RecycleParams{Outcomes: splitList(outcomes),
					Dispositions: splitList(dispositions), Now: time.Now()})
				if err != nil {
					return lifecycleErr("recycle", err)
				}
				if jsonOut {
					return printJSON(cmd.OutOrStdout(), res)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "campaign %q: %d contacts due again (%s)\n", res.Campaign.Name, res.Recycled, res.Campaign.State)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&outcomes, "outcomes", "", "comma-separated last-attempt outcomes (busy, no_answer, voicemail, …)")
	cmd.Flags().StringVar(&dispositions, "dispositions", "", "comma-separated dispositions (no_commitment, compliance_blocked, …)")
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print one JSON document")
	return cmd
}

func newCampaignEditCmd(db dbFunc) *cobra.Command {
	var (
		name, script, seller, purpose, trunk, days, window, endDate, startDate, cronSpec, callerIDs string
		maxConcurrent, maxAttempts                                                                  int
		jsonOut                                                                                     bool
	)
	cmd := &cobra.Command{
		Use:   "edit <campaign> [--name N] [--max-concurrent N] [--days mon,tue] [--window 09:00-20:00] [--end-date D] [--caller-id N,…] …",
		Short: "Change a campaign's settings (script, seller, purpose, trunk only while draft or paused)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withCampaign(cmd, db, args[0], func(d *store.DB, c *store.Campaign) error {
				f := cmd.Flags()
				e := campaign.EditParams{Now: time.Now()}
				str := func(flag string, v *string) *string {
					if f.Changed(flag) {
						return v
					}
					return nil
				}
				num := func(flag string, v *int) *int {
					if f.Changed(flag) {
						return v
					}
					return nil
				}
				e.Name, e.Script, e.Seller, e.Purpose, e.Trunk = str("name", &name), str("script", &script), str("seller", &seller),
					str("purpose", &purpose), str("trunk", &trunk)
				e.MaxConcurrent, e.MaxAttempts = num("max-concurrent", &maxConcurrent), num("max-attempts", &maxAttempts)
				if f.Changed("caller-id") {
					ids := splitList(callerIDs)
					e.CallerIDs = &ids
				}
				if f.Changed("days") || f.Changed("window") || f.Changed("end-date") || f.Changed("start-date") || f.Changed("cron") {
					p, err := campaign.Compile(c)
					if err != nil {
						return failureErr(err)
					}
					s := *p.Sched
					if f.Changed("days") {
						s.Days = splitList(days)
					}
					if f.Changed("window") {
						from, to, _ := strings.Cut(window, "-")
						s.Window = campaign.Window{Start: strings.TrimSpace(from), End: strings.TrimSpace(to)}
					}
					if f.Changed("end-date") {
						s.EndDate = endDate
					}
					if f.Changed("start-date") {
						s.StartDate = startDate
					}
					if f.Changed("cron") {
						s.Cron = cronSpec
					}
					e.Schedule = &s
				}
				nc, err := campaign.Edit(cmd.Context(), d, c.ID, e)
				if err != nil {
					return lifecycleErr("edit", err)
				}
				if jsonOut {
					return printJSON(cmd.OutOrStdout(), nc)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "campaign %d %q (%s) updated\n", nc.ID, nc.Name, nc.State)
				return nil
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&name, "name", "", "new name")
	f.IntVar(&maxConcurrent, "max-concurrent", 0, "concurrent calls, all nodes")
	f.IntVar(&maxAttempts, "max-attempts", 0, "attempts per contact and cycle")
	f.StringVar(&days, "days", "", "calling days, e.g. mon,tue,wed (empty: every day)")
	f.StringVar(&window, "window", "", "daily window HH:MM-HH:MM in the contact's time (empty: all day)")
	f.StringVar(&startDate, "start-date", "", "first day YYYY-MM-DD")
	f.StringVar(&endDate, "end-date", "", "last day YYYY-MM-DD")
	f.StringVar(&cronSpec, "cron", "", "recurring runs, e.g. \"0 10 * * MON-FRI\"")
	f.StringVar(&callerIDs, "caller-id", "", "comma-separated caller-ID pool")
	f.StringVar(&script, "script", "", "script file (draft or paused only)")
	f.StringVar(&seller, "seller", "", "a registered seller (draft or paused only)")
	f.StringVar(&purpose, "purpose", "", "telemarketing | informational | collections | survey (draft or paused only)")
	f.StringVar(&trunk, "trunk", "", "trunk name or SIP URI (draft or paused only)")
	f.BoolVar(&jsonOut, "json", false, "print one JSON document")
	return cmd
}

func newCampaignCloneCmd(db dbFunc) *cobra.Command {
	var contacts, jsonOut bool
	cmd := &cobra.Command{
		Use:   "clone <campaign> <new-name> [--contacts]",
		Short: "Copy a campaign's settings (and with --contacts its contacts, fresh) into a new draft",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withCampaign(cmd, db, args[0], func(d *store.DB, c *store.Campaign) error {
				nc, n, err := campaign.Clone(cmd.Context(), d, c.ID, campaign.CloneParams{Name: args[1], Contacts: contacts, Now: time.Now()})
				if err != nil {
					return lifecycleErr("clone", err)
				}
				if jsonOut {
					return printJSON(cmd.OutOrStdout(), map[string]any{"campaign": nc, "contacts_copied": n})
				}
				fmt.Fprintf(cmd.OutOrStdout(), "campaign %d %q created (draft) from %q, %d contacts copied\n", nc.ID, nc.Name, c.Name, n)
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&contacts, "contacts", false, "copy the contacts too (as new, pending contacts)")
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print one JSON document")
	return cmd
}

func newCampaignArchiveCmd(db dbFunc, archived bool) *cobra.Command {
	var jsonOut bool
	verb, short := "archive", "Hide a draft, completed or stopped campaign from the list and make it read-only (results kept)"
	if !archived {
		verb, short = "unarchive", "Restore an archived campaign"
	}
	cmd := &cobra.Command{
		Use:   verb + " <campaign>",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withCampaign(cmd, db, args[0], func(d *store.DB, c *store.Campaign) error {
				nc, err := campaign.Archive(cmd.Context(), d, c.ID, archived, time.Now())
				if err != nil {
					return lifecycleErr(verb, err)
				}
				if jsonOut {
					return printJSON(cmd.OutOrStdout(), nc)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "campaign %q %sd\n", nc.Name, verb)
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print one JSON document")
	return cmd
}
