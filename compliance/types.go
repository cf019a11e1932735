package compliance

import "time"

// Purpose is what a campaign calls for.
type Purpose uint8

const (
	PurposeUnknown Purpose = iota
	Telemarketing
	Informational
	Collections
)

var purposeNames = [...]string{"", "telemarketing", "informational", "collections"}

func (p Purpose) String() string {
	if int(p) < len(purposeNames) {
		return purposeNames[p]
	}
	return "purpose(" + itoa(int(p)) + ")"
}

// ParsePurpose parses the contract's purpose names.
func ParsePurpose(s string) (Purpose, bool) {
	for i := 1; i < len(purposeNames); i++ {
		if purposeNames[i] == s {
			return Purpose(i), true
		}
	}
	return PurposeUnknown, false
}

// Voice says whether a person or a machine (AI or recording) speaks.
type Voice uint8

const (
	VoiceUnknown Voice = iota
	VoiceArtificial
	VoiceLive
)

// ParseVoice parses "artificial" or "live".
func ParseVoice(s string) (Voice, bool) {
	switch s {
	case "artificial":
		return VoiceArtificial, true
	case "live":
		return VoiceLive, true
	}
	return VoiceUnknown, false
}

// LineType is the kind of line a number is on, as far as we know.
type LineType uint8

const (
	LineUnknown LineType = iota
	LineWireless
	LineLandline
)

// ParseLineType parses wireless | landline | unknown ("" is unknown).
func ParseLineType(s string) (LineType, bool) {
	switch s {
	case "", "unknown":
		return LineUnknown, true
	case "wireless":
		return LineWireless, true
	case "landline":
		return LineLandline, true
	}
	return LineUnknown, false
}

// Pacing is how the dialer paces a campaign.
type Pacing uint8

const (
	PacingPredictive Pacing = iota // the conservative default: abandonment caps apply
	PacingOneToOne
)

// Pack names a jurisdiction's rule pack.
type Pack uint8

const (
	PackUS Pack = 1 << iota // US federal (TCPA/TSR), Reg F and the states
	PackUK                  // PECR, TPS, Ofcom persistent misuse
	PackFR                  // France (D.223-9) and EU ePrivacy
	PackCN                  // China
)

// ParsePack parses a contract pack name: us | uk | eu-fr | cn.
func ParsePack(s string) (Pack, bool) {
	switch s {
	case "us":
		return PackUS, true
	case "uk":
		return PackUK, true
	case "eu-fr", "fr":
		return PackFR, true
	case "cn":
		return PackCN, true
	}
	return 0, false
}

// Seller is a company on whose behalf calls are made.
type Seller struct {
	ID        string
	CallerIDs []string
	// PlatformSuppression makes every seller's internal do-not-call entries block this
	// seller's calls too.
	PlatformSuppression bool
}

// AbandonStats counts a campaign's live answers and abandoned calls over a window.
type AbandonStats struct {
	LiveAnswers int64
	Abandoned   int64
}

// Campaign carries what the gate needs to know about a campaign.
type Campaign struct {
	ID      string
	Seller  string
	Purpose Purpose
	Voice   Voice
	// Packs are the rule packs that apply; zero means "by the number's country".
	Packs                  Pack
	Subject                string
	CallerID               string
	LiveOperatorGuaranteed bool
	Pacing                 Pacing
	Abandon30d             AbandonStats
	Abandon24h             AbandonStats
}

// Contact is what the gate knows about the person behind a number.
type Contact struct {
	AddressTimezone string // IANA name from the address of record, when known
	AddressRegion   string // ISO 3166-2 of the address, e.g. "US-CA", when known
	LineType        LineType
}

// ConsentKind is the strength of a consent record.
type ConsentKind uint8

const (
	ConsentUnknown ConsentKind = iota
	ConsentWritten             // PEWC / documented opt-in (47 CFR 64.1200(f)(9))
	ConsentExpress             // prior express consent
	ConsentDirect              // the consumer asked to be called (Reg F 1006.14(b)(3)(i))
)

// ParseConsentKind parses written | express | direct.
func ParseConsentKind(s string) (ConsentKind, bool) {
	switch s {
	case "written":
		return ConsentWritten, true
	case "express":
		return ConsentExpress, true
	case "direct":
		return ConsentDirect, true
	}
	return ConsentUnknown, false
}

