package dialer

import (
	"fmt"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo/sip"
)

// Trunk is a carrier or SBC that calls are sent through. Use it by pointer:
// it counts its own active channels.
type Trunk struct {
	Name      string `yaml:"name" json:"name"`
	URI       string `yaml:"uri" json:"uri"`             // sip:host[:port][;transport=tcp]
	Transport string `yaml:"transport" json:"transport"` // udp | tcp | tls; empty = the URI's transport param, else udp
	Username  string `yaml:"username" json:"username,omitempty"`
	Password  string `yaml:"password" json:"-"`
	// CallerID is the number presented in From (E.164 or a SIP user part).
	CallerID string `yaml:"caller_id" json:"caller_id,omitempty"`
	// MaxChannels caps concurrent calls on the trunk; 0 means no cap.
	MaxChannels int `yaml:"max_channels" json:"max_channels,omitempty"`
	// OptionsInterval is the OPTIONS keep-alive period; 0 means 30s, negative turns it off.
	OptionsInterval time.Duration `yaml:"options_interval" json:"options_interval,omitempty"`
	// SRTP is off, optional or required (SRTPOff, SRTPOptional, SRTPRequired): media
	// encryption with SDES keys (RFC 4568) in the SDP. Empty means required on a TLS
	// trunk and off otherwise. Only TLS trunks may use SRTP: SDES keys travel in the
	// SDP, and over UDP or TCP anyone on the path could read them.
	SRTP string `yaml:"srtp" json:"srtp,omitempty"`

	uri    sip.Uri // parsed from URI by Validate
	active atomic.Int64
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// ParseTrunk builds a trunk from a command-line SIP URI such as
// sip:user:secret@10.0.0.1:5060;transport=tcp.
func ParseTrunk(s string) (*Trunk, error) {
	t := &Trunk{Name: s, URI: s}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	// The name shows up in logs and results: never with the password in it.
	t.Name = "sip:" + t.uri.HostPort()
	if t.Username != "" {
		t.Name = "sip:" + t.Username + "@" + t.uri.HostPort()
	}
	return t, nil
}

// Validate checks the trunk's settings and parses its URI; it must be called
// before the trunk is used.
func (t *Trunk) Validate() error {
	raw := strings.TrimSpace(t.URI)
	if raw == "" {
		return fmt.Errorf("trunk %q: uri is empty", t.Name)
	}
	if !strings.HasPrefix(raw, "sip:") && !strings.HasPrefix(raw, "sips:") {
		return fmt.Errorf("trunk %q: uri %q must start with sip: or sips:", t.Name, raw) //nolint:revive,staticcheck // ends with the scheme it names ("sips:"), not punctuation
	}
	var u sip.Uri
	if err := sip.ParseUri(raw, &u); err != nil {
		return fmt.Errorf("trunk %q: uri %q: %w", t.Name, raw, err)
	}
	if u.Host == "" {
		return fmt.Errorf("trunk %q: uri %q has no host", t.Name, raw)
	}
	// Credentials may ride in the URI's user info on the command line.
	if u.Password != "" && t.Password == "" {
		t.Username, t.Password = u.User, u.Password
	}
	tr := strings.ToLower(t.Transport)
	if tr == "" && u.UriParams != nil {
		if v, ok := u.UriParams.Get("transport"); ok {
			tr = strings.ToLower(v)
		}
	}
	if tr == "" {
		tr = "udp"
		if u.Scheme == "sips" {
			tr = "tls"
		}
	}
	switch tr {
	case "udp", "tcp", "tls":
	default:
		return fmt.Errorf("trunk %q: transport %q is not one of udp, tcp, tls", t.Name, tr)
	}
	t.Transport = tr
	switch mode := strings.ToLower(strings.TrimSpace(t.SRTP)); {
	case mode == "" && tr == "tls":
		t.SRTP = SRTPRequired
	case mode == "":
		t.SRTP = SRTPOff
	case mode != SRTPOff && mode != SRTPOptional && mode != SRTPRequired:
		return fmt.Errorf("trunk %q: srtp %q is not one of off, optional, required", t.Name, t.SRTP)
	case mode != SRTPOff && tr != "tls":
		return fmt.Errorf("trunk %q: srtp %s needs transport tls (the trunk uses %s): SDES keys travel in the SDP, readable by anyone on the path without TLS", t.Name, mode, tr)
	default:
		t.SRTP = mode
	}
	if t.MaxChannels < 0 {
		return fmt.Errorf("trunk %q: max_channels %d is negative", t.Name, t.MaxChannels)
	}
	if t.CallerID != "" && strings.ContainsAny(t.CallerID, " <>@;\"") {
		return fmt.Errorf("trunk %q: caller_id %q must be a number or SIP user part", t.Name, t.CallerID)
	}
	t.uri = sip.Uri{Scheme: "sip", Host: u.Host, Port: u.Port}
	return nil
}

// Host is the trunk's host:port (port omitted when default).
func (t *Trunk) Host() string { return t.uri.HostPort() }

// Active is the number of calls on the trunk now.
func (t *Trunk) Active() int { return int(t.active.Load()) }

// acquire takes a channel; the returned release must be called once.
func (t *Trunk) acquire() (release func(), err error) {
	n := t.active.Add(1)
	if t.MaxChannels > 0 && n > int64(t.MaxChannels) {
		t.active.Add(-1)
		return nil, fmt.Errorf("trunk %q: %w (%d)", t.Name, ErrTrunkBusy, t.MaxChannels)
	}
	var once atomic.Bool
	return func() {
		if once.CompareAndSwap(false, true) {
			t.active.Add(-1)
		}
	}, nil
}

// requestURI turns a call target into the INVITE's Request-URI: an E.164
// number goes to the trunk's host; a SIP URI is used as written.
func (t *Trunk) requestURI(to string) (sip.Uri, error) {
	to = strings.TrimSpace(to)
	if strings.HasPrefix(to, "sip:") || strings.HasPrefix(to, "sips:") {
		var u sip.Uri
		if err := sip.ParseUri(to, &u); err != nil {
			return sip.Uri{}, fmt.Errorf("%w: %q: %v", ErrInvalidTarget, to, err)
		}
		if u.Host == "" || u.User == "" {
			return sip.Uri{}, fmt.Errorf("%w: %q needs a user and a host", ErrInvalidTarget, to)
		}
		return sip.Uri{Scheme: "sip", User: u.User, Host: u.Host, Port: u.Port}, nil
	}
	if !e164.MatchString(to) {
		return sip.Uri{}, fmt.Errorf("%w: %q is neither an E.164 number (+ and 7 to 15 digits) nor a SIP URI", ErrInvalidTarget, to)
	}
	u := t.uri
	u.User = to
	return u, nil
}

// MaskNumber hides all but the last four digits, for logs at info level.
func MaskNumber(n string) string {
	if len(n) <= 4 {
		return strings.Repeat("*", len(n))
	}
	keep := 4
	prefix := ""
	if strings.HasPrefix(n, "+") {
		prefix, n = "+", n[1:]
	}
	if len(n) <= keep {
		return prefix + n
	}
	return prefix + strings.Repeat("*", len(n)-keep) + n[len(n)-keep:]
}
