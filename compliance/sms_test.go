package compliance

import (
	"context"
	"testing"
	"time"
)

// TestCheckSMS: consent, opt-outs and quiet hours for follow-up texts, at fixed instants
// (no wall clock).
func TestCheckSMS(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	const num = "+12125550123" // New York
	n, _ := ParseNumber(num)
	const other = "+12125550124"
	o, _ := ParseNumber(other)
	m := NewMemory()
	m.PutCampaign(Campaign{ID: "c1", Seller: "acme", Purpose: Collections, Voice: VoiceArtificial})
	given := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m.AddConsent(Consent{Number: n, Seller: "acme", Kind: ConsentExpress, Scope: PurposeSet(0).With(Collections), GivenAt: given, ID: "k1"})
	m.AddConsent(Consent{Number: o, Seller: "acme", Kind: ConsentExpress, Scope: PurposeSet(0).With(Collections), GivenAt: given,
		RevokedAt: given.Add(time.Hour), ID: "k2"})
	dnc := NewDNCIndex()
	g, err := NewGate(Options{Directory: m, Consents: m, History: m, DNC: dnc})
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 3, 10, 14, 0, 0, 0, ny)
	night := time.Date(2026, 3, 10, 22, 30, 0, 0, ny)
	cases := []struct {
		name     string
		number   string
		campaign string
		at       time.Time
		verdict  Verdict
		rule     RuleID
		next     time.Time
	}{
		{"daytime with consent", num, "c1", day, Allow, RuleNone, time.Time{}},
		{"quiet hours", num, "c1", night, Block, SMSQuietHours, time.Date(2026, 3, 11, 8, 0, 0, 0, ny)},
		{"just before 08:00", num, "c1", time.Date(2026, 3, 11, 7, 59, 59, 0, ny), Block, SMSQuietHours, time.Date(2026, 3, 11, 8, 0, 0, 0, ny)},
		{"21:00 is quiet", num, "c1", time.Date(2026, 3, 11, 21, 0, 0, 0, ny), Block, SMSQuietHours, time.Date(2026, 3, 12, 8, 0, 0, 0, ny)},
		{"revoked consent", other, "c1", day, Block, ConsentRevoked, time.Time{}},
		{"no consent", "+12125550199", "c1", day, Block, SMSConsentRequired, time.Time{}},
		{"unknown campaign", num, "nope", day, Block, CampaignUnknown, time.Time{}},
		{"not E.164", "12345", "c1", day, Block, NumberInvalid, time.Time{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := g.CheckSMS(context.Background(), SMSAttempt{ID: "s", Number: c.number, Campaign: c.campaign, At: c.at})
			if d.Verdict != c.verdict {
				t.Fatalf("verdict %s, want %s (%s: %s)", d.Verdict, c.verdict, d.Rules, d.Reason())
			}
			if c.rule != RuleNone && !d.Rules.Has(c.rule) {
				t.Fatalf("rules %s, want %s (%s)", d.Rules, c.rule, d.Reason())
			}
			if !d.NextEligibleAt.Equal(c.next) {
				t.Fatalf("next eligible %v, want %v", d.NextEligibleAt, c.next)
			}
		})
	}
	// An opt-out (the seller's internal list) blocks texts too.
	dnc.Add(ListInternal, "acme", n, given)
	if d := g.CheckSMS(context.Background(), SMSAttempt{Number: num, Campaign: "c1", At: day}); d.Verdict != Block || !d.Rules.Has(DNCInternal) {
		t.Fatalf("opted out: %s %s", d.Verdict, d.Rules)
	}
}
