// Package redistest connects tests to the test Redis: $VOXDIAL_TEST_REDIS_URL, default
// redis://127.0.0.1:6379/0. An unreachable Redis fails the test, naming how to start one,
// unless VOXDIAL_SKIP_REDIS=1 says to skip explicitly.
package redistest

import (
	"context"
	"net"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/voxdial/voxdial/store/storetest"
)

// URL is the test Redis's URL.
func URL() string {
	if u := os.Getenv("VOXDIAL_TEST_REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

// Connect returns a client of the test Redis, closed at cleanup.
func Connect(t testing.TB) *redis.Client {
	t.Helper()
	u := URL()
	opt, err := redis.ParseURL(u)
	if err != nil {
		t.Fatalf("VOXDIAL_TEST_REDIS_URL %q: %v", u, err)
	}
	rdb := redis.NewClient(opt)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		msg := "Redis at " + opt.Addr + " is unreachable (" + err.Error() + "); start it with " +
			"`redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save \"\" --appendonly no`, " +
			"point VOXDIAL_TEST_REDIS_URL at a server, or set VOXDIAL_SKIP_REDIS=1 to skip these tests"
		if os.Getenv("VOXDIAL_SKIP_REDIS") == "1" {
			t.Skip("SKIPPED: " + msg)
		}
		t.Fatal(msg)
	}
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// Prefixed returns a client and a key prefix unique to the test; the prefix's keys are
// deleted at cleanup.
func Prefixed(t testing.TB) (*redis.Client, string) {
	t.Helper()
	rdb := Connect(t)
	prefix := storetest.UniqueName("voxdial_test") + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, prefix+"*", 100).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
	})
	return rdb, prefix
}

// Down returns a client of a Redis that is not there: an address of this machine on which
// nothing listens (a port the kernel gave and that was closed again), so every command
// fails at once with a refused connection.
func Down(t testing.TB) *redis.Client {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}
