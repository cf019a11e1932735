package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/voxdial/voxdial/aftercall"
	"github.com/voxdial/voxdial/campaign"
	"github.com/voxdial/voxdial/compliance"
	"github.com/voxdial/voxdial/dashboard"
	"github.com/voxdial/voxdial/dashboard/webhook"
	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/livefeed"
	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/numbers"
	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/voicebot/live"
)

// Options are what a command adds to the config when it builds a node.
type Options struct {
	Stderr io.Writer   // where logs go; default os.Stderr
	Logger *zap.Logger // default: NewLogger(cfg.Log, Stderr)
	// NoStore builds only the SIP user agent and the script host (`call`, `demo
	// --calls`): no store, cluster, compliance, runner, webhooks or HTTP.
	NoStore bool
	// Now is the runner's and the compliance gate's clock; default time.Now.
	Now func() time.Time
	// HTTPListener, when set, is the dashboard's listener instead of one on
	// http.listen (the demo falls back to a free port).
	HTTPListener net.Listener
	// Runner adjusts the runner's options before it is built (the demo: its
	// simulator trunk, and printing each attempt).
	Runner func(*campaign.RunnerOptions)
	// NoAMD turns answering-machine detection off on voice-bot calls.
	NoAMD bool
	// Prepare runs on the store right after it opens (and migrates), before the
	// compliance gate loads it and the runner is built (the demo: its sample
	// campaign, contacts, compliance records and dashboard login).
	Prepare func(ctx context.Context, db *store.DB) error
	// Store adjusts the store's options before it opens (`voxdial bench campaign`:
	// a tracer counting round trips).
	Store func(*store.Options)
}

// Node is one voxdial process's parts, built once from a Config: the store
// (opened and migrated once), the cluster's shared state (Redis or in
// process), the compliance gate, the script host and its speech engines, the
// SIP user agent and media plane, the campaign runner, the webhook dispatcher
// and the HTTP dashboard. New builds and binds them; Run runs them and shuts
// them down in order.
type Node struct {
	cfg  *Config
	opts Options
	log  *zap.Logger

	db        *store.DB
	rdb       *redis.Client
	numbers   *numbers.Guard
	feed      liveFeed
	redisFeed *livefeed.Redis
	fanout    *compliance.RedisFanout
	comp      *Compliance
	host      *live.Host
	ua        *dialer.UA
	runner    *campaign.Runner
	hooks     *webhook.Dispatcher
	after     *aftercall.Analyzer // grades, summaries, follow-ups (aftercall.go)
	sms       *aftercall.Sender   // nil without aftercall.sms.gateway
	dash      *dashboard.Server
	hs        *http.Server
	ln        net.Listener
	httpURL   string
	metrics   *dashboard.Metrics // nil without HTTP

	closeOnce sync.Once
	closers   []func() // in build order; released in reverse
}

// liveFeed is what a node publishes its call events on and its dashboard
// follows (livefeed.Local or livefeed.Redis).
type liveFeed interface {
	Publish(e *store.CallEvent)
	Subscribe(ctx context.Context, fn func(*store.CallEvent), onErr func(error)) (func(), error)
}

