package dashboard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/voxdial/voxdial/campaign"
	"github.com/voxdial/voxdial/internal/safehttp"
	"github.com/voxdial/voxdial/store"
)

// Options configure New. Zero values take the defaults noted.
type Options struct {
	Store *store.DB // required
	// ScriptDir holds uploaded scripts; campaigns name scripts in it (or
	// built-in asset:NAME). Empty: uploads are refused.
	ScriptDir string
	// RecordDir is where the runner records calls (<call_id>.wav).
	RecordDir string
	// InsecureCookies drops the Secure flag of the session cookie (plain-HTTP
	// deployments behind nothing; browsers still accept Secure cookies on localhost).
	InsecureCookies bool
	SessionTTL      time.Duration // default 12h
	// LoginLimit is the failed logins allowed per client address and per user
	// name within LoginWindow (default 5 per minute).
	LoginLimit  int
	LoginWindow time.Duration
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names the
	// client (login limits and the audit key on it). Empty: the peer
	// address is the client, and X-Forwarded-For is ignored.
	TrustedProxies []netip.Prefix
	BcryptCost     int           // default bcrypt.DefaultCost
	Poll           time.Duration // live tail interval (default 500ms)
	// Feed brings every node's call events at once (cluster mode: over Redis); the poll
	// of the log then only catches up on what it missed. nil: the poll alone.
	Feed LiveFeed
	// Draining reports whether the node is shutting down (/healthz 503).
	Draining func() bool
	// Outbound is the operator's allowlist of private targets for webhook
	// URLs (nil: public addresses only; see internal/safehttp).
	Outbound *safehttp.Policy
	// MaxStreams and MaxStreamsPerUser cap the live event streams (SSE) open
	// at once, in total (default 256) and per user (default 8); beyond, 429.
	MaxStreams, MaxStreamsPerUser int
	// ReadTimeout bounds reading a request, headers and body (default 1m);
	// a contacts upload may take UploadTimeout (default 30m). See HTTPServer.
	ReadTimeout, UploadTimeout time.Duration
	Logger                     *zap.Logger
	Now                        func() time.Time
}

// Server is the dashboard: API, UI, live events and metrics. Create it with
// New, mount Handler, and run Live in a goroutine.
type Server struct {
	opts     Options
	db       *store.DB
	log      *zap.Logger
	mux      *http.ServeMux
	limiter  *loginLimiter
	streams  streamSlots
	tries    trySessions
	imports  importProgress // this node's running contact uploads
	Metrics  *Metrics
	Live     *Live
	draining atomic.Bool
}

// New builds a server.
func New(opts Options) (*Server, error) {
	if opts.Store == nil {
		return nil, errors.New("dashboard: Store is required")
	}
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = 12 * time.Hour
	}
	if opts.LoginLimit <= 0 {
		opts.LoginLimit = 5
	}
	if opts.LoginWindow <= 0 {
		opts.LoginWindow = time.Minute
	}
	if opts.Poll <= 0 {
		opts.Poll = 500 * time.Millisecond
	}
	if opts.MaxStreams <= 0 {
		opts.MaxStreams = 256
	}
	if opts.MaxStreamsPerUser <= 0 {
		opts.MaxStreamsPerUser = 8
	}
	if opts.ReadTimeout <= 0 {
		opts.ReadTimeout = time.Minute
	}
	if opts.UploadTimeout <= 0 {
		opts.UploadTimeout = 30 * time.Minute
	}
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{opts: opts, db: opts.Store, log: opts.Logger, mux: http.NewServeMux(),
		limiter: newLoginLimiter(opts.LoginLimit, opts.LoginWindow, opts.Now), streams: streamSlots{perUser: map[int64]int{}},
		imports: importProgress{running: map[int64]*store.ImportJob{}}}
	s.Metrics = NewMetrics()
	s.Live = newLive(s.db, s.Metrics, opts.Poll, opts.Now, s.log, opts.Feed)
	s.routes()
	return s, nil
}

// SetDraining marks the node as draining: /healthz answers 503.
func (s *Server) SetDraining(v bool) { s.draining.Store(v) }

func (s *Server) isDraining() bool {
	return s.draining.Load() || (s.opts.Draining != nil && s.opts.Draining())
}

// HTTPServer is an http.Server for Handler with the timeouts a public
// listener needs: headers within 10s, the whole request within
// ReadTimeout (a slow body cannot hold a connection; uploads and event
// streams lift their own deadline), idle connections closed after 2m. No
// write timeout: event streams and exports are long.
func (s *Server) HTTPServer() *http.Server {
	return &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: s.opts.ReadTimeout,
		IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
}

