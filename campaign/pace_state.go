package campaign

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// PaceState is what the controllers of every node share about a campaign: its
// window of call samples (answer rate, ring time, transfer rate, handle time),
// its agents' holds, and what each node expects to transfer. LocalPaceState
// keeps it in process, RedisPaceState in Redis for a cluster (the same
// conformance test runs on both).
type PaceState interface {
	// Record adds a sample to the campaign's window.
	Record(ctx context.Context, campaign string, s PaceSample) error
	// Window sums the campaign's recent samples.
	Window(ctx context.Context, campaign string) (PaceSample, error)
	// Expect publishes the transfers node expects and returns the other nodes'.
	Expect(ctx context.Context, campaign, node string, transfers float64) (others float64, err error)
	// AgentTry takes an agent of the pool if one is free now (ok false
	// otherwise); release frees it.
	AgentTry(ctx context.Context, pool AgentPool) (release func(), ok bool, err error)
	// AgentStats counts the pool's agents busy and free now.
	AgentStats(ctx context.Context, pool AgentPool) (busy, free int, err error)
}

// AgentPool names a campaign's agents and how many there are: a fixed count,
// or, when Polled, the agents the queue endpoint said were free at PolledAt
// (less the transfers granted since, which the queue may not show yet).
type AgentPool struct {
	Campaign  string
	Capacity  int
	Polled    bool
	Available int
	PolledAt  time.Time
}

// agentHoldTTL bounds how long a hold of a node that died keeps its agent.
const agentHoldTTL = time.Hour

// expectTTL: a node's published expectation older than this is ignored (it stopped).
const expectTTL = 5 * time.Second

// Record implements PaceState.
func (l *LocalPaceState) Record(_ context.Context, campaign string, s PaceSample) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.window(campaign).add(l.clock(), s)
	return nil
}

// Window implements PaceState.
func (l *LocalPaceState) Window(_ context.Context, campaign string) (PaceSample, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.window(campaign).sum(l.clock()), nil
}

type expectation struct {
	n  float64
	at time.Time
}

type localAgents struct {
	holds  map[int64]time.Time // id → granted at
	nextID int64
}

// Expect implements PaceState.
func (l *LocalPaceState) Expect(_ context.Context, campaign, node string, n float64) (float64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock()
	m := l.expect[campaign]
	if m == nil {
		m = map[string]expectation{}
		l.expect[campaign] = m
	}
	m[node] = expectation{n, now}
	others := 0.0
	for k, e := range m {
		if now.Sub(e.at) > expectTTL {
			delete(m, k)
		} else if k != node {
			others += e.n
		}
	}
	return others, nil
}

func (l *LocalPaceState) pool(campaign string) *localAgents {
	a := l.agents[campaign]
	if a == nil {
		a = &localAgents{holds: map[int64]time.Time{}}
		l.agents[campaign] = a
	}
	return a
}

func (l *LocalPaceState) free(a *localAgents, p AgentPool, now time.Time) int {
	for id, at := range a.holds {
		if now.Sub(at) > agentHoldTTL {
			delete(a.holds, id)
		}
	}
	if !p.Polled {
		return p.Capacity - len(a.holds)
	}
	since := 0
	for _, at := range a.holds {
		if !at.Before(p.PolledAt) {
			since++
		}
	}
	return p.Available - since
}

// AgentTry implements PaceState.
func (l *LocalPaceState) AgentTry(_ context.Context, p AgentPool) (func(), bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock()
	a := l.pool(p.Campaign)
	if l.free(a, p, now) <= 0 {
		return nil, false, nil
	}
	a.nextID++
	id := a.nextID
	a.holds[id] = now
	return func() {
		l.mu.Lock()
		delete(a.holds, id)
		l.mu.Unlock()
	}, true, nil
}

// AgentStats implements PaceState.
func (l *LocalPaceState) AgentStats(_ context.Context, p AgentPool) (int, int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	a := l.pool(p.Campaign)
	free := l.free(a, p, l.clock())
	return len(a.holds), max(free, 0), nil
}

// RedisPaceState is the cluster's PaceState: a campaign's window is a hash per
// 10 s bucket (HINCRBY, expiring after the window), expectations a hash of
// node → "n|ms", agent holds a sorted set scored by grant time (Redis server
// clock, so nodes' clocks do not matter).
type RedisPaceState struct {
	rdb    redis.UniversalClient
	prefix string
}

// NewRedisPaceState returns a state on rdb under prefix (default "voxdial:pace:",
// the RedisPacer's).
func NewRedisPaceState(rdb redis.UniversalClient, prefix string) *RedisPaceState {
	if prefix == "" {
		prefix = "voxdial:pace:"
	}
	return &RedisPaceState{rdb: rdb, prefix: prefix}
}

func (r *RedisPaceState) key(campaign, what string) string {
	return r.prefix + "campaign:" + campaign + ":" + what
}

// redisErr names where a Redis error came from; a cancelled context stays as it is.
func redisErr(what string, err error) error {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("%s: redis: %w", what, err)
}

