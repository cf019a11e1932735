package compliance_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/voxdial/voxdial/compliance"
	"github.com/voxdial/voxdial/store"
)

func TestConsentIntake(t *testing.T) {
	now := time.Date(2026, 12, 2, 16, 0, 0, 0, time.UTC)
	good := func() compliance.ConsentInput {
		return compliance.ConsentInput{Number: "+12125550101", Seller: "S1", Kind: "written", Scope: []string{"collections", "collections"},
			ArtificialVoice: true, Source: "web", EvidenceIP: "192.0.2.7", GivenAt: "2026-12-01T10:00:00Z", ExpiresAt: "2027-12-01T10:00:00Z"}
	}
	r, err := func() (store.Consent, error) { in := good(); return compliance.ConsentIntake(&in, "alice", now) }()
	if err != nil {
		t.Fatal(err)
	}
	if r.RecordHash == "" || r.RecordHash != store.ConsentRecordHash(&r) || r.RecordedBy != "alice" || len(r.Scope) != 1 {
		t.Fatalf("record %+v", r)
	}
	// Given exactly now is fine: the clock is the caller's.
	in := good()
	in.GivenAt = now.Format(time.RFC3339)
	if _, err := compliance.ConsentIntake(&in, "alice", now); err != nil {
		t.Fatalf("given now: %v", err)
	}
	for _, tc := range []struct {
		name, field string
		edit        func(*compliance.ConsentInput)
	}{
		{"bad number", "number", func(c *compliance.ConsentInput) { c.Number = "2125550101" }},
		{"no seller", "seller", func(c *compliance.ConsentInput) { c.Seller = " " }},
		{"unknown kind", "kind", func(c *compliance.ConsentInput) { c.Kind = "implied" }},
		{"no purpose", "scope", func(c *compliance.ConsentInput) { c.Scope = nil }},
		{"unknown purpose", "scope", func(c *compliance.ConsentInput) { c.Scope = []string{"collections", "marketing"} }},
		{"no given_at", "given_at", func(c *compliance.ConsentInput) { c.GivenAt = "" }},
		{"bad given_at", "given_at", func(c *compliance.ConsentInput) { c.GivenAt = "yesterday" }},
		{"future given_at", "given_at", func(c *compliance.ConsentInput) { c.GivenAt = "2026-12-02T16:00:01Z" }},
		{"bad expires_at", "expires_at", func(c *compliance.ConsentInput) { c.ExpiresAt = "2027" }},
		{"expiry before given", "expires_at", func(c *compliance.ConsentInput) { c.ExpiresAt = "2026-11-30T00:00:00Z" }},
		{"bad evidence ip", "evidence_ip", func(c *compliance.ConsentInput) { c.EvidenceIP = "somewhere" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := good()
			tc.edit(&in)
			_, err := compliance.ConsentIntake(&in, "alice", now)
			var fe *compliance.ConsentFieldError
			if !errors.As(err, &fe) || fe.Field != tc.field || !errors.Is(err, compliance.ErrInvalidConsent) ||
				!strings.Contains(err.Error(), "field "+tc.field) {
				t.Fatalf("err = %v, want a %s field error", err, tc.field)
			}
		})
	}
}