// streamSlots counts open event streams, in total and per user.
type streamSlots struct {
	mu      sync.Mutex
	total   int
	perUser map[int64]int
}

// acquireStream takes a stream slot for user; ok false: a cap is reached.
func (s *Server) acquireStream(user int64) (release func(), ok bool) {
	st := &s.streams
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.total >= s.opts.MaxStreams || st.perUser[user] >= s.opts.MaxStreamsPerUser {
		return nil, false
	}
	st.total++
	st.perUser[user]++
	return func() {
		st.mu.Lock()
		defer st.mu.Unlock()
		st.total--
		if st.perUser[user]--; st.perUser[user] <= 0 {
			delete(st.perUser, user)
		}
	}, true
}

// Handler is the whole HTTP surface.
func (s *Server) Handler() http.Handler { return s.mux }

// Run tails the live events until ctx ends.
func (s *Server) Run(ctx context.Context) { s.Live.Run(ctx) }

// route is one API endpoint: who may call it and how.
type route struct {
	pattern string
	roles   []string // nil: any authenticated user
	h       func(w http.ResponseWriter, r *http.Request, p *principal)
}

func (s *Server) routes() {
	all := []string{store.RoleAdmin, store.RoleMarketing, store.RoleCollections, store.RoleCompliance, store.RoleManager}
	owners := []string{store.RoleAdmin, store.RoleMarketing, store.RoleCollections}
	admin := []string{store.RoleAdmin}
	compliance := []string{store.RoleAdmin, store.RoleCompliance}
	api := []route{
		{"GET /api/me", all, s.handleMe},
		{"GET /api/meta/outcomes", all, s.handleOutcomes},
		{"POST /api/logout", all, s.handleLogout},
		{"GET /api/campaigns", all, s.handleCampaignList},
		{"POST /api/campaigns", owners, s.handleCampaignCreate},
		{"GET /api/campaigns/{id}", all, s.handleCampaignGet},
		{"POST /api/campaigns/{id}/contacts", owners, s.handleContactsUpload},
		{"PATCH /api/campaigns/{id}", owners, s.handleCampaignEdit},
		{"POST /api/campaigns/{id}/clone", owners, s.handleCampaignClone},
		{"POST /api/campaigns/{id}/archive", owners, s.handleCampaignArchive(true)},
		{"POST /api/campaigns/{id}/unarchive", owners, s.handleCampaignArchive(false)},
		{"POST /api/campaigns/{id}/recycle", owners, s.handleCampaignRecycle},
		{"POST /api/campaigns/{id}/{verb}", owners, s.handleCampaignVerb},
		{"PUT /api/campaigns/{id}/pace", owners, s.handleCampaignPace},
		{"PUT /api/campaigns/{id}/script", owners, s.handleCampaignScript},
		{"GET /api/campaigns/{id}/results", all, s.handleCampaignResults},
		{"GET /api/campaigns/{id}/attempts", all, s.handleAttemptList},
		{"GET /api/campaigns/{id}/series", all, s.handleCampaignSeries},
		{"GET /api/campaigns/{id}/survey", all, s.handleSurvey},
		{"GET /api/campaigns/{id}/unanswered", owners, s.handleUnanswered},
		{"GET /api/campaigns/{id}/report", all, s.handleCampaignReport},
		{"GET /api/campaigns/{id}/contacts", all, s.handleContactPage},
		{"GET /api/campaigns/{id}/goal", all, s.handleGoalGet},
		{"PUT /api/campaigns/{id}/goal", owners, s.handleGoalPut},
		{"GET /api/campaigns/{id}/imports", all, s.handleImportList},
		{"GET /api/imports/{id}", all, s.handleImportGet},
		{"GET /api/overview", all, s.handleOverview},
		{"GET /api/compare", all, s.handleCompare},
		{"GET /api/search", all, s.handleSearch},
		{"GET /api/contacts/{id}/history", all, s.handleContactHistory},
		{"GET /api/attempts/{id}", all, s.handleAttemptGet},
		{"GET /api/attempts/{id}/recording", []string{store.RoleAdmin, store.RoleCompliance, store.RoleMarketing, store.RoleCollections}, s.handleRecording},
		{"GET /api/scripts", all, s.handleScriptList},
		{"PUT /api/scripts/{name}", owners, s.handleScriptPut},
		{"POST /api/scripts/lint", all, s.handleScriptLint},
		{"POST /api/scripts/chat", all, s.handleScriptChat},
		{"GET /api/scripts/{name}", all, s.handleScriptGet},
		{"POST /api/scripts/try", all, s.handleTryStart},
		{"POST /api/scripts/try/turn", all, s.handleTryTurn},
		{"DELETE /api/scripts/try", all, s.handleTryEnd},
		{"GET /api/events", all, s.handleEvents},
		{"GET /api/users", admin, s.handleUserList},
		{"POST /api/users", admin, s.handleUserCreate},
		{"POST /api/users/{id}/disable", admin, s.handleUserDisable},
		{"POST /api/users/{id}/tokens", admin, s.handleTokenCreate},
		{"PATCH /api/users/{id}", admin, s.handleUserUpdate},
		{"POST /api/users/{id}/password", admin, s.handlePasswordReset},
		{"GET /api/users/{id}/tokens", admin, s.handleTokenList},
		{"POST /api/users/{id}/tokens/{token}/revoke", admin, s.handleTokenRevoke},
		{"GET /api/sellers", all, s.handleSellerList},
		{"PUT /api/sellers/{id}", compliance, s.handleSellerPut},
		{"GET /api/dnc/registry", all, s.handleRegistryList},
		{"POST /api/dnc/registry", compliance, s.handleRegistryImport},
		{"GET /api/admin-audit", []string{store.RoleAdmin, store.RoleCompliance}, s.handleAdminAudit},
		{"GET /api/dnc", all, s.handleDNCList},
		{"POST /api/dnc", compliance, s.handleDNCAdd},
		{"POST /api/dnc/remove", compliance, s.handleDNCRemove},
		{"GET /api/consent", all, s.handleConsentList},
		{"POST /api/consent", compliance, s.handleConsentAdd},
		{"POST /api/consent/revoke", compliance, s.handleConsentRevoke},
		{"GET /api/audit", []string{store.RoleAdmin, store.RoleCompliance, store.RoleManager}, s.handleAudit},
		{"GET /api/webhooks", all, s.handleWebhookList},
		{"POST /api/webhooks", owners, s.handleWebhookCreate},
		{"POST /api/webhooks/{id}/disable", owners, s.handleWebhookDisable},
		{"GET /api/webhooks/{id}/deliveries", all, s.handleWebhookDeliveries},
		// conversation intelligence (inspection.go)
		{"GET /api/inspection", compliance, s.handleInspectionFailures},
		{"GET /api/campaigns/{id}/quality", all, s.handleCampaignQuality},
		{"GET /api/follow-ups", all, s.handleFollowUpList}, // followups.go
	}
	for _, rt := range api {
		s.mux.Handle(rt.pattern, s.authed(rt))
	}
	s.mux.HandleFunc("POST /api/login", s.handleLogin)
	s.mux.HandleFunc("GET /api/openapi.json", s.handleOpenAPI)
	s.mux.HandleFunc("GET /healthz", s.handleHealthz)
	s.mux.Handle("GET /metrics", s.Metrics.Handler())
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such endpoint: %s %s", r.Method, r.URL.Path)
	})
	s.mux.Handle("/", uiHandler())
}

