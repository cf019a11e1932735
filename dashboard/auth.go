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
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

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

// HashPassword hashes a password with bcrypt (cost 0: the default).
func HashPassword(password string, cost int) (string, error) {
	if len(password) < 8 {
		return "", fmt.Errorf("%w: a password needs at least 8 characters", store.ErrInvalidParams)
	}
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

// UserAdd creates a user with a hashed password; bcryptCost 0 is the default.
func UserAdd(ctx context.Context, db *store.DB, name, role, password string, bcryptCost int) (*store.User, error) {
	h, err := HashPassword(password, bcryptCost)
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
			return nil, errors.New("Authorization: want Bearer vxd_…")
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
		return []string{"campaigns.create", "campaigns.manage_all", "scripts.upload", "recordings", "numbers.full", "dnc.edit", "consent.edit", "users.manage"}
	case store.RoleMarketing, store.RoleCollections:
		return []string{"campaigns.create", "campaigns.manage_own", "scripts.upload", "recordings.own", "numbers.own"}
	case store.RoleCompliance:
		return []string{"recordings", "numbers.full", "dnc.edit", "consent.edit"}
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
	var req loginRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	ip := clientIP(r)
	if wait := s.limiter.blocked(ip, req.Name); wait > 0 {
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
	if bcrypt.CompareHashAndPassword(hash, []byte(req.Password)) != nil || u == nil || u.Disabled {
		s.limiter.fail(ip, req.Name)
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

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
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

// blocked returns how long the caller must wait (0: go ahead).
func (l *loginLimiter) blocked(ip, name string) time.Duration {
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
	return wait
}

func (l *loginLimiter) fail(ip, name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
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

func (l *loginLimiter) success(ip, name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, "user:"+name)
}
