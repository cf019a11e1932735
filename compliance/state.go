package compliance

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"time"
)

// State is the offline world of `voxdial compliance check` (docs/compliance-check.md,
// "The state file"), loaded into the in-memory sources.
type State struct {
	Memory *Memory
	DNC    *DNCIndex
}

// Gate returns a gate over the state with the default rule packs.
func (s *State) Gate() (*Gate, error) {
	return NewGate(Options{Directory: s.Memory, Consents: s.Memory, History: s.Memory, DNC: s.DNC})
}

type stateJSON struct {
	Sellers      map[string]sellerJSON   `json:"sellers"`
	Campaigns    map[string]campaignJSON `json:"campaigns"`
	Contacts     map[string]contactJSON  `json:"contacts"`
	Consents     []consentJSON           `json:"consents"`
	DNC          []dncJSON               `json:"dnc"`
	DNCSnapshots map[string]string       `json:"dnc_snapshots"`
	EBR          []ebrJSON               `json:"ebr"`
	Reassigned   []reassignedJSON        `json:"reassigned"`
	History      []eventJSON             `json:"history"`
}

type sellerJSON struct {
	CallerIDs           []string `json:"caller_ids"`
	PlatformSuppression bool     `json:"platform_suppression"`
}

type abandonJSON struct {
	LiveAnswers int64 `json:"live_answers"`
	Abandoned   int64 `json:"abandoned"`
}

type campaignJSON struct {
	Seller                 *string      `json:"seller"`
	Purpose                *string      `json:"purpose"`
	Voice                  *string      `json:"voice"`
	RulePacks              []string     `json:"rule_packs"`
	Subject                string       `json:"subject"`
	CallerID               string       `json:"caller_id"`
	LiveOperatorGuaranteed bool         `json:"live_operator_guaranteed"`
	Pacing                 string       `json:"pacing"`
	Abandon30d             *abandonJSON `json:"abandon_30d"`
	Abandon24h             *abandonJSON `json:"abandon_24h"`
}

type contactJSON struct {
	AddressTimezone string `json:"address_timezone"`
	AddressRegion   string `json:"address_region"`
	LineType        string `json:"line_type"`
}

type consentJSON struct {
	Number          string    `json:"number"`
	Seller          string    `json:"seller"`
	Kind            string    `json:"kind"`
	Scope           *[]string `json:"scope"`
	ArtificialVoice bool      `json:"artificial_voice"`
	GivenAt         *string   `json:"given_at"`
	ExpiresAt       *string   `json:"expires_at"`
	RevokedAt       *string   `json:"revoked_at"`
	RevokedVia      *string   `json:"revoked_via"`
	ID              string    `json:"id"`
}

type dncJSON struct {
	Number   string  `json:"number"`
	List     string  `json:"list"`
	Seller   string  `json:"seller"`
	Region   string  `json:"region"`
	ListedAt *string `json:"listed_at"`
}

type ebrJSON struct {
	Number string `json:"number"`
	Seller string `json:"seller"`
	Kind   string `json:"kind"`
	At     string `json:"at"`
}

type reassignedJSON struct {
	Number    string `json:"number"`
	Answer    string `json:"answer"`
	CheckedAt string `json:"checked_at"`
}

type refusalJSON struct {
	Confidence *float64 `json:"confidence"`
}

type eventJSON struct {
	Number       string       `json:"number"`
	Seller       string       `json:"seller"`
	Campaign     string       `json:"campaign"`
	Subject      string       `json:"subject"`
	DebtIDs      []string     `json:"debt_ids"`
	At           string       `json:"at"`
	CallerID     string       `json:"caller_id"`
	Outcome      string       `json:"outcome"`
	Conversation bool         `json:"conversation"`
	Refusal      *refusalJSON `json:"refusal"`
	Exempt       bool         `json:"exempt"`
}

// stateErr builds an InputError for the state file.
func stateErr(field, format string, args ...any) error {
	return &InputError{File: "state", Field: field, Err: fmt.Errorf(format, args...)}
}

