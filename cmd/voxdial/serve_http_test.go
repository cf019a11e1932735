package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/voxdial/voxdial/internal/app"
)

// TestServeHTTP runs the node's dashboard around a stand-in for the runner:
// up while it runs, 503 on /healthz once the signal came and it drains, gone
// after.
func TestServeHTTP(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg, err := app.Load("", func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	cfg.Store = app.StoreConfig{URL: "sqlite:" + filepath.Join(t.TempDir(), "s.db"), Migrate: true}
	cfg.HTTP.Listen, cfg.HTTP.ScriptDir = addr, t.TempDir()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx, signal := context.WithCancel(context.Background())
	status := func() int {
		res, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			return 0
		}
		res.Body.Close()
		return res.StatusCode
	}
	n, err := app.New(ctx, cfg, app.Options{Stderr: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	checked := make(chan [2]int, 1)
	err = n.Run(ctx, func(context.Context) error {
		up := status()
		signal()
		deadline := time.Now().Add(5 * time.Second)
		draining := status()
		for draining != 503 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
			draining = status()
		}
		checked <- [2]int{up, draining}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got := <-checked
	if got != [2]int{200, 503} {
		t.Fatalf("healthz while running, draining = %v, want [200 503]", got)
	}
	if s := status(); s != 0 {
		t.Fatalf("healthz after stop = %d, want no server", s)
	}
}
