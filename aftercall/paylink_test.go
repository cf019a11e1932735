package aftercall

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestPayLink(t *testing.T) {
	now := time.Date(2026, 3, 10, 14, 0, 0, 0, time.UTC)
	p, err := NewPayLink("https://pay.example.com/p?src=sms", []byte("0123456789abcdef0123"), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	link := p.Sign("1-2-3", now)
	if !strings.HasPrefix(link, "https://pay.example.com/p?src=sms&") {
		t.Fatal(link)
	}
	if ref, err := p.Verify(link, now.Add(59*time.Minute)); err != nil || ref != "1-2-3" {
		t.Fatalf("verify: %q %v", ref, err)
	}
	u, _ := url.Parse(link)
	q := u.Query()
	tampered := func(k, v string) string {
		c := url.Values{}
		for kk, vv := range q {
			c[kk] = vv
		}
		c.Set(k, v)
		return "https://pay.example.com/p?" + c.Encode()
	}
	other, _ := NewPayLink("https://pay.example.com/p", []byte("another-secret-of-16+"), time.Hour)
	cases := []struct {
		name string
		link string
		at   time.Time
		want error
	}{
		{"expired", link, now.Add(time.Hour), ErrLinkExpired},
		{"other ref", tampered("ref", "1-2-4"), now, ErrLinkSignature},
		{"later expiry", tampered("exp", "99999999999"), now, ErrLinkSignature},
		{"forged sig", tampered("sig", "AAAA"), now, ErrLinkSignature},
		{"no sig", "https://pay.example.com/p?ref=1&exp=2", now, ErrLinkInvalid},
		{"bad exp", tampered("exp", "soon"), now, ErrLinkInvalid},
		{"two refs", link + "&ref=9", now, ErrLinkInvalid},
		{"other secret", other.Sign("1-2-3", now), now, ErrLinkSignature},
	}
	for _, c := range cases {
		if _, err := p.Verify(c.link, c.at); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := NewPayLink("https://x", []byte("short"), 0); err == nil {
		t.Fatal("short secret accepted")
	}
	if _, err := NewPayLink("ftp://x", []byte("0123456789abcdef"), 0); err == nil {
		t.Fatal("ftp accepted")
	}
}

// FuzzPayLinkVerify: links come from outside (a payer's browser): Verify never panics and
// accepts nothing that Sign did not make.
func FuzzPayLinkVerify(f *testing.F) {
	p, _ := NewPayLink("https://pay.example.com/p", []byte("0123456789abcdef"), time.Hour)
	now := time.Date(2026, 3, 10, 14, 0, 0, 0, time.UTC)
	f.Add(p.Sign("1-2-3", now))
	f.Add("ref=1&exp=2&sig=3")
	f.Add("?%zz")
	f.Fuzz(func(t *testing.T, link string) {
		ref, err := p.Verify(link, now)
		if err != nil {
			return
		}
		raw := link
		if i := strings.IndexByte(link, '?'); i >= 0 {
			raw = link[i+1:]
		}
		q, _ := url.ParseQuery(raw)
		exp, _ := strconv.ParseInt(q.Get("exp"), 10, 64)
		if q.Get("ref") != ref || q.Get("sig") != p.sig(ref, exp) || exp <= now.Unix() {
			t.Fatalf("accepted %q", link)
		}
	})
}
