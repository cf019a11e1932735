package app

import (
	"context"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func nodeConfig(t *testing.T) *Config {
	t.Helper()
	c, err := Load("", noEnv)
	if err != nil {
		t.Fatal(err)
	}
	c.Store = StoreConfig{URL: "sqlite:" + filepath.Join(t.TempDir(), "n.db"), Migrate: true}
	c.HTTP.Listen, c.HTTP.ScriptDir = "127.0.0.1:0", t.TempDir()
	c.Log.Level = "error"
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	return c
}

// A node that cannot be built releases what it had built and says why (a
// Redis that refuses connections: the store was already open).
func TestNodeBuildFailureReleases(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := ln.Addr().String()
	ln.Close()
	c := nodeConfig(t)
	c.Cluster.RedisURL = "redis://" + down + "/0"
	_, err = New(context.Background(), c, Options{Stderr: io.Discard})
	if err == nil || !strings.Contains(err.Error(), "redis "+down) {
		t.Fatalf("New with Redis down: %v", err)
	}
	// The store was closed: a second node opens the same SQLite file at once.
	c.Cluster.RedisURL = ""
	n, err := New(context.Background(), c, Options{Stderr: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	n.Close()
}

// A part that fails stops the work and the node reports it; every stage is
// stopped and waited for (Run returns).
func TestNodePartFailureStopsWork(t *testing.T) {
	t.Parallel()
	c := nodeConfig(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close() // the HTTP server's Serve fails at once
	n, err := New(context.Background(), c, Options{Stderr: io.Discard, HTTPListener: ln})
	if err != nil {
		t.Fatal(err)
	}
	stopped := make(chan struct{})
	err = n.Run(context.Background(), func(ctx context.Context) error {
		select {
		case <-ctx.Done():
			close(stopped)
		case <-time.After(20 * time.Second):
		}
		return nil
	})
	select {
	case <-stopped:
	default:
		t.Fatal("the work was not stopped when the HTTP server failed")
	}
	if err == nil || !strings.Contains(err.Error(), "http server") {
		t.Fatalf("Run: %v, want the HTTP server's failure", err)
	}
}

// The node runs the campaign runner by default and drains it on the signal;
// its parts are there (no HTTP with http.listen off).
func TestNodeRunsRunnerUntilSignal(t *testing.T) {
	t.Parallel()
	c := nodeConfig(t)
	c.HTTP.Listen = HTTPOff
	c.RTP.Mode = "per_leg"
	n, err := New(context.Background(), c, Options{Stderr: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	if n.Runner() == nil || n.Store() == nil || n.UA() == nil || n.HTTPURL() != "" {
		t.Fatalf("node parts: runner %v store %v ua %v http %q", n.Runner(), n.Store(), n.UA(), n.HTTPURL())
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx, nil) }()
	time.Sleep(200 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("node did not stop")
	}
}
