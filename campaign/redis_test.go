package campaign

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/voxdial/voxdial/store/storetest"
)

// testRedis connects to the test Redis ($VOXDIAL_TEST_REDIS_URL, default
// redis://127.0.0.1:6379/0) and returns a client and a key prefix unique to
// the test, whose keys are deleted at cleanup. Unreachable Redis fails the
// test unless VOXDIAL_SKIP_REDIS=1.
func testRedis(t *testing.T) (*redis.Client, string) {
	t.Helper()
	u := os.Getenv("VOXDIAL_TEST_REDIS_URL")
	if u == "" {
		u = "redis://127.0.0.1:6379/0"
	}
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
	prefix := storetest.UniqueName("voxdial_test") + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, prefix+"*", 100).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
		rdb.Close()
	})
	return rdb, prefix
}
