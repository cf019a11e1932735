package redissub

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// Subscribe subscribes to channel and returns the loop that delivers its messages' payloads
// to fn until ctx ends (run it on its own goroutine).
func Subscribe(ctx context.Context, c redis.UniversalClient, channel string, fn func(payload string)) (func(), error) {
	sub := c.Subscribe(ctx, channel)
	if _, err := sub.Receive(ctx); err != nil { // the subscription's confirmation
		sub.Close()
		return nil, fmt.Errorf("subscribe to %s: %w", channel, err)
	}
	return func() {
		defer sub.Close()
		ch := sub.Channel()
		for {
			select {
			case <-ctx.Done():
				return
			case m, ok := <-ch:
				if !ok {
					return
				}
				fn(m.Payload)
			}
		}
	}, nil
}
