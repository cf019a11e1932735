package sim

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// authVerdict is what the digest check decided for one INVITE.
type authVerdict int

const (
	authOK        authVerdict = iota
	authChallenge             // no (usable) credentials: 401 with a fresh challenge
	authForbidden             // credentials present but wrong: 403
)

// nonceLifetime bounds how long a nonce we issued stays valid; older ones get
// a fresh challenge with stale=true (RFC 2617 §3.2.1).
const nonceLifetime = 5 * time.Minute

// authenticator verifies RFC 2617/7616 digest credentials statelessly: a nonce
// is its issue time plus an HMAC of it under a per-server key, so nothing is
// stored per call.
type authenticator struct {
	user, pass, realm string
	key               [32]byte
	now               func() time.Time
}

func newAuthenticator(a *Auth) *authenticator {
	au := &authenticator{user: a.Username, pass: a.Password, realm: a.Realm, now: time.Now}
	_, _ = rand.Read(au.key[:])
	return au
}

func (a *authenticator) nonce() string {
	ts := strconv.FormatInt(a.now().UnixNano(), 16)
	return ts + "." + a.sign(ts)
}

func (a *authenticator) sign(ts string) string {
	m := hmac.New(sha256.New, a.key[:])
	m.Write([]byte(ts))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// nonceValid reports whether n is ours (fresh reports whether it is also in date).
func (a *authenticator) nonceValid(n string) (ours, fresh bool) {
	ts, sig, ok := strings.Cut(n, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(a.sign(ts))) {
		return false, false
	}
	ns, err := strconv.ParseInt(ts, 16, 64)
	if err != nil {
		return false, false
	}
	age := a.now().Sub(time.Unix(0, ns))
	return true, age >= 0 && age <= nonceLifetime
}

// challenge is the WWW-Authenticate value of a 401.
func (a *authenticator) challenge(stale bool) string {
	c := digest.Challenge{Realm: a.realm, Nonce: a.nonce(), Algorithm: "MD5", QOP: []string{"auth"}, Stale: stale}
	return c.String()
}

// check verifies the Authorization header of req. stale reports a valid
// response over an expired nonce (the client should retry with the new one).
func (a *authenticator) check(req *sip.Request) (v authVerdict, stale bool) {
	h := req.GetHeader("Authorization")
	if h == nil {
		return authChallenge, false
	}
	creds, err := digest.ParseCredentials(h.Value())
	if err != nil {
		return authForbidden, false
	}
	if creds.Username != a.user || creds.Realm != a.realm {
		return authForbidden, false
	}
	ours, fresh := a.nonceValid(creds.Nonce)
	if !ours {
		return authChallenge, false // not a nonce we issued (another server, a restart)
	}
	chal := &digest.Challenge{Realm: a.realm, Nonce: creds.Nonce, Algorithm: creds.Algorithm, Opaque: creds.Opaque}
	if creds.QOP != "" {
		chal.QOP = []string{creds.QOP}
	}
	want, err := digest.Digest(chal, digest.Options{
		Method:   string(req.Method),
		URI:      creds.URI,
		Username: a.user,
		Password: a.pass,
		Cnonce:   creds.Cnonce,
		Count:    creds.Nc,
	})
	if err != nil || subtle.ConstantTimeCompare([]byte(want.Response), []byte(strings.ToLower(creds.Response))) != 1 {
		return authForbidden, false
	}
	if !fresh {
		return authChallenge, true
	}
	return authOK, false
}