// New builds every part of a node from cfg (already validated) and binds its
// sockets; nothing runs until Run. On error, what was built is released. A
// configuration the node cannot run with is a *ConfigError.
func New(ctx context.Context, cfg *Config, opts Options) (*Node, error) {
	if opts.Stderr == nil {
		opts.Stderr = os.Stderr
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	n := &Node{cfg: cfg, opts: opts, log: opts.Logger}
	if n.log == nil {
		var err error
		if n.log, err = NewLogger(cfg.Log, opts.Stderr); err != nil {
			return nil, &ConfigError{Err: err}
		}
	}
	if err := n.build(ctx); err != nil {
		n.Close()
		return nil, err
	}
	return n, nil
}

func (n *Node) build(ctx context.Context) error {
	for _, w := range n.cfg.Engines.Warnings() {
		n.log.Warn(w)
	}
	hostOpts, err := HostOptions(n.cfg.Engines, live.Options{Logger: n.log.Named("script"), NoAMD: n.opts.NoAMD})
	if err != nil {
		return err
	}
	if n.opts.NoStore {
		n.host = live.NewHost(hostOpts)
	} else if err := n.buildStore(ctx, hostOpts); err != nil {
		return err
	}
	if err := n.buildUA(ctx); err != nil {
		return err
	}
	if !n.opts.NoStore {
		return n.buildRunner()
	}
	return nil
}

// buildStore opens the store and builds what rests on it: cluster state, the
// dashboard, compliance and the webhook dispatcher.
func (n *Node) buildStore(ctx context.Context, hostOpts live.Options) error {
	cfg := n.cfg
	so := store.Options{Migrate: cfg.Store.Migrate}
	if n.opts.Store != nil {
		n.opts.Store(&so)
	}
	db, err := store.Open(ctx, cfg.Store.URL, so)
	if err != nil {
		if errors.Is(err, store.ErrUnsupportedURL) {
			return &ConfigError{Err: fmt.Errorf("store.url: %w", err)}
		}
		return fmt.Errorf("database: %w", err)
	}
	n.db = db
	n.closers = append(n.closers, func() { db.Close() })
	if n.opts.Prepare != nil {
		if err := n.opts.Prepare(ctx, db); err != nil {
			return err
		}
	}
	if err := n.buildCluster(ctx); err != nil {
		return err
	}
	db.OnCallEvent(n.feed.Publish) // this node's call events (the runner's and the API's), live on every dashboard
	n.closers = append(n.closers, func() { db.OnCallEvent(nil) })
	if cfg.Runner.RecordDir != "" {
		if err := os.MkdirAll(cfg.Runner.RecordDir, 0o755); err != nil {
			return &ConfigError{Err: fmt.Errorf("runner.record_dir: %w", err)}
		}
	}
	if cfg.HTTP.Enabled() {
		if err := n.buildHTTP(); err != nil {
			return err
		}
	}
	if n.metrics != nil {
		hostOpts.OnSynthesize = n.metrics.ObserveSynthesis
	}
	log := n.log.Named("compliance")
	n.comp, err = WireCompliance(ctx, db, cfg.Runner.NoComplianceGate, log, n.opts.Now,
		campaign.NumberHistory{Guard: n.numbers}, hostOpts, nil)
	if err != nil {
		return err
	}
	n.host = n.comp.Host
	if n.metrics != nil {
		if err := n.metrics.Registry().Register(n.host.Collector()); err != nil {
			return fmt.Errorf("speech recognition metrics: %w", err)
		}
	}
	if n.rdb != nil && n.comp.Store != nil {
		n.fanout = &compliance.RedisFanout{Client: n.rdb, Channel: cfg.Cluster.RedisPrefix + "dnc", DNC: n.comp.Store.DNC}
		n.comp.OptOuts.Fanout = n.fanout
	}
	outbound, err := cfg.HTTP.Outbound()
	if err != nil {
		return &ConfigError{Err: fmt.Errorf("http.allow_private: %w", err)}
	}
	n.comp.Transfers.SetPolicy(outbound) // agent queue URLs come from campaign owners
	wo := webhook.Options{Store: db, Policy: outbound, Logger: n.log.Named("webhook")}
	if n.metrics != nil {
		wo.OnTry = n.metrics.ObserveWebhookTry
	}
	if n.hooks, err = webhook.New(wo); err != nil {
		return err
	}
	return n.buildAfterCall(outbound)
}

// buildCluster connects to Redis when cluster.redis_url is set and builds the
// number guard and the live feed: through Redis, or in this process.
func (n *Node) buildCluster(ctx context.Context) error {
	cfg := n.cfg.Cluster
	log := n.log.Named("cluster")
	// Failures of the shared state: logged (the runner also logs each contact it turns
	// away) and counted; no call is placed while locks or attempt records fail.
	nopts := numbers.Options{
		Retain: cfg.NumberLogRetain,
		OnError: func(op string, err error) {
			if errors.Is(err, numbers.ErrLockLost) {
				log.Warn("number lock lost while its call was up (refresh found it taken over)", zap.String("op", op))
			} else {
				log.Error("per-number state unavailable: calls to the numbers concerned are not placed", zap.String("op", op), zap.Error(err))
			}
			if n.metrics != nil {
				n.metrics.ObserveNumberError(op, err)
			}
		},
		OnHeld: func(held int) {
			if n.metrics != nil {
				n.metrics.SetNumberLocks(held)
			}
		},
	}
	fopts := livefeed.Options{OnPublish: func(result string) {
		if n.metrics != nil {
			n.metrics.ObserveLivePublish(result)
		}
	}}
	if cfg.RedisURL == "" {
		n.numbers, n.feed = numbers.NewLocal(nopts), livefeed.NewLocal(fopts)
		return nil
	}
	opt, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return &ConfigError{Err: fmt.Errorf("cluster.redis_url: %w", err)}
	}
	rdb := redis.NewClient(opt)
	n.closers = append(n.closers, func() { rdb.Close() })
	if err := rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis %s: %s", opt.Addr, err.Error())
	}
	n.rdb = rdb
	n.redisFeed = livefeed.NewRedis(rdb, livefeed.RedisOptions{Options: fopts, Channel: cfg.RedisPrefix + "events"})
	n.numbers, n.feed = numbers.NewRedis(rdb, numbers.RedisOptions{Options: nopts, Prefix: cfg.RedisPrefix + "num:"}), n.redisFeed
	log.Info("cluster mode: per-number locks and attempt counts, pacing budgets, opt-outs and live events through redis",
		zap.String("addr", opt.Addr), zap.String("events_channel", n.redisFeed.Channel()))
	return nil
}

