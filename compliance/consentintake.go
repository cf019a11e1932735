package compliance

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/voxdial/voxdial/store"
)

// ErrInvalidConsent wraps every reason ConsentIntake refuses a consent.
var ErrInvalidConsent = errors.New("invalid consent")

// ConsentInput is a consent as it arrives from outside: `voxdial consent add` flags, a
// `consent import` JSON Lines row, or POST /api/consent. Times are RFC 3339 text.
type ConsentInput struct {
	Number            string   `json:"number"`
	Seller            string   `json:"seller"`
	Kind              string   `json:"kind"`
	Scope             []string `json:"scope"`
	ArtificialVoice   bool     `json:"artificial_voice"`
	Source            string   `json:"source"`
	EvidenceText      string   `json:"evidence_text"`
	EvidenceIP        string   `json:"evidence_ip"`
	EvidenceRecording string   `json:"evidence_recording"`
	GivenAt           string   `json:"given_at"`
	ExpiresAt         string   `json:"expires_at"`
}

// ConsentFieldError names the field of a consent that is wrong; it wraps ErrInvalidConsent.
type ConsentFieldError struct {
	Field string // the JSON name: number, seller, kind, scope, given_at, expires_at, evidence_ip
	Err   error
}

func (e *ConsentFieldError) Error() string { return "field " + e.Field + ": " + e.Err.Error() }

// Unwrap lets errors.Is find ErrInvalidConsent.
func (e *ConsentFieldError) Unwrap() []error { return []error{ErrInvalidConsent, e.Err} }

// ConsentIntake is the one way a consent enters the ledger, whatever the channel: it checks
// the input (an E.164 number, a seller, a known kind, at least one known purpose and no
// unknown one, an RFC 3339 given_at not after now, an expiry after it, a valid evidence IP)
// and returns the record to store, recorded by by and sealed with its content hash (the
// store seals it again: no caller chooses the hash). now is the caller's clock.
func ConsentIntake(in *ConsentInput, by string, now time.Time) (store.Consent, error) {
	bad := func(field, format string, args ...any) (store.Consent, error) {
		return store.Consent{}, &ConsentFieldError{Field: field, Err: fmt.Errorf(format, args...)}
	}
	if _, ok := ParseNumber(in.Number); !ok {
		return bad("number", "want E.164 (+ and 2–15 digits), got %q", in.Number)
	}
	if strings.TrimSpace(in.Seller) == "" {
		return bad("seller", "required")
	}
	if _, ok := ParseConsentKind(in.Kind); !ok {
		return bad("kind", "want written, express or direct, got %q", in.Kind)
	}
	if len(in.Scope) == 0 {
		return bad("scope", "name at least one purpose (%s)", strings.Join(purposeNames[1:], ", "))
	}
	scope := make([]string, 0, len(in.Scope))
	for _, p := range in.Scope {
		if _, ok := ParsePurpose(p); !ok {
			return bad("scope", "unknown purpose %q (want %s)", p, strings.Join(purposeNames[1:], ", "))
		}
		dup := false
		for _, q := range scope {
			dup = dup || q == p
		}
		if !dup {
			scope = append(scope, p)
		}
	}
	if in.EvidenceIP != "" {
		if _, err := netip.ParseAddr(in.EvidenceIP); err != nil {
			return bad("evidence_ip", "want an IPv4 or IPv6 address, got %q", in.EvidenceIP)
		}
	}
	r := store.Consent{Phone: in.Number, Seller: in.Seller, Kind: in.Kind, Scope: scope, ArtificialVoice: in.ArtificialVoice,
		Source: in.Source, EvidenceText: in.EvidenceText, EvidenceIP: in.EvidenceIP, EvidenceRecording: in.EvidenceRecording,
		RecordedBy: by}
	var err error
	if in.GivenAt == "" {
		return bad("given_at", "required (RFC 3339)")
	}
	if r.GivenAt, err = time.Parse(time.RFC3339, in.GivenAt); err != nil {
		return bad("given_at", "want RFC 3339, got %q", in.GivenAt)
	}
	// A consent cannot be relied upon before it is given: a future given_at would make a
	// record that looks valid today out of a promise.
	if r.GivenAt.After(now) {
		return bad("given_at", "%s is in the future (now %s)", r.GivenAt.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if in.ExpiresAt != "" {
		if r.ExpiresAt, err = time.Parse(time.RFC3339, in.ExpiresAt); err != nil {
			return bad("expires_at", "want RFC 3339, got %q", in.ExpiresAt)
		}
		if !r.ExpiresAt.After(r.GivenAt) {
			return bad("expires_at", "%s is not after given_at %s", in.ExpiresAt, in.GivenAt)
		}
	}
	r.RecordHash = store.ConsentRecordHash(&r)
	return r, nil
}
