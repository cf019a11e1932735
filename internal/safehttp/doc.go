// Package safehttp is the one HTTP client voxdial uses to reach addresses it
// was given by someone else: webhook receivers, agent queue endpoints, and
// the network speech engines and LLM classifier an operator configures.
//
// A URL typed into the API by a campaign owner must not become a way to
// reach what only the dialer host can reach: the cloud metadata service
// (169.254.169.254), the database on 127.0.0.1:5432, Redis on [::1]:6379, or
// anything else on a private network. So every connection the client makes
// is checked after DNS resolution, on the address actually dialled
// (net.Dialer.ControlContext), and refused when that address is
//
//	loopback        127.0.0.0/8, ::1
//	unspecified     0.0.0.0/8, ::
//	link-local      169.254.0.0/16, fe80::/10
//	private         10/8, 172.16/12, 192.168/16, 100.64/10 (shared), fc00::/7
//	multicast       224.0.0.0/4, ff00::/8
//	reserved        240.0.0.0/4, 192.0.0.0/24, 198.18.0.0/15, 255.255.255.255
//
// including those addresses written another way: IPv4-mapped IPv6
// (::ffff:127.0.0.1), NAT64 (64:ff9b::7f00:1), 6to4 (2002:7f00:1::), and the
// numeric forms inet_aton accepts (0x7f000001, 2130706433, 0177.1, 127.1).
// Checking at connect time, not when the URL is saved, is what defeats DNS
// rebinding: a name that resolved to a public address when the webhook was
// created and to 127.0.0.1 when it is used is refused at the second lookup.
//
// An operator lets chosen private targets through with an allowlist
// (Policy, from voxdial.yaml http.allow_private or --allow-private): CIDRs
// ("10.20.0.0/16"), addresses ("10.20.0.7"), address:port ("127.0.0.1:8081")
// or host:port ("asr.internal:2700", trusted for whatever it resolves to).
// Endpoints the operator configures directly (speech servers, the LLM) are
// allowed by ForEndpoint without listing them again: the operator named them.
//
// Redirects are not followed (a 3xx is the answer), and environment proxies
// are not used (a proxy would hide the real target from the check). Errors
// are classed by Class into short texts that carry no URL, no address and no
// token, for logs and delivery records every role may read.
package safehttp
