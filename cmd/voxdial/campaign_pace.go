package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/voxdial/voxdial/campaign"
	"github.com/voxdial/voxdial/store"
)

// newCampaignPaceCmd is `voxdial campaign pace`: change a campaign's pacing while it runs
// (or before). Only the flags given change; the rest keep their value.
func newCampaignPaceCmd(db dbFunc) *cobra.Command {
	var pacing string
	var o campaign.PaceOptions
	var agentHandle time.Duration
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "pace <campaign> [--pacing P] [--max-dial-ratio R] [--abandon-target F] [--abandon-message TEXT] [--agents N] [--agents-url URL] [--agent-handle-time D] [--transfer-target F]",
		Short: "Change a campaign's pacing mode and options (every node follows within its next look at the campaign)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			fl := cmd.Flags()
			changed := false
			for _, n := range paceFlagNames {
				changed = changed || fl.Changed(n)
			}
			return withCampaign(cmd, db, args[0], func(d *store.DB, c *store.Campaign) error {
				ctx := cmd.Context()
				if changed {
					cur, err := campaign.ParsePaceOptions(c.Pace)
					if err != nil {
						return failureErr(err)
					}
					if fl.Changed("max-dial-ratio") {
						cur.MaxDialRatio = o.MaxDialRatio
					}
					if fl.Changed("abandon-target") {
						cur.AbandonTarget = o.AbandonTarget
					}
					if fl.Changed("abandon-message") {
						cur.AbandonMessage = o.AbandonMessage
					}
					if fl.Changed("agents") {
						cur.Agents = o.Agents
					}
					if fl.Changed("agents-url") {
						cur.AgentsURL = o.AgentsURL
					}
					if fl.Changed("transfer-target") {
						cur.TransferTarget = o.TransferTarget
					}
					if fl.Changed("agent-handle-time") {
						cur.AgentHandle = campaign.Duration(agentHandle)
					}
					mode := ""
					if fl.Changed("pacing") {
						mode = pacing
					}
					err = campaign.SetPace(ctx, d, c.ID, mode, cur, time.Now())
					switch {
					case errors.Is(err, campaign.ErrInvalidCampaign):
						return usageErr("%v", err)
					case err != nil:
						return failureErr(err)
					}
					if c, err = d.CampaignGet(ctx, &store.CampaignGetParams{ID: c.ID}); err != nil {
						return failureErr(err)
					}
				}
				pr, err := campaign.LoadPacing(ctx, d, c, time.Now())
				if err != nil {
					return failureErr(err)
				}
				if jsonOut {
					return printJSON(cmd.OutOrStdout(), map[string]any{"campaign": c.Name, "id": c.ID, "pacing": pr})
				}
				fmt.Fprintf(cmd.OutOrStdout(), "campaign %q (%s)\n", c.Name, c.State)
				printPacing(cmd.OutOrStdout(), pr)
				return nil
			})
		},
	}
	f := cmd.Flags()
	paceFlags(f, &pacing, &o, &agentHandle, "", campaign.PaceOptions{}, 0)
	f.BoolVar(&jsonOut, "json", false, "print the pacing settings and abandonment as one JSON document")
	return cmd
}
