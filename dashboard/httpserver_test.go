package dashboard_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/voxdial/voxdial/dashboard"
	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
)

// openStream opens /api/events as role on base; the caller closes the body.
func (b *bundle) openStream(t *testing.T, base, role string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/api/events", nil)
	req.Header.Set("Authorization", "Bearer "+b.tokens[role])
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestStreamCaps: live event streams are capped per user and in total.
func TestStreamCaps(t *testing.T) {
	t.Parallel()
	b := setupWith(t, storetest.OpenSQLite(t), func(o *dashboard.Options) { o.MaxStreamsPerUser, o.MaxStreams = 2, 3 })
	var open []*http.Response
	defer func() {
		for _, r := range open {
			r.Body.Close()
		}
	}()
	for i, tc := range []struct {
		role string
		want int
	}{
		{store.RoleMarketing, 200}, {store.RoleMarketing, 200}, {store.RoleMarketing, 429}, // per user
		{store.RoleAdmin, 200}, {store.RoleCompliance, 429}, // in total
	} {
		res := b.openStream(t, b.ts.URL, tc.role)
		if res.StatusCode != tc.want {
			t.Fatalf("stream %d as %s = %d, want %d", i, tc.role, res.StatusCode, tc.want)
		}
		if res.StatusCode == 200 {
			open = append(open, res)
		} else {
			res.Body.Close()
		}
	}
	open[0].Body.Close() // a marketing stream ends: its slot is free again
	open = open[1:]
	for deadline := time.Now().Add(5 * time.Second); ; {
		res := b.openStream(t, b.ts.URL, store.RoleMarketing)
		if res.StatusCode == 200 {
			open = append(open, res)
			break
		}
		res.Body.Close()
		if time.Now().After(deadline) {
			t.Fatal("the closed stream's slot was not released")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestHTTPServerTimeouts: a request whose body never finishes is cut after
// ReadTimeout; an event stream is not.
func TestHTTPServerTimeouts(t *testing.T) {
	t.Parallel()
	b := setupWith(t, storetest.OpenSQLite(t), func(o *dashboard.Options) { o.ReadTimeout = 300 * time.Millisecond })
	hs := b.srv.HTTPServer()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = hs.Serve(ln) }() // returns http.ErrServerClosed at the cleanup's Close
	t.Cleanup(func() { hs.Close() })
	base := "http://" + ln.Addr().String()

	ctx := context.Background()
	if err := b.srv.Live.Poll(ctx); err != nil { // starts after the newest event
		t.Fatal(err)
	}
	stream := b.openStream(t, base, store.RoleManager)
	defer stream.Body.Close()
	br := bufio.NewReader(stream.Body)
	if line, err := br.ReadString('\n'); err != nil || !strings.HasPrefix(line, "retry:") {
		t.Fatalf("stream start %q %v", line, err)
	}

	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, _ = io.WriteString(c, "POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"name\":")
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	start := time.Now()
	_, err = io.ReadAll(c) // the server answers (400) and closes, or just closes
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("a stalled body held the connection for %s", time.Since(start).Round(time.Millisecond))
	}

	// The stream, open for longer than ReadTimeout by now, still delivers.
	got := make(chan error, 1)
	go func() {
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				got <- err
				return
			}
			if strings.HasPrefix(line, "event:") && !strings.Contains(line, "hello") {
				got <- nil
				return
			}
		}
	}()
	time.Sleep(400 * time.Millisecond)
	b.seedCampaign("stream-event", store.RoleMarketing)
	if err := b.srv.Live.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("stream ended: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no event on the stream")
	}
}