// buildHTTP makes the dashboard and binds its listener.
func (n *Node) buildHTTP() error {
	h := n.cfg.HTTP
	outbound, err := h.Outbound()
	if err != nil {
		return &ConfigError{Err: fmt.Errorf("http.allow_private: %w", err)}
	}
	proxies, err := h.Proxies()
	if err != nil {
		return &ConfigError{Err: fmt.Errorf("http.trusted_proxies: %w", err)}
	}
	srv, err := dashboard.New(dashboard.Options{Store: n.db, ScriptDir: h.ScriptDir, RecordDir: n.cfg.Runner.RecordDir,
		InsecureCookies: h.InsecureCookies, Logger: n.log.Named("http"), Feed: n.feed, Outbound: outbound, TrustedProxies: proxies, Now: n.opts.Now})
	if err != nil {
		return err
	}
	n.dash, n.metrics = srv, srv.Metrics
	ln := n.opts.HTTPListener
	if ln == nil {
		if ln, err = net.Listen("tcp", h.Listen); err != nil {
			return &ConfigError{Err: fmt.Errorf("http.listen %s: %w", h.Listen, err)}
		}
	}
	n.ln = ln
	n.closers = append(n.closers, func() { ln.Close() })
	scheme := "http"
	if h.TLSCert != "" {
		scheme = "https"
	}
	n.httpURL = fmt.Sprintf("%s://%s/", scheme, ln.Addr())
	n.hs = srv.HTTPServer() // header and body read timeouts
	return nil
}

// buildUA makes and starts the SIP user agent and its media plane.
func (n *Node) buildUA(ctx context.Context) error {
	cfg := n.cfg
	codecs, err := cfg.Codecs()
	if err != nil {
		return &ConfigError{Err: err}
	}
	ports, _ := ParsePortRange(cfg.RTP.Ports) // validated
	var rtpIP netip.Addr
	if cfg.RTP.IP != "" {
		rtpIP, _ = netip.ParseAddr(cfg.RTP.IP)
	}
	ua, err := dialer.NewUA(dialer.Options{Logger: n.log.Named("dialer"), ListenAddr: cfg.SIP.Listen, ExternalHost: cfg.SIP.ExternalHost,
		RTPIP: rtpIP, RTPPorts: ports, RTPMode: media.PortMode(cfg.RTP.Mode), Codecs: codecs})
	if err != nil {
		return err
	}
	if err := ua.Start(ctx); err != nil {
		return err
	}
	n.ua = ua
	n.closers = append(n.closers, func() { ua.Close() })
	return nil
}

