package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/voxdial/voxdial/compliance"
	"github.com/voxdial/voxdial/store"
)

// newDNCCmd is `voxdial dnc`: the do-not-call lists.
func newDNCCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dnc",
		Short: "Do-not-call lists: import registry copies, add, remove, check, export",
		Long: `Do-not-call lists the compliance gate enforces: a seller's internal list (opt-outs land
here), the US National registry, US state lists (per region), UK TPS/CTPS and the CN
decline-calls registry. Registry imports replace the list's previous copy; internal entries
are added and removed one by one with who and why, and removals keep the entry's record.
Exit 0 on success, 1 when the operation failed, 2 on bad usage or input.`,
	}
	cmd.AddCommand(newDNCImportCmd(), newDNCAddCmd(), newDNCRemoveCmd(), newDNCCheckCmd(), newDNCExportCmd())
	return cmd
}

type dncFlags struct {
	dbURL, list, seller, region, by, reason, asOf string
	jsonOut                                       bool
}

func (f *dncFlags) add(cmd *cobra.Command, withList bool) {
	addDatabaseFlag(cmd, &f.dbURL)
	fl := cmd.Flags()
	if withList {
		fl.StringVar(&f.list, "list", "internal", "internal | national | state | tps | decline")
	}
	fl.StringVar(&f.seller, "seller", "", "the seller whose internal list (required for --list internal)")
	fl.StringVar(&f.region, "region", "", "the state of a state list, ISO 3166-2 (e.g. US-TX)")
	fl.BoolVar(&f.jsonOut, "json", false, "print JSON")
}

// scope checks --list and returns the list and its scope (seller or region).
func (f *dncFlags) scope() (compliance.List, string, error) {
	l, ok := compliance.ParseList(f.list)
	if !ok {
		return 0, "", usageErr("--list %q: want internal, national, state, tps or decline", f.list)
	}
	switch l {
	case compliance.ListInternal:
		if f.seller == "" {
			return 0, "", usageErr("--list internal needs --seller")
		}
		return l, f.seller, nil
	case compliance.ListState:
		if len(f.region) < 4 || f.region[2] != '-' {
			return 0, "", usageErr("--list state needs --region like US-TX")
		}
		return l, f.region, nil
	}
	return l, "", nil
}

func parseNumbers(args []string) ([]string, error) {
	for _, a := range args {
		if _, ok := compliance.ParseNumber(a); !ok {
			return nil, usageErr("number %q: want E.164 (+ and 2–15 digits)", a)
		}
	}
	return args, nil
}

