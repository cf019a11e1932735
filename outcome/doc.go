// Package outcome is voxdial's one vocabulary of how a call attempt (or the
// runner's handling of a leased contact) ended: a Code, plus a free-text
// reason kept apart from it.
//
// Every code lives in one table (table.go): its label in words, its colour in
// the dashboard, the stage that produces it, whether it ends the contact
// whatever the retry policy says, and the compliance gate's history class. The
// sets other packages need (all codes, the dialer's, the Prometheus label
// values, the dashboard's colour map served at GET /api/meta/outcomes,
// docs/call-result.md's table) derive from it.
//
// Why a leaf package and not the dialer: the dialer produces only the call
// outcomes, and it carries the SIP and RTP stack; the compliance gate, the
// store-facing code and the dashboard need the vocabulary without that
// weight (compliance builds with no SIP code at all). This package imports
// nothing but the standard library, so anyone may import it without a cycle.
// The dialer re-exports its codes: dialer.Outcome is an alias of Code and
// dialer.OutcomeBusy is Busy.
//
// # Where to add an outcome
//
//  1. Add the constant below and its row in table (table.go): label, colour
//     (#rrggbb, distinct from its neighbours in a chart), stage, final, and
//     the compliance history class ("" when no call was placed).
//  2. If the dialer produces it: dialer/outcome.go (a re-exported constant
//     and the SIP status in Classify).
//  3. If the campaign retries it: its default delay in DefaultRetryPolicy
//     (campaign/retry.go); TestDefaultRetryCoversCallOutcomes fails until a
//     non-final call outcome has one.
//  4. Regenerate the table in docs/call-result.md: go test ./outcome -run
//     TestDocTable -update (the test fails while the two differ).
//
// Nothing else: the dashboard's colours and the metrics' label values come
// from the table.
package outcome
