package safehttp

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

func TestBlocked(t *testing.T) {
	for _, tc := range []struct {
		ip     string
		reason string // "": allowed
	}{
		{"127.0.0.1", "loopback"},
		{"127.255.0.9", "loopback"},
		{"::1", "loopback"},
		{"::ffff:127.0.0.1", "loopback"},
		{"::ffff:7f00:1", "loopback"},
		{"::127.0.0.1", "loopback"},
		{"64:ff9b::7f00:1", "loopback"},
		{"2002:7f00:1::", "loopback"},
		{"2002:a9fe:a9fe::1", "link-local"},
		{"0.0.0.0", "unspecified"},
		{"0.1.2.3", "unspecified"},
		{"::", "unspecified"},
		{"169.254.169.254", "link-local"},
		{"fe80::1", "link-local"},
		{"10.1.2.3", "private"},
		{"172.16.0.1", "private"},
		{"172.31.255.255", "private"},
		{"192.168.1.1", "private"},
		{"100.64.0.1", "private"},
		{"fc00::1", "private"},
		{"fd12:3456::1", "private"},
		{"224.0.0.1", "multicast"},
		{"239.255.255.250", "multicast"},
		{"ff02::1", "multicast"},
		{"ff05::2", "multicast"},
		{"255.255.255.255", "reserved"},
		{"240.0.0.1", "reserved"},
		{"198.18.0.1", "reserved"},
		{"8.8.8.8", ""},
		{"172.32.0.1", ""},
		{"100.128.0.1", ""},
		{"2606:4700:4700::1111", ""},
		{"::ffff:8.8.8.8", ""},
		{"64:ff9b::808:808", ""},
	} {
		reason, blocked := Blocked(netip.MustParseAddr(tc.ip))
		if blocked != (tc.reason != "") || reason != tc.reason {
			t.Errorf("Blocked(%s) = %q, %v; want %q", tc.ip, reason, blocked, tc.reason)
		}
	}
}

func TestParseNumericIPv4(t *testing.T) {
	for in, want := range map[string]string{
		"0x7f000001":    "127.0.0.1",
		"0X7F000001":    "127.0.0.1",
		"2130706433":    "127.0.0.1",
		"017700000001":  "127.0.0.1",
		"0177.0.0.1":    "127.0.0.1",
		"127.1":         "127.0.0.1",
		"127.0.1":       "127.0.0.1",
		"0x7f.1":        "127.0.0.1",
		"169.254.43518": "169.254.169.254",
		"0xa9fea9fe":    "169.254.169.254",
		"10.0.0.1.":     "10.0.0.1",
		"0":             "0.0.0.0",
		"1.2.3.4":       "1.2.3.4",
		"example.com":   "",
		"1.2.3.4.5":     "",
		"256.1.1.1":     "",
		"1.2.3.256":     "",
		"4294967296":    "",
		"0x":            "0.0.0.0",
		"08":            "",
		"":              "",
		"1..2":          "",
	} {
		a, ok := parseNumericIPv4(in)
		got := ""
		if ok {
			got = a.String()
		}
		if got != want {
			t.Errorf("parseNumericIPv4(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckURL(t *testing.T) {
	allow, err := ParsePolicy([]string{"10.20.0.0/16", "127.0.0.1:8081", "[::1]:9000", "hooks.internal:443"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		url     string
		p       *Policy
		refused bool
		bad     bool
	}{
		{url: "http://169.254.169.254/latest/meta-data/", refused: true},
		{url: "http://127.0.0.1:5432/", refused: true},
		{url: "http://[::1]:6379/", refused: true},
		{url: "http://0x7f000001/", refused: true},
		{url: "http://2130706433:8080/", refused: true},
		{url: "http://0177.0.0.1/", refused: true},
		{url: "http://127.1/", refused: true},
		{url: "http://[::ffff:127.0.0.1]/", refused: true},
		{url: "http://[::ffff:a9fe:a9fe]/", refused: true},
		{url: "http://[fe80::1%25eth0]/", refused: true},
		{url: "http://0.0.0.0:6379/", refused: true},
		{url: "http://10.20.3.4/hook", p: allow},
		{url: "http://10.21.3.4/hook", p: allow, refused: true},
		{url: "http://127.0.0.1:8081/x", p: allow},
		{url: "http://2130706433:8081/x", p: allow},
		{url: "http://127.0.0.1:8082/x", p: allow, refused: true},
		{url: "http://[::1]:9000/", p: allow},
		{url: "https://hooks.example.com/t/abc"},
		{url: "https://8.8.8.8/"},
		{url: "http://localhost:9/"}, // a name: checked when connecting
		{url: "ftp://example.com/", bad: true},
		{url: "file:///etc/passwd", bad: true},
		{url: "http:///x", bad: true},
		{url: "http://user:pw@example.com/", bad: true},
		{url: "::", bad: true},
	} {
		err := tc.p.CheckURL(tc.url)
		switch {
		case tc.refused && !errors.Is(err, ErrRefused):
			t.Errorf("CheckURL(%s) = %v, want refused", tc.url, err)
		case tc.bad && (err == nil || errors.Is(err, ErrRefused)):
			t.Errorf("CheckURL(%s) = %v, want a bad-URL error", tc.url, err)
		case !tc.refused && !tc.bad && err != nil:
			t.Errorf("CheckURL(%s) = %v, want ok", tc.url, err)
		}
	}
}

func TestParsePolicyErrors(t *testing.T) {
	for _, e := range []string{"nonsense", "10.0.0.0/33", "host:0", "host:99999", ":80"} {
		if _, err := ParsePolicy([]string{e}); err == nil {
			t.Errorf("ParsePolicy(%q): no error", e)
		}
	}
}

// loopbackServer counts the requests it answers.
func loopbackServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if h != nil {
			h(w, r)
			return
		}
		w.WriteHeader(204)
	}))
	t.Cleanup(s.Close)
	return s, &n
}

