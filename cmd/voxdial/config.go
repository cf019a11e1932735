package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.yaml.in/yaml/v3"

	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/internal/safehttp"
	"github.com/voxdial/voxdial/media"
)

// config is voxdial.yaml. Zero values mean the defaults in defaultConfig.
type config struct {
	SIP struct {
		Listen       string `yaml:"listen"`        // SIP UDP+TCP address; default 127.0.0.1:0
		ExternalHost string `yaml:"external_host"` // host in Via/Contact; default the listen IP
	} `yaml:"sip"`
	RTP struct {
		IP    string `yaml:"ip"`    // bind and SDP address; default the SIP listen IP
		Ports string `yaml:"ports"` // "20000-30000"; empty = OS-chosen
		// Mode: shared (default: a few shared sockets with batched I/O, one per
		// CPU) or per_leg (a distinct port per call, for trunks that need it).
		Mode string `yaml:"mode"`
	} `yaml:"rtp"`
	Trunks []*dialer.Trunk `yaml:"trunks"`
	Log    struct {
		Level  string `yaml:"level"`  // debug | info | warn | error; default info
		Format string `yaml:"format"` // console | json; default console
	} `yaml:"log"`
	HTTP struct {
		// AllowPrivate lists the private targets webhooks and agent queues may
		// reach: CIDR, IP, IP:port or host:port (default none; SECURITY.md).
		AllowPrivate []string `yaml:"allow_private"`
		// TrustedProxies are the reverse proxies (CIDR or IP) whose
		// X-Forwarded-For names the dashboard's client.
		TrustedProxies []string `yaml:"trusted_proxies"`
	} `yaml:"http"`
}

// outbound is the policy for URLs users give (webhooks, agent queues):
// http.allow_private plus extra entries (--allow-private).
func (c *config) outbound(extra []string) (*safehttp.Policy, error) {
	p, err := safehttp.ParsePolicy(append(append([]string(nil), c.HTTP.AllowPrivate...), extra...))
	if err != nil {
		return nil, fmt.Errorf("http.allow_private: %w", err)
	}
	return p, nil
}

// trustedProxies parses http.trusted_proxies plus extra entries.
func (c *config) trustedProxies(extra []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, e := range append(append([]string(nil), c.HTTP.TrustedProxies...), extra...) {
		if p, err := netip.ParsePrefix(e); err == nil {
			out = append(out, p.Masked())
		} else if a, err := netip.ParseAddr(e); err == nil {
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
		} else {
			return nil, fmt.Errorf("http.trusted_proxies %q: want a CIDR or an IP address", e)
		}
	}
	return out, nil
}

func defaultConfig() *config {
	c := &config{}
	c.SIP.Listen = "127.0.0.1:0"
	c.Log.Level = "info"
	c.Log.Format = "console"
	return c
}

// loadConfig reads path strictly (unknown keys are errors) over the defaults.
// An empty path means no file: the defaults.
func loadConfig(path string) (*config, error) {
	c := defaultConfig()
	if path == "" {
		return c, c.validate("defaults")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return c, c.validate(path)
}

func (c *config) validate(src string) error {
	if _, err := netip.ParseAddrPort(c.SIP.Listen); err != nil {
		return fmt.Errorf("config %s: sip.listen %q: want IP:port", src, c.SIP.Listen)
	}
	if c.RTP.IP != "" {
		if _, err := netip.ParseAddr(c.RTP.IP); err != nil {
			return fmt.Errorf("config %s: rtp.ip %q is not an IP address", src, c.RTP.IP)
		}
	}
	switch media.PortMode(c.RTP.Mode) {
	case "", media.SharedPorts, media.PerLegPorts:
	default:
		return fmt.Errorf("config %s: rtp.mode %q: want shared or per_leg", src, c.RTP.Mode)
	}
	if _, err := parsePortRange(c.RTP.Ports); err != nil {
		return fmt.Errorf("config %s: rtp.ports: %w", src, err)
	}
	seen := map[string]bool{}
	for i, t := range c.Trunks {
		if t == nil || t.Name == "" {
			return fmt.Errorf("config %s: trunks[%d]: name is required", src, i)
		}
		if seen[t.Name] {
			return fmt.Errorf("config %s: trunks[%d]: duplicate name %q", src, i, t.Name)
		}
		seen[t.Name] = true
		if err := t.Validate(); err != nil {
			return fmt.Errorf("config %s: trunks[%d]: %w", src, i, err)
		}
	}
	if _, err := zapcore.ParseLevel(c.Log.Level); err != nil {
		return fmt.Errorf("config %s: log.level %q: want debug, info, warn or error", src, c.Log.Level)
	}
	if c.Log.Format != "console" && c.Log.Format != "json" {
		return fmt.Errorf("config %s: log.format %q: want console or json", src, c.Log.Format)
	}
	if _, err := c.outbound(nil); err != nil {
		return fmt.Errorf("config %s: %w", src, err)
	}
	if _, err := c.trustedProxies(nil); err != nil {
		return fmt.Errorf("config %s: %w", src, err)
	}
	return nil
}

// trunk resolves a --trunk value: the name of a configured trunk, or a SIP URI.
func (c *config) trunk(v string) (*dialer.Trunk, error) {
	for _, t := range c.Trunks {
		if t.Name == v {
			return t, nil
		}
	}
	if strings.HasPrefix(v, "sip:") || strings.HasPrefix(v, "sips:") {
		return dialer.ParseTrunk(v)
	}
	names := make([]string, 0, len(c.Trunks))
	for _, t := range c.Trunks {
		names = append(names, t.Name)
	}
	known := "none configured"
	if len(names) > 0 {
		known = "configured: " + strings.Join(names, ", ")
	}
	return nil, fmt.Errorf("--trunk %q: %w (give a SIP URI such as sip:127.0.0.1:5060, or a trunk name; %s)", v, dialer.ErrUnknownTrunk, known)
}

func parsePortRange(s string) (media.PortRange, error) {
	if s == "" {
		return media.PortRange{}, nil
	}
	lo, hi, ok := strings.Cut(s, "-")
	a, err1 := strconv.Atoi(strings.TrimSpace(lo))
	b, err2 := strconv.Atoi(strings.TrimSpace(hi))
	if !ok || err1 != nil || err2 != nil || a <= 0 || b > 65535 || a > b {
		return media.PortRange{}, fmt.Errorf("%q: want MIN-MAX within 1-65535", s)
	}
	return media.PortRange{Min: a, Max: b}, nil
}

// newLogger builds the process logger; logs go to stderr so that --json
// output on stdout stays one clean document.
func newLogger(level, format string, stderr io.Writer) (*zap.Logger, error) {
	lvl, err := zapcore.ParseLevel(level)
	if err != nil {
		return nil, fmt.Errorf("log level %q: %w", level, err)
	}
	encCfg := zap.NewProductionEncoderConfig()
	encCfg.EncodeTime = zapcore.TimeEncoderOfLayout(time.RFC3339Nano)
	var enc zapcore.Encoder
	if format == "json" {
		enc = zapcore.NewJSONEncoder(encCfg)
	} else {
		encCfg.EncodeLevel = zapcore.CapitalLevelEncoder
		encCfg.EncodeTime = zapcore.TimeEncoderOfLayout("15:04:05.000")
		enc = zapcore.NewConsoleEncoder(encCfg)
	}
	return zap.New(zapcore.NewCore(enc, zapcore.AddSync(stderr), lvl)), nil
}