func newDNCImportCmd() *cobra.Command {
	f := &dncFlags{}
	cmd := &cobra.Command{
		Use:   "import --list national|internal|state|tps|decline --as-of DATE FILE",
		Short: "Import a registry copy (streaming; progress on stderr)",
		Long: `Stream FILE (one number per line: E.164 or the list's national forms; "-" for standard
input) into the store. A registry list (national, state, tps, decline) replaces its previous
copy, stored as one compressed bitmap, and --as-of (the download date) drives the gate's
freshness rule; an internal list is added entry by entry (--seller, --by, --reason).
A malformed line stops the import (exit 2) naming the file and line; nothing is stored.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDNCImport(cmd.Context(), f, args[0], cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f.add(cmd, true)
	cmd.Flags().StringVar(&f.asOf, "as-of", "", "the registry copy's date, YYYY-MM-DD (required for registry lists)")
	cmd.Flags().StringVar(&f.by, "by", defaultWho(), "who imports (default: the OS user)")
	cmd.Flags().StringVar(&f.reason, "reason", "", "why (internal lists)")
	return cmd
}

type dncImportResult struct {
	List       string  `json:"list"`
	Scope      string  `json:"scope,omitempty"`
	File       string  `json:"file"`
	AsOf       string  `json:"as_of,omitempty"`
	Lines      int64   `json:"lines"`
	Numbers    int64   `json:"numbers"`
	Distinct   uint64  `json:"distinct"`
	Added      int     `json:"added,omitempty"`
	SHA256     string  `json:"sha256"`
	Bytes      int64   `json:"bytes"`
	ParseS     float64 `json:"parse_seconds"`
	TotalS     float64 `json:"total_seconds"`
	NumbersPS  float64 `json:"numbers_per_second"`
	SnapshotID int64   `json:"snapshot_id,omitempty"`
}

func runDNCImport(ctx context.Context, f *dncFlags, file string, stdin io.Reader, stdout, stderr io.Writer) error {
	l, scope, err := f.scope()
	if err != nil {
		return err
	}
	if l != compliance.ListInternal {
		if _, err := time.Parse(time.DateOnly, f.asOf); err != nil {
			return usageErr("--as-of %q: want the registry copy's date, YYYY-MM-DD", f.asOf)
		}
	}
	if f.by == "" {
		return usageErr("--by: who imports is required")
	}
	in := stdin
	if file != "-" {
		fh, err := os.Open(file)
		if err != nil {
			return usageErr("%v", err)
		}
		defer fh.Close()
		in = fh
	}
	db, err := openStore(ctx, f.dbURL, true)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	h := sha256.New()
	cr := &countingReader{r: io.TeeReader(in, h)}
	var nLines int64
	bm, n, err := compliance.ReadDNCNumbers(cr, file, l, func(lines, numbers int64) {
		nLines = lines
		el := time.Since(start).Seconds()
		fmt.Fprintf(stderr, "dnc import: %s: %d lines, %d numbers, %.1f M numbers/s\n", file, lines, numbers, float64(numbers)/el/1e6)
	})
	var ie *compliance.InputError
	if errors.As(err, &ie) {
		return usageErr("dnc import: %v", err)
	}
	if err != nil {
		return failureErr(fmt.Errorf("dnc import: %w", err))
	}
	parse := time.Since(start)
	res := dncImportResult{List: l.String(), Scope: scope, File: file, AsOf: f.asOf, Lines: nLines, Numbers: n, Distinct: bm.GetCardinality(),
		SHA256: hex.EncodeToString(h.Sum(nil)), Bytes: cr.n, ParseS: parse.Seconds()}
	if l == compliance.ListInternal {
		phones := make([]string, 0, 10000)
		it := bm.Iterator()
		for it.HasNext() {
			phones = append(phones, compliance.FormatNumber(it.Next()))
			if len(phones) == cap(phones) || !it.HasNext() {
				k, err := db.DNCEntryAdd(ctx, &store.DNCEntryAddParams{List: "internal", Scope: scope, Phones: phones, By: f.by,
					Reason: f.reason, Source: "import:" + file})
				if err != nil {
					return failureErr(err)
				}
				res.Added += k
				phones = phones[:0]
			}
		}
	} else {
		data, err := compliance.EncodeSnapshot(bm)
		if err != nil {
			return failureErr(err)
		}
		s, err := db.DNCSnapshotPut(ctx, &store.DNCSnapshotPutParams{List: l.String(), Scope: scope, AsOf: f.asOf,
			Numbers: int64(bm.GetCardinality()), Source: file, SHA256: res.SHA256, By: f.by, Data: data})
		if err != nil {
			return failureErr(err)
		}
		res.SnapshotID = s.ID
	}
	total := time.Since(start)
	res.TotalS, res.NumbersPS = total.Seconds(), float64(n)/total.Seconds()
	if f.jsonOut {
		return printJSON(stdout, res)
	}
	fmt.Fprintf(stdout, "%s%s: %d numbers (%d distinct) from %s in %.2fs (%.2f M numbers/s; parse %.2fs)\n",
		res.List, optScope(scope), n, res.Distinct, file, res.TotalS, res.NumbersPS/1e6, res.ParseS)
	return nil
}

func optScope(s string) string {
	if s == "" {
		return ""
	}
	return " " + s
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func newDNCAddCmd() *cobra.Command {
	f := &dncFlags{}
	cmd := &cobra.Command{
		Use:   "add --seller S --by WHO --reason WHY NUMBER...",
		Short: "List numbers (who and why are kept with each entry)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, scope, err := f.scope()
			if err != nil {
				return err
			}
			if f.by == "" || f.reason == "" {
				return usageErr("dnc add: --by (who) and --reason (why) are required")
			}
			nums, err := parseNumbers(args)
			if err != nil {
				return err
			}
			db, err := openStore(cmd.Context(), f.dbURL, true)
			if err != nil {
				return err
			}
			defer db.Close()
			n, err := db.DNCEntryAdd(cmd.Context(), &store.DNCEntryAddParams{List: l.String(), Scope: scope, Phones: nums,
				By: f.by, Reason: f.reason, Source: "cli"})
			if err != nil {
				return failureErr(err)
			}
			// A seller's own list: the number's queued contacts in the seller's campaigns
			// are cancelled too (as for an opt-out in a call).
			cancelled := 0
			if l == compliance.ListInternal {
				for _, num := range nums {
					ids, err := db.ContactCancel(cmd.Context(), &store.ContactCancelParams{Phone: num, Seller: scope, Disposition: "compliance_blocked",
						Reason: "listed on the seller's do-not-call list by " + f.by + ": " + f.reason})
					if err != nil {
						return failureErr(err)
					}
					cancelled += len(ids)
				}
			}
			if f.jsonOut {
				return printJSON(cmd.OutOrStdout(), map[string]any{"list": l.String(), "scope": scope, "added": n, "already_listed": len(nums) - n,
					"queued_contacts_cancelled": cancelled})
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d added to %s%s (%d already listed); %d queued contacts cancelled\n", n, l, optScope(scope), len(nums)-n, cancelled)
			return nil
		},
	}
	f.add(cmd, true)
	cmd.Flags().StringVar(&f.by, "by", "", "who lists the numbers (required)")
	cmd.Flags().StringVar(&f.reason, "reason", "", "why (required)")
	return cmd
}

func newDNCRemoveCmd() *cobra.Command {
	f := &dncFlags{}
	cmd := &cobra.Command{
		Use:   "remove --seller S --by WHO --reason WHY NUMBER",
		Short: "End a number's listing (the entry's record is kept with who and why)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, scope, err := f.scope()
			if err != nil {
				return err
			}
			if f.by == "" || f.reason == "" {
				return usageErr("dnc remove: --by (who) and --reason (why) are required")
			}
			if _, err := parseNumbers(args); err != nil {
				return err
			}
			db, err := openStore(cmd.Context(), f.dbURL, true)
			if err != nil {
				return err
			}
			defer db.Close()
			err = db.DNCEntryRemove(cmd.Context(), &store.DNCEntryRemoveParams{List: l.String(), Scope: scope, Phone: args[0], By: f.by, Reason: f.reason})
			if errors.Is(err, store.ErrNotFound) {
				return failureErr(fmt.Errorf("dnc remove: %s is not on the %s%s list", args[0], l, optScope(scope)))
			}
			if err != nil {
				return failureErr(err)
			}
			if f.jsonOut {
				return printJSON(cmd.OutOrStdout(), map[string]any{"list": l.String(), "scope": scope, "removed": args[0]})
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s removed from %s%s\n", args[0], l, optScope(scope))
			return nil
		},
	}
	f.add(cmd, true)
	cmd.Flags().StringVar(&f.by, "by", "", "who removes the number (required)")
	cmd.Flags().StringVar(&f.reason, "reason", "", "why (required)")
	return cmd
}

type dncCheckResult struct {
	Number   string            `json:"number"`
	Listed   []string          `json:"listed"` // list or list/scope
	Entries  []*store.DNCEntry `json:"entries"`
	Registry map[string]string `json:"registry_as_of"`
}

func newDNCCheckCmd() *cobra.Command {
	f := &dncFlags{}
	cmd := &cobra.Command{
		Use:   "check NUMBER",
		Short: "Show every list that holds a number, with the entries' who, why and when",
		Long: `Show every list that holds NUMBER now (registry copies and entries), and the entries'
history. Exit 0 whether or not it is listed (see "listed" in --json).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := parseNumbers(args); err != nil {
				return err
			}
			ctx := cmd.Context()
			db, err := openStore(ctx, f.dbURL, true)
			if err != nil {
				return err
			}
			defer db.Close()
			res, err := dncCheck(ctx, db, args[0])
			if err != nil {
				return failureErr(err)
			}
			if f.jsonOut {
				return printJSON(cmd.OutOrStdout(), res)
			}
			printDNCCheck(cmd.OutOrStdout(), res)
			return nil
		},
	}
	f.add(cmd, false)
	return cmd
}

