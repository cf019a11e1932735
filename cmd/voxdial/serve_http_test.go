package main

import (
	"context"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

// TestServeHTTP runs the dashboard around a stand-in runner: up while it
// runs, 503 on /healthz once the signal came and it drains, gone after.
func TestServeHTTP(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	f := &serveFlags{dbURL: "sqlite:" + filepath.Join(t.TempDir(), "s.db"), migrate: true}
	ctx, signal := context.WithCancel(context.Background())
	status := func() int {
		res, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			return 0
		}
		res.Body.Close()
		return res.StatusCode
	}
	checked := make(chan [2]int, 1)
	cmd := &cobra.Command{Use: "serve", RunE: func(cmd *cobra.Command, _ []string) error {
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
	}}
	addServeHTTP(cmd, f)
	cmd.SetArgs([]string{"--http", addr, "--script-dir", t.TempDir()})
	if err := cmd.ExecuteContext(ctx); err != nil {
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
