package dashboard_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"golang.org/x/crypto/bcrypt"

	"github.com/voxdial/voxdial/dashboard"
	"github.com/voxdial/voxdial/internal/safehttp"
	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

const password = "correct horse battery"

// bundle is a running dashboard with one user (and API token) per role.
type bundle struct {
	t       *testing.T
	db      *store.DB
	srv     *dashboard.Server
	ts      *httptest.Server
	tokens  map[string]string // role → bearer secret
	users   map[string]*store.User
	router  routers.Router
	rec     string
	scripts string
}

var roles = []string{store.RoleAdmin, store.RoleMarketing, store.RoleCollections, store.RoleCompliance, store.RoleManager}

// allowLoopback lets webhooks reach the tests' httptest receivers.
func allowLoopback(t *testing.T) *safehttp.Policy {
	p, err := safehttp.ParsePolicy([]string{"127.0.0.0/8", "::1"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func setup(t *testing.T, db *store.DB) *bundle {
	t.Helper()
	return setupWith(t, db, func(o *dashboard.Options) { o.Outbound = allowLoopback(t) })
}

// setupClock is setup with the server's clock (nil: time.Now).
func setupClock(t *testing.T, db *store.DB, now func() time.Time) *bundle {
	return setupWith(t, db, func(o *dashboard.Options) { o.Outbound, o.Now = allowLoopback(t), now })
}

// setupWith is setup with options changed by mod.
func setupWith(t *testing.T, db *store.DB, mod func(*dashboard.Options)) *bundle {
	t.Helper()
	b := &bundle{t: t, db: db, tokens: map[string]string{}, users: map[string]*store.User{},
		rec: t.TempDir(), scripts: t.TempDir()}
	var err error
	opts := dashboard.Options{Store: db, RecordDir: b.rec, ScriptDir: b.scripts,
		BcryptCost: bcrypt.MinCost, Poll: 20 * time.Millisecond}
	if mod != nil {
		mod(&opts)
	}
	b.srv, err = dashboard.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	b.ts = httptest.NewServer(b.srv.Handler())
	t.Cleanup(b.ts.Close)
	ctx := context.Background()
	for _, r := range roles {
		u, err := dashboard.UserAdd(ctx, db, r+"-user", r, password, bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		secret, _, err := dashboard.TokenIssue(ctx, db, u.ID, "test", 0)
		if err != nil {
			t.Fatal(err)
		}
		b.users[r], b.tokens[r] = u, secret
	}
	doc, err := dashboard.OpenAPI()
	if err != nil {
		t.Fatalf("openapi: %v", err)
	}
	doc.Servers = nil
	if b.router, err = legacy.NewRouter(doc); err != nil {
		t.Fatal(err)
	}
	return b
}

// resp is a response read in full.
type resp struct {
	Code   int
	Header http.Header
	Body   []byte
}

func (r *resp) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// do sends a request as role ("" : anonymous) and checks the response
// against the OpenAPI document.
func (b *bundle) do(role, method, path string, body any, hdr ...string) *resp {
	b.t.Helper()
	return b.doWith(b.ts.Client(), role, method, path, body, hdr...)
}

func (b *bundle) doWith(c *http.Client, role, method, path string, body any, hdr ...string) *resp {
	t := b.t
	t.Helper()
	var rd io.Reader
	var raw []byte
	ct := ""
	switch x := body.(type) {
	case nil:
	case string:
		raw, ct = []byte(x), "text/csv"
	case []byte:
		raw, ct = x, "text/csv"
	default:
		raw, _ = json.Marshal(x)
		ct = "application/json"
	}
	if raw != nil {
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, b.ts.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+b.tokens[role])
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	out := &resp{Code: res.StatusCode, Header: res.Header, Body: data}
	b.validate(req, raw, out)
	return out
}

// validate checks a response against the OpenAPI document: the route and
// status must be documented and JSON bodies must match their schema.
func (b *bundle) validate(req *http.Request, reqBody []byte, r *resp) {
	t := b.t
	t.Helper()
	if !strings.HasPrefix(req.URL.Path, "/api/") && req.URL.Path != "/healthz" {
		return
	}
	vreq := req.Clone(context.Background())
	vreq.Body = io.NopCloser(bytes.NewReader(reqBody))
	route, params, err := b.router.FindRoute(vreq)
	if err != nil {
		if r.Code == 404 || r.Code == 405 || r.Code == 400 {
			return // an unknown endpoint or an undecodable path, rightly refused
		}
		t.Errorf("openapi: %s %s is not documented: %v", req.Method, req.URL.Path, err)
		return
	}
	in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	if r.Code < 400 {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil && !strings.Contains(err.Error(), "multipart") {
			t.Errorf("openapi: request %s %s: %v", req.Method, req.URL.Path, err)
		}
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "text/event-stream") {
		return
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: r.Code, Header: r.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	out.SetBodyBytes(r.Body)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("openapi: response %d to %s %s: %v\n%s", r.Code, req.Method, req.URL.Path, err, trim(r.Body))
	}
}

func trim(b []byte) string {
	if len(b) > 400 {
		return string(b[:400]) + "…"
	}
	return string(b)
}

// login logs a role in through the UI's endpoint and returns the session
// cookie (as a Cookie header value) and the CSRF token.
func (b *bundle) login(role string) (cookie, csrf string) {
	b.t.Helper()
	r := b.do("", "POST", "/api/login", map[string]string{"name": role + "-user", "password": password})
	if r.Code != 200 {
		b.t.Fatalf("login %s: %d %s", role, r.Code, r.Body)
	}
	var me struct {
		CSRFToken string `json:"csrf_token"`
	}
	r.json(b.t, &me)
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == dashboard.SessionCookie {
			return c.Name + "=" + c.Value, me.CSRFToken
		}
	}
	b.t.Fatal("login set no session cookie")
	return "", ""
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

var _ = openapi3.NewLoader

func storetestSQLite(t *testing.T) *store.DB { return storetest.OpenSQLite(t) }
