// Package numbers keeps what every node must agree on about one E.164 number before it
// dials it, across campaigns and sellers:
//
//   - an in-flight lock: at most one call to a number at a time in the whole cluster,
//     even from two campaigns or two contacts. A lock has a TTL (the crash guard: a dead
//     node's numbers free themselves) and is kept alive while its holder lives; it is
//     released at hang-up, after the attempt has been recorded in the store.
//   - a log of the attempts started on the number: the compliance gate merges it into the
//     store's history (by call id, so nothing counts twice), so that its frequency caps see
//     every node's attempts at once, before (or without) the store showing them. The store
//     stays the system of record; the log covers the gap between dial and record.
//
// A Guard is either in process (NewLocal: one node) or in Redis (NewRedis: every node of
// a cluster); both behave the same (one conformance test).
//
// # One call in the runner
//
//	Lock ──ErrBusy──► another call has the number: try again later
//	  │  ──error────► Redis unreachable: no call (fail closed)
//	  ▼
//	gate (reads store history + Attempts) ──► Lock.Record (only while the lock is ours)
//	  ──► store attempt ──► INVITE … hang-up ──► store records the outcome ──► Lock.Release
//
// # In Redis
//
// Per number, two keys sharing the hash tag {+E164} (Redis Cluster puts them in one slot):
//
//	<prefix>lock:{+14155550100}  string: the holder's token; SET NX PX ttl, refreshed every ttl/3
//	<prefix>log:{+14155550100}   sorted set: member = the attempt (JSON), score = its start in
//	                             Unix ms; entries older than Retain are trimmed at each record
//
// Record is one Lua script that checks the lock is still the caller's and adds the attempt,
// so an attempt is logged only by the call that holds the number. Reads are ZRANGEBYSCORE
// over whole milliseconds, then filtered exactly: a window [since, until] (both ends
// included, as the gate's History asks) returns the same attempts from both
// implementations, to the millisecond the store also keeps.
//
// # Failures
//
// Every Redis error is returned wrapped in ErrUnavailable (and reported to OnError): the
// caller places no call. A lock whose keep-alive fails is reported and, once its TTL has
// passed, may be taken by another node; Record then refuses (ErrLockLost), so a call that
// has lost its number is never started.
package numbers
