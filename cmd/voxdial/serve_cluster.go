package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/voxdial/voxdial/livefeed"
	"github.com/voxdial/voxdial/numbers"
	"github.com/voxdial/voxdial/store"
)

// liveFeed is what a node publishes its call events on and its dashboard follows
// (livefeed.Local or livefeed.Redis).
type liveFeed interface {
	Publish(e *store.CallEvent)
	Subscribe(ctx context.Context, fn func(*store.CallEvent), onErr func(error)) (func(), error)
}

// serveCluster is what the nodes of a cluster share: through Redis with --redis-url
// (VOXDIAL_REDIS_URL), in this process otherwise.
type serveCluster struct {
	rdb     *redis.Client  // nil: a single node
	numbers *numbers.Guard // per-number in-flight locks and attempt log
	feed    liveFeed       // live call events for the dashboards
}

// addServeCluster wraps `serve` outermost: it connects to Redis when asked, builds the
// number guard and the live feed before the dashboard and the runner start, and closes
// them after both have stopped.
func addServeCluster(cmd *cobra.Command, f *serveFlags) {
	inner := cmd.RunE
	cmd.RunE = func(c *cobra.Command, args []string) error {
		cl, stop, err := startCluster(c.Context(), f, c.ErrOrStderr())
		if err != nil {
			return err
		}
		defer stop()
		f.cluster = cl
		return inner(c, args)
	}
}

// startCluster builds the shared parts; stop ends them.
func startCluster(ctx context.Context, f *serveFlags, stderr io.Writer) (cl *serveCluster, stop func(), err error) {
	level := "info"
	if f.logLevel != "" {
		level = f.logLevel
	}
	log, err := newLogger(level, "console", stderr)
	if err != nil {
		return nil, nil, usageErr("%v", err)
	}
	log = log.Named("cluster")
	// Failures of the shared state: logged (the runner also logs each contact it turns
	// away) and counted; no call is placed while locks or attempt records fail.
	if f.numberRetain < 0 {
		return nil, nil, usageErr("--number-log-retain %s: not a duration ≥ 0", f.numberRetain)
	}
	nopts := numbers.Options{
		Retain: f.numberRetain,
		OnError: func(op string, err error) {
			if errors.Is(err, numbers.ErrLockLost) {
				log.Warn("number lock lost while its call was up (refresh found it taken over)", zap.String("op", op))
			} else {
				log.Error("per-number state unavailable: calls to the numbers concerned are not placed", zap.String("op", op), zap.Error(err))
			}
			if m := f.node.m; m != nil {
				m.ObserveNumberError(op, err)
			}
		},
		OnHeld: func(n int) {
			if m := f.node.m; m != nil {
				m.SetNumberLocks(n)
			}
		},
	}
	fopts := livefeed.Options{OnPublish: func(result string) {
		if m := f.node.m; m != nil {
			m.ObserveLivePublish(result)
		}
	}}
	if f.redisURL == "" {
		return &serveCluster{numbers: numbers.NewLocal(nopts), feed: livefeed.NewLocal(fopts)}, func() { _ = log.Sync() }, nil
	}
	opt, err := redis.ParseURL(f.redisURL)
	if err != nil {
		return nil, nil, usageErr("--redis-url: %v", err)
	}
	rdb := redis.NewClient(opt)
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return nil, nil, failureErr(fmt.Errorf("redis %s: %s", opt.Addr, err.Error()))
	}
	feed := livefeed.NewRedis(rdb, livefeed.RedisOptions{Options: fopts, Channel: f.redisPrefix + "events"})
	// Events go on being sent while the runner drains: stop only when told.
	fctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() { defer close(done); feed.Run(fctx) }()
	log.Info("cluster mode: per-number locks and attempt counts, pacing budgets, opt-outs and live events through redis",
		zap.String("addr", opt.Addr), zap.String("events_channel", feed.Channel()))
	return &serveCluster{rdb: rdb, numbers: numbers.NewRedis(rdb, numbers.RedisOptions{Options: nopts, Prefix: f.redisPrefix + "num:"}), feed: feed},
		func() {
			cancel()
			<-done
			rdb.Close()
			_ = log.Sync()
		}, nil
}
