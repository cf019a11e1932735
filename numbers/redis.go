package numbers

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisOptions configure NewRedis.
type RedisOptions struct {
	Options
	// Prefix starts every key (default "voxdial:num:").
	Prefix string
}

// NewRedis returns the cluster-wide Guard: locks and logs in Redis, shared by every node.
func NewRedis(rdb redis.UniversalClient, o RedisOptions) *Guard {
	if o.Prefix == "" {
		o.Prefix = "voxdial:num:"
	}
	return newGuard(&redisBackend{rdb: rdb, prefix: o.Prefix}, o.Options)
}

type redisBackend struct {
	rdb    redis.UniversalClient
	prefix string
}

// The {number} hash tag keeps a number's two keys in one Redis Cluster slot, so that one
// script may use both.
func (b *redisBackend) lockKey(number string) string { return b.prefix + "lock:{" + number + "}" }
func (b *redisBackend) logKey(number string) string  { return b.prefix + "log:{" + number + "}" }

// refreshScript: KEYS lock; ARGV token, ttl ms.
var refreshScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`)

// unlockScript: KEYS lock; ARGV token.
var unlockScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

// recordScript: KEYS lock, log; ARGV token, at ms, member, trim below ms, retain ms.
// Logs the attempt only while the token holds the lock.
var recordScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return 1
`)

func (b *redisBackend) ping(ctx context.Context) error { return b.rdb.Ping(ctx).Err() }

func (b *redisBackend) lock(ctx context.Context, number, token string, ttl time.Duration) (bool, error) {
	return b.rdb.SetNX(ctx, b.lockKey(number), token, ttl).Result()
}

func (b *redisBackend) refresh(ctx context.Context, number, token string, ttl time.Duration) (bool, error) {
	n, err := refreshScript.Run(ctx, b.rdb, []string{b.lockKey(number)}, token, ttl.Milliseconds()).Int64()
	return n == 1, err
}

func (b *redisBackend) unlock(ctx context.Context, number, token string) error {
	return unlockScript.Run(ctx, b.rdb, []string{b.lockKey(number)}, token).Err()
}

func (b *redisBackend) record(ctx context.Context, number, token string, atMS int64, member string, trimMS int64, retain time.Duration) (bool, error) {
	n, err := recordScript.Run(ctx, b.rdb, []string{b.lockKey(number), b.logKey(number)},
		token, atMS, member, trimMS, retain.Milliseconds()).Int64()
	return n == 1, err
}

func (b *redisBackend) forget(ctx context.Context, number, member string) error {
	return b.rdb.ZRem(ctx, b.logKey(number), member).Err()
}

func (b *redisBackend) read(ctx context.Context, number string, fromMS, toMS int64) ([]string, error) {
	return b.rdb.ZRangeByScore(ctx, b.logKey(number), &redis.ZRangeBy{
		Min: strconv.FormatInt(fromMS, 10), Max: strconv.FormatInt(toMS, 10)}).Result()
}