func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if s.isDraining() {
		w.Header().Set("X-Voxdial-Draining", "true")
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "draining"})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.db.Ping(ctx); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "database unreachable", "error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
}

// apiError is every error response: {"error": "…"}.
type apiError struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, format string, args ...any) {
	writeJSON(w, code, apiError{Error: fmt.Sprintf(format, args...)})
}

// storeError maps store and campaign errors to HTTP statuses.
func (s *Server) storeError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "%v", err)
	case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrStateConflict):
		writeError(w, http.StatusConflict, "%v", err)
	case errors.Is(err, store.ErrInvalidParams), errors.Is(err, campaign.ErrInvalidCampaign):
		writeError(w, http.StatusBadRequest, "%v", err)
	default:
		s.log.Error("api", zap.Error(err))
		writeError(w, http.StatusInternalServerError, "internal error: %v", err)
	}
}

// decodeJSON reads a JSON body strictly (unknown fields are errors).
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "request body: %v", err)
		return false
	}
	return true
}

func pathID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		writeError(w, http.StatusBadRequest, "bad id %q", r.PathValue("id"))
		return 0, false
	}
	return id, true
}

func queryInt(r *http.Request, key string, def int64) int64 {
	if v, err := strconv.ParseInt(r.URL.Query().Get(key), 10, 64); err == nil {
		return v
	}
	return def
}
