package compliance

import (
	"context"
	"sync/atomic"
	"time"
)

// Directory resolves what the gate needs about campaigns, sellers and contacts. The
// campaign store implements it; Memory is the in-process implementation.
type Directory interface {
	// Campaign returns the campaign or an error wrapping ErrNotFound.
	Campaign(ctx context.Context, id string) (*Campaign, error)
	// Seller returns the seller or an error wrapping ErrNotFound.
	Seller(ctx context.Context, id string) (*Seller, error)
	// Contact returns what is known about the number's subscriber; (nil, nil) when nothing is.
	Contact(ctx context.Context, number uint64) (*Contact, error)
}

// ConsentLedger answers consent, relationship and reassignment questions.
// Implementations append to buf and return it, so that callers can reuse buffers.
type ConsentLedger interface {
	// Consents appends the number's consent records (every seller, revoked ones included).
	Consents(ctx context.Context, number uint64, buf []Consent) ([]Consent, error)
	// EBRs appends the number's established business relationships.
	EBRs(ctx context.Context, number uint64, buf []EBR) ([]EBR, error)
	// Reassigned returns the latest Reassigned Numbers Database check at or before at
	// (Answer ReassignedNone when the number was never checked).
	Reassigned(ctx context.Context, number uint64, at time.Time) (ReassignedCheck, error)
}

// History answers frequency questions over earlier attempts.
type History interface {
	// Attempts appends the number's attempts with since ≤ At ≤ until, oldest first.
	Attempts(ctx context.Context, number uint64, since, until time.Time, buf []Event) ([]Event, error)
	// Refusals appends the number's attempts in which the consumer refused further calls,
	// with At ≤ until, oldest first.
	Refusals(ctx context.Context, number uint64, until time.Time, buf []Event) ([]Event, error)
}

// NumberFacts is everything a source knows about one number. It is read-only: a source may
// hand out its own immutable data, so the gate reads it without copying.
type NumberFacts struct {
	// Fields in the order a decision reads them (the first ones share a cache line).
	Contact    *Contact // nil when nothing is known about the subscriber
	Consents   []Consent
	History    []Event           // every attempt, sorted by At
	Refusals   []Event           // attempts with a refusal, sorted by At
	Reassigned []ReassignedCheck // sorted by CheckedAt
	EBRs       []EBR

	// zones caches the number's candidate zones for the gate (they follow from the number
	// and Contact alone), sparing a resolver lookup per decision. Memory's records only.
	zones atomic.Pointer[ZoneSet]
}

// FactsSource is the gate's fast path: one lookup per decision instead of one per
// question (each lookup of a large table is a cache miss). When the Directory, ConsentLedger
// and History given to NewGate are one value implementing it, the gate uses it instead.
type FactsSource interface {
	// NumberFacts returns the number's facts (nil when nothing is known). The result must
	// stay unchanged while the caller uses it.
	NumberFacts(ctx context.Context, number uint64) (*NumberFacts, error)
}

// FactsAtSource is FactsSource for a source that reads per decision (the store): it is
// told the decision's time, so that it reads only the history the rules look at
// (historyLookback before at) in one request instead of one per question.
type FactsAtSource interface {
	// NumberFactsAt returns the number's facts as of at (nil when nothing is known):
	// History covers at least [at-32 days, at], Refusals everything up to at, Reassigned
	// the newest answer checked at or before at.
	NumberFactsAt(ctx context.Context, number uint64, at time.Time) (*NumberFacts, error)
}
