package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/internal/app"
	"github.com/voxdial/voxdial/sim"
	"github.com/voxdial/voxdial/voicebot"
)

// demoCalls are numbers of the simulator's default profile, one per behaviour.
var demoCalls = []struct{ to, expect string }{
	{"+15550100001", "a person answers, talks, hangs up"},
	{"+15550100008", "early media, a person answers and presses 1"},
	{"+15550100009", "a person asks for a call back; we hang up"},
	{"+15550100004", "voicemail greeting and beep"},
	{"+15550100002", "busy"},
	{"+15550100003", "rings out: CANCEL after the ring timeout"},
	{"+15550100005", "rejected"},
	{"+15550100006", "invalid number"},
	{"+15550100007", "congestion"},
}

func newDemoCmd() *cobra.Command {
	var f demoFlags
	var calls bool
	var dbURL string
	var timeout time.Duration
	var dash demoDash
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run a whole campaign against the built-in simulator (or, with --calls, one call per outcome)",
		Long: `Start the callee simulator on loopback, create a collections campaign with the
payment-reminder voice-bot script on an embedded SQLite database (a temporary file
unless --database-url is given), import a sample contact file (its bad rows are
shown), run the campaign with short retry delays until every contact has a final
disposition, and print the results per disposition and per contact. With --http,
the dashboard serves the live campaign meanwhile (URL and login printed first).

With --calls, place one call per simulator behaviour instead (a person who talks,
early media and DTMF, voicemail, busy, ring-out, reject, invalid number,
congestion) with a short step script, and print each call's result.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if calls {
				return runDemo(cmd.Context(), f, cmd.OutOrStdout(), cmd.ErrOrStderr())
			}
			return runDemoCampaign(cmd.Context(), f, dbURL, timeout, dash, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.configPath, "config", "", "config file: sip, rtp (mode, ports, codecs), engines and log.format (docs/config.md); the demo sets its own store, runner and http")
	fl.BoolVar(&calls, "calls", false, "place one call per outcome instead of running a campaign")
	fl.BoolVar(&f.jsonOut, "json", false, "campaign: one JSON document; --calls: one JSON line per call")
	fl.StringVar(&f.recordDir, "record-dir", filepath.Join(os.TempDir(), "voxdial-demo"), "where call recordings go")
	fl.StringVar(&f.logLevel, "log-level", "warn", "debug | info | warn | error")
	fl.DurationVar(&f.ringTimeout, "ring-timeout", 8*time.Second, "--calls: ring timeout for each call")
	fl.StringVar(&dbURL, "database-url", "", "campaign: database (default: a new SQLite file in a temporary directory)")
	fl.DurationVar(&timeout, "timeout", 5*time.Minute, "campaign: give up after this long")
	fl.StringVar(&dash.addr, "http", "", "campaign: serve the dashboard here while the demo runs (prints the URL and a login)")
	fl.BoolVar(&dash.stay, "keep-serving", false, "campaign: with --http, keep serving the dashboard after the campaign until Ctrl-C")
	f.engines = newConfigFlags(cmd)
	addEngineFlags(f.engines)
	return cmd
}

type demoFlags struct {
	configPath  string
	jsonOut     bool
	recordDir   string
	logLevel    string
	ringTimeout time.Duration
	engines     *configFlags // the engines flags, over the config file's
}

func runDemo(ctx context.Context, f demoFlags, stdout, stderr io.Writer) error {
	cfg, err := app.Load(f.configPath, nil)
	if err != nil {
		return usageErr("%v", err)
	}
	cfg.Log.Level = f.logLevel
	cfg.SetOrigin("log.level", "flag --log-level")
	if err := f.engines.apply(cfg); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return usageErr("%v", err)
	}
	if err := os.MkdirAll(f.recordDir, 0o755); err != nil {
		return usageErr("--record-dir: %v", err)
	}
	script, err := voicebot.LoadScript("asset:demo.yaml")
	if err != nil {
		return failureErr(err)
	}
	// A node of the user agent only (no store, no runner), from the config.
	n, err := app.New(ctx, cfg, app.Options{Stderr: stderr, NoStore: true})
	if err != nil {
		return nodeErr(err)
	}
	log := n.Logger()
	far, trunk, err := sim.StartLocal(ctx, sim.Options{Logger: log.Named("sim")})
	if err != nil {
		n.Close()
		return failureErr(err)
	}
	defer far.Close()
	return n.Run(ctx, func(ctx context.Context) error {
		return placeDemoCalls(ctx, n.UA(), far, trunk, script, f, log, stdout, stderr)
	})
}

// placeDemoCalls places one call per simulator behaviour at once and prints the results.
func placeDemoCalls(ctx context.Context, ua *dialer.UA, far *sim.Server, trunk *dialer.Trunk, script *voicebot.Script, f demoFlags,
	log *zap.Logger, stdout, stderr io.Writer) error {
	fmt.Fprintf(stderr, "voxdial demo: simulator on %s, placing %d calls (recordings in %s)\n",
		far.Addr(), len(demoCalls), f.recordDir)
	results := make([]dialer.Result, len(demoCalls))
	var wg sync.WaitGroup
	var outMu sync.Mutex
	enc := json.NewEncoder(stdout)
	for i, dc := range demoCalls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := newCallID()
			call, err := ua.Dial(ctx, dialer.DialRequest{
				Trunk: trunk, To: dc.to, RingTimeout: f.ringTimeout, CallID: id,
				RecordPath: filepath.Join(f.recordDir, id+".wav"),
			})
			if err != nil {
				log.Error("dial", zap.String("to", dialer.MaskNumber(dc.to)), zap.Error(err))
				results[i] = dialer.Result{To: dc.to, Outcome: dialer.OutcomeFailed, Reason: err.Error()}
				return
			}
			if call.Answered() {
				if err := script.Run(ctx, call); err != nil {
					_ = call.Hangup(context.WithoutCancel(ctx))
				}
			}
			<-call.Done()
			results[i] = call.Result()
			outMu.Lock()
			defer outMu.Unlock()
			if f.jsonOut {
				_ = enc.Encode(results[i])
			} else {
				fmt.Fprintf(stderr, "  done: %s → %s\n", dc.to, results[i].Outcome)
			}
		}()
	}
	wg.Wait()
	if f.jsonOut {
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TO\tEXPECTED\tOUTCOME\tSIP\tSETUP\tTALK\tHANGUP\tDTMF\tRECORDING")
	for i, r := range results {
		status := "-"
		if r.SIPStatus != 0 {
			status = fmt.Sprintf("%d %s", r.SIPStatus, r.SIPReason)
		}
		talk := "-"
		if r.Timings.AnsweredAt != nil {
			talk = (time.Duration(r.Timings.DurationMS) * time.Millisecond).Round(100 * time.Millisecond).String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%dms\t%s\t%s\t%s\t%s\n", r.To, demoCalls[i].expect, r.Outcome, status,
			r.Timings.SetupMS, talk, dash(r.HangupBy), dash(r.DTMF), dash(filepath.Base(r.Recording)))
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" || s == "." {
		return "-"
	}
	return s
}
