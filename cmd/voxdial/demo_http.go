package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"go.uber.org/zap"

	"github.com/voxdial/voxdial/campaign"
	"github.com/voxdial/voxdial/dashboard"
	"github.com/voxdial/voxdial/livefeed"
	"github.com/voxdial/voxdial/store"
)

// demoDash is the dashboard of `voxdial demo --http ADDR`.
type demoDash struct {
	addr string // "": no dashboard
	stay bool   // keep serving after the campaign until interrupted
}

// demoUser is the dashboard login the demo creates (role admin).
const demoUser = "demo"

// demoDashboard serves the dashboard over the demo's database while the
// demo runs and prints its URL and a login. A taken address falls back to a
// free port rather than failing the demo.
type demoDashboard struct {
	srv  *dashboard.Server
	url  string
	stop func()
}

func startDemoDashboard(ctx context.Context, db *store.DB, addr, recordDir string, log *zap.Logger, stderr io.Writer) (*demoDashboard, error) {
	scripts, err := os.MkdirTemp("", "voxdial-demo-scripts-")
	if err != nil {
		return nil, err
	}
	// The runner's events reach the live view as they are written, not at the next poll.
	feed := livefeed.NewLocal(livefeed.Options{})
	srv, err := dashboard.New(dashboard.Options{Store: db, RecordDir: recordDir, ScriptDir: scripts, InsecureCookies: true,
		Logger: log.Named("http"), Feed: feed})
	if err != nil {
		return nil, err
	}
	db.OnCallEvent(feed.Publish)
	password := randomPassword()
	if u, err := db.UserGet(ctx, &store.UserGetParams{Name: demoUser}); err == nil {
		h, err := dashboard.HashPassword(password, 0)
		if err != nil {
			return nil, err
		}
		role, no := store.RoleAdmin, false
		if _, err := db.UserUpdate(ctx, &store.UserUpdateParams{ID: u.ID, Role: &role, PasswordHash: &h, Disabled: &no}); err != nil {
			return nil, err
		}
	} else if _, err := dashboard.UserAdd(ctx, db, demoUser, store.RoleAdmin, password, 0); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintf(stderr, "dashboard: %s: %v; using a free port instead\n", addr, err)
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			return nil, usageErr("--http %s: %v", addr, err)
		}
	}
	base, cancel := context.WithCancel(context.WithoutCancel(ctx))
	hs := srv.HTTPServer() // header and body read timeouts
	hs.BaseContext = func(net.Listener) context.Context { return base }
	go srv.Run(base)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn("dashboard", zap.Error(err))
		}
	}()
	d := &demoDashboard{srv: srv, url: fmt.Sprintf("http://%s/", ln.Addr())}
	d.stop = func() {
		db.OnCallEvent(nil)
		cancel()
		sctx, c := context.WithTimeout(context.Background(), 3*time.Second)
		defer c()
		_ = hs.Shutdown(sctx)
		<-done
		os.RemoveAll(scripts)
	}
	fmt.Fprintf(stderr, "dashboard: %s  (log in as %q, password %q)\n", d.url, demoUser, password)
	return d, nil
}

// onAttempt chains the dashboard's metrics after the demo's own report.
func (d *demoDashboard) onAttempt(next func(campaign.AttemptReport)) func(campaign.AttemptReport) {
	if d == nil {
		return next
	}
	return func(r campaign.AttemptReport) {
		d.srv.Metrics.ObserveAttempt(r)
		next(r)
	}
}

// wait keeps serving until ctx ends (--keep-serving).
func (d *demoDashboard) wait(ctx context.Context, stderr io.Writer) {
	fmt.Fprintf(stderr, "dashboard still at %s; Ctrl-C to stop\n", d.url)
	<-ctx.Done()
}

func randomPassword() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "demo-" + hex.EncodeToString(b)
}
