package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "voxdial.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadConfig(t *testing.T) {
	t.Parallel()
	good := writeConfig(t, `
sip: {listen: "127.0.0.1:0"}
rtp: {ports: 20000-20100}
trunks:
  - name: carrier-a
    uri: sip:127.0.0.1:5080;transport=tcp
    username: acme
    password: s3cret
    caller_id: "+12125550000"
    max_channels: 10
log: {level: debug, format: json}
`)
	cfg, err := loadConfig(good)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := cfg.trunk("carrier-a")
	if err != nil {
		t.Fatal(err)
	}
	if tr.Transport != "tcp" || tr.MaxChannels != 10 || tr.Password != "s3cret" {
		t.Fatalf("trunk %+v", tr)
	}
	if _, err := cfg.trunk("sip:127.0.0.1:5090"); err != nil {
		t.Fatalf("URI trunk: %v", err)
	}
	if _, err := cfg.trunk("carrier-b"); err == nil || !strings.Contains(err.Error(), "configured: carrier-a") {
		t.Fatalf("unknown trunk error %v does not list the configured ones", err)
	}

	cases := []struct{ body, want string }{
		{"sip: {listen: 127.0.0.1:0}\nrtp: {portz: 1-2}\n", "line 2"},
		{"trunks:\n  - {uri: 'sip:127.0.0.1'}\n", "trunks[0]: name is required"},
		{"trunks:\n  - {name: a, uri: 'sip:127.0.0.1'}\n  - {name: a, uri: 'sip:127.0.0.2'}\n", `duplicate name "a"`},
		{"trunks:\n  - {name: a, uri: 'http://x'}\n", "must start with sip:"},
		{"trunks:\n  - {name: a, uri: 'sip:127.0.0.1', max_channels: -1}\n", "max_channels"},
		{"sip: {listen: nowhere}\n", "sip.listen"},
		{"rtp: {ports: 30000-20000}\n", "rtp.ports"},
		{"log: {level: loud}\n", "log.level"},
		{"rtp: {mode: multicast}\n", "rtp.mode"},
		{"http: {allow_private: [nonsense]}\n", "http.allow_private"},
		{"http: {trusted_proxies: [a.b.c]}\n", "http.trusted_proxies"},
	}
	for _, c := range cases {
		_, err := loadConfig(writeConfig(t, c.body))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("config %q: error %v, want it to mention %q", c.body, err, c.want)
		}
	}
}

func TestConfigHTTP(t *testing.T) {
	cfg, err := loadConfig(writeConfig(t, "http:\n  allow_private: [10.0.0.0/8, '127.0.0.1:9000']\n  trusted_proxies: [10.1.0.0/16, 192.0.2.7]\n"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.HTTP.AllowPrivate = append(cfg.HTTP.AllowPrivate, "[::1]:6379") // as --allow-private adds it
	p, err := cfg.HTTP.Outbound()
	if err != nil {
		t.Fatal(err)
	}
	for u, ok := range map[string]bool{"http://10.2.3.4/": true, "http://127.0.0.1:9000/": true, "http://[::1]:6379/": true,
		"http://127.0.0.1:9001/": false, "http://169.254.169.254/": false} {
		if err := p.CheckURL(u); (err == nil) != ok {
			t.Errorf("CheckURL(%s) = %v, want allowed %v", u, err, ok)
		}
	}
	proxies, err := cfg.HTTP.Proxies()
	if err != nil || len(proxies) != 2 || proxies[1].String() != "192.0.2.7/32" {
		t.Errorf("trusted proxies %v %v", proxies, err)
	}
}
