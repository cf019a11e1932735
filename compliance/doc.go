// Package compliance is the gate every dial attempt passes: Gate.Check decides allow, block
// or hold for one attempt, with the canonical rule ids that fired, a human reason, the
// candidate time zones, the rules that passed and, when time alone decides, the next
// eligible instant. The hopper calls it before leasing a contact and again right before
// each INVITE.
//
// # Rules and data
//
// Rule packs (packs.go) hold every jurisdiction's parameters in data — US federal
// (TCPA/TSR), Reg F, the stricter states, UK (PECR, TPS, Ofcom), France (D.223-9, ePrivacy)
// and China — each citing its source; the rules are described in
// docs/compliance-check.md. Holiday calendars are computed per year from rules
// (fixed dates, nth weekdays, Easter offsets) with each jurisdiction's observed-day rule.
//
// The gate reads its facts through small interfaces a store can implement: Directory
// (campaigns, sellers, contacts), ConsentLedger (consents, EBRs, Reassigned Numbers
// Database answers), History (earlier attempts and refusals) and DNCLookup. Memory and
// DNCIndex are the in-process implementations; DNCIndex keeps each list as a roaring64
// bitmap of E.164 numbers (about 2 bytes per number) and answers without allocating.
//
// # Local time
//
// The candidate zones of a callee are libphonenumber's zones for the number's prefix (a
// 208-200 number is both Boise and Los Angeles; Navajo Nation prefixes are Denver and
// Phoenix) ∪ the contact's address zone. A window passes only if it passes in every zone,
// on each zone's wall clock from the embedded IANA tzdata, so DST is handled by the zone
// rules, never by fixed offsets. Toll-free and other non-geographic numbers, Etc/Unknown and
// country-level fallbacks whose zones disagree are unresolved unless an address zone is
// known (TZ_UNRESOLVED).
//
// # Evaluation
//
//	attempt ─► number, campaign, seller, contact ─► zones ─► packs (campaign's or by country)
//	        ─► load consents, history (32 days), refusals, DNC hits
//	        ─► general rules (caller id, internal DNC, revocation, refusal review)
//	        ─► pack rules that time cannot change (consent, DNC, registry freshness, ...)
//	        ─► time rules at the attempt time (windows, holidays, rolling and day caps)
//	        ─► if only time rules block: walk forward to next_eligible_at
//
// Windows are half-open [open, close): 21:00:00 is outside 08:00–21:00. Rolling counters
// count events at ≥ now − window at 1-s granularity (a call exactly 24 h old counts); Reg F,
// French and Chinese day counts use the consumer's local calendar days, in every zone.
// To find next_eligible_at each failing time rule names the earliest instant at which it
// would pass; the latest of these is a lower bound for all, and the gate re-evaluates there
// until every rule passes (history held as of the attempt).
//
// # Failure behaviour
//
// The gate fails closed: an unknown number format, campaign or zone, a stale or missing
// registry copy, missing consent where consent is required, or any error from a data source
// blocks (or holds, for REFUSAL_REVIEW and a Reassigned Numbers "no_data") with a reason. It
// never allows when it cannot decide. The zero Verdict is Block.
//
// # Over the store
//
// StoreSource reads campaigns (seller, purpose, voice, subject, rule packs, pacing, caller
// ids; cached 2 s), sellers, address zones, the consent ledger, EBRs, Reassigned Numbers
// answers and the attempts table as history — merged, when StoreSourceOptions.Recent is set,
// with the attempts the cluster has started and the store does not show yet (by call id: an
// attempt counts once; package numbers' log, through campaign.NumberHistory), so that
// frequency caps see every node's calls at once. StoreDNC loads registry copies (one serialized
// roaring64 bitmap per list and scope, replaced by each `voxdial dnc import`) and entries,
// then follows the dnc_changes log (Run polls it; serve every 500 ms). StoreAudit appends
// every decision to compliance_audit in one hash chain across nodes (an advisory lock on
// PostgreSQL); VerifyStoreAudit re-checks the chain and the query columns. Consent records
// carry a hash of their content; a record whose content no longer matches is treated as
// revoked. OptOuts turn a voice bot's opt-out into an internal DNC entry and consent
// revocation in one transaction, applied to the local index at once. NewStoreGate wires
// them; campaign.ComplianceGate adapts the gate to the campaign runner.
//
// # Throughput
//
// A decision costs a few cache misses, so the hot path is arranged to take as few as
// possible: a source that implements FactsSource (Memory does) hands the gate one immutable
// record per number — contact, consents, history, refusals — found with one probe of a flat
// open-addressing table and read without locks or copies; the record caches the number's
// candidate zone set; names in records are interned so comparisons do not read them; local
// clocks come from one zone-offset lookup and one civil-date computation. Registry DNC lists
// have a register-blocked Bloom filter in front of their roaring bitmaps (one memory read
// for the common "not listed" answer, ~0.75 bytes per number, answers stay exact).
//
// Over the store the cost is round trips, not cache misses: StoreSource implements
// FactsAtSource, so a decision reads the number's contact facts, consents, EBRs,
// Reassigned Numbers answer, history and refusals in one store request
// (store.DB.NumberFactsGet: one pgx batch on PostgreSQL), with the campaign and seller
// cached for a few seconds. A new fact a rule needs goes into that request (a query in
// store/numberfacts.go, a field of NumberFacts), not into a read of its own.
//
// # Across nodes
//
// RedisFanout publishes each opt-out on Redis and applies the other nodes' to the local
// StoreDNC at once (cluster mode); StoreDNC.Run's poll of the change log remains the
// fallback. An opt-out also cancels the number's queued contacts in every campaign of the
// seller (store.ContactCancel). AuditBatcher group-commits audit appends: every decision is
// written before anyone acts on it, but concurrent decisions share transactions, sealed in
// one order. Audit records are kept AuditRetentionYears (5) by default and at least;
// PruneStoreAudit drops older ones and leaves an anchor from which VerifyStoreAudit checks
// the remaining chain.
//
// CheckStream implements `voxdial compliance check` (docs/compliance-check.md).
//
// CheckSMS (sms.go) decides follow-up texts (package aftercall): consent, opt-outs and the
// SMS quiet hours of RulePacks.SMS; it shares the rule table and the Decision type.
//
// # Adding a rule
//
//  1. Add its RuleID constant in rules.go, before numRules (the order is the order decisions
//     list rules in; append unless the contract says otherwise). A 65th rule does not compile:
//     RuleSet is a uint64 bit set; widen it first.
//  2. Add its row to the rules table in rules.go: canonical id (the contract's string), kind
//     (kindBlock, kindTime: time alone releases it and the check sets NextEligibleAt,
//     kindCampaign: about the campaign, so the runner holds the contact) and its title in
//     words. TestRuleTable fails on a missing row, a duplicate id or an empty title.
//  3. Put its parameters in the rule packs (packs.go), in data, and its check in the
//     evaluation (gate.go for facts, timechecks.go for windows and rolling counts), recording
//     a note so Decision.Reason says why.
//  4. Add the rule's id and meaning to docs/compliance-check.md and a case to the table tests
//     (rules_test.go) that passes and fails it.
package compliance
