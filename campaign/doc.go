// Package campaign is the product's spine: campaigns, their contacts and
// how every contact gets worked to a disposition.
//
//   - Import streams a CSV file into a campaign: numbers normalised to E.164
//     with the campaign's default region, duplicates within the file folded,
//     rows checked against the script's requires and their types
//     (voicebot/field: dates, amounts, enums … normalised), a row-level error
//     report (line, field, reason); good rows are imported in one
//     transaction, bad rows reported. A row for a contact already in the
//     campaign updates it (and in a recurring campaign makes it due at the
//     next run: RecurAt).
//   - manage.go is the campaign's life after creation: Edit (what may change
//     in which state), Clone, Archive (read-only: Writable), Recycle (final
//     contacts due again, a new cycle: store.Contact.AttemptsBase) and the
//     gate summary (why the gate blocked contacts, in words). Create refuses
//     a seller that is not registered. docs/campaign-lifecycle.md.
//   - Schedule and RetryPolicy say when a contact may be called (dates, days
//     of the week, a daily window in the contact's local time, cron runs)
//     and when it is called again after each outcome.
//   - The lifecycle (Service) moves a campaign through its states.
//   - The Runner is the dialling loop of one node: a scheduler, the hopper
//     that leases due contacts from the store, the compliance Gate, the
//     Pacer, the dialer and the script.
//
// # Campaign states
//
//	draft ──start──► scheduled ──(start date reached)──► running ──(no contact left)──► completed
//	                   ▲   │                               │  ▲
//	                   │   └──pause──► paused ◄──pause─────┘  │
//	                   └────────────── resume ───────────────-┘ (via scheduled)
//	any state but completed/stopped ──stop──► stopped (pending contacts closed as "stopped")
//
// A recurring campaign (schedule.cron) stays running between its runs and
// completes at its end date.
//
// # One contact in the runner
//
//	lease (SKIP LOCKED, lease expiry) ──► outside window? reschedule to the next window
//	  ──► gate (before dialling) ──block──► done (compliance_blocked)
//	                             ──hold/error──► reschedule (the gate fails closed)
//	  ──► pacer (trunk CPS token + trunk channel + campaign slot)
//	  ──► number lock (one call per number: every campaign, every node) ──busy──► reschedule
//	  ──► gate again, right before the INVITE ──► attempt logged on the number ──► AttemptStart
//	  ──► INVITE ──► script
//	  ──► AttemptFinish: retry policy decides done | pending at a later time ──► number unlocked
//
// The number lock and log (NumberGuard: package numbers, in Redis for a cluster) fail
// closed: when they cannot be reached no call is placed and the contact is tried again in a
// minute. The log is what lets every node's gate count the attempts of the others at once
// (NumberHistory).
//
// # Pacing
//
// MaxCalls is the node's bot capacity: answered calls. A one_to_one campaign
// reserves a bot slot for each leg at lease time, so nothing is abandoned. A
// predictive campaign's legs claim a slot when answered; the controller
// (Decide) keeps as many legs in flight as the measured answer rate allows
// while the expected answers finding no free slot stay within an allowance
// that feedback from the store's 24 h and 30 d abandonment shrinks to 0 (1:1)
// as the target nears. An answer with no free slot hears the abandonment
// message at once and is hung up and recorded as abandoned (no re-call for
// 72 h). Transfers wait at most 2 s for one of the campaign's agents
// (abandoned otherwise), and dials are limited so that expected transfers fit
// the agents. Answer rates, agents and expected transfers are shared through a
// PaceState (Redis in a cluster).
//
//	lease ──► pacer permit ──► INVITE ──► answered? ──no──► leg ends (sample)
//	                                         │ yes
//	                        bot slot free? ──no──► message ≤ 2 s, hang up: abandoned
//	                                         │ yes
//	                                      script ──transfer──► agent free within 2 s? ──no──► transfer_abandoned
//
// A node extends its leases while it works; if it dies they expire and any
// node's rescue returns the contacts (their open attempt is closed as
// "lost"). On drain (SIGTERM) a runner stops leasing, gives back what it
// has not dialled, lets live calls finish up to a deadline, then hangs up and
// records them as "cut" (retried, never completed).
//
// # Outages
//
// A store write of the call path (write, storewrite.go) is retried with back-off while
// the store is unavailable (store.ErrUnavailable), then parked in the spool (spool.go): a
// local file of JSON lines, fsync'd, replayed in order at start and as soon as the store
// answers, before any lease is extended, rescued or taken. A runner extends only the
// leases of contacts it still works or has a parked write for. When a shared dependency
// fails mid-contact (the store, the number guard or pacer in Redis, the gate's data) the
// contact is tried again after NumberErrorRetry and leasing pauses until the Probes answer
// (health.go). A recording that cannot be made leaves the call without one
// (dialer.Result.RecordingError); the call is placed anyway.
//
// # Where to make the common changes
//
// One leased contact is an attempt (attempt.go): it owns the plan, the pacing state and
// bot slot, the contact, the trunk, the call ids, the logger and the report, and attempt.run
// is the sequence drawn above, one small method a step (gate, call, record and abandon are
// in runner.go, the number lock and log in numbers.go). A new step is a method called from
// run, and what it needs is a field of attempt, not a parameter. A step that ends the
// attempt early goes through reschedule, finish or release: they write the store the
// outage-proof way (write: retried, then spooled) and report the attempt (OnAttempt).
//
// After each recorded call the runner hands the result to RunnerOptions.AfterCall
// (aftercall.go; package aftercall grades, summarises and queues follow-up texts):
// Analyze before the record, so result.insight is stored, FollowUp after it.
//
// The runner does not pick a script host: RunnerOptions.LoadScript (required)
// and Speak come from the caller — internal/app wires a voicebot/live host with
// the configured speech engines — so this package builds without the speech
// stack (and without cgo). TransferAdmitter mirrors live.TransferAdmitter for
// the same reason. The runner's settings (capacity, pacing, timeouts) are keys
// of the runner section of the config (internal/app, docs/config.md): add a
// RunnerOptions field here and its key there.
package campaign
