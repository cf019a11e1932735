package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/voxdial/voxdial/compliance"
	"github.com/voxdial/voxdial/store"
)

// newConsentCmd is `voxdial consent`: the consent ledger.
func newConsentCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "consent",
		Short: "The consent ledger: add, revoke, show, import",
		Long: `Consent records (docs/compliance-check.md): kind (written | express | direct), purposes,
whether artificial-voice calls are covered, source and evidence (text shown, IP, recording
hash), given and expiry times, and revocation with its channel. Each record carries a hash of
its content; decisions cite it, and a record edited afterwards is no longer relied upon.
Exit 0 on success, 1 when the operation failed, 2 on bad usage or input.`,
	}
	cmd.AddCommand(newConsentAddCmd(), newConsentRevokeCmd(), newConsentShowCmd(), newConsentImportCmd())
	return cmd
}

type consentFlags struct {
	dbURL, by, via, at, scope string
	c                         compliance.ConsentInput
	jsonOut                   bool
	now                       func() time.Time // the clock given_at is checked against (default time.Now)
}

// clock is the command's clock.
func (f *consentFlags) clock() time.Time {
	if f.now != nil {
		return f.now()
	}
	return time.Now()
}

func newConsentAddCmd() *cobra.Command {
	f := &consentFlags{}
	cmd := &cobra.Command{
		Use:   "add --number N --seller S --kind K --scope P[,P] --given-at TIME [evidence flags]",
		Short: "Record one consent",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f.c.Scope = splitList(f.scope)
			r, err := compliance.ConsentIntake(&f.c, f.by, f.clock())
			if err != nil {
				var fe *compliance.ConsentFieldError
				if errors.As(err, &fe) {
					return usageErr("consent add: --%s: %v", consentFlagName(fe.Field), fe.Err)
				}
				return usageErr("consent add: %v", err)
			}
			db, err := openStore(cmd.Context(), f.dbURL, true)
			if err != nil {
				return err
			}
			defer db.Close()
			ids, err := db.ConsentAdd(cmd.Context(), &store.ConsentAddParams{Consents: []store.Consent{r}})
			if err != nil {
				return failureErr(err)
			}
			r.ID = ids[0]
			if f.jsonOut {
				return printJSON(cmd.OutOrStdout(), map[string]any{"id": r.ID, "consent_id": compliance.ConsentID(&r), "record_hash": r.RecordHash})
			}
			fmt.Fprintf(cmd.OutOrStdout(), "consent %s recorded for %s (seller %s)\n", compliance.ConsentID(&r), r.Phone, r.Seller)
			return nil
		},
	}
	addDatabaseFlag(cmd, &f.dbURL)
	fl := cmd.Flags()
	fl.StringVar(&f.c.Number, "number", "", "the consumer's number, E.164")
	fl.StringVar(&f.c.Seller, "seller", "", "the seller the consent names")
	fl.StringVar(&f.c.Kind, "kind", "", "written | express | direct")
	fl.StringVar(&f.scope, "scope", "", "purposes covered, comma-separated: telemarketing, informational, collections")
	fl.BoolVar(&f.c.ArtificialVoice, "artificial-voice", false, "the consent covers artificial-voice (AI) calls")
	fl.StringVar(&f.c.Source, "source", "", "where it was given (web form, call, paper …)")
	fl.StringVar(&f.c.EvidenceText, "text", "", "the exact text shown to the consumer")
	fl.StringVar(&f.c.EvidenceIP, "ip", "", "the consumer's IP address")
	fl.StringVar(&f.c.EvidenceRecording, "recording-hash", "", "hash of the recording in which it was given")
	fl.StringVar(&f.c.GivenAt, "given-at", "", "when it was given, RFC 3339")
	fl.StringVar(&f.c.ExpiresAt, "expires-at", "", "when it expires, RFC 3339 (default: never)")
	fl.StringVar(&f.by, "by", defaultWho(), "who records it (default: the OS user)")
	fl.BoolVar(&f.jsonOut, "json", false, "print JSON")
	return cmd
}

