package livefeed

import (
	"context"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/voxdial/voxdial/internal/redissub"
	"github.com/voxdial/voxdial/store"
)

// Results of a publish, for OnPublish.
const (
	Sent    = "sent"
	Dropped = "dropped" // a queue was full
	Failed  = "error"   // Redis refused or could not be reached
)

// Options configure NewLocal and NewRedis. Zero values take the defaults noted.
type Options struct {
	// Buffer is how many events may wait: per subscriber (Local), or to be sent (Redis).
	// Default 4096.
	Buffer int
	// OnPublish is told what became of each published event: Sent, Dropped or Failed.
	OnPublish func(result string)
	// OnReceive is told of each event a subscriber receives.
	OnReceive func()
}

func (o *Options) defaults() {
	if o.Buffer <= 0 {
		o.Buffer = 4096
	}
}

func (o *Options) published(result string) {
	if o.OnPublish != nil {
		o.OnPublish(result)
	}
}

func (o *Options) received() {
	if o.OnReceive != nil {
		o.OnReceive()
	}
}

// Local is the feed of a single node. Safe for concurrent use.
type Local struct {
	opts Options
	mu   sync.Mutex
	subs map[chan *store.CallEvent]struct{}
}

// NewLocal returns an in-process feed.
func NewLocal(o Options) *Local {
	o.defaults()
	return &Local{opts: o, subs: map[chan *store.CallEvent]struct{}{}}
}

// Publish hands e to every subscriber without waiting; a subscriber whose queue is full
// misses it (Dropped).
func (l *Local) Publish(e *store.CallEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	result := Sent
	for ch := range l.subs {
		select {
		case ch <- e:
		default:
			result = Dropped
		}
	}
	l.opts.published(result)
}

// Subscribe registers fn for the events published from now on and returns the function
// that delivers them until ctx ends (run it on its own goroutine). fn gets each event in
// the order published; the event is shared, read-only.
func (l *Local) Subscribe(ctx context.Context, fn func(*store.CallEvent), _ func(error)) (func(), error) {
	ch := make(chan *store.CallEvent, l.opts.Buffer)
	l.mu.Lock()
	l.subs[ch] = struct{}{}
	l.mu.Unlock()
	return func() {
		defer func() {
			l.mu.Lock()
			delete(l.subs, ch)
			l.mu.Unlock()
		}()
		for {
			select {
			case <-ctx.Done():
				return
			case e := <-ch:
				l.opts.received()
				fn(e)
			}
		}
	}, nil
}

// RedisOptions configure NewRedis.
type RedisOptions struct {
	Options
	Channel string // default "voxdial:events"
}

// Redis is the cluster's feed: every node publishes its events on one Redis pub/sub
// channel and every node's dashboard subscribes to it. Safe for concurrent use.
type Redis struct {
	rdb     redis.UniversalClient
	channel string
	opts    Options
	queue   chan *store.CallEvent
}

// NewRedis returns a feed on rdb; start Run to send what is published.
func NewRedis(rdb redis.UniversalClient, o RedisOptions) *Redis {
	o.defaults()
	if o.Channel == "" {
		o.Channel = "voxdial:events"
	}
	return &Redis{rdb: rdb, channel: o.Channel, opts: o.Options, queue: make(chan *store.CallEvent, o.Buffer)}
}

// Channel is the Redis channel.
func (r *Redis) Channel() string { return r.channel }

// Publish queues e for Run without waiting; when the queue is full e is dropped.
func (r *Redis) Publish(e *store.CallEvent) {
	select {
	case r.queue <- e:
	default:
		r.opts.published(Dropped)
	}
}

// Run sends queued events until ctx ends, those queued together in one round trip.
func (r *Redis) Run(ctx context.Context) {
	batch := make([]*store.CallEvent, 0, 128)
	for {
		select {
		case <-ctx.Done():
			return
		case e := <-r.queue:
			batch = append(batch[:0], e)
		}
	more:
		for len(batch) < cap(batch) {
			select {
			case e := <-r.queue:
				batch = append(batch, e)
			default:
				break more
			}
		}
		r.send(ctx, batch)
	}
}

func (r *Redis) send(ctx context.Context, batch []*store.CallEvent) {
	pipe := r.rdb.Pipeline()
	n := 0
	for _, e := range batch {
		b, err := Encode(e)
		if err != nil {
			r.opts.published(Failed)
			continue
		}
		pipe.Publish(ctx, r.channel, b)
		n++
	}
	if n == 0 {
		return
	}
	cmds, err := pipe.Exec(ctx)
	if err != nil && len(cmds) == 0 {
		for range n {
			r.opts.published(Failed)
		}
		return
	}
	for _, c := range cmds {
		if c.Err() != nil {
			r.opts.published(Failed)
		} else {
			r.opts.published(Sent)
		}
	}
}

// Subscribe subscribes to the channel and returns once Redis has confirmed it; the
// returned function delivers events to fn until ctx ends (run it on its own goroutine).
// While the connection is down go-redis reconnects and resubscribes; what was published
// meanwhile is lost to this subscriber. Messages that are not events go to onErr.
func (r *Redis) Subscribe(ctx context.Context, fn func(*store.CallEvent), onErr func(error)) (func(), error) {
	return redissub.Subscribe(ctx, r.rdb, r.channel, func(payload string) {
		e, err := Decode([]byte(payload))
		if err != nil {
			if onErr != nil {
				onErr(err)
			}
			return
		}
		r.opts.received()
		fn(e)
	})
}