func dncCheck(ctx context.Context, db *store.DB, number string) (*dncCheckResult, error) {
	num, _ := compliance.ParseNumber(number)
	dnc, err := compliance.NewStoreDNC(ctx, db)
	if err != nil {
		return nil, err
	}
	res := &dncCheckResult{Number: number, Listed: []string{}, Registry: map[string]string{}}
	idx := dnc.Index()
	for _, l := range []compliance.List{compliance.ListNational, compliance.ListTPS, compliance.ListDecline} {
		if idx.Has(l, "", num) {
			res.Listed = append(res.Listed, l.String())
		}
	}
	for _, l := range []compliance.List{compliance.ListInternal, compliance.ListState} {
		for _, s := range idx.Scopes(l) {
			if idx.Has(l, s, num) {
				res.Listed = append(res.Listed, l.String()+"/"+s)
			}
		}
	}
	snaps, err := db.DNCSnapshotCurrent(ctx)
	if err != nil {
		return nil, err
	}
	for _, s := range snaps {
		res.Registry[s.List+optSlash(s.Scope)] = s.AsOf
	}
	if res.Entries, err = db.DNCEntryList(ctx, &store.DNCEntryListParams{Phone: number, WithRemoved: true}); err != nil {
		return nil, err
	}
	if res.Entries == nil {
		res.Entries = []*store.DNCEntry{}
	}
	return res, nil
}