// buildRunner makes the campaign runner from runner.* and the parts above.
func (n *Node) buildRunner() error {
	cfg := n.cfg
	var pacer campaign.Pacer = campaign.NewLocalPacer(nil)
	var paceState campaign.PaceState = campaign.NewLocalPaceState(nil)
	if n.rdb != nil {
		pacer = campaign.NewRedisPacer(n.rdb, campaign.RedisPacerOptions{Prefix: cfg.Cluster.RedisPrefix + "pace:"})
		paceState = campaign.NewRedisPaceState(n.rdb, cfg.Cluster.RedisPrefix+"pace:")
	}
	var trunkMu sync.Mutex
	trunks := map[string]*dialer.Trunk{} // one *Trunk per name: it counts its own channels
	r := cfg.Runner
	ro := campaign.RunnerOptions{
		Store: n.db, Dialer: n.ua, Pacer: pacer, State: paceState, Logger: n.log.Named("runner"), Now: n.opts.Now,
		MaxCalls: r.MaxCalls, MaxLegs: r.MaxLegs, DrainTimeout: r.DrainTimeout, RecordDir: r.RecordDir, LeaseFor: r.LeaseFor,
		SpoolDir: filepath.Join(r.DataDir, "spool"),
		Rescue:   r.RescueEvery, Poll: r.Poll, RingTimeout: r.RingTimeout, NumberBusyRetry: r.NumberBusyRetry,
		Gate: n.comp.Gate, LoadScript: n.comp.LoadScript, Transfers: n.comp.Transfers, Speak: n.comp.Speak, Numbers: n.numbers,
		Trunk: func(name string) (*dialer.Trunk, error) {
			trunkMu.Lock()
			defer trunkMu.Unlock()
			if t, ok := trunks[name]; ok {
				return t, nil
			}
			t, err := cfg.Trunk(name)
			if err != nil {
				return nil, err
			}
			trunks[name] = t
			return t, nil
		},
		Limits: func(t *dialer.Trunk) campaign.TrunkLimits {
			return campaign.TrunkLimits{CPS: r.CPS, Channels: t.MaxChannels}
		},
	}
	if n.metrics != nil {
		ro.OnAttempt, ro.OnPace = n.metrics.ObserveAttempt, n.metrics.ObservePace
	}
	if n.after != nil {
		ro.AfterCall = n.after
	}
	if n.opts.Runner != nil {
		n.opts.Runner(&ro)
	}
	var err error
	n.runner, err = campaign.NewRunner(ro)
	if err == nil && n.metrics != nil {
		n.metrics.WatchSpool(n.runner.SpooledWrites)
	}
	return err
}

// Logger is the node's logger.
func (n *Node) Logger() *zap.Logger { return n.log }

// Store is the node's store (nil with Options.NoStore).
func (n *Node) Store() *store.DB { return n.db }

// UA is the node's SIP user agent.
func (n *Node) UA() *dialer.UA { return n.ua }

// Host is the node's script host (speech engines per HostOptions).
func (n *Node) Host() *live.Host { return n.host }

// Runner is the node's campaign runner (nil with Options.NoStore).
func (n *Node) Runner() *campaign.Runner { return n.runner }

// Metrics are the dashboard's metrics (nil without HTTP).
func (n *Node) Metrics() *dashboard.Metrics { return n.metrics }

// HTTPURL is the dashboard's URL ("" without HTTP).
func (n *Node) HTTPURL() string { return n.httpURL }

