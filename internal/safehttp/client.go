package safehttp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Options shape a client. Zero values take the defaults noted.
type Options struct {
	// Timeout bounds a whole request, body included; 0: none (the caller's
	// context bounds it).
	Timeout time.Duration
	// DialTimeout bounds one connection attempt (default 10s).
	DialTimeout time.Duration
}

// Client returns an HTTP client that connects only where p allows, follows
// no redirects and ignores proxy environment variables.
func (p *Policy) Client(opts Options) *http.Client {
	return &http.Client{Timeout: opts.Timeout, Transport: p.Transport(opts),
		// The answer to a request is the receiver's, not a page it points to:
		// a 3xx is returned as is (and a redirect cannot aim us elsewhere).
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// Transport is the client's transport, for callers that wrap it.
func (p *Policy) Transport(opts Options) *http.Transport {
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = 10 * time.Second
	}
	return &http.Transport{
		Proxy:                  nil, // a proxy would hide the real target from the check
		DialContext:            p.dialer(opts.DialTimeout),
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           100,
		MaxIdleConnsPerHost:    8,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    10 * time.Second,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
}

// dialer resolves and connects as net.Dialer does, checking every address
// it is about to connect to (after resolution, so a name re-pointed at a
// private address between two requests is still refused).
func (p *Policy) dialer(timeout time.Duration) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		asked := addr
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		if a, ok := hostAddr(host); ok {
			// 0x7f000001 and friends: dial what a C resolver would, so the
			// check and the connection agree on the address.
			addr = net.JoinHostPort(a.String(), port)
		}
		d := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second,
			ControlContext: func(_ context.Context, _, address string, _ syscall.RawConn) error {
				ap, err := netip.ParseAddrPort(address)
				if err != nil {
					return &RefusedError{Addr: address, Reason: "unparsable"}
				}
				return p.allowed(asked, ap)
			}}
		return d.DialContext(ctx, network, addr)
	}
}

// ForEndpoint is a client for one endpoint the operator configured (a
// speech server, the LLM): that endpoint's host:port is allowed even when
// private, everything else follows p (nil: public only). A redirect
// elsewhere is not followed.
func ForEndpoint(endpoint string, p *Policy, opts Options) *http.Client {
	if hp := endpointHostPort(endpoint); hp != "" {
		if q, err := p.With(hp); err == nil {
			p = q
		}
	}
	return p.Client(opts)
}

// endpointHostPort is the host:port a URL connects to ("" if none).
func endpointHostPort(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return ""
	}
	port := u.Port()
	if port == "" {
		switch strings.ToLower(u.Scheme) {
		case "https", "wss":
			port = "443"
		default:
			port = "80"
		}
	}
	if _, err := strconv.Atoi(port); err != nil {
		return ""
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// Class turns a request error into a short class for records every role may
// read: no URL, no address, no token, no text from the far end. Operators
// find the full error in the logs.
func Class(err error) string {
	if err == nil {
		return ""
	}
	var re *RefusedError
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var recErr tls.RecordHeaderError
	var netErr net.Error
	var opErr *net.OpError
	switch {
	case errors.As(err, &re):
		return "refused: " + re.Reason + " address not allowed"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.As(err, &dnsErr):
		return "DNS lookup failed"
	case errors.As(err, &certErr), errors.As(err, &unknownCA), errors.As(err, &hostErr), errors.As(err, &invalid), errors.As(err, &recErr):
		return "TLS failed"
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return "connection failed"
	}
	var ue *url.Error
	if errors.As(err, &ue) && strings.Contains(ue.Err.Error(), "unsupported protocol scheme") {
		return "bad URL"
	}
	return "request failed"
}

// StatusClass is an HTTP status as a class: "HTTP 4xx".
func StatusClass(code int) string {
	if code < 100 || code > 599 {
		return "bad response"
	}
	s := "HTTP " + strconv.Itoa(code/100) + "xx"
	if code/100 == 3 {
		s += " (redirects are not followed)"
	}
	return s
}
