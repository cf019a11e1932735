package aftercall

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Errors of payment-link verification.
var (
	ErrLinkInvalid   = errors.New("payment link invalid")
	ErrLinkSignature = errors.New("payment link signature does not match")
	ErrLinkExpired   = errors.New("payment link expired")
)

// PayLink signs and verifies payment links: BaseURL?ref=REF&exp=UNIX&sig=SIG where SIG is
// HMAC-SHA256(secret, "ref|exp") in unpadded base64url. The payment page verifies a link
// with Verify (the same secret) before it shows the amount of ref.
type PayLink struct {
	BaseURL string
	Secret  []byte        // at least 16 bytes
	TTL     time.Duration // default 72h
}

// NewPayLink checks the settings.
func NewPayLink(base string, secret []byte, ttl time.Duration) (*PayLink, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("payment link url %q: want an http(s) URL", base)
	}
	if len(secret) < 16 {
		return nil, errors.New("payment link secret: at least 16 bytes")
	}
	if ttl <= 0 {
		ttl = 72 * time.Hour
	}
	return &PayLink{BaseURL: base, Secret: secret, TTL: ttl}, nil
}

func (p *PayLink) sig(ref string, exp int64) string {
	m := hmac.New(sha256.New, p.Secret)
	m.Write([]byte(ref))
	m.Write([]byte{'|'})
	m.Write([]byte(strconv.FormatInt(exp, 10)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Sign returns the link for ref, valid until now+TTL.
func (p *PayLink) Sign(ref string, now time.Time) string {
	exp := now.Add(p.TTL).Unix()
	q := url.Values{"ref": {ref}, "exp": {strconv.FormatInt(exp, 10)}, "sig": {p.sig(ref, exp)}}
	sep := "?"
	if strings.Contains(p.BaseURL, "?") {
		sep = "&"
	}
	return p.BaseURL + sep + q.Encode()
}

// Verify checks a link (or just its query) at now and returns its ref: ErrLinkInvalid when
// a part is missing or malformed, ErrLinkSignature when it was not signed with the secret
// (or was changed), ErrLinkExpired after its expiry.
func (p *PayLink) Verify(link string, now time.Time) (string, error) {
	raw := link
	if i := strings.IndexByte(link, '?'); i >= 0 {
		raw = link[i+1:]
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrLinkInvalid, err)
	}
	if len(q["ref"]) != 1 || len(q["exp"]) != 1 || len(q["sig"]) != 1 {
		return "", fmt.Errorf("%w: want one each of ref, exp and sig", ErrLinkInvalid)
	}
	ref, sig := q.Get("ref"), q.Get("sig")
	exp, err := strconv.ParseInt(q.Get("exp"), 10, 64)
	if err != nil || ref == "" {
		return "", fmt.Errorf("%w: bad ref or exp", ErrLinkInvalid)
	}
	if !hmac.Equal([]byte(sig), []byte(p.sig(ref, exp))) {
		return "", ErrLinkSignature
	}
	if now.Unix() >= exp {
		return "", fmt.Errorf("%w at %s", ErrLinkExpired, time.Unix(exp, 0).UTC().Format(time.RFC3339))
	}
	return ref, nil
}
