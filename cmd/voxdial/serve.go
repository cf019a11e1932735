package main

import (
	"context"
	"errors"
	"io"
	"net/netip"
	"os"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/voxdial/voxdial/campaign"
	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/media"
)

type serveFlags struct {
	configPath, dbURL, redisURL, listen, recordDir, logLevel string
	redisPrefix                                              string
	maxCalls, maxLegs                                        int
	drain, leaseFor, rescue, numberBusy, numberRetain        time.Duration
	migrate, noGate                                          bool
	cps                                                      float64
	allowPrivate                                             []string      // --allow-private, over http.allow_private
	node                                                     nodeMetrics   // the dashboard's metrics, when --http serves them
	cluster                                                  *serveCluster // what the nodes share (addServeCluster)
}

// newServeCmd is `voxdial serve`: the campaign runner of one node.
func newServeCmd() *cobra.Command {
	f := &serveFlags{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run campaigns: scheduler, hopper, compliance gate, pacer, dialer and scripts",
		Long: `Run the campaign runner of one node until SIGTERM or SIGINT, then drain: stop
leasing contacts, give back those not dialled yet, let live calls finish up to
--drain-timeout, hang up the rest and record everything.

Several nodes may share one PostgreSQL database (VOXDIAL_DATABASE_URL); with
VOXDIAL_REDIS_URL set, the trunks' CPS and channel budgets, the campaigns'
concurrency, their measured answer rates and agents, the per-number call locks
and attempt counts, opt-outs and live call events are shared through Redis,
otherwise kept in this process. With Redis unreachable, no call is placed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runServe(cmd.Context(), f, cmd.ErrOrStderr())
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.configPath, "config", os.Getenv("VOXDIAL_CONFIG"), "config file with trunks (default $VOXDIAL_CONFIG)")
	addDatabaseFlag(cmd, &f.dbURL)
	fl.StringVar(&f.redisURL, "redis-url", os.Getenv("VOXDIAL_REDIS_URL"), "Redis shared by the nodes: pacing, per-number locks and attempt counts, opt-outs, live events (default $VOXDIAL_REDIS_URL; empty: in process)")
	fl.StringVar(&f.redisPrefix, "redis-prefix", "voxdial:", "start of every Redis key and channel of this deployment (several deployments may share one Redis)")
	fl.StringVar(&f.listen, "listen", "", "SIP listen address (overrides sip.listen)")
	fl.StringVar(&f.recordDir, "record-dir", "", "record answered calls into this directory")
	fl.StringVar(&f.logLevel, "log-level", "", "debug | info | warn | error (overrides log.level)")
	fl.IntVar(&f.maxCalls, "max-calls", 50, "this node's bot capacity: answered calls at once (ringing legs use trunk channels only)")
	fl.IntVar(&f.maxLegs, "max-legs", 0, "this node's legs at once, ringing included (default 4 × --max-calls)")
	fl.DurationVar(&f.drain, "drain-timeout", 30*time.Second, "on SIGTERM, how long live calls may go on")
	fl.DurationVar(&f.leaseFor, "lease-for", 10*time.Minute, "lease length (kept extended while a node lives; a dead node's contacts return after it)")
	fl.DurationVar(&f.rescue, "rescue-every", 30*time.Second, "how often this node returns expired leases to the campaign (negative: never)")
	fl.BoolVar(&f.migrate, "migrate", false, "apply database migrations at start-up")
	fl.Float64Var(&f.cps, "cps", 0, "calls per second per trunk (0: unlimited)")
	fl.DurationVar(&f.numberBusy, "number-busy-retry", time.Minute, "when a contact whose number another call has (any campaign, any node) is tried again")
	fl.DurationVar(&f.numberRetain, "number-log-retain", 32*24*time.Hour, "how long the per-number attempt log keeps attempts (the store keeps them all)")
	fl.BoolVar(&f.noGate, "no-compliance-gate", false, "run WITHOUT any compliance check (demos and tests only; logged loudly)")
	fl.StringSliceVar(&f.allowPrivate, "allow-private", nil, "private targets webhooks and agent queues may reach, over http.allow_private (CIDR, IP, IP:port or host:port; repeatable)")
	addServeHTTP(cmd, f)    // the dashboard: --http flags, server started and stopped around the runner (serve_http.go)
	addServeCluster(cmd, f) // Redis or in process, around both (serve_cluster.go)
	return cmd
}

func runServe(ctx context.Context, f *serveFlags, stderr io.Writer) error {
	cfg, err := loadConfig(f.configPath)
	if err != nil {
		return usageErr("%v", err)
	}
	if f.listen != "" {
		cfg.SIP.Listen = f.listen
	}
	if f.logLevel != "" {
		cfg.Log.Level = f.logLevel
	}
	if err := cfg.validate("flags"); err != nil {
		return usageErr("%v", err)
	}
	outbound, err := cfg.outbound(f.allowPrivate)
	if err != nil {
		return usageErr("--allow-private: %v", err)
	}
	log, err := newLogger(cfg.Log.Level, cfg.Log.Format, stderr)
	if err != nil {
		return usageErr("%v", err)
	}
	defer log.Sync() //nolint:errcheck
	db, err := openStore(ctx, f.dbURL, f.migrate)
	if err != nil {
		return err
	}
	defer db.Close()
	cl := f.cluster
	if cl == nil {
		return errors.New("serve: the cluster parts were not set up (addServeCluster)")
	}
	db.OnCallEvent(cl.feed.Publish) // this node's call events, live on every node's dashboard
	comp, err := wireCompliance(ctx, db, f.noGate, log.Named("compliance"), time.Now, f.node.onSynthesize(),
		campaign.NumberHistory{Guard: cl.numbers})
	if err != nil {
		return failureErr(err)
	}
	comp.Transfers.SetPolicy(outbound) // agent queue URLs come from campaign owners
	var pacer campaign.Pacer = campaign.NewLocalPacer(nil)
	var paceState campaign.PaceState = campaign.NewLocalPaceState(nil)
	if cl.rdb != nil {
		pacer = campaign.NewRedisPacer(cl.rdb, campaign.RedisPacerOptions{Prefix: f.redisPrefix + "pace:"})
		paceState = campaign.NewRedisPaceState(cl.rdb, f.redisPrefix+"pace:")
		if err := startDNCFanout(ctx, comp, cl.rdb, f.redisPrefix+"dnc", log.Named("compliance")); err != nil {
			return failureErr(err)
		}
	}
	if f.recordDir != "" {
		if err := os.MkdirAll(f.recordDir, 0o755); err != nil {
			return usageErr("--record-dir: %v", err)
		}
	}
	clock := media.NewClock(media.ClockOptions{})
	clock.Start(context.WithoutCancel(ctx))
	defer clock.Stop()
	ports, _ := parsePortRange(cfg.RTP.Ports)
	var rtpIP netip.Addr
	if cfg.RTP.IP != "" {
		rtpIP = netip.MustParseAddr(cfg.RTP.IP)
	}
	ua, err := dialer.NewUA(dialer.Options{Logger: log.Named("dialer"), ListenAddr: cfg.SIP.Listen,
		ExternalHost: cfg.SIP.ExternalHost, RTPIP: rtpIP, RTPPorts: ports, Clock: clock})
	if err != nil {
		return failureErr(err)
	}
	if err := ua.Start(context.WithoutCancel(ctx)); err != nil {
		return failureErr(err)
	}
	defer ua.Close()
	var trunkMu sync.Mutex
	trunks := map[string]*dialer.Trunk{}
	r, err := campaign.NewRunner(campaign.RunnerOptions{
		Store: db, Dialer: ua, Pacer: pacer, Logger: log.Named("runner"), MaxCalls: f.maxCalls,
		DrainTimeout: f.drain, RecordDir: f.recordDir, LeaseFor: f.leaseFor, Rescue: f.rescue,
		Gate: comp.Gate, LoadScript: comp.LoadScript, Numbers: cl.numbers, NumberBusyRetry: f.numberBusy,
		State: paceState, Transfers: comp.Transfers, Speak: comp.Speak, MaxLegs: f.maxLegs, OnPace: f.node.onPace(),
		Trunk: func(name string) (*dialer.Trunk, error) {
			trunkMu.Lock()
			defer trunkMu.Unlock()
			if t, ok := trunks[name]; ok {
				return t, nil
			}
			t, err := cfg.trunk(name)
			if err != nil {
				return nil, err
			}
			trunks[name] = t
			return t, nil
		},
		Limits: func(t *dialer.Trunk) campaign.TrunkLimits {
			return campaign.TrunkLimits{CPS: f.cps, Channels: t.MaxChannels}
		},
		OnAttempt: f.node.onAttempt(),
	})
	if err != nil {
		return failureErr(err)
	}
	stopHooks, err := startWebhooks(ctx, db, &f.node, outbound, log.Named("webhook"))
	if err != nil {
		return failureErr(err)
	}
	defer stopHooks()
	log.Info("serving", zap.String("holder", r.Holder()), zap.String("database", string(db.Backend())), zap.Stringer("sip", ua.Addr()))
	if err := r.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return failureErr(err)
	}
	log.Info("drained")
	return nil
}