// PurposeSet is a set of purposes (bit i for Purpose i).
type PurposeSet uint8

// Has reports whether p is in the set.
func (s PurposeSet) Has(p Purpose) bool { return s&(1<<p) != 0 }

// With returns the set with p added.
func (s PurposeSet) With(p Purpose) PurposeSet { return s | 1<<p }

// Consent is one consent record of the ledger.
type Consent struct {
	Number          uint64
	Seller          string
	Kind            ConsentKind
	Scope           PurposeSet
	ArtificialVoice bool
	GivenAt         time.Time
	ExpiresAt       time.Time // zero: no expiry
	RevokedAt       time.Time // zero: not revoked
	RevokedVia      string
	ID              string // record id or hash, for the audit trail
}

// validAt reports whether the consent is in force at t.
func (c *Consent) validAt(t time.Time) bool {
	if c.GivenAt.After(t) {
		return false
	}
	if !c.ExpiresAt.IsZero() && !c.ExpiresAt.After(t) {
		return false
	}
	if !c.RevokedAt.IsZero() && !c.RevokedAt.After(t) {
		return false
	}
	return true
}

// EBRKind is the kind of established business relationship.
type EBRKind uint8

const (
	EBRPurchase EBRKind = iota + 1 // 18 months (47 CFR 64.1200(f)(5)(i))
	EBRInquiry                     // 3 months (64.1200(f)(5)(ii))
)

// EBR is an established business relationship between a number and a seller.
type EBR struct {
	Number uint64
	Seller string
	Kind   EBRKind
	At     time.Time
}

// ReassignedAnswer is the Reassigned Numbers Database's answer.
type ReassignedAnswer uint8

const (
	ReassignedNone ReassignedAnswer = iota
	ReassignedYes
	ReassignedNo
	ReassignedNoData
)

// ReassignedCheck is one query of the Reassigned Numbers Database.
type ReassignedCheck struct {
	Number    uint64
	Answer    ReassignedAnswer
	CheckedAt time.Time
}

// Outcome is the class of an earlier attempt in the gate's history: the
// compliance-check contract's names, coarser than the attempt's outcome code
// (package outcome), which the outcome table maps onto a class (Info.History;
// the store's attempts reach the gate through it, see storeOutcome).
type Outcome uint8

const (
	OutcomeUnknown Outcome = iota
	OutcomeAnswered
	OutcomeNoAnswer
	OutcomeBusy
	OutcomeVoicemail
	OutcomeMachine
	OutcomeAbandoned
	OutcomeNotConnected
	OutcomeFailed
)

var outcomeNames = [...]string{"", "answered", "no_answer", "busy", "voicemail", "machine", "abandoned", "not_connected", "failed"}

func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "outcome(" + itoa(int(o)) + ")"
}

// ParseOutcome parses the contract's outcome names.
func ParseOutcome(s string) (Outcome, bool) {
	for i := 1; i < len(outcomeNames); i++ {
		if outcomeNames[i] == s {
			return Outcome(i), true
		}
	}
	return OutcomeUnknown, false
}

// Event is one earlier attempt in the history.
type Event struct {
	Number       uint64
	Seller       string
	Campaign     string
	Subject      string
	DebtIDs      []string
	At           time.Time
	CallerID     string
	Outcome      Outcome
	Conversation bool
	// Refused is set when the consumer refused further calls; RefusalConfidence is the
	// recogniser's confidence in that refusal.
	Refused           bool
	RefusalConfidence float64
	Exempt            bool // informational call made under a TRACED-Act exemption
}

// hasDebt reports whether the event may have discussed debt id. An event with no debt
// ids counts toward every debt (fail closed).
func (e *Event) hasDebt(id string) bool {
	if len(e.DebtIDs) == 0 {
		return true
	}
	for _, d := range e.DebtIDs {
		if d == id {
			return true
		}
	}
	return false
}

// Attempt is one planned dial attempt.
type Attempt struct {
	ID       string
	Number   string // E.164, e.g. "+12125550123"
	Campaign string
	At       time.Time // the planned INVITE time
	DebtIDs  []string  // for collections
}

// Verdict is the gate's answer.
type Verdict uint8

const (
	Block Verdict = iota // the zero value fails closed
	Allow
	Hold // needs a person or more data before any call
)

func (v Verdict) String() string {
	switch v {
	case Allow:
		return "allow"
	case Hold:
		return "hold"
	}
	return "block"
}
