package safehttp

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// ErrRefused: the target address is not one outbound requests may reach.
var ErrRefused = errors.New("refused")

// RefusedError says which address was refused and why. Its text names the
// address (operators need it in their logs); delivery records use Class.
type RefusedError struct {
	Addr   string // ip:port actually dialled, or the URL host
	Reason string // loopback, private, link-local, …
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("refused to connect to %s: %s address (allow it with http.allow_private)", e.Addr, e.Reason)
}

// Is makes errors.Is(err, ErrRefused) hold.
func (e *RefusedError) Is(target error) bool { return target == ErrRefused }

// Policy is the set of private targets an operator allows. The zero value
// (and nil) allows public addresses only. A Policy is immutable once built.
type Policy struct {
	prefixes []netip.Prefix          // CIDRs and bare addresses: any port
	addrs    map[netip.AddrPort]bool // address:port
	hosts    map[string]bool         // lower-case host:port, trusted by name
}

// ParsePolicy reads allowlist entries: CIDR, IP, IP:port or host:port.
func ParsePolicy(entries []string) (*Policy, error) {
	return (*Policy)(nil).With(entries...)
}

// With returns a copy of p that also allows entries.
func (p *Policy) With(entries ...string) (*Policy, error) {
	n := &Policy{addrs: map[netip.AddrPort]bool{}, hosts: map[string]bool{}}
	if p != nil {
		n.prefixes = append(n.prefixes, p.prefixes...)
		for k := range p.addrs {
			n.addrs[k] = true
		}
		for k := range p.hosts {
			n.hosts[k] = true
		}
	}
	for _, e := range entries {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		if pf, err := netip.ParsePrefix(e); err == nil {
			n.prefixes = append(n.prefixes, pf.Masked())
			continue
		}
		if a, err := netip.ParseAddr(strings.Trim(e, "[]")); err == nil {
			n.prefixes = append(n.prefixes, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		if ap, err := netip.ParseAddrPort(e); err == nil {
			n.addrs[netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())] = true
			continue
		}
		host, port, err := net.SplitHostPort(e)
		if pn, perr := strconv.Atoi(port); err != nil || perr != nil || pn <= 0 || pn > 65535 || host == "" {
			return nil, fmt.Errorf("allow_private %q: want a CIDR (10.0.0.0/8), an address (10.0.0.7), address:port (127.0.0.1:8081) or host:port (asr.internal:2700)", e)
		}
		if a, ok := parseNumericIPv4(host); ok {
			n.addrs[netip.AddrPortFrom(a, uint16(mustPort(port)))] = true
			continue
		}
		n.hosts[strings.ToLower(host)+":"+port] = true
	}
	return n, nil
}

func mustPort(s string) int { n, _ := strconv.Atoi(s); return n }

// Entries lists the allowlist (for logs).
func (p *Policy) Entries() []string {
	if p == nil {
		return nil
	}
	var out []string
	for _, pf := range p.prefixes {
		out = append(out, pf.String())
	}
	for a := range p.addrs {
		out = append(out, a.String())
	}
	for h := range p.hosts {
		out = append(out, h)
	}
	return out
}

// allowed says whether a connection to ap, asked for as hostPort (the URL's
// host:port before resolution), may go ahead; the error says why not.
func (p *Policy) allowed(hostPort string, ap netip.AddrPort) error {
	ip := ap.Addr().Unmap()
	reason, blocked := Blocked(ip)
	if !blocked {
		return nil
	}
	if p != nil {
		if p.addrs[netip.AddrPortFrom(ip, ap.Port())] || p.hosts[strings.ToLower(hostPort)] {
			return nil
		}
		for _, pf := range p.prefixes {
			if pf.Contains(ip) {
				return nil
			}
		}
	}
	return &RefusedError{Addr: netip.AddrPortFrom(ip, ap.Port()).String(), Reason: reason}
}

// special are the ranges Blocked refuses beyond what netip classifies.
var special = []struct {
	p      netip.Prefix
	reason string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "unspecified"},
	{netip.MustParsePrefix("100.64.0.0/10"), "private"}, // carrier-grade NAT
	{netip.MustParsePrefix("192.0.0.0/24"), "reserved"},
	{netip.MustParsePrefix("192.0.2.0/24"), "reserved"},
	{netip.MustParsePrefix("198.18.0.0/15"), "reserved"},
	{netip.MustParsePrefix("198.51.100.0/24"), "reserved"},
	{netip.MustParsePrefix("203.0.113.0/24"), "reserved"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"}, // and 255.255.255.255
	{netip.MustParsePrefix("100::/64"), "reserved"},
	{netip.MustParsePrefix("2001:db8::/32"), "reserved"},
	{netip.MustParsePrefix("fec0::/10"), "private"}, // deprecated site-local
}

var (
	nat64  = netip.MustParsePrefix("64:ff9b::/96")
	nat64l = netip.MustParsePrefix("64:ff9b:1::/48")
	sixTo4 = netip.MustParsePrefix("2002::/16")
	teredo = netip.MustParsePrefix("2001::/32")
)

// Blocked says whether ip is an address outbound requests must not reach
// without an allowlist entry, and what kind it is.
func Blocked(ip netip.Addr) (reason string, blocked bool) {
	if !ip.IsValid() {
		return "invalid", true
	}
	ip = ip.Unmap()
	switch {
	case ip.IsUnspecified():
		return "unspecified", true
	case ip.IsLoopback():
		return "loopback", true
	case ip.IsLinkLocalUnicast():
		return "link-local", true
	case ip.IsMulticast(), ip.IsLinkLocalMulticast(), ip.IsInterfaceLocalMulticast():
		return "multicast", true
	case ip.IsPrivate():
		return "private", true
	}
	for _, s := range special {
		if s.p.Contains(ip) {
			return s.reason, true
		}
	}
	if ip.Is6() {
		// IPv6 forms that carry an IPv4 address a gateway will reach.
		b := ip.As16()
		var v4 netip.Addr
		switch {
		case nat64.Contains(ip), nat64l.Contains(ip):
			v4 = netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
		case sixTo4.Contains(ip):
			v4 = netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]})
		case teredo.Contains(ip): // client address, obfuscated by inversion
			v4 = netip.AddrFrom4([4]byte{^b[12], ^b[13], ^b[14], ^b[15]})
		case b[0] == 0 && b[1] == 0 && b[2] == 0 && b[3] == 0 && b[4] == 0 && b[5] == 0 && b[6] == 0 && b[7] == 0 &&
			b[8] == 0 && b[9] == 0 && b[10] == 0 && b[11] == 0: // IPv4-compatible ::a.b.c.d (deprecated)
			v4 = netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
		}
		if v4.IsValid() {
			if r, bad := Blocked(v4); bad {
				return r, true
			}
		}
	}
	return "", false
}