// jsonError converts a decoding error into an InputError with line and field.
func jsonError(file string, data []byte, lineBase int, err error) error {
	line := func(off int64) int {
		if off > int64(len(data)) {
			off = int64(len(data))
		}
		return lineBase + bytes.Count(data[:off], []byte{'\n'})
	}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return &InputError{File: file, Line: line(se.Offset), Err: fmt.Errorf("invalid JSON: %v", se)}
	case errors.As(err, &te):
		return &InputError{File: file, Line: line(te.Offset), Field: te.Field, Err: fmt.Errorf("want a JSON %s, got %s", te.Type, te.Value)}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &InputError{File: file, Line: line(int64(len(data))), Err: errors.New("invalid JSON: unexpected end of input")}
	}
	if errors.Is(err, io.EOF) {
		return &InputError{File: file, Line: lineBase, Err: errors.New("invalid JSON: empty input")}
	}
	return &InputError{File: file, Line: lineBase, Err: err}
}

// parseTime accepts RFC 3339 (and, where dates are allowed, YYYY-MM-DD as 00:00 UTC).
func parseTime(s string, dateOK bool) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if dateOK {
		if t, err := time.Parse(time.DateOnly, s); err == nil {
			return t, nil
		}
		return time.Time{}, fmt.Errorf("want an RFC 3339 time or a YYYY-MM-DD date, got %q", s)
	}
	return time.Time{}, fmt.Errorf("want an RFC 3339 time, got %q", s)
}

func optTime(p *string, field string, dateOK bool) (time.Time, error) {
	if p == nil || *p == "" {
		return time.Time{}, nil
	}
	t, err := parseTime(*p, dateOK)
	if err != nil {
		return t, &InputError{File: "state", Field: field, Err: err}
	}
	return t, nil
}

func number(s, field string) (uint64, error) {
	n, ok := ParseNumber(s)
	if !ok {
		return 0, stateErr(field, "want an E.164 number (+ and 2–15 digits), got %q", s)
	}
	return n, nil
}

func purposeSet(names []string, field string) (PurposeSet, error) {
	var s PurposeSet
	for i, n := range names {
		p, ok := ParsePurpose(n)
		if !ok {
			return 0, stateErr(field+"["+strconv.Itoa(i)+"]", "want telemarketing, informational or collections, got %q", n)
		}
		s = s.With(p)
	}
	return s, nil
}

const allPurposes = PurposeSet(1<<Telemarketing | 1<<Informational | 1<<Collections)