func optSlash(s string) string {
	if s == "" {
		return ""
	}
	return "/" + s
}

func printDNCCheck(w io.Writer, r *dncCheckResult) {
	if len(r.Listed) == 0 {
		fmt.Fprintf(w, "%s is on no do-not-call list\n", r.Number)
	} else {
		fmt.Fprintf(w, "%s is on: %s\n", r.Number, strings.Join(r.Listed, ", "))
	}
	for _, e := range r.Entries {
		fmt.Fprintf(w, "  %s%s listed %s by %s: %s (%s)", e.List, optSlash(e.Scope), e.ListedAt.Format(time.RFC3339), e.AddedBy, e.Reason, e.Source)
		if !e.RemovedAt.IsZero() {
			fmt.Fprintf(w, "; removed %s by %s: %s", e.RemovedAt.Format(time.RFC3339), e.RemovedBy, e.RemovedReason)
		}
		fmt.Fprintln(w)
	}
}

func newDNCExportCmd() *cobra.Command {
	f := &dncFlags{}
	cmd := &cobra.Command{
		Use:   "export --list L [--seller S | --region R]",
		Short: "Write a list's numbers, one E.164 number per line (--json: entries with who and why)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			l, scope, err := f.scope()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			db, err := openStore(ctx, f.dbURL, true)
			if err != nil {
				return err
			}
			defer db.Close()
			w := bufio.NewWriterSize(cmd.OutOrStdout(), 1<<16)
			defer w.Flush()
			if f.jsonOut { // entries with their who, why and when
				enc := json.NewEncoder(w)
				var after int64
				for {
					es, err := db.DNCEntryList(ctx, &store.DNCEntryListParams{List: l.String(), Scope: scope, AfterID: after})
					if err != nil {
						return failureErr(err)
					}
					for _, e := range es {
						if err := enc.Encode(e); err != nil {
							return failureErr(err)
						}
						after = e.ID
					}
					if len(es) < 10000 {
						return nil
					}
				}
			}
			dnc, err := compliance.NewStoreDNC(ctx, db)
			if err != nil {
				return failureErr(err)
			}
			var buf []byte
			err = dnc.Index().Each(l, scope, func(n uint64) error {
				buf = append(buf[:0], compliance.FormatNumber(n)...)
				buf = append(buf, '\n')
				_, err := w.Write(buf)
				return err
			})
			if err != nil {
				return failureErr(err)
			}
			return nil
		},
	}
	f.add(cmd, true)
	return cmd
}

// defaultWho is who runs the command, for --by: $USER, else the OS account.
func defaultWho() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return ""
}
