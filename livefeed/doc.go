// Package livefeed carries live call events — the store's call_events rows, as a node
// appends them (store.DB.OnCallEvent) — to the dashboards of every node at once, instead
// of each dashboard seeing them only at its next poll of the log.
//
//	node B: runner ─► store (commit) ─► OnCallEvent ─► Publish ─┐
//	                                                             ├─► Subscribe ─► node A's dashboard
//	node A: runner ─► store (commit) ─► OnCallEvent ─► Publish ─┘               (and node B's)
//
// Local is the in-process feed of a single node; Redis is the cluster's, over Redis
// pub/sub (one channel, JSON messages). Both behave the same (one conformance test).
//
// The feed is fast, not reliable: an event published while a subscriber is disconnected,
// or that finds a queue full, is lost — and counted. The store's log stays the record and
// the dashboards' poll of it the catch-up path; they deduplicate by event id, so every
// event is shown once whichever path brings it first.
//
// Publish never blocks its caller (the runner, inside its store writes): it queues the
// event, and Run sends the queue. A message that does not decode as an event is reported
// to the subscriber's error function and skipped; a message can only show an event on a
// dashboard, never change what any node does.
package livefeed
