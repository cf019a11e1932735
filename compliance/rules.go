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
	// Text messages (sms.go): the after-call follow-ups.
	SMSConsentRequired // a follow-up text needs the recipient's consent
	SMSQuietHours      // no follow-up text during the recipient's quiet hours
	numRules
)

// A bit of RuleSet per rule: a 65th rule does not compile (the shift overflows uint64).
const _ = RuleSet(1) << (numRules - 1)

// ruleKind says what a rule's failure means for the attempt.
type ruleKind uint8

const (
	// kindBlock: the facts about the number forbid the call (consent, DNC, caps without an
	// end date); final unless they change.
	kindBlock ruleKind = iota
	// kindTime: time alone releases the block; the decision carries NextEligibleAt.
	kindTime
	// kindCampaign: the block is about the campaign, not the contact (a stale registry copy,
	// an invalid caller ID, the abandonment rate, a failed data source): the runner holds
	// the contact and tries again once the campaign's facts change.
	kindCampaign
)

// ruleMeta is everything the gate and its callers know of a rule, in one place.
type ruleMeta struct {
	id    string   // the canonical id: the contract's string form
	kind  ruleKind // what a failure means
	title string   // the rule in words, for people (why, the dashboard)
}

// rules is the one rule-metadata table; everything else (names, parse, time-released and
// campaign-level sets, titles) derives from it. See doc.go, "Adding a rule".
var rules = [numRules]ruleMeta{
	RuleNone:               {"", kindBlock, ""},
	USTCPAHours:            {"US_TCPA_HOURS", kindTime, "outside the TCPA calling hours (08:00–21:00 at the callee)"},
	USRegFHours:            {"US_REGF_HOURS", kindTime, "outside the Regulation F debt-collection hours (08:00–21:00 at the consumer)"},
	USInfoHours:            {"US_INFO_HOURS", kindTime, "outside the calling hours for informational calls"},
	TZUnresolved:           {"TZ_UNRESOLVED", kindBlock, "the callee's time zone cannot be told, so no calling hour can be proven"},
	USStateHours:           {"US_STATE_HOURS", kindTime, "outside the calling hours of the callee's state"},
	USStateHoliday:         {"US_STATE_HOLIDAY", kindTime, "a day the callee's state forbids calls (Sunday or holiday)"},
	USStateSubjectCap:      {"US_STATE_SUBJECT_CAP", kindTime, "the state's cap on calls about one subject is reached"},
	USStateDCCap:           {"US_STATE_DC_CAP", kindTime, "the state's cap on debt-collection calls is reached"},
	USRegF7in7:             {"US_REGF_7IN7", kindTime, "Regulation F: seven calls about this debt in seven days"},
	USRegFPostConversation: {"US_REGF_POST_CONVERSATION", kindTime, "Regulation F: a conversation about this debt in the last seven days"},
	USPEWCRequired:         {"US_PEWC_REQUIRED", kindBlock, "prior express written consent is required and none is in force"},
	USConsentRequired:      {"US_CONSENT_REQUIRED", kindBlock, "prior express consent is required and none is in force"},
	USTracedExemptCap:      {"US_TRACED_EXEMPT_CAP", kindTime, "the TRACED Act cap on exempt calls is reached"},
	USReassignedNumber:     {"US_REASSIGNED_NUMBER", kindBlock, "the number was reassigned since the consent (Reassigned Numbers Database)"},
	ConsentRevoked:         {"CONSENT_REVOKED", kindBlock, "the callee revoked consent"},
	DNCInternal:            {"DNC_INTERNAL", kindBlock, "on the seller's internal do-not-call list"},
	DNCNational:            {"DNC_NATIONAL", kindBlock, "on the national do-not-call registry"},
	DNCState:               {"DNC_STATE", kindBlock, "on the state's do-not-call list"},
	DNCSnapshotStale:       {"DNC_SNAPSHOT_STALE", kindCampaign, "the registry copy is older than the law allows"},
	CallerIDInvalid:        {"CALLER_ID_INVALID", kindCampaign, "the caller ID is not one of the seller's registered numbers"},
	AbandonRateCap:         {"ABANDON_RATE_CAP", kindCampaign, "the campaign's abandonment rate is at its legal cap"},
	UKPECRConsent:          {"UK_PECR_CONSENT", kindBlock, "PECR: automated marketing calls need prior consent"},
	UKTPS:                  {"UK_TPS", kindBlock, "registered with the Telephone Preference Service"},
	UKOfcomAMD24h:          {"UK_OFCOM_AMD_24H", kindTime, "Ofcom: an answering-machine-detected call in the last 24 hours"},
	UKOfcomAbandon72h:      {"UK_OFCOM_ABANDON_72H", kindTime, "Ofcom: an abandoned call in the last 72 hours"},
	CNConsentRequired:      {"CN_CONSENT_REQUIRED", kindBlock, "marketing calls in China need the callee's consent"},
	CNHours:                {"CN_HOURS", kindTime, "outside the calling hours in China"},
	CNRefused:              {"CN_REFUSED", kindBlock, "the callee refused calls"},
	RefusalReview:          {"REFUSAL_REVIEW", kindBlock, "a refusal awaits review"},
	CNDCHours:              {"CN_DC_HOURS", kindTime, "outside the debt-collection calling hours in China"},
	CNDCDailyCap:           {"CN_DC_DAILY_CAP", kindTime, "the daily cap on debt-collection calls in China is reached"},
	CNPlatformCap:          {"CN_PLATFORM_CAP", kindTime, "the platform's cap on calls to this number is reached"},
	FRWindow:               {"FR_WINDOW", kindTime, "outside the French calling windows (10–13 h, 14–20 h)"},
	FRDay:                  {"FR_DAY", kindTime, "a weekend day, when France forbids calls"},
	FRHoliday:              {"FR_HOLIDAY", kindTime, "a French public holiday"},
	FR4Per30d:              {"FR_4_PER_30D", kindTime, "four calls to this number in 30 days"},
	FRRefusal60d:           {"FR_REFUSAL_60D", kindTime, "the callee refused less than 60 days ago"},
	EUAutomatedConsent:     {"EU_AUTOMATED_CONSENT", kindBlock, "automated marketing calls in the EU need prior consent"},
	NoRulePack:             {"NO_RULE_PACK", kindBlock, "no rule pack covers the number's country (fail closed)"},
	DataUnavailable:        {"DATA_UNAVAILABLE", kindCampaign, "a data source the decision needs failed (fail closed)"},
	CampaignUnknown:        {"CAMPAIGN_UNKNOWN", kindCampaign, "the attempt names a campaign the gate does not know"},
	NumberInvalid:          {"NUMBER_INVALID", kindBlock, "the number is not E.164"},
	SMSConsentRequired:     {"SMS_CONSENT_REQUIRED", kindBlock, "a follow-up text needs the recipient's consent for the purpose"},
	SMSQuietHours:          {"SMS_QUIET_HOURS", kindTime, "inside the recipient's quiet hours for texts (21:00–08:00 local)"},
}

