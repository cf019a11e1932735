package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/internal/app"
	"github.com/voxdial/voxdial/voicebot/live"
)

type callFlags struct {
	to, trunk, script, recordDir, configPath string
	vars                                     []string
	ringTimeout                              time.Duration
	amd, jsonOut                             bool
	cfg                                      *configFlags
}

func newCallCmd() *cobra.Command {
	f := &callFlags{}
	cmd := &cobra.Command{
		Use:   "call --to <E.164|SIP URI> --trunk <SIP URI|name> [--script FILE]",
		Short: "Place one call and print its result",
		Long: `Place one outbound call through a trunk, run a script on it once answered,
and print the result. Exit 0 when the call completed as a call (any outcome),
1 on a local failure, 2 on bad usage or input.

The user agent (sip, rtp: mode, ports, codecs), trunks, speech engines and
logging come from the config file (docs/config.md) and the environment; the
flags below override them.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCall(cmd.Context(), f, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.to, "to", "", "number (E.164) or SIP URI to call (required)")
	fl.StringVar(&f.trunk, "trunk", "", "trunk: a SIP URI (sip:[user:pass@]host[:port][;transport=tcp]) or a configured trunk name (required)")
	fl.StringVar(&f.script, "script", "asset:hello.yaml", "script file (asset:NAME for a built-in one)")
	fl.StringArrayVar(&f.vars, "var", nil, "script variable k=v (repeatable)")
	fl.DurationVar(&f.ringTimeout, "ring-timeout", 30*time.Second, "CANCEL the call if not answered within this time")
	fl.StringVar(&f.recordDir, "record-dir", "", "write a stereo WAV recording (left: bot, right: callee) into this directory")
	fl.BoolVar(&f.amd, "amd", true, "answering-machine detection on voice-bot calls (a machine gets the voicemail branch after its beep)")
	fl.BoolVar(&f.jsonOut, "json", false, "print the result as one JSON document")
	fl.StringVar(&f.configPath, "config", os.Getenv("VOXDIAL_CONFIG"), "config file (default $VOXDIAL_CONFIG)")
	f.cfg = newConfigFlags(cmd)
	f.cfg.String("listen", "sip.listen", "", "SIP listen address (overrides sip.listen)", func(c *app.Config, v string) { c.SIP.Listen = v })
	f.cfg.String("rtp-ports", "rtp.ports", "", "RTP port range MIN-MAX (overrides rtp.ports)", func(c *app.Config, v string) { c.RTP.Ports = v })
	f.cfg.String("log-level", "log.level", "", "debug | info | warn | error (overrides log.level)", func(c *app.Config, v string) { c.Log.Level = v })
	addEngineFlags(f.cfg)
	return cmd
}

func runCall(ctx context.Context, f *callFlags, stdout, stderr io.Writer) error {
	if f.to == "" || f.trunk == "" {
		return usageErr("call: --to and --trunk are required")
	}
	cfg, err := f.cfg.load(f.configPath)
	if err != nil {
		return err
	}
	trunk, err := cfg.trunk(f.trunk)
	if err != nil {
		return usageErr("%v", err)
	}
	vars := map[string]string{}
	for _, kv := range f.vars {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return usageErr("--var %q: want key=value", kv)
		}
		vars[k] = v
	}
	if f.ringTimeout <= 0 {
		return usageErr("--ring-timeout %s: must be positive", f.ringTimeout)
	}
	if f.recordDir != "" {
		if err := os.MkdirAll(f.recordDir, 0o755); err != nil {
			return usageErr("--record-dir: %v", err)
		}
	}
	// A node of the user agent and the script host only: no store, no runner.
	n, err := app.New(ctx, cfg.Config, app.Options{Stderr: stderr, NoStore: true, NoAMD: !f.amd})
	if err != nil {
		return nodeErr(err)
	}
	defer n.Close()
	script, err := n.Host().Load(f.script)
	if err != nil {
		return usageErr("--script: %v", err)
	}
	req := dialer.DialRequest{To: f.to, RingTimeout: f.ringTimeout}
	run, err := script.Prepare(vars, &req)
	if err != nil {
		if errors.Is(err, live.ErrVariables) {
			return usageErr("--var: %v", err) // a required variable missing or unreadable
		}
		return failureErr(err)
	}
	log := n.Logger()
	return n.Run(ctx, func(ctx context.Context) error {
		req.Trunk = trunk
		if f.recordDir != "" {
			req.CallID = newCallID()
			req.RecordPath = filepath.Join(f.recordDir, req.CallID+".wav")
		}
		call, err := n.UA().Dial(ctx, req)
		if err != nil {
			if errors.Is(err, dialer.ErrInvalidTarget) {
				return usageErr("--to: %v", err)
			}
			return failureErr(err)
		}
		if call.Answered() {
			if err := run(ctx, call); err != nil {
				log.Warn("script stopped", zap.String("call_id", call.ID()), zap.Error(err))
			}
		}
		<-call.Done()
		res := call.Result()
		for k, v := range vars {
			res.Variables[k] = v
		}
		return printCallResult(stdout, res, f.jsonOut)
	})
}

func printCallResult(w io.Writer, res dialer.Result, jsonOut bool) error {
	if jsonOut {
		return printJSON(w, res)
	}
	fmt.Fprintf(w, "call %s to %s: %s", res.CallID, res.To, res.Outcome)
	if res.SIPStatus != 0 {
		fmt.Fprintf(w, " (%d %s)", res.SIPStatus, res.SIPReason)
	}
	if res.Reason != "" {
		fmt.Fprintf(w, " — %s", res.Reason)
	}
	fmt.Fprintln(w)
	if res.Timings.AnsweredAt != nil {
		fmt.Fprintf(w, "  answered after %d ms, lasted %d ms, hung up by %s\n", res.Timings.SetupMS, res.Timings.DurationMS, res.HangupBy)
	}
	if res.DTMF != "" {
		fmt.Fprintf(w, "  DTMF received: %s\n", res.DTMF)
	}
	if res.Recording != "" {
		fmt.Fprintf(w, "  recording: %s\n", res.Recording)
	}
	return nil
}

func newCallID() string { return uuid.NewString() }
