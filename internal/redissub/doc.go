// Package redissub subscribes to a Redis pub/sub channel the way every voxdial subscriber
// needs it: the call returns only once Redis has confirmed the subscription (so nothing
// published after it is missed), and the returned loop hands each payload to a function
// until the context ends. While the connection is down go-redis reconnects and
// resubscribes; what was published meanwhile is lost to this subscriber, which is why
// every user keeps a polling path as well.
package redissub
