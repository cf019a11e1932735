package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/voxdial/voxdial/compliance"
)

// newComplianceAuditPruneCmd is `voxdial compliance audit prune`: drop audit records older
// than the retention, leaving an anchor so that `audit verify` still checks the rest.
func newComplianceAuditPruneCmd() *cobra.Command {
	var dbURL, before, by string
	var years int
	var dryRun, jsonOut bool
	cmd := &cobra.Command{
		Use:   "prune --by WHO [--retention-years N] [--before TIME] [--dry-run]",
		Short: "Delete audit records older than the retention (5 years by default and at least), keeping the chain verifiable",
		Long: `Deletes the oldest gate decisions from the audit log: those decided before --before (default:
now minus the retention). Refuses a retention under 5 years (TSR 16 CFR 310.5, 47 CFR
64.1200(d)(6)) and a --before inside the retention. The last deleted record's seq and hash
are kept as an anchor (with who pruned, when and the retention), so 'voxdial compliance
audit verify' checks the remaining chain from it and the cut itself is on record.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if by == "" {
				return usageErr("audit prune: --by is required (who prunes)")
			}
			o := compliance.AuditPruneOptions{RetentionYears: years, By: by, DryRun: dryRun}
			if before != "" {
				t, err := parseTimeFlag(before)
				if err != nil {
					return usageErr("--before %q: %v", before, err)
				}
				o.Before = t
			}
			db, err := openStore(cmd.Context(), dbURL, true)
			if err != nil {
				return err
			}
			defer db.Close()
			a, err := compliance.PruneStoreAudit(cmd.Context(), db, o)
			if errors.Is(err, compliance.ErrRetention) {
				return usageErr("audit prune: %v", err)
			}
			if err != nil {
				return failureErr(err)
			}
			res := map[string]any{"pruned": 0, "dry_run": dryRun}
			if a != nil {
				res["pruned"], res["anchor"] = a.Pruned, a
			}
			if jsonOut {
				return printJSON(cmd.OutOrStdout(), res)
			}
			switch {
			case a == nil:
				fmt.Fprintln(cmd.OutOrStdout(), "audit prune: no record is older than the retention")
			case dryRun:
				fmt.Fprintf(cmd.OutOrStdout(), "audit prune (dry run): would delete %d records, up to seq %d (decided %s)\n", a.Pruned, a.Seq, a.DecidedAt.Format(time.RFC3339))
			default:
				fmt.Fprintf(cmd.OutOrStdout(), "audit prune: deleted %d records up to seq %d (decided %s); anchor %d keeps the chain verifiable\n",
					a.Pruned, a.Seq, a.DecidedAt.Format(time.RFC3339), a.ID)
			}
			return nil
		},
	}
	addDatabaseFlag(cmd, &dbURL)
	fl := cmd.Flags()
	fl.StringVar(&by, "by", "", "who prunes (required; kept in the anchor)")
	fl.IntVar(&years, "retention-years", compliance.AuditRetentionYears, "keep records this many years (at least 5)")
	fl.StringVar(&before, "before", "", "prune records decided before this time (RFC 3339 or YYYY-MM-DD; default now minus the retention)")
	fl.BoolVar(&dryRun, "dry-run", false, "count only")
	fl.BoolVar(&jsonOut, "json", false, "print JSON")
	return cmd
}

// parseTimeFlag reads RFC 3339 or a date (midnight UTC).
func parseTimeFlag(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("want RFC 3339 (2021-11-25T00:00:00Z) or a date (2021-11-25)")
	}
	return t, nil
}
