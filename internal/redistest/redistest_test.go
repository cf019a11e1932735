package redistest

import (
	"context"
	"testing"
)

// A server of the test's own stops and comes back empty.
func TestServerRestartsEmpty(t *testing.T) {
	s := StartServer(t)
	rdb := s.Client()
	ctx := context.Background()
	if err := rdb.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	s.Stop()
	if err := rdb.Ping(ctx).Err(); err == nil {
		t.Fatal("ping answered with the server stopped")
	}
	s.Start()
	if n, err := rdb.Exists(ctx, "k").Result(); err != nil || n != 0 {
		t.Fatalf("after restart: exists=%d %v; want an empty server", n, err)
	}
}
