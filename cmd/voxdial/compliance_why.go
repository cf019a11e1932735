package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/voxdial/voxdial/compliance"
	"github.com/voxdial/voxdial/store"
)

// complianceStoreCmds are the compliance officer's commands over the store (added to
// `voxdial compliance` by newComplianceCmd).
func complianceStoreCmds() []*cobra.Command {
	audit := &cobra.Command{Use: "audit", Short: "The hash-chained audit log of gate decisions"}
	audit.AddCommand(newComplianceAuditVerifyCmd(), newComplianceAuditPruneCmd())
	return []*cobra.Command{newComplianceWhyCmd(), audit, newComplianceSellerCmd()}
}

type whyFlags struct {
	dbURL, at string
	limit     int
	jsonOut   bool
}

type whyResult struct {
	Number    string                   `json:"number"`
	At        string                   `json:"at"`
	Decisions []compliance.AuditRecord `json:"decisions"` // newest first
	DNC       *dncCheckResult          `json:"dnc"`
	Consents  []*store.Consent         `json:"consents"`
}

func newComplianceWhyCmd() *cobra.Command {
	f := &whyFlags{}
	cmd := &cobra.Command{
		Use:   "why NUMBER [--at TIME]",
		Short: "Why was (or wasn't) a number called: the gate's decisions, DNC entries and consents",
		Long: `Answer "why was / wasn't this number called": the gate's audited decisions for NUMBER up
to --at (default now), newest first, with the rules that fired and passed and the inputs'
versions; the do-not-call lists and entries that hold it; its consent records.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, ok := compliance.ParseNumber(args[0]); !ok {
				return usageErr("compliance why: %q: want E.164", args[0])
			}
			at := time.Now()
			if f.at != "" {
				t, err := time.Parse(time.RFC3339, f.at)
				if err != nil {
					return usageErr("compliance why: --at %q: want RFC 3339", f.at)
				}
				at = t
			}
			db, err := openStore(cmd.Context(), f.dbURL, true)
			if err != nil {
				return err
			}
			defer db.Close()
			res, err := complianceWhy(cmd.Context(), db, args[0], at, f.limit)
			if err != nil {
				return failureErr(err)
			}
			if f.jsonOut {
				return printJSON(cmd.OutOrStdout(), res)
			}
			printWhy(cmd.OutOrStdout(), res)
			return nil
		},
	}
	addDatabaseFlag(cmd, &f.dbURL)
	cmd.Flags().StringVar(&f.at, "at", "", "as of this time, RFC 3339 (default now)")
	cmd.Flags().IntVar(&f.limit, "limit", 10, "at most this many decisions")
	cmd.Flags().BoolVar(&f.jsonOut, "json", false, "print JSON")
	return cmd
}

func complianceWhy(ctx context.Context, db *store.DB, number string, at time.Time, limit int) (*whyResult, error) {
	rows, err := db.AuditList(ctx, &store.AuditListParams{Phone: number, Until: at, Desc: true, Limit: limit})
	if err != nil {
		return nil, err
	}
	res := &whyResult{Number: number, At: at.UTC().Format(time.RFC3339), Decisions: []compliance.AuditRecord{}}
	for _, r := range rows {
		var rec compliance.AuditRecord
		if err := json.Unmarshal([]byte(r.Record), &rec); err != nil {
			return nil, fmt.Errorf("audit record %d: %w", r.Seq, err)
		}
		res.Decisions = append(res.Decisions, rec)
	}
	if res.DNC, err = dncCheck(ctx, db, number); err != nil {
		return nil, err
	}
	if res.Consents, err = db.ConsentList(ctx, &store.ConsentListParams{Phone: number}); err != nil {
		return nil, err
	}
	if res.Consents == nil {
		res.Consents = []*store.Consent{}
	}
	return res, nil
}

func printWhy(w io.Writer, r *whyResult) {
	if len(r.Decisions) == 0 {
		fmt.Fprintf(w, "no gate decision recorded for %s up to %s\n", r.Number, r.At)
	}
	for _, d := range r.Decisions {
		rules := "-"
		if len(d.Rules) > 0 {
			rules = strings.Join(d.Rules, ",")
		}
		fmt.Fprintf(w, "#%d %s campaign %s attempt %s planned %s: %s %s: %s\n", d.Seq, d.DecidedAt, d.Campaign, d.AttemptID,
			d.PlannedAt, strings.ToUpper(d.Decision), rules, d.Reason)
		if d.NextEligibleAt != "" {
			fmt.Fprintf(w, "    next eligible %s\n", d.NextEligibleAt)
		}
		fmt.Fprintf(w, "    zones %s; passed %s; packs %s; %s", strings.Join(d.Zones, ","), strings.Join(d.Passed, ","), d.PackVersion, d.Engine)
		if d.ConsentID != "" {
			fmt.Fprintf(w, "; consent %s", d.ConsentID)
		}
		fmt.Fprintln(w)
	}
	printDNCCheck(w, r.DNC)
	for _, c := range r.Consents {
		state := "in force"
		if !c.RevokedAt.IsZero() {
			state = "revoked " + c.RevokedAt.Format(time.RFC3339) + " via " + c.RevokedVia
		}
		fmt.Fprintf(w, "consent %s seller %s %s %s: %s\n", compliance.ConsentID(c), c.Seller, c.Kind, strings.Join(c.Scope, ","), state)
	}
}

func newComplianceAuditVerifyCmd() *cobra.Command {
	var dbURL string
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Verify the audit log's hash chain (exit 1 when a record was edited, deleted or moved)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := openStore(cmd.Context(), dbURL, true)
			if err != nil {
				return err
			}
			defer db.Close()
			n, err := compliance.VerifyStoreAudit(cmd.Context(), db)
			var ae *compliance.AuditError
			res := map[string]any{"records": n, "ok": err == nil}
			if errors.As(err, &ae) {
				res["broken_at_seq"], res["reason"] = ae.Line, ae.Reason
			} else if err != nil {
				return failureErr(fmt.Errorf("audit verify: %w", err))
			}
			if jsonOut {
				if perr := printJSON(cmd.OutOrStdout(), res); perr != nil {
					return perr
				}
			} else if err == nil {
				fmt.Fprintf(cmd.OutOrStdout(), "audit log: %d records, chain intact\n", n)
			}
			if ae != nil {
				return failureErr(fmt.Errorf("audit verify: record %d: %s (%d records before it verified)", ae.Line, ae.Reason, n))
			}
			return nil
		},
	}
	addDatabaseFlag(cmd, &dbURL)
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print JSON")
	return cmd
}

func newComplianceSellerCmd() *cobra.Command {
	var dbURL, name string
	var callerIDs []string
	var platform, jsonOut bool
	cmd := &cobra.Command{
		Use:   "seller ID --caller-id NUMBER... [--platform-suppression]",
		Short: "Register a seller (or replace its settings): its caller ids and platform-wide suppression",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(callerIDs) == 0 {
				return usageErr("compliance seller: at least one --caller-id is required")
			}
			if _, err := parseNumbers(callerIDs); err != nil {
				return err
			}
			db, err := openStore(cmd.Context(), dbURL, true)
			if err != nil {
				return err
			}
			defer db.Close()
			s, err := db.SellerPut(cmd.Context(), &store.SellerPutParams{ID: args[0], Name: name, CallerIDs: callerIDs, PlatformSuppression: platform})
			if err != nil {
				return failureErr(err)
			}
			if jsonOut {
				return printJSON(cmd.OutOrStdout(), s)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "seller %s: caller ids %s, platform suppression %v\n", s.ID, strings.Join(s.CallerIDs, ","), s.PlatformSuppression)
			return nil
		},
	}
	addDatabaseFlag(cmd, &dbURL)
	cmd.Flags().StringVar(&name, "name", "", "the seller's registered name")
	cmd.Flags().StringSliceVar(&callerIDs, "caller-id", nil, "a caller id the seller presents (repeatable)")
	cmd.Flags().BoolVar(&platform, "platform-suppression", false, "every seller's internal do-not-call entries also block this seller")
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print JSON")
	return cmd
}
