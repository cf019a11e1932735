package dashboard_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/voxdial/voxdial/dashboard"
	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
)

// login posts a login as JSON with extra headers, on a real socket.
func (b *bundle) rawLogin(t *testing.T, name, pw string, hdr ...string) int {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"name": name, "password": pw})
	req, _ := http.NewRequest("POST", b.ts.URL+"/api/login", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	res, err := b.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// TestLoginLimitConcurrent: parallel guesses cannot all pass the limit's
// check before any of them is counted.
func TestLoginLimitConcurrent(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.OpenSQLite(t))
	const guesses = 20
	codes := make([]int, guesses)
	var wg sync.WaitGroup
	for i := range guesses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = b.rawLogin(t, "admin-user", fmt.Sprintf("guess-%d", i))
		}()
	}
	wg.Wait()
	count := map[int]int{}
	for _, c := range codes {
		count[c]++
	}
	if count[401] != 5 || count[429] != guesses-5 {
		t.Fatalf("%d parallel guesses answered %v, want 5×401 and the rest 429", guesses, count)
	}
}

// TestLoginLimitBehindProxy: behind a trusted proxy each client has its own
// limit; without one, X-Forwarded-For is ignored (a client cannot shed its
// limit by inventing addresses).
func TestLoginLimitBehindProxy(t *testing.T) {
	t.Parallel()
	db := storetest.OpenSQLite(t)
	fail := func(b *bundle, xff string, n int) {
		t.Helper()
		for i := 0; i < n; i++ {
			// A different name each time: only the address key fills.
			if c := b.rawLogin(t, fmt.Sprintf("nobody-%s-%d", xff, i), "wrong password", "X-Forwarded-For", xff); c != 401 {
				t.Fatalf("failure %d from %s = %d", i, xff, c)
			}
		}
	}
	proxied := setupWith(t, db, func(o *dashboard.Options) {
		o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	})
	fail(proxied, "203.0.113.5", 5)
	if c := proxied.rawLogin(t, "x", "wrong password", "X-Forwarded-For", "203.0.113.5"); c != 429 {
		t.Errorf("6th failure from 203.0.113.5 = %d, want 429", c)
	}
	// Spoofing a left-most entry does not help: the proxy appended the real client.
	if c := proxied.rawLogin(t, "y", "wrong password", "X-Forwarded-For", "198.51.100.1, 203.0.113.5"); c != 429 {
		t.Errorf("spoofed chain = %d, want 429", c)
	}
	// Another client behind the same proxy is not locked out.
	if c := proxied.rawLogin(t, "admin-user", password, "X-Forwarded-For", "203.0.113.6"); c != 200 {
		t.Errorf("another client behind the proxy = %d, want 200", c)
	}
	direct := setupWith(t, storetest.OpenSQLite(t), nil)
	fail(direct, "203.0.113.7", 5)
	if c := direct.rawLogin(t, "z", "wrong password", "X-Forwarded-For", "203.0.113.8"); c != 429 {
		t.Errorf("untrusted X-Forwarded-For changed the key: %d, want 429", c)
	}
}

// TestLoginContentType: a cross-site form or text/plain POST (no CORS
// preflight) cannot log in.
func TestLoginContentType(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.OpenSQLite(t))
	body := `{"name":"admin-user","password":"` + password + `"}`
	for ct, want := range map[string]int{"text/plain": 415, "text/plain;charset=UTF-8": 415, "application/x-www-form-urlencoded": 415,
		"multipart/form-data; boundary=x": 415, "": 415, "application/json": 200, "application/json; charset=utf-8": 200} {
		req, _ := http.NewRequest("POST", b.ts.URL+"/api/login", strings.NewReader(body))
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		req.Header.Set("Origin", "https://evil.example")
		res, err := b.ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("login as %q = %d, want %d", ct, res.StatusCode, want)
		}
	}
}

// TestPasswordPolicy: weak passwords are refused with 400; long ones up to
// 128 bytes work (every byte counts), longer are a 400, never a 500.
func TestPasswordPolicy(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.OpenSQLite(t))
	long100 := strings.Repeat("0123456789abcdefghij", 5)
	for i, tc := range []struct {
		pw   string
		want int
	}{
		{"aaaaaaaa", 400},
		{"abababab", 400},
		{"12345678", 400},
		{"abcdefghij", 400},
		{"Password1", 400},
		{"password!", 400},
		{"Qwertyuiop", 400},
		{"short", 400},
		{"user-8-horse", 400}, // contains the name (user-8)
		{strings.Repeat("x", 129), 400},
		{long100, 201},
		{"correct horse battery", 201},
		{"ünïcödé-pässwörd", 201},
	} {
		name := fmt.Sprintf("user-%d", i)
		r := b.do(store.RoleAdmin, "POST", "/api/users", map[string]string{"name": name, "role": "manager", "password": tc.pw})
		if r.Code != tc.want {
			t.Errorf("password %.20q… = %d %s, want %d", tc.pw, r.Code, trim(r.Body), tc.want)
			continue
		}
		if tc.want == 201 {
			if c := b.rawLogin(t, name, tc.pw); c != 200 {
				t.Errorf("login with %.20q… = %d", tc.pw, c)
			}
		}
	}
	// Past bcrypt's 72 bytes, the rest of the password still counts.
	if c := b.rawLogin(t, "user-10", long100[:72]+"zzzzzzzz"); c != 401 {
		t.Errorf("a 100-byte password matched on its first 72 bytes: %d", c)
	}
	if c := b.rawLogin(t, "user-10", strings.Repeat("y", 300)); c != 401 {
		t.Errorf("a 300-byte login = %d, want 401", c)
	}
}
