package compliance

import "strings"

// RuleID is a canonical rule identifier (docs/compliance-check.md, "Rules").
// The numeric values are internal; the String form is the contract.
type RuleID uint8

// Canonical rule ids, in the contract's table order (decisions list rules in this order).
const (
	RuleNone RuleID = iota
	USTCPAHours
	USRegFHours
	USInfoHours
	TZUnresolved
	USStateHours
	USStateHoliday
	USStateSubjectCap
	USStateDCCap
	USRegF7in7
	USRegFPostConversation
	USPEWCRequired
	USConsentRequired
	USTracedExemptCap
	USReassignedNumber
	ConsentRevoked
	DNCInternal
	DNCNational
	DNCState
	DNCSnapshotStale
	CallerIDInvalid
	AbandonRateCap
	UKPECRConsent
	UKTPS
	UKOfcomAMD24h
	UKOfcomAbandon72h
	CNConsentRequired
	CNHours
	CNRefused
	RefusalReview
	CNDCHours
	CNDCDailyCap
	CNPlatformCap
	FRWindow
	FRDay
	FRHoliday
	FR4Per30d
	FRRefusal60d
	// Added by voxdial beyond the contract's table ("more may be added").
	EUAutomatedConsent // ePrivacy Dir. Art 13(1): automated marketing calls need prior consent
	NoRulePack         // no rule pack covers the number's country: fail closed
	DataUnavailable    // a data source failed: fail closed
	CampaignUnknown    // the attempt names a campaign the gate does not know
	NumberInvalid      // the number is not E.164
	numRules
)

var ruleNames = [numRules]string{
	RuleNone:               "",
	USTCPAHours:            "US_TCPA_HOURS",
	USRegFHours:            "US_REGF_HOURS",
	USInfoHours:            "US_INFO_HOURS",
	TZUnresolved:           "TZ_UNRESOLVED",
	USStateHours:           "US_STATE_HOURS",
	USStateHoliday:         "US_STATE_HOLIDAY",
	USStateSubjectCap:      "US_STATE_SUBJECT_CAP",
	USStateDCCap:           "US_STATE_DC_CAP",
	USRegF7in7:             "US_REGF_7IN7",
	USRegFPostConversation: "US_REGF_POST_CONVERSATION",
	USPEWCRequired:         "US_PEWC_REQUIRED",
	USConsentRequired:      "US_CONSENT_REQUIRED",
	USTracedExemptCap:      "US_TRACED_EXEMPT_CAP",
	USReassignedNumber:     "US_REASSIGNED_NUMBER",
	ConsentRevoked:         "CONSENT_REVOKED",
	DNCInternal:            "DNC_INTERNAL",
	DNCNational:            "DNC_NATIONAL",
	DNCState:               "DNC_STATE",
	DNCSnapshotStale:       "DNC_SNAPSHOT_STALE",
	CallerIDInvalid:        "CALLER_ID_INVALID",
	AbandonRateCap:         "ABANDON_RATE_CAP",
	UKPECRConsent:          "UK_PECR_CONSENT",
	UKTPS:                  "UK_TPS",
	UKOfcomAMD24h:          "UK_OFCOM_AMD_24H",
	UKOfcomAbandon72h:      "UK_OFCOM_ABANDON_72H",
	CNConsentRequired:      "CN_CONSENT_REQUIRED",
	CNHours:                "CN_HOURS",
	CNRefused:              "CN_REFUSED",
	RefusalReview:          "REFUSAL_REVIEW",
	CNDCHours:              "CN_DC_HOURS",
	CNDCDailyCap:           "CN_DC_DAILY_CAP",
	CNPlatformCap:          "CN_PLATFORM_CAP",
	FRWindow:               "FR_WINDOW",
	FRDay:                  "FR_DAY",
	FRHoliday:              "FR_HOLIDAY",
	FR4Per30d:              "FR_4_PER_30D",
	FRRefusal60d:           "FR_REFUSAL_60D",
	EUAutomatedConsent:     "EU_AUTOMATED_CONSENT",
	NoRulePack:             "NO_RULE_PACK",
	DataUnavailable:        "DATA_UNAVAILABLE",
	CampaignUnknown:        "CAMPAIGN_UNKNOWN",
	NumberInvalid:          "NUMBER_INVALID",
}

// String returns the canonical id, e.g. "US_TCPA_HOURS".
func (r RuleID) String() string {
	if r < numRules {
		return ruleNames[r]
	}
	return "RULE_" + itoa(int(r))
}

// ParseRuleID returns the rule with the canonical id s.
func ParseRuleID(s string) (RuleID, bool) {
	for i := RuleID(1); i < numRules; i++ {
		if ruleNames[i] == s {
			return i, true
		}
	}
	return RuleNone, false
}

// RuleSet is a set of rules (a bit set; the zero value is empty).
type RuleSet uint64

// Add adds r to the set.
func (s *RuleSet) Add(r RuleID) { *s |= 1 << r }

// Has reports whether r is in the set.
func (s RuleSet) Has(r RuleID) bool { return s&(1<<r) != 0 }

// Len returns the number of rules in the set.
func (s RuleSet) Len() int {
	n := 0
	for x := uint64(s); x != 0; x &= x - 1 {
		n++
	}
	return n
}

// Rules returns the rules in canonical order (allocates; for reporting).
func (s RuleSet) Rules() []RuleID {
	out := make([]RuleID, 0, s.Len())
	for r := RuleID(1); r < numRules; r++ {
		if s.Has(r) {
			out = append(out, r)
		}
	}
	return out
}

// Strings returns the canonical ids in canonical order (allocates; for reporting).
func (s RuleSet) Strings() []string {
	out := make([]string, 0, s.Len())
	for r := RuleID(1); r < numRules; r++ {
		if s.Has(r) {
			out = append(out, r.String())
		}
	}
	return out
}

// String joins the ids with commas.
func (s RuleSet) String() string { return strings.Join(s.Strings(), ",") }

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
