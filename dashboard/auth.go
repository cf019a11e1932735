package dashboard

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"go.uber.org/zap"
	"golang.org/x/crypto/bcrypt"

	"github.com/voxdial/voxdial/store"
)

// Cookie and header names.
const (
	SessionCookie = "voxdial_session"
	CSRFHeader    = "X-CSRF-Token"
	tokenPrefix   = "vxd_"
)

// principal is the authenticated caller of a request.
type principal struct {
	User        *store.User
	CSRF        string // the session's CSRF token; "" for API tokens
	ViaCookie   bool
	sessionHash string
}

// fullNumbers says whether the caller sees full numbers and recordings of
// campaigns it does not own.
func (p *principal) fullNumbers() bool {
	return p.User.Role == store.RoleAdmin || p.User.Role == store.RoleCompliance
}

// Password limits. bcrypt reads at most 72 bytes; longer passwords (up to
// MaxPasswordBytes) are hashed with SHA-256 first so that every byte counts.
const (
	MinPasswordChars = 8
	MaxPasswordBytes = 128
	bcryptMaxBytes   = 72
)

// commonPasswords are refused outright (with or without a trailing digit):
// the first guesses of every attacker.
var commonPasswords = map[string]bool{
	"password": true, "passw0rd": true, "qwertyui": true, "qwerty123": true, "qwertyuiop": true, "iloveyou": true,
	"letmein": true, "welcome": true, "changeme": true, "trustno1": true, "baseball": true, "football": true,
	"sunshine": true, "princess": true, "superman": true, "starwars": true, "whatever": true, "dragon": true,
	"monkey": true, "master": true, "shadow": true, "admin": true, "administrator": true, "secret": true,
	"voxdial": true, "dialer": true, "default": true, "asdfghjkl": true, "zxcvbnm": true, "1q2w3e4r": true,
	"1qaz2wsx": true, "p@ssw0rd": true, "p@ssword": true, "computer": true, "internet": true,
}

// CheckPassword says why a password is refused ("" and nil: it is fine).
// The errors wrap store.ErrInvalidParams (HTTP 400).
func CheckPassword(name, password string) error {
	bad := func(why string) error { return fmt.Errorf("%w: password: %s", store.ErrInvalidParams, why) }
	if len(password) > MaxPasswordBytes {
		return bad(fmt.Sprintf("longer than %d bytes", MaxPasswordBytes))
	}
	if !utf8.ValidString(password) {
		return bad("not valid UTF-8")
	}
	if utf8.RuneCountInString(password) < MinPasswordChars {
		return bad(fmt.Sprintf("shorter than %d characters", MinPasswordChars))
	}
	lower := strings.ToLower(password)
	if distinct(lower) <= 2 {
		return bad("too few different characters")
	}
	if monotone(lower) {
		return bad("a run of consecutive characters (12345678, abcdefgh)")
	}
	if base := strings.TrimRight(lower, "0123456789!."); commonPasswords[lower] || commonPasswords[base] {
		return bad("a commonly used password")
	}
	if name != "" && strings.Contains(lower, strings.ToLower(name)) && len(name) >= 4 {
		return bad("contains the user name")
	}
	return nil
}

func distinct(s string) int {
	seen := map[rune]bool{}
	for _, r := range s {
		seen[r] = true
	}
	return len(seen)
}

// monotone: each character one more (or one less) than the last.
func monotone(s string) bool {
	rs := []rune(s)
	up, down := true, true
	for i := 1; i < len(rs); i++ {
		up = up && rs[i] == rs[i-1]+1
		down = down && rs[i] == rs[i-1]-1
	}
	return up || down
}

// bcryptInput is what bcrypt hashes: the password, or for one longer than
// bcrypt reads, its SHA-256 (base64), so that no byte is ignored. Passwords
// of at most 72 bytes hash as before.
func bcryptInput(password string) []byte {
	if len(password) <= bcryptMaxBytes {
		return []byte(password)
	}
	h := sha256.Sum256([]byte(password))
	return []byte(base64.StdEncoding.EncodeToString(h[:]))
}

// HashPassword checks a password against CheckPassword and hashes it with
// bcrypt (cost 0: the default).
func HashPassword(password string, cost int) (string, error) {
	return hashUserPassword("", password, cost)
}