// consentFlagName is the `consent add` flag of a consent field.
func consentFlagName(field string) string {
	switch field {
	case "evidence_ip":
		return "ip"
	case "evidence_text":
		return "text"
	case "evidence_recording":
		return "recording-hash"
	}
	return strings.ReplaceAll(field, "_", "-")
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func newConsentRevokeCmd() *cobra.Command {
	f := &consentFlags{}
	cmd := &cobra.Command{
		Use:   "revoke --number N --seller S --via CHANNEL [--at TIME]",
		Short: "Revoke every consent of a number for a seller (effective at once)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, ok := compliance.ParseNumber(f.c.Number); !ok {
				return usageErr("consent revoke: --number %q: want E.164", f.c.Number)
			}
			if f.c.Seller == "" || f.via == "" || f.by == "" {
				return usageErr("consent revoke: --seller, --via (the channel) and --by are required")
			}
			at := time.Now()
			if f.at != "" {
				t, err := time.Parse(time.RFC3339, f.at)
				if err != nil {
					return usageErr("consent revoke: --at %q: want RFC 3339", f.at)
				}
				at = t
			}
			db, err := openStore(cmd.Context(), f.dbURL, true)
			if err != nil {
				return err
			}
			defer db.Close()
			n, err := db.ConsentRevoke(cmd.Context(), &store.ConsentRevokeParams{Phone: f.c.Number, Seller: f.c.Seller, Via: f.via, By: f.by, At: at})
			if err != nil {
				return failureErr(err)
			}
			if f.jsonOut {
				return printJSON(cmd.OutOrStdout(), map[string]any{"number": f.c.Number, "seller": f.c.Seller, "revoked": n})
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d consent(s) of %s for %s revoked via %s\n", n, f.c.Number, f.c.Seller, f.via)
			if n == 0 {
				return failureErr(fmt.Errorf("consent revoke: no consent in force for %s and seller %s", f.c.Number, f.c.Seller))
			}
			return nil
		},
	}
	addDatabaseFlag(cmd, &f.dbURL)
	fl := cmd.Flags()
	fl.StringVar(&f.c.Number, "number", "", "the consumer's number, E.164")
	fl.StringVar(&f.c.Seller, "seller", "", "the seller")
	fl.StringVar(&f.via, "via", "", "the channel: call, sms, email, web, letter, api …")
	fl.StringVar(&f.at, "at", "", "when it was revoked, RFC 3339 (default now)")
	fl.StringVar(&f.by, "by", defaultWho(), "who records it (default: the OS user)")
	fl.BoolVar(&f.jsonOut, "json", false, "print JSON")
	return cmd
}