// parseNumericIPv4 reads the numeric host forms inet_aton accepts and a
// C resolver would dial: 1 to 4 parts, each decimal, octal (0…) or hex
// (0x…), the last filling the remaining bytes: 2130706433, 0x7f000001,
// 0177.0.0.1, 127.1. Dotted-decimal is included.
func parseNumericIPv4(s string) (netip.Addr, bool) {
	if s == "" || strings.HasSuffix(s, ".") && strings.Count(s, ".") > 4 {
		return netip.Addr{}, false
	}
	s = strings.TrimSuffix(s, ".") // a trailing dot is still the same address to a resolver
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	vals := make([]uint64, len(parts))
	for i, p := range parts {
		if p == "" {
			return netip.Addr{}, false
		}
		base := 10
		switch {
		case len(p) > 1 && (p[:2] == "0x" || p[:2] == "0X"):
			base, p = 16, p[2:]
			if p == "" {
				p = "0"
			}
		case len(p) > 1 && p[0] == '0':
			base, p = 8, p[1:]
		}
		v, err := strconv.ParseUint(p, base, 32)
		if err != nil {
			return netip.Addr{}, false
		}
		vals[i] = v
	}
	var n uint64
	last := len(vals) - 1
	for i := 0; i < last; i++ {
		if vals[i] > 0xff {
			return netip.Addr{}, false
		}
		n |= vals[i] << (8 * (3 - i))
	}
	if vals[last] >= 1<<(8*(4-last)) {
		return netip.Addr{}, false
	}
	n |= vals[last]
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}

// hostAddr reads a URL host as an address in any numeric form.
func hostAddr(host string) (netip.Addr, bool) {
	h := strings.Trim(host, "[]")
	if i := strings.IndexByte(h, '%'); i >= 0 { // zone: fe80::1%eth0
		h = h[:i]
	}
	if a, err := netip.ParseAddr(h); err == nil {
		return a.Unmap(), true
	}
	return parseNumericIPv4(host)
}

// CheckURL checks what can be checked before connecting: an http or https
// URL with a host, whose host (when it is an address, in any numeric form)
// the policy allows. Names are checked again, resolved, at connect time.
// Its errors name the URL's host, never its path or query.
func (p *Policy) CheckURL(raw string) error {
	return p.checkURL(raw, "http", "https")
}

// CheckWebSocketURL is CheckURL for ws:// and wss://.
func (p *Policy) CheckWebSocketURL(raw string) error {
	return p.checkURL(raw, "ws", "wss")
}

func (p *Policy) checkURL(raw string, schemes ...string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("not a URL")
	}
	ok := false
	for _, s := range schemes {
		ok = ok || strings.EqualFold(u.Scheme, s)
	}
	if !ok {
		return fmt.Errorf("scheme %q: want %s", u.Scheme, strings.Join(schemes, " or "))
	}
	if u.Host == "" || u.Hostname() == "" {
		return errors.New("the URL has no host")
	}
	if u.User != nil {
		return errors.New("credentials in the URL are not supported (put the token in the path or query)")
	}
	a, isAddr := hostAddr(u.Hostname())
	if !isAddr {
		return nil
	}
	port := u.Port()
	if port == "" {
		port = "80"
		if strings.EqualFold(u.Scheme, "https") || strings.EqualFold(u.Scheme, "wss") {
			port = "443"
		}
	}
	pn, err := strconv.Atoi(port)
	if err != nil || pn <= 0 || pn > 65535 {
		return fmt.Errorf("port %q", port)
	}
	return p.allowed(net.JoinHostPort(u.Hostname(), port), netip.AddrPortFrom(a, uint16(pn)))
}