func hashUserPassword(name, password string, cost int) (string, error) {
	if err := CheckPassword(name, password); err != nil {
		return "", err
	}
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	h, err := bcrypt.GenerateFromPassword(bcryptInput(password), cost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

// UserAdd creates a user with a hashed password; bcryptCost 0 is the default.
func UserAdd(ctx context.Context, db *store.DB, name, role, password string, bcryptCost int) (*store.User, error) {
	h, err := hashUserPassword(name, password, bcryptCost)
	if err != nil {
		return nil, err
	}
	return db.UserCreate(ctx, &store.UserCreateParams{Name: name, Role: role, PasswordHash: h})
}

// TokenIssue makes an API token for a user: the secret is returned once and
// only its SHA-256 is stored. ttl 0: it never expires.
func TokenIssue(ctx context.Context, db *store.DB, userID int64, name string, ttl time.Duration) (string, *store.Token, error) {
	secret := tokenPrefix + randomString(32)
	var exp time.Time
	if ttl > 0 {
		exp = time.Now().Add(ttl)
	}
	t, err := db.TokenCreate(ctx, &store.TokenCreateParams{UserID: userID, Name: name, TokenHash: hashSecret(secret),
		Prefix: secret[:len(tokenPrefix)+6], ExpiresAt: exp})
	if err != nil {
		return "", nil, err
	}
	return secret, t, nil
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashSecret(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// authed wraps a route: authenticate, check CSRF on cookie-authenticated
// unsafe methods, check the role.
func (s *Server) authed(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.authenticate(r)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="voxdial"`)
			writeError(w, http.StatusUnauthorized, "%v", err)
			return
		}
		if p.ViaCookie && !safeMethod(r.Method) {
			got := r.Header.Get(CSRFHeader)
			if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(p.CSRF)) != 1 {
				writeError(w, http.StatusForbidden, "missing or wrong %s header (GET /api/me gives the token)", CSRFHeader)
				return
			}
		}
		if rt.roles != nil && !slices.Contains(rt.roles, p.User.Role) {
			writeError(w, http.StatusForbidden, "role %s may not %s %s", p.User.Role, r.Method, r.URL.Path)
			return
		}
		rt.h(w, r, p)
	})
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

var errUnauthenticated = errors.New("not logged in: POST /api/login, or send Authorization: Bearer <token>")

func (s *Server) authenticate(r *http.Request) (*principal, error) {
	now := s.opts.Now()
	if h := r.Header.Get("Authorization"); h != "" {
		secret, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || !strings.HasPrefix(secret, tokenPrefix) {
			return nil, errors.New("authorization: want Bearer vxd_…")
		}
		t, err := s.db.TokenGet(r.Context(), &store.TokenGetParams{TokenHash: hashSecret(secret), Now: now})
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return nil, errors.New("unknown, revoked or expired API token")
			}
			return nil, err
		}
		if t.User.Disabled {
			return nil, fmt.Errorf("user %s is disabled", t.User.Name)
		}
		return &principal{User: t.User}, nil
	}
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return nil, errUnauthenticated
	}
	sess, err := s.db.SessionGet(r.Context(), &store.SessionGetParams{TokenHash: hashSecret(c.Value), Now: now})
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, errors.New("session expired: log in again")
		}
		return nil, err
	}
	if sess.User.Disabled {
		return nil, fmt.Errorf("user %s is disabled", sess.User.Name)
	}
	return &principal{User: sess.User, CSRF: sess.CSRF, ViaCookie: true, sessionHash: sess.TokenHash}, nil
}

// meDoc is GET /api/me and the login response.
type meDoc struct {
	User      *store.User `json:"user"`
	CSRFToken string      `json:"csrf_token,omitempty"`
	Can       []string    `json:"can"`
}

func capabilities(role string) []string {
	switch role {
	case store.RoleAdmin:
		return []string{"campaigns.create", "campaigns.manage_all", "scripts.upload", "recordings", "numbers.full", "dnc.edit", "consent.edit", "users.manage", "inspection"}
	case store.RoleMarketing, store.RoleCollections:
		return []string{"campaigns.create", "campaigns.manage_own", "scripts.upload", "recordings.own", "numbers.own"}
	case store.RoleCompliance:
		return []string{"recordings", "numbers.full", "dnc.edit", "consent.edit", "inspection"}
	}
	return []string{}
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request, p *principal) {
	writeJSON(w, http.StatusOK, meDoc{User: p.User, CSRFToken: p.CSRF, Can: capabilities(p.User.Role)})
}

type loginRequest struct {
	Name     string `json:"name"`
	Password string `json:"password"`
}

// dummyHash is compared against when the user does not exist, so that an
// unknown name takes as long as a wrong password.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("voxdial-no-such-user"), bcrypt.DefaultCost)

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	// Only JSON: a form or text/plain POST is what another site's page can
	// send without a CORS preflight (login CSRF).
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "login wants Content-Type: application/json")
		return
	}
	var req loginRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	ip := s.clientIP(r)
	// The try counts as a failure from here on (undone on success), so that
	// parallel guesses cannot all pass the check before any is counted.
	if wait := s.limiter.attempt(ip, req.Name); wait > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(int(wait.Seconds())+1))
		writeError(w, http.StatusTooManyRequests, "too many failed logins: try again in %s", wait.Round(time.Second))
		return
	}
	u, err := s.db.UserGet(r.Context(), &store.UserGetParams{Name: req.Name})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.storeError(w, err)
		return
	}
	hash := dummyHash
	if u != nil {
		hash = []byte(u.PasswordHash)
	}
	if bcrypt.CompareHashAndPassword(hash, bcryptInput(req.Password)) != nil || len(req.Password) > MaxPasswordBytes || u == nil || u.Disabled {
		s.Metrics.logins.WithLabelValues("refused").Inc()
		_ = s.db.AdminAuditAppend(r.Context(), &store.AdminAuditAppendParams{Actor: req.Name, Action: "login_refused",
			Detail: map[string]string{"ip": ip}, At: s.opts.Now()})
		writeError(w, http.StatusUnauthorized, "wrong name or password")
		return
	}
	s.limiter.success(ip, req.Name)
	s.Metrics.logins.WithLabelValues("ok").Inc()
	secret, csrf := randomString(32), randomString(24)
	now := s.opts.Now()
	if err := s.db.SessionCreate(r.Context(), &store.SessionCreateParams{TokenHash: hashSecret(secret), UserID: u.ID,
		CSRF: csrf, ExpiresAt: now.Add(s.opts.SessionTTL), Now: now}); err != nil {
		s.storeError(w, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: secret, Path: "/", HttpOnly: true,
		Secure: !s.opts.InsecureCookies, SameSite: http.SameSiteStrictMode, Expires: now.Add(s.opts.SessionTTL)})
	s.log.Info("login", zap.String("user", u.Name), zap.String("ip", ip))
	writeJSON(w, http.StatusOK, meDoc{User: u, CSRFToken: csrf, Can: capabilities(u.Role)})
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request, p *principal) {
	if p.sessionHash != "" {
		if _, err := s.db.SessionDelete(r.Context(), &store.SessionDeleteParams{TokenHash: p.sessionHash}); err != nil {
			s.storeError(w, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true,
		Secure: !s.opts.InsecureCookies, SameSite: http.SameSiteStrictMode, MaxAge: -1})
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

// clientIP is the address of the client: the peer, or, when the peer is a
// proxy the operator trusts (Options.TrustedProxies), the right-most
// X-Forwarded-For address that is not itself a trusted proxy. Entries left
// of that are the client's to write, so they are never believed.
func (s *Server) clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !s.trusted(peer) {
		return host
	}
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		parts := strings.Split(hops[i], ",")
		for j := len(parts) - 1; j >= 0; j-- {
			a, err := netip.ParseAddr(strings.TrimSpace(parts[j]))
			if err != nil {
				return peer.String() // garbage in the chain: the last proxy we trust is what we know
			}
			if !s.trusted(a) {
				return a.Unmap().String()
			}
			peer = a
		}
	}
	return peer.String()
}

func (s *Server) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range s.opts.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// loginLimiter counts failed logins per client address and per user name
// in fixed windows; a key over the limit waits for its window to end.
type loginLimiter struct {
	mu     sync.Mutex
	limit  int
	window time.Duration
	now    func() time.Time
	fails  map[string]*failWindow
}

type failWindow struct {
	start time.Time
	n     int
}

func newLoginLimiter(limit int, window time.Duration, now func() time.Time) *loginLimiter {
	return &loginLimiter{limit: limit, window: window, now: now, fails: map[string]*failWindow{}}
}

func (l *loginLimiter) keys(ip, name string) []string { return []string{"ip:" + ip, "user:" + name} }

// attempt checks and counts a login try in one step: it returns how long
// the caller must wait (0: go ahead, and the try is counted as failed until
// success says otherwise).
func (l *loginLimiter) attempt(ip, name string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	var wait time.Duration
	for _, k := range l.keys(ip, name) {
		f := l.fails[k]
		if f == nil {
			continue
		}
		if now.Sub(f.start) >= l.window {
			delete(l.fails, k)
			continue
		}
		if f.n >= l.limit {
			wait = max(wait, f.start.Add(l.window).Sub(now))
		}
	}
	if wait > 0 {
		return wait
	}
	l.failLocked(ip, name)
	return 0
}

func (l *loginLimiter) failLocked(ip, name string) {
	now := l.now()
	for _, k := range l.keys(ip, name) {
		f := l.fails[k]
		if f == nil || now.Sub(f.start) >= l.window {
			f = &failWindow{start: now}
			l.fails[k] = f
		}
		f.n++
	}
	if len(l.fails) > 100_000 { // a flood of names: forget the oldest wholesale
		for k, f := range l.fails {
			if now.Sub(f.start) >= l.window {
				delete(l.fails, k)
			}
		}
	}
}

// success undoes attempt's count for the address and forgets the name's.
func (l *loginLimiter) success(ip, name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, "user:"+name)
	if f := l.fails["ip:"+ip]; f != nil && f.n > 0 {
		f.n--
	}
}