func TestClientRefusesLoopbackUnlessAllowed(t *testing.T) {
	srv, hits := loopbackServer(t, nil)
	u, _ := url.Parse(srv.URL)
	_, port, _ := net.SplitHostPort(u.Host)
	numeric := "http://2130706433:" + port + "/" // 127.0.0.1 as one decimal number
	for _, tc := range []struct {
		name  string
		allow []string
		url   string
		ok    bool
	}{
		{"no allowlist", nil, srv.URL, false},
		{"numeric form, no allowlist", nil, numeric, false},
		{"mapped IPv6 form", nil, "http://[::ffff:127.0.0.1]:" + port + "/", false},
		{"other port allowed", []string{"127.0.0.1:1"}, srv.URL, false},
		{"address:port", []string{u.Host}, srv.URL, true},
		{"numeric form allowed by address:port", []string{u.Host}, numeric, true},
		{"CIDR", []string{"127.0.0.0/8"}, srv.URL, true},
		{"address", []string{"127.0.0.1"}, srv.URL, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ParsePolicy(tc.allow)
			if err != nil {
				t.Fatal(err)
			}
			before := hits.Load()
			res, err := p.Client(Options{}).Get(tc.url)
			if tc.ok {
				if err != nil {
					t.Fatalf("GET: %v", err)
				}
				res.Body.Close()
				if res.StatusCode != 204 || hits.Load() != before+1 {
					t.Fatalf("status %d, hits %d→%d", res.StatusCode, before, hits.Load())
				}
				return
			}
			if err == nil {
				res.Body.Close()
			}
			if !errors.Is(err, ErrRefused) {
				t.Fatalf("GET = %v, want ErrRefused", err)
			}
			if hits.Load() != before {
				t.Fatal("the refused request reached the server")
			}
			if c := Class(err); c != "refused: loopback address not allowed" || strings.Contains(c, port) {
				t.Errorf("Class = %q", c)
			}
		})
	}
}

