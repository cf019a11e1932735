package main

import (
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/voxdial/voxdial/internal/app"
)

// newServeCmd is `voxdial serve`: the campaign runner of one node, with its
// dashboard. The node is built by internal/app from the config file, the
// environment and these flags (each flag is a config key; see docs/config.md).
func newServeCmd() *cobra.Command {
	var configPath string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run campaigns: scheduler, hopper, compliance gate, pacer, dialer and scripts",
		Long: `Run the campaign runner of one node until SIGTERM or SIGINT, then drain: stop
leasing contacts, give back those not dialled yet, let live calls finish up to
--drain-timeout, hang up the rest and record everything.

Every setting is a key of the config file (--config, $VOXDIAL_CONFIG; every
key, its default and meaning in docs/config.md), may be set from the
environment (VOXDIAL_ and the key in capitals, dots as underscores:
VOXDIAL_HTTP_LISTEN), and a flag given here overrides both.

Several nodes may share one PostgreSQL database (VOXDIAL_DATABASE_URL); with
VOXDIAL_REDIS_URL set, the trunks' CPS and channel budgets, the campaigns'
concurrency, their measured answer rates and agents, the per-number call locks
and attempt counts, opt-outs and live call events are shared through Redis,
otherwise kept in this process. With Redis unreachable, no call is placed.`,
		Args: cobra.NoArgs,
	}
	fl := cmd.Flags()
	fl.StringVar(&configPath, "config", os.Getenv("VOXDIAL_CONFIG"), "config file (default $VOXDIAL_CONFIG)")
	b := newConfigFlags(cmd)
	d := app.Defaults()
	b.String("database-url", "store.url", "", "database: postgres://… or sqlite:PATH (default $VOXDIAL_DATABASE_URL, else "+d.Store.URL+")",
		func(c *app.Config, v string) { c.Store.URL = v })
	b.Bool("migrate", "store.migrate", false, "apply database migrations at start-up", func(c *app.Config, v bool) { c.Store.Migrate = v })
	b.String("redis-url", "cluster.redis_url", "", "Redis shared by the nodes: pacing, per-number locks and attempt counts, opt-outs, live events (default $VOXDIAL_REDIS_URL; empty: in process)",
		func(c *app.Config, v string) { c.Cluster.RedisURL = v })
	b.String("redis-prefix", "cluster.redis_prefix", d.Cluster.RedisPrefix, "start of every Redis key and channel of this deployment (several deployments may share one Redis)",
		func(c *app.Config, v string) { c.Cluster.RedisPrefix = v })
	b.Duration("number-log-retain", "cluster.number_log_retain", d.Cluster.NumberLogRetain, "how long the per-number attempt log keeps attempts (the store keeps them all)",
		func(c *app.Config, v time.Duration) { c.Cluster.NumberLogRetain = v })
	b.String("listen", "sip.listen", "", "SIP listen address (overrides sip.listen)", func(c *app.Config, v string) { c.SIP.Listen = v })
	b.String("record-dir", "runner.record_dir", "", "record answered calls into this directory", func(c *app.Config, v string) { c.Runner.RecordDir = v })
	b.String("data-dir", "runner.data_dir", "", "this node's local state: the spool of call records written while the database is unreachable, replayed at start-up (default $VOXDIAL_DATA_DIR, else ~/.local/state/voxdial)",
		func(c *app.Config, v string) { c.Runner.DataDir = v })
	b.String("log-level", "log.level", "", "debug | info | warn | error (overrides log.level)", func(c *app.Config, v string) { c.Log.Level = v })
	b.Int("max-calls", "runner.max_calls", d.Runner.MaxCalls, "this node's bot capacity: answered calls at once (ringing legs use trunk channels only)",
		func(c *app.Config, v int) { c.Runner.MaxCalls = v })
	b.Int("max-legs", "runner.max_legs", 0, "this node's legs at once, ringing included (default 4 × --max-calls)", func(c *app.Config, v int) { c.Runner.MaxLegs = v })
	b.Duration("drain-timeout", "runner.drain_timeout", d.Runner.DrainTimeout, "on SIGTERM, how long live calls may go on",
		func(c *app.Config, v time.Duration) { c.Runner.DrainTimeout = v })
	b.Duration("lease-for", "runner.lease_for", d.Runner.LeaseFor, "lease length (kept extended while a node lives; a dead node's contacts return after it)",
		func(c *app.Config, v time.Duration) { c.Runner.LeaseFor = v })
	b.Duration("rescue-every", "runner.rescue_every", d.Runner.RescueEvery, "how often this node returns expired leases to the campaign (negative: never)",
		func(c *app.Config, v time.Duration) { c.Runner.RescueEvery = v })
	b.Float64("cps", "runner.cps", 0, "calls per second per trunk (0: unlimited)", func(c *app.Config, v float64) { c.Runner.CPS = v })
	b.Duration("number-busy-retry", "runner.number_busy_retry", d.Runner.NumberBusyRetry, "when a contact whose number another call has (any campaign, any node) is tried again",
		func(c *app.Config, v time.Duration) { c.Runner.NumberBusyRetry = v })
	b.Bool("no-compliance-gate", "runner.no_compliance_gate", false, "run WITHOUT any compliance check (demos and tests only; logged loudly)",
		func(c *app.Config, v bool) { c.Runner.NoComplianceGate = v })
	b.String("http", "http.listen", d.HTTP.Listen, "dashboard, API and /metrics address (empty: no HTTP server)", func(c *app.Config, v string) {
		if v == "" {
			v = app.HTTPOff
		}
		c.HTTP.Listen = v
	})
	b.String("script-dir", "http.script_dir", d.HTTP.ScriptDir, "directory of scripts uploaded through the API (campaigns name scripts in it)",
		func(c *app.Config, v string) { c.HTTP.ScriptDir = v })
	b.String("http-tls-cert", "http.tls_cert", "", "serve HTTPS with this certificate (PEM)", func(c *app.Config, v string) { c.HTTP.TLSCert = v })
	b.String("http-tls-key", "http.tls_key", "", "… and this key (PEM)", func(c *app.Config, v string) { c.HTTP.TLSKey = v })
	b.Strings("allow-private", "http.allow_private", "private targets webhooks and agent queues may reach (CIDR, IP, IP:port or host:port; repeatable; SECURITY.md)",
		func(c *app.Config, v []string) { c.HTTP.AllowPrivate = v })
	b.Strings("http-trusted-proxy", "http.trusted_proxies", "reverse proxy (CIDR or IP) whose X-Forwarded-For names the client (repeatable)",
		func(c *app.Config, v []string) { c.HTTP.TrustedProxies = v })
	b.Bool("http-insecure-cookies", "http.insecure_cookies", false, "session cookies without the Secure flag (plain HTTP on a non-local address)",
		func(c *app.Config, v bool) { c.HTTP.InsecureCookies = v })
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		cfg, err := b.load(configPath)
		if err != nil {
			return err
		}
		n, err := app.New(cmd.Context(), cfg.Config, app.Options{Stderr: cmd.ErrOrStderr()})
		if err != nil {
			return nodeErr(err)
		}
		if err := n.Run(cmd.Context(), nil); err != nil {
			return failureErr(err)
		}
		return nil
	}
	return cmd
}
