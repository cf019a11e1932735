// Package store is voxdial's system of record: campaigns, contact lists,
// contacts, attempts, call events, transcripts, dispositions, the retry
// schedule and the contact leases that the hopper takes.
//
// Two backends sit behind one concrete type, DB: PostgreSQL through pgx (the
// production system of record, shared by every node of a cluster) and SQLite
// through modernc.org/sqlite (pure Go, the embedded default of `voxdial demo`
// and single-node trials). Open picks one from the URL. Most statements are
// shared (written with ? placeholders, rebound to $n for PostgreSQL); where
// the backends differ the SQL is written in each one's idiom: the schema
// (migrations/postgres, migrations/sqlite), the bulk import and the lease.
//
// The bulk import keeps one rule on both backends: rows are taken in file
// order; a row whose number or external_id appeared on an earlier row is a
// duplicate; a row whose number (else external_id) belongs to a contact of an
// earlier import updates it (its fields, and with RecurAt a new cycle:
// attempts_base = attempts, due again). A contact touched by an import carries
// its list id, which is how a later row of the same import is told to be a
// duplicate (SQLite, row by row) and how PostgreSQL's UPDATE … FROM the
// staging table leaves the contacts it has just inserted alone. SQLite runs one
// prepared INSERT OR IGNORE per row in one transaction. PostgreSQL, under a
// per-campaign advisory lock, COPYs a first import into an empty campaign
// straight into contacts, folding duplicates in process (importFold); rows
// it cannot decide alone, and every import into a campaign that has
// contacts, go through a staging table and one INSERT … SELECT with an
// anti-join (no ON CONFLICT, and since migration 0007 no per-row foreign-key
// checks: both cost more than the inserts themselves). Times are timestamptz on PostgreSQL
// and Unix milliseconds on SQLite; both are truncated to the millisecond.
//
// Follow-up texts after calls (followup.go, migration 0016: follow_ups and their log,
// follow_up_events) are queued, leased and recorded like webhook deliveries, so the queue
// survives restarts and is shared by the nodes.
//
// Methods are named noun-then-verb and take a *Params struct, so adding a
// field never changes a signature (ContactLeaseDue(ctx, *ContactLeaseDueParams)).
// Errors from pgx and SQLite never leave the package: they are translated to
// the sentinels in errors.go (ErrNotFound, ErrConflict, ErrLeaseLost, …).
//
// # A contact's life
//
//	pending ──ContactLeaseDue──► leased ──AttemptStart──► leased + attempt(dialing)
//	   ▲                           │  │                          │
//	   │  ContactReschedule        │  │ ContactFinish            │ AttemptFinish
//	   │  ContactLeaseRelease      │  ▼                          ▼
//	   └───────────────────────────┘ done ◄──── final ───── pending (retry) | done
//
// A lease is a holder name and an expiry on the contact row, taken by one
// statement (FOR UPDATE SKIP LOCKED on PostgreSQL; a single UPDATE … RETURNING
// on SQLite, whose writers are serialised) in a fixed order (next_attempt_at,
// id), with the caller's "now" so tests can move time. Holders extend their
// leases while they work (ContactLeaseExtend). When a node dies its leases
// expire; ContactLeaseRescue returns those contacts to pending and closes any
// attempt they left open as "lost" — the call may or may not have been placed,
// so it counts as an attempt but is never recorded twice. AttemptFinish closes
// an attempt exactly once: a second call, or one after a rescue, fails with
// ErrAttemptClosed and changes nothing. AttemptFinishParams.Quality writes the
// call's sentiment and inspection verdict in the same transaction (quality.go,
// which also lists failing inspections and computes a campaign's figures).
//
// # Results counters
//
// Migration 0013 keeps campaign_counters (finished attempts per campaign, UTC day,
// outcome and disposition, with answered, human and talk time) and
// campaign_contact_counters (contacts per campaign, final or not, by disposition) by
// triggers, inside the statements that close attempts and change contacts: results
// never scan attempts (results.go; CampaignStatsGet reads them too). A new count goes
// in both tables' triggers, in the backfill and in CountersRecount, which the
// conformance suite compares with the counters.
//
// # Migrations
//
// Versioned SQL files are embedded in the binary (migrations/<backend>/NNNN_name.sql,
// the same versions for both backends) and applied in order, each in its own
// transaction, recorded in schema_migrations; on PostgreSQL an advisory lock
// keeps two nodes from migrating at once. Other packages add their tables by
// adding a file to both directories.
package store