func newConsentShowCmd() *cobra.Command {
	f := &consentFlags{}
	cmd := &cobra.Command{
		Use:   "show NUMBER [--seller S]",
		Short: "Show a number's consents and the decisions that relied on them",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, ok := compliance.ParseNumber(args[0]); !ok {
				return usageErr("consent show: %q: want E.164", args[0])
			}
			db, err := openStore(cmd.Context(), f.dbURL, true)
			if err != nil {
				return err
			}
			defer db.Close()
			cs, err := db.ConsentList(cmd.Context(), &store.ConsentListParams{Phone: args[0], Seller: f.c.Seller})
			if err != nil {
				return failureErr(err)
			}
			type shown struct {
				*store.Consent
				ConsentID string  `json:"consent_id"`
				HashOK    bool    `json:"hash_ok"`
				UsedBySeq []int64 `json:"used_by_audit_seq"`
			}
			out := []shown{}
			audit, err := db.AuditList(cmd.Context(), &store.AuditListParams{Phone: args[0]})
			if err != nil {
				return failureErr(err)
			}
			for _, c := range cs {
				s := shown{Consent: c, ConsentID: compliance.ConsentID(c), HashOK: compliance.ConsentRecordHash(c) == c.RecordHash, UsedBySeq: []int64{}}
				for _, a := range audit {
					if a.ConsentID == s.ConsentID {
						s.UsedBySeq = append(s.UsedBySeq, a.Seq)
					}
				}
				out = append(out, s)
			}
			if f.jsonOut {
				return printJSON(cmd.OutOrStdout(), out)
			}
			w := cmd.OutOrStdout()
			if len(out) == 0 {
				fmt.Fprintf(w, "no consent recorded for %s\n", args[0])
			}
			for _, s := range out {
				state := "in force"
				switch {
				case !s.RevokedAt.IsZero():
					state = "revoked " + s.RevokedAt.Format(time.RFC3339) + " via " + s.RevokedVia
				case !s.ExpiresAt.IsZero() && !s.ExpiresAt.After(time.Now()):
					state = "expired " + s.ExpiresAt.Format(time.RFC3339)
				}
				if !s.HashOK {
					state += "; RECORD EDITED (hash mismatch): not relied upon"
				}
				fmt.Fprintf(w, "%s  seller %s  %s  %s  artificial_voice=%v  given %s  %s  (%s; used by %d decisions)\n", s.ConsentID, s.Seller,
					s.Kind, strings.Join(s.Scope, ","), s.ArtificialVoice, s.GivenAt.Format(time.RFC3339), state, s.Source, len(s.UsedBySeq))
			}
			return nil
		},
	}
	addDatabaseFlag(cmd, &f.dbURL)
	cmd.Flags().StringVar(&f.c.Seller, "seller", "", "only this seller's consents")
	cmd.Flags().BoolVar(&f.jsonOut, "json", false, "print JSON")
	return cmd
}

func newConsentImportCmd() *cobra.Command {
	f := &consentFlags{}
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Import consents from JSON Lines (all or nothing)",
		Long: `Import consents, one JSON object per line ("-" for standard input):
{"number": "+1…", "seller": "S1", "kind": "written", "scope": ["telemarketing"],
 "artificial_voice": true, "source": "web", "evidence_text": "…", "evidence_ip": "…",
 "evidence_recording": "sha256:…", "given_at": "2026-01-02T15:04:05Z", "expires_at": ""}
A malformed line stops the import (exit 2) naming the file, line and field; nothing is stored.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runConsentImport(cmd.Context(), f, args[0], cmd.InOrStdin(), cmd.OutOrStdout())
		},
	}
	addDatabaseFlag(cmd, &f.dbURL)
	cmd.Flags().StringVar(&f.by, "by", defaultWho(), "who imports (default: the OS user)")
	cmd.Flags().BoolVar(&f.jsonOut, "json", false, "print JSON")
	return cmd
}

func runConsentImport(ctx context.Context, f *consentFlags, file string, stdin io.Reader, stdout io.Writer) error {
	in := stdin
	if file != "-" {
		fh, err := os.Open(file)
		if err != nil {
			return usageErr("%v", err)
		}
		defer fh.Close()
		in = fh
	}
	var recs []store.Consent
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for line := 1; sc.Scan(); line++ {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var c compliance.ConsentInput
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return usageErr("consent import: %s line %d: %v", file, line, err)
		}
		r, err := compliance.ConsentIntake(&c, f.by, f.clock())
		if err != nil {
			return usageErr("consent import: %s line %d %v", file, line, err)
		}
		recs = append(recs, r)
	}
	if err := sc.Err(); err != nil {
		return usageErr("consent import: %s: %v", file, err)
	}
	db, err := openStore(ctx, f.dbURL, true)
	if err != nil {
		return err
	}
	defer db.Close()
	ids, err := db.ConsentAdd(ctx, &store.ConsentAddParams{Consents: recs})
	if err != nil {
		return failureErr(err)
	}
	if f.jsonOut {
		return printJSON(stdout, map[string]any{"file": file, "imported": len(ids)})
	}
	fmt.Fprintf(stdout, "%d consents imported from %s\n", len(ids), file)
	return nil
}
