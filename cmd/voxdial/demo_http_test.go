package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/voxdial/voxdial/internal/app"
)

// TestDemoDashboard: the demo's dashboard prints a URL and a login that
// work, falls back to a free port when the address is taken, and a second
// start on the same database replaces the demo user's password.
func TestDemoDashboard(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := "sqlite:" + filepath.Join(t.TempDir(), "demo.db")
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	for _, tc := range []struct {
		name, addr string
		fallback   bool
	}{
		{"free port", "127.0.0.1:0", false},
		{"taken port", taken.Addr().String(), true},
	} {
		var out bytes.Buffer
		cfg, cleanupDB, err := demoConfig("", dbURL, "warn", t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		n, cleanup, err := newDemoNode(ctx, cfg, demoDash{addr: tc.addr}, app.Options{Stderr: io.Discard}, &out)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		runCtx, stopNode := context.WithCancel(ctx)
		ran := make(chan error, 1)
		go func() { ran <- n.Run(runCtx, func(ctx context.Context) error { <-ctx.Done(); return nil }) }()
		d := struct{ stop func() }{func() { stopNode(); <-ran; cleanup(); cleanupDB() }} //nolint:errcheck // the node ends with the stop's error
		m := regexp.MustCompile(`dashboard: (http://\S+)  \(log in as "demo", password "(\S+)"\)`).FindStringSubmatch(out.String())
		if m == nil {
			d.stop()
			t.Fatalf("%s: printed %q", tc.name, out.String())
		}
		if fell := bytes.Contains(out.Bytes(), []byte("using a free port instead")); fell != tc.fallback {
			t.Errorf("%s: fallback %v, want %v: %s", tc.name, fell, tc.fallback, out.String())
		}
		for _, pw := range []string{"wrong password!", m[2]} {
			body, _ := json.Marshal(map[string]string{"name": "demo", "password": pw})
			res, err := http.Post(m[1]+"api/login", "application/json", bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if want := map[bool]int{true: 200, false: 401}[pw == m[2]]; res.StatusCode != want {
				t.Errorf("%s: login with %q = %d, want %d", tc.name, pw, res.StatusCode, want)
			}
		}
		res, err := http.Get(m[1] + "metrics")
		if err != nil || res.StatusCode != 200 {
			t.Errorf("%s: /metrics: %v %v", tc.name, res, err)
		} else {
			res.Body.Close()
		}
		d.stop()
	}
}
