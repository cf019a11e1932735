package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/voxdial/voxdial/compliance"
)

// newComplianceCmd groups the compliance officer's commands.
func newComplianceCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "compliance",
		Short: "The compliance gate: offline checks, why a number was (not) called, audit verification, sellers",
	}
	cmd.AddCommand(newComplianceCheckCmd())
	cmd.AddCommand(complianceStoreCmds()...)
	return cmd
}

type complianceCheckFlags struct {
	state, attempts string
	jsonOut         bool
}

func newComplianceCheckCmd() *cobra.Command {
	f := &complianceCheckFlags{}
	cmd := &cobra.Command{
		Use:   "check --state state.json [--attempts attempts.jsonl] --json",
		Short: "Decide attempts (JSON Lines) against a state file, one decision per line",
		Long: `Reads attempts as JSON Lines from --attempts or standard input and writes one decision
per attempt, in input order, with the same gate code as the dialer
(docs/compliance-check.md). Exit 0 when every line was decided, whatever the
decisions; 2 with a message naming the file, line and field when input is malformed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runComplianceCheck(cmd, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.state, "state", "", "state file (sellers, campaigns, contacts, consents, DNC, history)")
	fl.StringVar(&f.attempts, "attempts", "", "attempts file, JSON Lines (default: standard input)")
	fl.BoolVar(&f.jsonOut, "json", false, "print JSON Lines decisions (the contract); without it, one human line per decision")
	return cmd
}

func runComplianceCheck(cmd *cobra.Command, f *complianceCheckFlags) error {
	if f.state == "" {
		return usageErr("compliance check: --state is required")
	}
	sf, err := os.Open(f.state)
	if err != nil {
		return usageErr("--state: %v", err)
	}
	defer sf.Close()
	var in io.Reader = cmd.InOrStdin()
	inName := "stdin"
	if f.attempts != "" && f.attempts != "-" {
		af, err := os.Open(f.attempts)
		if err != nil {
			return usageErr("--attempts: %v", err)
		}
		defer af.Close()
		in, inName = af, f.attempts
	}
	out := cmd.OutOrStdout()
	if !f.jsonOut {
		out = &humanDecisions{w: out}
	}
	err = compliance.CheckStream(cmd.Context(), sf, in, out)
	var ie *compliance.InputError
	if errors.As(err, &ie) {
		named := *ie
		if ie.File == "state" {
			named.File = f.state
		} else {
			named.File = inName
		}
		return usageErr("compliance check: %v", &named)
	}
	if err != nil {
		return failureErr(fmt.Errorf("compliance check: %w", err))
	}
	return nil
}

// humanDecisions turns decision lines into one readable line each.
type humanDecisions struct {
	w   io.Writer
	buf []byte
}

func (h *humanDecisions) Write(p []byte) (int, error) {
	h.buf = append(h.buf, p...)
	for {
		i := strings.IndexByte(string(h.buf), '\n')
		if i < 0 {
			return len(p), nil
		}
		var d compliance.DecisionJSON
		if err := json.Unmarshal(h.buf[:i], &d); err != nil {
			return 0, err
		}
		h.buf = h.buf[i+1:]
		line := fmt.Sprintf("%s\t%s", d.ID, d.Decision)
		if len(d.Rules) > 0 {
			line += "\t" + strings.Join(d.Rules, ",")
		}
		if d.NextEligibleAt != "" {
			line += "\tnext " + d.NextEligibleAt
		}
		line += "\t" + d.Reason
		bw := bufio.NewWriter(h.w)
		fmt.Fprintln(bw, line)
		if err := bw.Flush(); err != nil {
			return 0, err
		}
	}
}
