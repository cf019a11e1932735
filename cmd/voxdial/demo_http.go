package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"

	"github.com/voxdial/voxdial/campaign"
	"github.com/voxdial/voxdial/dashboard"
	"github.com/voxdial/voxdial/internal/app"
	"github.com/voxdial/voxdial/store"
)

// demoDash is the dashboard of `voxdial demo --http ADDR`.
type demoDash struct {
	addr string // "": no dashboard
	stay bool   // keep serving after the campaign until interrupted
}

// demoUser is the dashboard login the demo creates (role admin).
const demoUser = "demo"

// newDemoNode builds the demo's node from cfg: with a dashboard (dash.addr)
// it listens there — a taken address falls back to a free port rather than
// failing the demo —, creates (or resets) the demo login and prints the URL
// and the login. cleanup removes the dashboard's script directory; call it
// after the node has run (or been closed).
func newDemoNode(ctx context.Context, cfg *app.Config, dash demoDash, opts app.Options, stderr io.Writer) (n *app.Node, cleanup func(), err error) {
	cleanup = func() {}
	cfg.HTTP.Listen = app.HTTPOff
	var password string
	if dash.addr != "" {
		ln, err := net.Listen("tcp", dash.addr)
		if err != nil {
			fmt.Fprintf(stderr, "dashboard: %s: %v; using a free port instead\n", dash.addr, err)
			if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
				return nil, nil, usageErr("--http %s: %v", dash.addr, err)
			}
		}
		scripts, err := os.MkdirTemp("", "voxdial-demo-scripts-")
		if err != nil {
			ln.Close()
			return nil, nil, failureErr(err)
		}
		cleanup = func() { os.RemoveAll(scripts) }
		cfg.HTTP.Listen, cfg.HTTP.ScriptDir, cfg.HTTP.InsecureCookies = ln.Addr().String(), scripts, true
		opts.HTTPListener = ln
		prepare := opts.Prepare
		opts.Prepare = func(ctx context.Context, db *store.DB) error {
			if prepare != nil {
				if err := prepare(ctx, db); err != nil {
					return err
				}
			}
			password, err = demoLogin(ctx, db)
			return err
		}
		defer func() {
			if n == nil {
				ln.Close() // the node did not take it over
				os.RemoveAll(scripts)
			}
		}()
	}
	if err := cfg.Validate(); err != nil {
		return nil, nil, usageErr("%v", err)
	}
	n, err = app.New(ctx, cfg, opts)
	if err != nil {
		return nil, nil, nodeErr(err)
	}
	if n.HTTPURL() != "" {
		fmt.Fprintf(stderr, "dashboard: %s  (log in as %q, password %q)\n", n.HTTPURL(), demoUser, password)
	}
	return n, cleanup, nil
}

// demoLogin creates the demo user (role admin), or resets its password and
// role, and returns the new password.
func demoLogin(ctx context.Context, db *store.DB) (string, error) {
	password := randomPassword()
	if u, err := db.UserGet(ctx, &store.UserGetParams{Name: demoUser}); err == nil {
		h, err := dashboard.HashPassword(password, 0)
		if err != nil {
			return "", err
		}
		role, no := store.RoleAdmin, false
		if _, err := db.UserUpdate(ctx, &store.UserUpdateParams{ID: u.ID, Role: &role, PasswordHash: &h, Disabled: &no}); err != nil {
			return "", err
		}
	} else if _, err := dashboard.UserAdd(ctx, db, demoUser, store.RoleAdmin, password, 0); err != nil {
		return "", err
	}
	return password, nil
}

// chainAttempt runs the node's own attempt report (metrics; may be nil), then next.
func chainAttempt(first, next func(campaign.AttemptReport)) func(campaign.AttemptReport) {
	if first == nil {
		return next
	}
	return func(r campaign.AttemptReport) {
		first(r)
		next(r)
	}
}

func randomPassword() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "vx-" + hex.EncodeToString(b)
}