// Run runs the node until work returns, then shuts it down in order and
// releases it. work gets a context that ends with ctx (SIGTERM) or when a
// part fails; nil work is the campaign runner (RunRunner), or waiting for ctx
// without one.
//
// Parts start before work in three stages — shared state (live feed, DNC
// refresh and fan-out), delivery (webhooks), HTTP — and stop after it in
// reverse: when work returns (the runner stopped taking work and drained its
// calls), /healthz turns 503, webhooks stop, the HTTP server shuts down, the
// shared state stops, and the user agent, Redis and the store close. Every
// goroutine is in a stage's errgroup and is waited for.
func (n *Node) Run(ctx context.Context, work func(context.Context) error) error {
	defer n.Close()
	if work == nil {
		work = n.RunRunner
		if n.runner == nil {
			work = func(ctx context.Context) error { <-ctx.Done(); return nil }
		}
	}
	workCtx, fail := context.WithCancelCause(ctx)
	defer fail(nil)

	state := newStage(ctx, fail)
	if n.redisFeed != nil {
		state.Go("live feed", func(ctx context.Context) error { n.redisFeed.Run(ctx); return nil }) // events flow while calls drain
	}
	if n.comp != nil {
		log := n.log.Named("compliance")
		state.Go("do-not-call refresh", func(ctx context.Context) error { n.comp.RunDNCRefresh(ctx, log); return nil })
		if n.fanout != nil {
			run, err := n.fanout.Subscribe(state.ctx, func(err error) { log.Warn("do-not-call fan-out", zap.Error(err)) })
			if err != nil {
				return errors.Join(fmt.Errorf("do-not-call fan-out: %w", err), state.stop())
			}
			state.Go("do-not-call fan-out", func(context.Context) error { run(); return nil })
			log.Info("opt-outs fan out through redis pub/sub", zap.String("channel", n.fanout.Channel))
		}
	}
	delivery := newStage(ctx, fail)
	if n.hooks != nil {
		delivery.Go("webhooks", func(ctx context.Context) error { n.hooks.Run(ctx); return nil }) // pending deliveries survive in the store
	}
	if n.sms != nil {
		delivery.Go("follow-up texts", n.sms.Run) // queued texts survive in the store
	}
	web := newStage(ctx, fail)
	if n.dash != nil {
		n.startHTTP(workCtx, web)
	}

	werr := work(workCtx)
	if n.dash != nil {
		n.dash.SetDraining(true)
	}
	errs := []error{werr, delivery.stop(), web.stop(), state.stop()}
	if cause := context.Cause(workCtx); cause != nil && !errors.Is(cause, context.Canceled) && ctx.Err() == nil {
		errs = append(errs, cause) // a part failed and stopped the node
	}
	return errors.Join(errs...)
}

// startHTTP serves the dashboard in stage web. While work drains (its context
// ended), /healthz answers 503; requests (SSE streams above all) end when the
// stage stops, not with the signal.
func (n *Node) startHTTP(workCtx context.Context, web *stage) {
	h := n.cfg.HTTP
	n.hs.BaseContext = func(net.Listener) context.Context { return web.ctx }
	web.Go("dashboard live tail", func(ctx context.Context) error { n.dash.Run(ctx); return nil })
	web.Go("http server", func(context.Context) error {
		var err error
		if h.TLSCert != "" {
			err = n.hs.ServeTLS(n.ln, h.TLSCert, h.TLSKey)
		} else {
			err = n.hs.Serve(n.ln)
		}
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	})
	web.Go("http shutdown", func(ctx context.Context) error {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = n.hs.Shutdown(sctx)
		return nil
	})
	web.Go("health", func(ctx context.Context) error {
		select {
		case <-workCtx.Done():
			n.dash.SetDraining(true)
		case <-ctx.Done():
		}
		return nil
	})
	n.log.Named("http").Info("dashboard", zap.String("url", n.httpURL))
}

// RunRunner runs the campaign runner until ctx ends, then drains it.
func (n *Node) RunRunner(ctx context.Context) error {
	n.log.Info("serving", zap.String("holder", n.runner.Holder()), zap.String("database", string(n.db.Backend())), zap.Stringer("sip", n.ua.Addr()))
	if err := n.runner.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	n.log.Info("drained")
	return nil
}

// Close releases what New built (Run does it on return): the user agent, Redis
// and the store, in the reverse of the order they were built in. Idempotent.
func (n *Node) Close() {
	n.closeOnce.Do(func() {
		for i := len(n.closers) - 1; i >= 0; i-- {
			n.closers[i]()
		}
		_ = n.log.Sync()
	})
}

// stage is a group of a node's goroutines that start together and stop
// together: stop cancels their context and waits for every one. A part that
// fails before it is told to stop fails the node (fail cancels the work).
type stage struct {
	ctx    context.Context
	cancel context.CancelFunc
	fail   context.CancelCauseFunc
	g      errgroup.Group
}

func newStage(parent context.Context, fail context.CancelCauseFunc) *stage {
	ctx, cancel := context.WithCancel(context.WithoutCancel(parent))
	return &stage{ctx: ctx, cancel: cancel, fail: fail}
}

// Go runs fn in the stage.
func (s *stage) Go(name string, fn func(ctx context.Context) error) {
	s.g.Go(func() error {
		err := fn(s.ctx)
		if err != nil && s.ctx.Err() == nil {
			err = fmt.Errorf("%s: %w", name, err)
			s.fail(err)
			return err
		}
		return nil
	})
}

// stop ends the stage and waits for it.
func (s *stage) stop() error {
	s.cancel()
	return s.g.Wait()
}
