package campaign

import (
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/voxdial/voxdial/internal/redistest"
)

// testRedis returns a client of the test Redis and a key prefix unique to the test, whose
// keys are deleted at cleanup (see redistest).
func testRedis(t *testing.T) (*redis.Client, string) {
	t.Helper()
	return redistest.Prefixed(t)
}
