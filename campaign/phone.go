package campaign

import (
	"errors"
	"fmt"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// phoneNormalizer turns what people type into E.164 and guesses the
// number's time zone. One per goroutine: its memo is not locked.
//
// phonenumbers costs ~50 µs a number (its regular expressions), which
// alone would cap an import near 20,000 rows/s per core. Two shortcuts keep
// the exact answer:
//   - input already in E.164 or as bare NANP digits skips Parse;
//   - in the North American Numbering Plan (+1) validity and time zone are
//     decided by NPA-NXX (the first six national digits): the four-digit
//     station number never matters, so answers are memoised per NPA-NXX.
//     TestPhoneMemoMatchesLibrary checks this against the library on
//     random numbers.
//
// Everything else goes through phonenumbers.Parse and IsValidNumber.
type phoneNormalizer struct {
	region string // default region for national numbers, e.g. "US"
	nanp   map[string]nanpVerdict
}

type nanpVerdict struct {
	valid bool
	tz    string
}

// errPhone is why a number was refused.
type errPhone struct{ reason string }

func (e *errPhone) Error() string { return e.reason }

var errNoNumber = &errPhone{"empty"}

func newPhoneNormalizer(region string) *phoneNormalizer {
	if region == "" {
		region = "US"
	}
	return &phoneNormalizer{region: strings.ToUpper(region), nanp: map[string]nanpVerdict{}}
}

// normalize returns the E.164 form of raw and its time zone when the
// number maps to exactly one ("" otherwise).
func (n *phoneNormalizer) normalize(raw string) (e164, tz string, err error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", "", errNoNumber
	}
	var buf [24]byte
	digits, plus, ok := compactDigits(raw, buf[:0])
	if ok {
		switch {
		case plus && len(digits) == 11 && digits[0] == '1':
			return n.nanpNumber(digits)
		case !plus && n.nanpRegion() && len(digits) == 10:
			d := append([]byte{'1'}, digits...)
			return n.nanpNumber(d)
		case !plus && n.nanpRegion() && len(digits) == 11 && digits[0] == '1':
			return n.nanpNumber(digits)
		}
	}
	return n.slow(raw)
}

func (n *phoneNormalizer) nanpRegion() bool {
	switch n.region {
	case "US", "CA", "PR", "VI", "GU", "AS", "MP":
		return true
	}
	return false
}

// nanpNumber handles "1" + 10 national digits.
func (n *phoneNormalizer) nanpNumber(d []byte) (string, string, error) {
	key := string(d[:7])
	v, ok := n.nanp[key]
	if !ok {
		num, err := phonenumbers.Parse("+"+string(d), "")
		if err != nil {
			return "", "", &errPhone{"not a phone number"}
		}
		v.valid = phonenumbers.IsValidNumber(num)
		if v.valid {
			v.tz = singleZone(num)
		}
		if len(n.nanp) < 1<<20 {
			n.nanp[key] = v
		}
	}
	if !v.valid {
		return "", "", &errPhone{"not a valid number (+1 " + string(d[1:4]) + " " + string(d[4:7]) + " is not assigned)"}
	}
	return "+" + string(d), v.tz, nil
}

// slow is the general path through phonenumbers.
func (n *phoneNormalizer) slow(raw string) (string, string, error) {
	num, err := phonenumbers.Parse(raw, n.region)
	if err != nil {
		switch {
		case errors.Is(err, phonenumbers.ErrInvalidCountryCode):
			return "", "", &errPhone{"no valid country code (give +CC or set the campaign's region)"}
		case errors.Is(err, phonenumbers.ErrTooShortNSN), errors.Is(err, phonenumbers.ErrTooShortAfterIDD):
			return "", "", &errPhone{"too short"}
		case errors.Is(err, phonenumbers.ErrNumTooLong):
			return "", "", &errPhone{"too long"}
		}
		return "", "", &errPhone{"not a phone number"}
	}
	if !phonenumbers.IsValidNumber(num) {
		return "", "", &errPhone{fmt.Sprintf("not a valid number (read as %s)", phonenumbers.Format(num, phonenumbers.E164))}
	}
	return phonenumbers.Format(num, phonenumbers.E164), singleZone(num), nil
}

func singleZone(num *phonenumbers.PhoneNumber) string {
	zones, err := phonenumbers.GetTimezonesForNumber(num)
	if err != nil || len(zones) != 1 || zones[0] == "Etc/Unknown" {
		return ""
	}
	return zones[0]
}

// compactDigits strips the separators people type (space, - . ( ) /) and
// returns the digits and whether a leading + was present; ok is false when
// anything else appears (letters, extensions), leaving it to phonenumbers.
func compactDigits(s string, buf []byte) (digits []byte, plus, ok bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if len(buf) == cap(buf) {
				return nil, false, false
			}
			buf = append(buf, c)
		case c == '+' && i == 0:
			plus = true
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '/':
		default:
			return nil, false, false
		}
	}
	return buf, plus, len(buf) > 0
}