// ruleSetOf collects the rules of one kind.
func ruleSetOf(k ruleKind) RuleSet {
	var s RuleSet
	for r := RuleID(1); r < numRules; r++ {
		if rules[r].kind == k {
			s.Add(r)
		}
	}
	return s
}

// timeRules are the rules that time alone releases; campaignRules block for reasons
// outside the contact (see ruleKind). Derived once from the table, never written.
var (
	timeRules     = ruleSetOf(kindTime)
	campaignRules = ruleSetOf(kindCampaign)
)

// CampaignLevel reports whether every rule in s is about the campaign rather than the
// contact (a stale registry copy, an invalid caller ID, the abandonment rate, a data source
// that failed): the contact is held, not given up. False for the empty set.
func (s RuleSet) CampaignLevel() bool { return s != 0 && s&^campaignRules == 0 }

// Title says the rule in words, for people ("" for an unknown rule).
func (r RuleID) Title() string {
	if r < numRules {
		return rules[r].title
	}
	return ""
}

// String returns the canonical id, e.g. "US_TCPA_HOURS".
func (r RuleID) String() string {
	if r < numRules {
		return rules[r].id
	}
	return "RULE_" + itoa(int(r))
}

// ParseRuleID returns the rule with the canonical id s.
func ParseRuleID(s string) (RuleID, bool) {
	for i := RuleID(1); i < numRules; i++ {
		if rules[i].id == s {
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