// recordScript: KEYS bucket; ARGV ttl ms, then field, value pairs. Buckets are
// numbered by the server's clock.
var recordScript = redis.NewScript(`
local t = redis.call('TIME')
local b = math.floor((tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)) / 10000)
local key = KEYS[1] .. b
for i = 2, #ARGV, 2 do
  if tonumber(ARGV[i+1]) ~= 0 then redis.call('HINCRBY', key, ARGV[i], ARGV[i+1]) end
end
redis.call('PEXPIRE', key, ARGV[1])
return b
`)

// windowScript: KEYS bucket prefix; ARGV buckets, fields... Returns the sums.
var windowScript = redis.NewScript(`
local t = redis.call('TIME')
local b = math.floor((tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)) / 10000)
local n = tonumber(ARGV[1])
local sums = {}
for j = 2, #ARGV do sums[j-1] = 0 end
for i = b - n + 1, b do
  local v = redis.call('HMGET', KEYS[1] .. i, unpack(ARGV, 2))
  for j = 1, #v do if v[j] then sums[j] = sums[j] + tonumber(v[j]) end end
end
return sums
`)

// Record implements PaceState.
func (r *RedisPaceState) Record(ctx context.Context, campaign string, s PaceSample) error {
	args := []any{(paceBuckets + 1) * paceBucket.Milliseconds()}
	for i, f := range s.fields() {
		args = append(args, paceFields[i], *f)
	}
	return redisErr("pace state", recordScript.Run(ctx, r.rdb, []string{r.key(campaign, "win:")}, args...).Err())
}

// Window implements PaceState.
func (r *RedisPaceState) Window(ctx context.Context, campaign string) (PaceSample, error) {
	args := []any{paceBuckets}
	for _, f := range paceFields {
		args = append(args, f)
	}
	vals, err := windowScript.Run(ctx, r.rdb, []string{r.key(campaign, "win:")}, args...).Int64Slice()
	var s PaceSample
	if err != nil {
		return s, redisErr("pace state", err)
	}
	for i, f := range s.fields() {
		if i < len(vals) {
			*f = vals[i]
		}
	}
	return s, nil
}

// expectScript: KEYS hash; ARGV node, n, ttl ms. Returns the others' sum as a string.
var expectScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. '|' .. now)
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) * 4)
local all = redis.call('HGETALL', KEYS[1])
local sum = 0
for i = 1, #all, 2 do
  local n, at = string.match(all[i+1], '([^|]+)|(%d+)')
  if now - tonumber(at) > tonumber(ARGV[3]) then
    redis.call('HDEL', KEYS[1], all[i])
  elseif all[i] ~= ARGV[1] then
    sum = sum + tonumber(n)
  end
end
return tostring(sum)
`)

// Expect implements PaceState.
func (r *RedisPaceState) Expect(ctx context.Context, campaign, node string, n float64) (float64, error) {
	s, err := expectScript.Run(ctx, r.rdb, []string{r.key(campaign, "expect")}, node,
		strconv.FormatFloat(n, 'f', 4, 64), expectTTL.Milliseconds()).Text()
	if err != nil {
		return 0, redisErr("pace state", err)
	}
	return strconv.ParseFloat(s, 64)
}

// agentScript: KEYS holds; ARGV mode (try|stats), polled (0|1), capacity or
// available, polled at ms, member, ttl ms. Returns {ok, busy, free}.
var agentScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[6]))
local busy = redis.call('ZCARD', KEYS[1])
local free
if ARGV[2] == '1' then
  free = tonumber(ARGV[3]) - redis.call('ZCOUNT', KEYS[1], ARGV[4], '+inf')
else
  free = tonumber(ARGV[3]) - busy
end
if ARGV[1] == 'try' and free > 0 then
  redis.call('ZADD', KEYS[1], now, ARGV[5])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[6]) + 60000)
  return {1, busy + 1, free - 1}
end
if free < 0 then free = 0 end
return {0, busy, free}
`)

func (r *RedisPaceState) agents(ctx context.Context, mode string, p AgentPool, member string) ([]int64, error) {
	polled, n := "0", p.Capacity
	if p.Polled {
		polled, n = "1", p.Available
	}
	res, err := agentScript.Run(ctx, r.rdb, []string{r.key(p.Campaign, "agents")}, mode, polled, n,
		p.PolledAt.UnixMilli(), member, agentHoldTTL.Milliseconds()).Int64Slice()
	if err != nil {
		return nil, redisErr("pace state", err)
	}
	if len(res) != 3 {
		return nil, fmt.Errorf("pace state: agent script returned %v", res)
	}
	return res, nil
}

// AgentTry implements PaceState.
func (r *RedisPaceState) AgentTry(ctx context.Context, p AgentPool) (func(), bool, error) {
	var id [12]byte
	_, _ = rand.Read(id[:])
	member := hex.EncodeToString(id[:])
	res, err := r.agents(ctx, "try", p, member)
	if err != nil || res[0] != 1 {
		return nil, false, err
	}
	key := r.key(p.Campaign, "agents")
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		r.rdb.ZRem(ctx, key, member)
	}, true, nil
}

// AgentStats implements PaceState.
func (r *RedisPaceState) AgentStats(ctx context.Context, p AgentPool) (int, int, error) {
	res, err := r.agents(ctx, "stats", p, "")
	if err != nil {
		return 0, 0, err
	}
	return int(res[1]), int(res[2]), nil
}
