package campaign

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisPacer is the cluster-wide Pacer: budgets live in Redis, shared by
// every node. A trunk's token bucket is a hash (tokens, time) and its
// channels and a campaign's slots are sorted sets of permits scored by
// their expiry, so a node that dies without releasing frees its slots after
// PermitTTL. One Lua script checks and takes everything atomically, using
// the Redis server's clock so nodes' clocks do not matter.
//
// Keys start with Prefix; with Redis Cluster, put a hash tag in it
// ("voxdial:{pace}:") so that one script's keys share a slot.
type RedisPacer struct {
	rdb       redis.UniversalClient
	prefix    string
	permitTTL time.Duration
}

// RedisPacerOptions configure NewRedisPacer.
type RedisPacerOptions struct {
	Prefix    string        // key prefix (default "voxdial:pace:")
	PermitTTL time.Duration // how long an unreleased permit holds its slot (default 15m: longer than any call)
}

// NewRedisPacer returns a pacer on rdb.
func NewRedisPacer(rdb redis.UniversalClient, opts RedisPacerOptions) *RedisPacer {
	if opts.Prefix == "" {
		opts.Prefix = "voxdial:pace:"
	}
	if opts.PermitTTL <= 0 {
		opts.PermitTTL = 15 * time.Minute
	}
	return &RedisPacer{rdb: rdb, prefix: opts.Prefix, permitTTL: opts.PermitTTL}
}

// slotScript: KEYS trunk slots, campaign slots; ARGV trunk max, campaign
// max, permit id, ttl ms. Returns {1, 0} or {0, wait µs}.
var slotScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tmax, cmax = tonumber(ARGV[1]), tonumber(ARGV[2])
local ttl = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if tmax > 0 and redis.call('ZCARD', KEYS[1]) >= tmax then return {0, 50000} end
if cmax > 0 and redis.call('ZCARD', KEYS[2]) >= cmax then return {0, 50000} end
redis.call('ZADD', KEYS[1], now + ttl * 1000, ARGV[3])
redis.call('ZADD', KEYS[2], now + ttl * 1000, ARGV[3])
redis.call('PEXPIRE', KEYS[1], ttl + 60000)
redis.call('PEXPIRE', KEYS[2], ttl + 60000)
return {1, 0}
`)

// tokenScript: KEYS bucket; ARGV rate, burst. Returns {1, 0} or {0, wait µs}.
var tokenScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens, at = tonumber(b[1]), tonumber(b[2])
if tokens == nil or at == nil then tokens, at = burst, now end
tokens = math.min(burst, tokens + (now - at) * rate / 1000000)
if tokens < 1 then
  return {0, math.ceil((1 - tokens) * 1000000 / rate)}
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens - 1), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], 3600000)
return {1, 0}
`)

// Acquire implements Pacer.
func (p *RedisPacer) Acquire(ctx context.Context, req PaceRequest) (*Permit, error) {
	var id [12]byte
	_, _ = rand.Read(id[:])
	member := hex.EncodeToString(id[:])
	slots := []string{p.prefix + "trunk:" + req.Trunk + ":slots", p.prefix + "campaign:" + req.Campaign + ":slots"}
	err := pollAcquire(ctx, p.runner(ctx, slotScript, slots, req.TrunkChannels, req.CampaignMax, member, p.permitTTL.Milliseconds()))
	if err != nil {
		return nil, err
	}
	bucket := []string{p.prefix + "trunk:" + req.Trunk + ":bucket"}
	return &Permit{
		release: func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			p.rdb.ZRem(ctx, slots[0], member)
			p.rdb.ZRem(ctx, slots[1], member)
		},
		token: func(ctx context.Context) error {
			if req.CPS <= 0 {
				return nil
			}
			return pollAcquire(ctx, p.runner(ctx, tokenScript, bucket, strconv.FormatFloat(req.CPS, 'f', -1, 64), max(req.Burst, 1)))
		},
	}, nil
}

// runner adapts a script returning {ok, wait µs} to pollAcquire.
func (p *RedisPacer) runner(ctx context.Context, s *redis.Script, keys []string, args ...any) func() (bool, time.Duration, error) {
	return func() (bool, time.Duration, error) {
		res, err := s.Run(ctx, p.rdb, keys, args...).Int64Slice()
		if err != nil {
			return false, 0, redisErr("pacer", err)
		}
		if len(res) != 2 {
			return false, 0, fmt.Errorf("pacer: redis script returned %v", res)
		}
		return res[0] == 1, time.Duration(res[1]) * time.Microsecond, nil
	}
}