// A name is checked on the address it resolves to, when connecting: a URL
// that passes CheckURL (localhost is a name) is still refused.
func TestClientChecksResolvedAddress(t *testing.T) {
	srv, hits := loopbackServer(t, nil)
	u, _ := url.Parse(srv.URL)
	_, port, _ := net.SplitHostPort(u.Host)
	target := "http://localhost:" + port + "/hook?token=s3cret"
	var p *Policy
	if err := p.CheckURL(target); err != nil {
		t.Fatalf("CheckURL: %v (a name passes until it is resolved)", err)
	}
	_, err := p.Client(Options{}).Get(target)
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("GET localhost = %v, want ErrRefused", err)
	}
	if hits.Load() != 0 {
		t.Fatal("reached the server")
	}
	if c := Class(err); strings.Contains(c, "s3cret") || strings.Contains(c, "localhost") {
		t.Errorf("Class leaks the URL: %q", c)
	}
	// Trusted by name: the operator allowed localhost:port.
	p, _ = ParsePolicy([]string{"localhost:" + port})
	res, err := p.Client(Options{}).Get(target)
	if err != nil {
		t.Fatalf("allowed by name: %v", err)
	}
	res.Body.Close()
	if hits.Load() != 1 {
		t.Fatalf("hits = %d", hits.Load())
	}
}

func TestClientDoesNotFollowRedirects(t *testing.T) {
	inner, innerHits := loopbackServer(t, nil)
	for _, target := range []string{"http://169.254.169.254/latest/meta-data/", inner.URL + "/internal"} {
		outer, _ := loopbackServer(t, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target, http.StatusFound)
		})
		u, _ := url.Parse(outer.URL)
		p, _ := ParsePolicy([]string{u.Host}) // the receiver is allowed, what it points to is not
		res, err := p.Client(Options{}).Get(outer.URL)
		if err != nil {
			t.Fatalf("GET: %v", err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusFound {
			t.Errorf("redirect to %s: status %d, want the 302 itself", target, res.StatusCode)
		}
	}
	if innerHits.Load() != 0 {
		t.Fatal("a redirect was followed to a loopback server")
	}
	// Even a client that follows redirects cannot be sent to the metadata address.
	outer, _ := loopbackServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
	})
	u, _ := url.Parse(outer.URL)
	p, _ := ParsePolicy([]string{u.Host})
	c := p.Client(Options{})
	c.CheckRedirect = nil
	_, err := c.Get(outer.URL)
	if !errors.Is(err, ErrRefused) || Class(err) != "refused: link-local address not allowed" {
		t.Fatalf("followed redirect to 169.254.169.254: %v (%s), want refused", err, Class(err))
	}
}

func TestForEndpoint(t *testing.T) {
	srv, hits := loopbackServer(t, nil)
	other, otherHits := loopbackServer(t, nil)
	c := ForEndpoint(srv.URL+"/v1", nil, Options{})
	res, err := c.Get(srv.URL + "/v1/chat")
	if err != nil {
		t.Fatalf("configured endpoint: %v", err)
	}
	res.Body.Close()
	if _, err := c.Get(other.URL); !errors.Is(err, ErrRefused) {
		t.Fatalf("another loopback port: %v, want refused", err)
	}
	if hits.Load() != 1 || otherHits.Load() != 0 {
		t.Fatalf("hits %d, %d", hits.Load(), otherHits.Load())
	}
	if hp := endpointHostPort("wss://asr.example/ws"); hp != "asr.example:443" {
		t.Errorf("endpointHostPort = %q", hp)
	}
}

func TestStatusClass(t *testing.T) {
	for code, want := range map[int]string{200: "HTTP 2xx", 302: "HTTP 3xx (redirects are not followed)", 404: "HTTP 4xx", 503: "HTTP 5xx", 0: "bad response"} {
		if got := StatusClass(code); got != want {
			t.Errorf("StatusClass(%d) = %q, want %q", code, got, want)
		}
	}
	if got := Class(fmt.Errorf("wrap: %w", &RefusedError{Addr: "10.0.0.1:80", Reason: "private"})); got != "refused: private address not allowed" {
		t.Errorf("Class = %q", got)
	}
}
