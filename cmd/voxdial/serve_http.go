package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/voxdial/voxdial/dashboard"
)

type httpFlags struct {
	addr, scriptDir, tlsCert, tlsKey string
	insecureCookies                  bool
	trustedProxies                   []string
}

// addServeHTTP gives `voxdial serve` its dashboard: the --http flags, and an
// HTTP server (API, UI, live events, /metrics, /healthz) that starts before
// the runner and stops after it has drained. While the runner drains
// (SIGTERM), /healthz answers 503.
func addServeHTTP(cmd *cobra.Command, f *serveFlags) {
	h := &httpFlags{}
	fl := cmd.Flags()
	fl.StringVar(&h.addr, "http", "127.0.0.1:8080", "dashboard, API and /metrics address (empty: no HTTP server)")
	fl.StringVar(&h.scriptDir, "script-dir", "scripts", "directory of scripts uploaded through the API (campaigns name scripts in it)")
	fl.StringVar(&h.tlsCert, "http-tls-cert", "", "serve HTTPS with this certificate (PEM)")
	fl.StringVar(&h.tlsKey, "http-tls-key", "", "… and this key (PEM)")
	fl.BoolVar(&h.insecureCookies, "http-insecure-cookies", false, "session cookies without the Secure flag (plain HTTP on a non-local address)")
	fl.StringSliceVar(&h.trustedProxies, "http-trusted-proxy", nil, "reverse proxy (CIDR or IP) whose X-Forwarded-For names the client, over http.trusted_proxies (repeatable)")
	inner := cmd.RunE
	cmd.RunE = func(c *cobra.Command, args []string) error {
		if h.addr == "" {
			return inner(c, args)
		}
		stop, err := startHTTP(c.Context(), h, f, c.ErrOrStderr())
		if err != nil {
			return err
		}
		err = inner(c, args)
		stop()
		return err
	}
}

// startHTTP listens and serves until the returned function is called.
func startHTTP(ctx context.Context, h *httpFlags, f *serveFlags, stderr io.Writer) (func(), error) {
	if (h.tlsCert == "") != (h.tlsKey == "") {
		return nil, usageErr("--http-tls-cert and --http-tls-key go together")
	}
	level := "info"
	if f.logLevel != "" {
		level = f.logLevel
	}
	log, err := newLogger(level, "console", stderr)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	log = log.Named("http")
	cfg, err := loadConfig(f.configPath)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	outbound, err := cfg.outbound(f.allowPrivate)
	if err != nil {
		return nil, usageErr("--allow-private: %v", err)
	}
	proxies, err := cfg.trustedProxies(h.trustedProxies)
	if err != nil {
		return nil, usageErr("--http-trusted-proxy: %v", err)
	}
	db, err := openStore(ctx, f.dbURL, f.migrate)
	if err != nil {
		return nil, err
	}
	var feed dashboard.LiveFeed
	if f.cluster != nil {
		feed = f.cluster.feed
		db.OnCallEvent(f.cluster.feed.Publish) // events the API writes (campaign verbs), live too
	}
	srv, err := dashboard.New(dashboard.Options{Store: db, ScriptDir: h.scriptDir, RecordDir: f.recordDir,
		InsecureCookies: h.insecureCookies, Logger: log, Feed: feed, Outbound: outbound, TrustedProxies: proxies})
	if err != nil {
		db.Close()
		return nil, failureErr(err)
	}
	f.node.m = srv.Metrics // the runner reports this node's attempts here
	ln, err := net.Listen("tcp", h.addr)
	if err != nil {
		db.Close()
		return nil, usageErr("--http %s: %v", h.addr, err)
	}
	// Requests (SSE streams above all) end when the server stops, not with the signal.
	base, cancelBase := context.WithCancel(context.WithoutCancel(ctx))
	hs := srv.HTTPServer() // header and body read timeouts
	hs.BaseContext = func(net.Listener) context.Context { return base }
	go srv.Run(base)
	go func() {
		<-ctx.Done() // SIGTERM: the runner drains, health checks say so
		srv.SetDraining(true)
	}()
	done := make(chan struct{})
	go func() {
		defer close(done)
		var err error
		if h.tlsCert != "" {
			err = hs.ServeTLS(ln, h.tlsCert, h.tlsKey)
		} else {
			err = hs.Serve(ln)
		}
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http server", zap.Error(err))
		}
	}()
	scheme := "http"
	if h.tlsCert != "" {
		scheme = "https"
	}
	log.Info("dashboard", zap.String("url", fmt.Sprintf("%s://%s/", scheme, ln.Addr())))
	return func() {
		srv.SetDraining(true)
		cancelBase()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
		<-done
		db.Close()
		_ = log.Sync()
	}, nil
}
