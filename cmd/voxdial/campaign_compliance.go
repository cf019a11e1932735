package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/voxdial/voxdial/compliance"
	"github.com/voxdial/voxdial/store"
)

// newCampaignComplianceCmd is `voxdial campaign compliance <campaign> [settings]`: shows a
// campaign's compliance settings and, with flags, changes them. The gate reads them on its
// next decision (its campaign cache lasts 2 s).
func newCampaignComplianceCmd(db dbFunc) *cobra.Command {
	var seller, purpose, voice, subject, pacing, packs string
	var createSeller, jsonOut bool
	cmd := &cobra.Command{
		Use:   "compliance <campaign> [--seller S] [--purpose P] [--voice V] [--packs us,uk,eu-fr,cn] [--subject S] [--pacing P]",
		Short: "Show or set the campaign's compliance settings (seller, purpose, voice, rule packs, subject, pacing)",
		Long: `Without flags, prints the campaign's compliance settings. With flags, changes those given:
  --seller     the company on whose behalf it calls (its internal DNC list, consents, caller ids)
  --purpose    telemarketing | informational | collections (Reg F applies to collections under the us pack)
  --voice      artificial (AI or recorded: consent rules for artificial voices) | live
  --packs      comma-separated rule packs: us, uk, eu-fr, cn; "" applies the number's country's pack
  --subject    what the calls are about, for per-subject caps (FL, OK, MD); default the campaign name
  --pacing     one_to_one | predictive (abandonment caps apply to predictive)
An unknown seller is refused unless --create-seller makes it with the campaign's caller ids.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			fl := cmd.Flags()
			set := &store.CampaignComplianceSetParams{Seller: seller, Subject: subject}
			if fl.Changed("purpose") {
				if _, ok := compliance.ParsePurpose(purpose); !ok {
					return usageErr("--purpose %q: want telemarketing, informational or collections", purpose)
				}
				set.Purpose = purpose
			}
			if fl.Changed("voice") {
				if _, ok := compliance.ParseVoice(voice); !ok {
					return usageErr("--voice %q: want artificial or live", voice)
				}
				set.Voice = voice
			}
			if fl.Changed("pacing") {
				if pacing != "one_to_one" && pacing != "predictive" {
					return usageErr("--pacing %q: want one_to_one or predictive", pacing)
				}
				set.Pacing = pacing
			}
			if fl.Changed("packs") {
				if _, err := compliance.ParsePacks(packs); err != nil {
					return usageErr("--packs: %v", err)
				}
				norm := strings.Join(strings.FieldsFunc(strings.ReplaceAll(packs, " ", ""), func(r rune) bool { return r == ',' }), ",")
				set.RulePacks = &norm
			}
			if fl.Changed("seller") && seller == "" {
				return usageErr("--seller: empty")
			}
			return withCampaign(cmd, db, args[0], func(d *store.DB, c *store.Campaign) error {
				ctx := cmd.Context()
				changed := set.Seller != "" || set.Purpose != "" || set.Voice != "" || set.Subject != "" || set.Pacing != "" || set.RulePacks != nil
				if set.Seller != "" {
					if _, err := d.SellerGet(ctx, &store.SellerGetParams{ID: set.Seller}); errors.Is(err, store.ErrNotFound) {
						if !createSeller {
							return usageErr("--seller %q: no such seller (register it with `voxdial compliance seller`, or add --create-seller to create it with the campaign's caller ids)", set.Seller)
						}
						if _, err := d.SellerPut(ctx, &store.SellerPutParams{ID: set.Seller, CallerIDs: c.CallerIDs}); err != nil {
							return failureErr(err)
						}
					} else if err != nil {
						return failureErr(err)
					}
				}
				if changed {
					set.ID = c.ID
					if err := d.CampaignComplianceSet(ctx, set); err != nil {
						return failureErr(err)
					}
				}
				got, err := d.CampaignComplianceGet(ctx, &store.CampaignComplianceGetParams{ID: c.ID})
				if err != nil {
					return failureErr(err)
				}
				if jsonOut {
					return printJSON(cmd.OutOrStdout(), got)
				}
				packs := got.RulePacks
				if packs == "" {
					packs = "(by the number's country)"
				}
				fmt.Fprintf(cmd.OutOrStdout(), "campaign %d %q: seller %q, purpose %s, voice %s, rule packs %s, subject %q, pacing %s, caller ids %v\n",
					got.ID, got.Name, got.Seller, got.Purpose, got.Voice, packs, got.Subject, got.Pacing, got.CallerIDs)
				return nil
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&seller, "seller", "", "seller id")
	fl.StringVar(&purpose, "purpose", "", "telemarketing | informational | collections")
	fl.StringVar(&voice, "voice", "", "artificial | live")
	fl.StringVar(&packs, "packs", "", "rule packs: us, uk, eu-fr, cn (comma-separated; \"\" = by the number's country)")
	fl.StringVar(&subject, "subject", "", "subject for per-subject caps")
	fl.StringVar(&pacing, "pacing", "", "one_to_one | predictive")
	fl.BoolVar(&createSeller, "create-seller", false, "create an unknown --seller with the campaign's caller ids")
	fl.BoolVar(&jsonOut, "json", false, "print one JSON document")
	return cmd
}