// LoadState reads a state.json document.
func LoadState(r io.Reader) (*State, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, &InputError{File: "state", Err: err}
	}
	var sj stateJSON
	if err := json.Unmarshal(data, &sj); err != nil {
		return nil, jsonError("state", data, 1, err)
	}
	return buildState(&sj)
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func buildState(sj *stateJSON) (*State, error) {
	m := NewMemory()
	x := NewDNCIndex()
	for _, id := range sortedKeys(sj.Sellers) {
		s := sj.Sellers[id]
		m.PutSeller(Seller{ID: id, CallerIDs: s.CallerIDs, PlatformSuppression: s.PlatformSuppression})
	}
	for _, id := range sortedKeys(sj.Campaigns) {
		c := sj.Campaigns[id]
		f := "campaigns." + id
		camp := Campaign{ID: id, Subject: c.Subject, CallerID: c.CallerID, LiveOperatorGuaranteed: c.LiveOperatorGuaranteed}
		if c.Seller == nil || *c.Seller == "" {
			return nil, stateErr(f+".seller", "required")
		}
		camp.Seller = *c.Seller
		if c.Purpose == nil {
			return nil, stateErr(f+".purpose", "required")
		}
		p, ok := ParsePurpose(*c.Purpose)
		if !ok {
			return nil, stateErr(f+".purpose", "want telemarketing, informational or collections, got %q", *c.Purpose)
		}
		camp.Purpose = p
		if c.Voice == nil {
			return nil, stateErr(f+".voice", "required")
		}
		v, ok := ParseVoice(*c.Voice)
		if !ok {
			return nil, stateErr(f+".voice", "want artificial or live, got %q", *c.Voice)
		}
		camp.Voice = v
		for i, name := range c.RulePacks {
			pk, ok := ParsePack(name)
			if !ok {
				return nil, stateErr(f+".rule_packs["+strconv.Itoa(i)+"]", "want us, uk, eu-fr or cn, got %q", name)
			}
			camp.Packs |= pk
		}
		switch c.Pacing {
		case "", "predictive":
			camp.Pacing = PacingPredictive
		case "one_to_one":
			camp.Pacing = PacingOneToOne
		default:
			return nil, stateErr(f+".pacing", "want predictive or one_to_one, got %q", c.Pacing)
		}
		if c.Abandon30d != nil {
			camp.Abandon30d = AbandonStats(*c.Abandon30d)
		}
		if c.Abandon24h != nil {
			camp.Abandon24h = AbandonStats(*c.Abandon24h)
		}
		if camp.Abandon30d.LiveAnswers < 0 || camp.Abandon30d.Abandoned < 0 || camp.Abandon24h.LiveAnswers < 0 || camp.Abandon24h.Abandoned < 0 {
			return nil, stateErr(f, "abandonment counts must not be negative")
		}
		m.PutCampaign(camp)
	}
	for _, num := range sortedKeys(sj.Contacts) {
		c := sj.Contacts[num]
		f := "contacts." + num
		n, err := number(num, f)
		if err != nil {
			return nil, err
		}
		lt, ok := ParseLineType(c.LineType)
		if !ok {
			return nil, stateErr(f+".line_type", "want wireless, landline or unknown, got %q", c.LineType)
		}
		m.PutContact(n, Contact{AddressTimezone: c.AddressTimezone, AddressRegion: c.AddressRegion, LineType: lt})
	}
	for i, c := range sj.Consents {
		f := "consents[" + strconv.Itoa(i) + "]"
		n, err := number(c.Number, f+".number")
		if err != nil {
			return nil, err
		}
		k, ok := ParseConsentKind(c.Kind)
		if !ok {
			return nil, stateErr(f+".kind", "want written, express or direct, got %q", c.Kind)
		}
		scope := allPurposes // an absent scope is not limited
		if c.Scope != nil {
			if scope, err = purposeSet(*c.Scope, f+".scope"); err != nil {
				return nil, err
			}
		}
		cons := Consent{Number: n, Seller: c.Seller, Kind: k, Scope: scope, ArtificialVoice: c.ArtificialVoice, ID: c.ID}
		if cons.ID == "" {
			cons.ID = f
		}
		if cons.GivenAt, err = optTime(c.GivenAt, f+".given_at", false); err != nil {
			return nil, err
		}
		if cons.ExpiresAt, err = optTime(c.ExpiresAt, f+".expires_at", false); err != nil {
			return nil, err
		}
		if cons.RevokedAt, err = optTime(c.RevokedAt, f+".revoked_at", false); err != nil {
			return nil, err
		}
		if c.RevokedVia != nil {
			cons.RevokedVia = *c.RevokedVia
		}
		m.AddConsent(cons)
	}
	for i, d := range sj.DNC {
		f := "dnc[" + strconv.Itoa(i) + "]"
		n, err := number(d.Number, f+".number")
		if err != nil {
			return nil, err
		}
		l, ok := ParseList(d.List)
		if !ok {
			return nil, stateErr(f+".list", "want internal, national, state, tps or decline, got %q", d.List)
		}
		scope := ""
		switch l {
		case ListInternal:
			if d.Seller == "" {
				return nil, stateErr(f+".seller", "required for an internal entry")
			}
			scope = d.Seller
		case ListState:
			if d.Region == "" {
				return nil, stateErr(f+".region", "required for a state entry")
			}
			scope = d.Region
		}
		at, err := optTime(d.ListedAt, f+".listed_at", true)
		if err != nil {
			return nil, err
		}
		x.Add(l, scope, n, at)
	}
	for _, name := range sortedKeys(sj.DNCSnapshots) {
		f := "dnc_snapshots." + name
		l, ok := ParseList(name)
		if !ok || (l != ListNational && l != ListTPS && l != ListDecline && l != ListState) {
			return nil, stateErr(f, "want national or tps, got %q", name)
		}
		v := sj.DNCSnapshots[name]
		t, err := optTime(&v, f, true)
		if err != nil {
			return nil, err
		}
		x.SetSnapshot(l, t)
	}
	for i, b := range sj.EBR {
		f := "ebr[" + strconv.Itoa(i) + "]"
		n, err := number(b.Number, f+".number")
		if err != nil {
			return nil, err
		}
		e := EBR{Number: n, Seller: b.Seller}
		switch b.Kind {
		case "purchase":
			e.Kind = EBRPurchase
		case "inquiry":
			e.Kind = EBRInquiry
		default:
			return nil, stateErr(f+".kind", "want purchase or inquiry, got %q", b.Kind)
		}
		if e.At, err = optTime(&b.At, f+".at", true); err != nil {
			return nil, err
		}
		if e.At.IsZero() {
			return nil, stateErr(f+".at", "required")
		}
		m.AddEBR(e)
	}
	for i, r := range sj.Reassigned {
		f := "reassigned[" + strconv.Itoa(i) + "]"
		n, err := number(r.Number, f+".number")
		if err != nil {
			return nil, err
		}
		c := ReassignedCheck{Number: n}
		switch r.Answer {
		case "yes":
			c.Answer = ReassignedYes
		case "no":
			c.Answer = ReassignedNo
		case "no_data":
			c.Answer = ReassignedNoData
		default:
			return nil, stateErr(f+".answer", "want yes, no or no_data, got %q", r.Answer)
		}
		if c.CheckedAt, err = optTime(&r.CheckedAt, f+".checked_at", true); err != nil {
			return nil, err
		}
		m.AddReassigned(c)
	}
	for i, h := range sj.History {
		f := "history[" + strconv.Itoa(i) + "]"
		n, err := number(h.Number, f+".number")
		if err != nil {
			return nil, err
		}
		ev := Event{Number: n, Seller: h.Seller, Campaign: h.Campaign, Subject: h.Subject, DebtIDs: h.DebtIDs,
			CallerID: h.CallerID, Conversation: h.Conversation, Exempt: h.Exempt}
		if h.At == "" {
			return nil, stateErr(f+".at", "required")
		}
		if ev.At, err = parseTime(h.At, false); err != nil {
			return nil, stateErr(f+".at", "%v", err)
		}
		if h.Outcome != "" {
			o, ok := ParseOutcome(h.Outcome)
			if !ok {
				return nil, stateErr(f+".outcome", "want answered, no_answer, busy, voicemail, machine, abandoned, not_connected or failed, got %q", h.Outcome)
			}
			ev.Outcome = o
		}
		if ev.Seller == "" || ev.Subject == "" {
			if c, ok := sj.Campaigns[h.Campaign]; ok {
				if ev.Seller == "" && c.Seller != nil {
					ev.Seller = *c.Seller
				}
				if ev.Subject == "" {
					ev.Subject = c.Subject
				}
			}
		}
		if h.Refusal != nil {
			ev.Refused = true
			ev.RefusalConfidence = 1 // a refusal recorded without a confidence is firm
			if h.Refusal.Confidence != nil {
				c := *h.Refusal.Confidence
				if c < 0 || c > 1 {
					return nil, stateErr(f+".refusal.confidence", "want a number in [0, 1], got %v", c)
				}
				ev.RefusalConfidence = c
			}
		}
		m.AddEvent(ev)
	}
	return &State{Memory: m, DNC: x}, nil
}
