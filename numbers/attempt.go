package numbers

import (
	"encoding/json"
	"fmt"
	"time"
)

// Attempt is one call started on a number, as the log keeps it. The compliance gate reads
// the rest of what it needs (the campaign's subject, the outcome) from the store once the
// attempt is there; until then the attempt counts as one whose outcome is unknown.
type Attempt struct {
	Number string // E.164
	// CallID is the attempt's SIP Call-ID, which the store's attempt row also carries: the
	// key that keeps an attempt from counting twice when the two histories are merged.
	CallID   string
	At       time.Time // when it started; kept to the millisecond, as the store keeps it
	Campaign string    // the store's campaign id, in decimal
	Seller   string
	CallerID string // the number presented to the callee
}

// entry is an Attempt as a log member: JSON with the time in Unix milliseconds. The
// number is the key's; the time is also the member's score.
type entry struct {
	CallID   string `json:"call_id"`
	AtMS     int64  `json:"at_ms"`
	Campaign string `json:"campaign,omitempty"`
	Seller   string `json:"seller,omitempty"`
	CallerID string `json:"caller_id,omitempty"`
}

// Bounds on a decoded member: the log is shared, so what comes out of it is checked.
const (
	maxField = 256
	// minAtMS..maxAtMS: 2000-01-01 to 2200-01-01, Unix ms.
	minAtMS = 946684800000
	maxAtMS = 7258118400000
)

// encodeMember is a's log member.
func encodeMember(a *Attempt) (string, error) {
	e := entry{CallID: a.CallID, AtMS: a.At.UnixMilli(), Campaign: a.Campaign, Seller: a.Seller, CallerID: a.CallerID}
	if err := e.check(); err != nil {
		return "", err
	}
	b, err := json.Marshal(e)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// decodeMember reads a log member of number.
func decodeMember(number, member string) (Attempt, error) {
	var e entry
	if err := json.Unmarshal([]byte(member), &e); err != nil {
		return Attempt{}, fmt.Errorf("attempt log entry %.80q: %w", member, err)
	}
	if err := e.check(); err != nil {
		return Attempt{}, fmt.Errorf("attempt log entry %.80q: %w", member, err)
	}
	return Attempt{Number: number, CallID: e.CallID, At: time.UnixMilli(e.AtMS).UTC(), Campaign: e.Campaign,
		Seller: e.Seller, CallerID: e.CallerID}, nil
}

func (e *entry) check() error {
	switch {
	case e.CallID == "":
		return fmt.Errorf("no call id")
	case e.AtMS < minAtMS || e.AtMS > maxAtMS:
		return fmt.Errorf("start time %d ms is outside 2000..2200", e.AtMS)
	case len(e.CallID) > maxField || len(e.Campaign) > maxField || len(e.Seller) > maxField || len(e.CallerID) > maxField:
		return fmt.Errorf("a field is longer than %d bytes", maxField)
	}
	return nil
}

// validNumber reports whether s is E.164: + and 1 to 15 digits, the first not 0.
func validNumber(s string) bool {
	if len(s) < 2 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
