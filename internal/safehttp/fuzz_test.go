package safehttp

import (
	"errors"
	"net/url"
	"testing"
)

// FuzzCheckURL: no input panics, and a URL whose host is a blocked address
// in any numeric form is refused.
func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{"http://127.0.0.1/", "http://0x7f000001/", "http://2130706433/", "http://[::ffff:127.0.0.1]/",
		"https://example.com/a?b=c", "http://0177.1/", "http://[fe80::1%25lo]/", "ws://x:1"} {
		f.Add(s)
	}
	var p *Policy
	f.Fuzz(func(t *testing.T, raw string) {
		err := p.CheckURL(raw)
		u, perr := url.Parse(raw)
		if perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.User != nil {
			return
		}
		if a, ok := hostAddr(u.Hostname()); ok {
			if _, blocked := Blocked(a); blocked && err != nil && !errors.Is(err, ErrRefused) {
				return // a bad port, say
			} else if blocked && err == nil {
				t.Fatalf("CheckURL(%q) allowed blocked %s", raw, a)
			}
		}
	})
}
