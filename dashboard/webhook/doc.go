// Package webhook sends every finished call attempt to the webhooks
// configured for its campaign or for the whole deployment: a JSON document of
// the call result, signed with HMAC-SHA256, retried with exponential back-off
// and recorded try by try.
//
// # Flow
//
//	call_events (attempt_finished) ──enqueue──► webhook_deliveries (pending)
//	   one INSERT … SELECT per poll, idempotent per (webhook, event), so every
//	   node may enqueue the same range; the window overlaps the last one a
//	   little because PostgreSQL may commit a lower event id after a higher one.
//
//	pending ──lease (FOR UPDATE SKIP LOCKED)──► POST ──► 2xx ───────► delivered
//	                                              │
//	                                              └─ other status, error, timeout:
//	                                                  tries < MaxTries ─► pending, next try after
//	                                                                      Backoff·2^(tries-1) (capped, +≤25% jitter)
//	                                                  tries = MaxTries ─► failed
//
// A node that dies holding a lease loses it after LeaseFor; another node
// sends the delivery again. Receivers must therefore treat X-Voxdial-Delivery
// as an idempotency key: the same delivery may arrive more than once.
//
// # Signature
//
//	X-Voxdial-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
//
// The timestamp is signed with the body so a receiver can refuse replays
// (Verify allows 5 minutes by default). Redirects are not followed: a 3xx is
// a failed try.
//
// # Targets
//
// Requests go through internal/safehttp: a receiver whose name or address
// is loopback, link-local, private, unspecified or multicast is refused at
// connect time (after DNS resolution) unless Options.Policy allows it. The
// delivery log, which every role reads, records a class of each failure
// ("connection failed", "timeout", "HTTP 5xx", "refused: loopback address
// not allowed"): never the URL, the address or the receiver's answer.
package webhook
