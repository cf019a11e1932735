package compliance

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/voxdial/voxdial/internal/redissub"
)

// DNCPublisher tells every node about a new do-not-call entry the store already has, so
// that their gates refuse the number without waiting for their next poll of the change log.
type DNCPublisher interface {
	PublishDNC(ctx context.Context, list List, scope string, number uint64, at time.Time) error
}

// RedisFanout carries opt-outs between nodes over Redis pub/sub (cluster mode,
// VOXDIAL_REDIS_URL). Every node publishes the entries it records and applies those of the
// others to its StoreDNC at once; a message lost while a node was disconnected is still
// picked up by StoreDNC.Run, which polls the store's change log: pub/sub only makes the
// refusal faster, never decides it. A message can only add an entry (fail closed): anyone
// able to publish on the channel can make the gate refuse a number, never allow one.
type RedisFanout struct {
	Client  *redis.Client
	Channel string    // default "voxdial:dnc"
	DNC     *StoreDNC // the local index the others' entries go into
	// OnApply, when set, is called after a message is applied (tests, metrics).
	OnApply func(list List, scope string, number uint64)
}

type fanoutMsg struct {
	List   string `json:"list"`
	Scope  string `json:"scope"`
	Number string `json:"number"`
	At     string `json:"at"`
}

func (f *RedisFanout) channel() string {
	if f.Channel == "" {
		return "voxdial:dnc"
	}
	return f.Channel
}

// PublishDNC implements DNCPublisher.
func (f *RedisFanout) PublishDNC(ctx context.Context, list List, scope string, number uint64, at time.Time) error {
	b, err := json.Marshal(fanoutMsg{List: list.String(), Scope: scope, Number: FormatNumber(number), At: at.UTC().Format(time.RFC3339Nano)})
	if err != nil {
		return err
	}
	if err := f.Client.Publish(ctx, f.channel(), b).Err(); err != nil {
		return fmt.Errorf("publish do-not-call entry: %w", err)
	}
	return nil
}

// Subscribe subscribes to the channel and returns once the subscription is confirmed; the
// returned function applies messages until ctx ends (run it on its own goroutine). Bad
// messages are reported to onErr and skipped.
func (f *RedisFanout) Subscribe(ctx context.Context, onErr func(error)) (func(), error) {
	return redissub.Subscribe(ctx, f.Client, f.channel(), func(payload string) {
		if err := f.apply(payload); err != nil && onErr != nil {
			onErr(err)
		}
	})
}

func (f *RedisFanout) apply(payload string) error {
	var m fanoutMsg
	if err := json.Unmarshal([]byte(payload), &m); err != nil {
		return fmt.Errorf("do-not-call message %q: %w", payload, err)
	}
	l, ok := ParseList(m.List)
	if !ok {
		return fmt.Errorf("do-not-call message: unknown list %q", m.List)
	}
	n, ok := ParseNumber(m.Number)
	if !ok {
		return fmt.Errorf("do-not-call message: number %q is not E.164", m.Number)
	}
	at, err := time.Parse(time.RFC3339Nano, m.At)
	if err != nil {
		return fmt.Errorf("do-not-call message: at %q: %w", m.At, err)
	}
	f.DNC.Apply(l, m.Scope, n, at)
	if f.OnApply != nil {
		f.OnApply(l, m.Scope, n)
	}
	return nil
}
