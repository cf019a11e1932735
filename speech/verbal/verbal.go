package verbal

import (
	"fmt"
	"strings"
)

// Locale is a BCP 47 tag; the two supported ones are constants.
type Locale string

const (
	EnUS Locale = "en-US"
	ZhCN Locale = "zh-CN"
)

// ParseLocale accepts the usual spellings ("en", "en_US", "zh-Hans-CN", "cmn").
func ParseLocale(s string) (Locale, error) {
	l := strings.ToLower(strings.ReplaceAll(s, "_", "-"))
	switch {
	case l == "en" || strings.HasPrefix(l, "en-"):
		return EnUS, nil
	case l == "zh" || l == "cmn" || strings.HasPrefix(l, "zh-") || strings.HasPrefix(l, "cmn-"):
		return ZhCN, nil
	}
	return "", fmt.Errorf("locale %q: %w", s, ErrUnknownLocale)
}

// Filters lists the filter names Filter accepts.
var filterNames = []string{"currency", "date", "time", "number", "ordinal", "digits", "phone"}

// Filters returns the names Filter accepts, for script validation.
func Filters() []string { return append([]string(nil), filterNames...) }

// Filter applies the template filter name to a raw value: currency ("125.50",
// "$1,250", "¥300"), date ("2026-03-15", "03/15/2026", RFC 3339), time ("15:04",
// "3:04 PM"), number (integer or decimal), ordinal, digits (read one by one) and phone.
// An empty name returns value unchanged.
func Filter(loc Locale, name, value string) (string, error) {
	if loc != EnUS && loc != ZhCN {
		return "", fmt.Errorf("filter %s: locale %q: %w", name, loc, ErrUnknownLocale)
	}
	switch name {
	case "":
		return value, nil
	case "currency":
		return Currency(loc, value)
	case "date":
		t, err := ParseDate(value)
		if err != nil {
			return "", err
		}
		return Date(loc, t), nil
	case "time":
		h, m, err := ParseTime(value)
		if err != nil {
			return "", err
		}
		return Time(loc, h, m), nil
	case "number":
		return Number(loc, value)
	case "ordinal":
		n, err := parseInt(value)
		if err != nil {
			return "", err
		}
		return Ordinal(loc, n), nil
	case "digits":
		return Digits(loc, value), nil
	case "phone":
		return Phone(loc, value)
	}
	return "", fmt.Errorf("filter %q (have %v): %w", name, filterNames, ErrUnknownFilter)
}
