package app

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/voxdial/voxdial/media"
)

// noEnv is an empty environment: tests never depend on the machine's.
func noEnv(string) (string, bool) { return "", false }

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "voxdial.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func load(t *testing.T, body string, env map[string]string) (*Config, error) {
	t.Helper()
	c, err := Load(writeFile(t, body), envOf(env))
	if err != nil {
		return nil, err
	}
	return c, c.Validate()
}

// The example file in docs loads and validates, and says what it says.
func TestExampleConfig(t *testing.T) {
	t.Parallel()
	c, err := Load("../../docs/voxdial.example.yaml", noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.RTP.Mode != "per_leg" || c.Runner.MaxCalls != 20 || c.Runner.CPS != 5 || c.Log.Format != "json" || len(c.Trunks) != 1 ||
		c.Engines.TTS.Locales["zh-CN"].Engine != "espeak" || c.Store.URL != "sqlite:voxdial.db" || !c.Store.Migrate {
		t.Fatalf("example config read as %+v", c)
	}
	if _, err := HostOptions(c.Engines, liveOptions()); err != nil {
		t.Fatalf("the example's engines are not usable for live calls: %v", err)
	}
}

// Every key of Config is documented in docs/config.md.
func TestConfigDocumentsEveryKey(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("../../docs/config.md")
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for _, p := range allKeys(typeOfConfig, "") {
		if !strings.Contains(string(doc), "| `"+p+"` |") {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("docs/config.md does not list %v", missing)
	}
}

// allKeys lists the leaf paths of t: lists as name[], maps as name.<locale>.
func allKeys(t reflect.Type, path string) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t == typeOfDuration {
		return []string{path}
	}
	var out []string
	for name, f := range yamlFields(t) {
		p := join(path, name)
		ft := f.Type
		switch ft.Kind() {
		case reflect.Slice:
			if el := ft.Elem(); el.Kind() == reflect.Pointer || el.Kind() == reflect.Struct {
				out = append(out, allKeys(el, p+"[]")...)
				continue
			}
			out = append(out, p)
		case reflect.Map:
			out = append(out, allKeys(ft.Elem(), p+".<locale>")...)
		default:
			out = append(out, allKeys(ft, p)...)
		}
	}
	return out
}

// Precedence: defaults < file < environment; zero means the default.
func TestConfigPrecedence(t *testing.T) {
	t.Parallel()
	d := Defaults()
	c, err := load(t, "runner: {max_calls: 7, lease_for: 0s}\nhttp: {listen: 127.0.0.1:9000}\n", map[string]string{
		"VOXDIAL_HTTP_LISTEN": "off", "VOXDIAL_RUNNER_CPS": "2.5", "VOXDIAL_RTP_CODECS": "pcma, pcmu",
		"VOXDIAL_DATABASE_URL": "sqlite:legacy.db", "VOXDIAL_REDIS_URL": "redis://127.0.0.1:1/0", "VOXDIAL_CLUSTER_REDIS_URL": "redis://127.0.0.1:2/0",
		"VOXDIAL_RUNNER_NO_COMPLIANCE_GATE": "true", "VOXDIAL_RUNNER_DRAIN_TIMEOUT": "5s"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"max_calls from the file": [2]any{c.Runner.MaxCalls, 7},
		"lease_for 0 = default":   [2]any{c.Runner.LeaseFor, d.Runner.LeaseFor},
		"http off from env":       [2]any{c.HTTP.Enabled(), false},
		"cps from env":            [2]any{c.Runner.CPS, 2.5},
		"codecs from env":         [2]any{strings.Join(c.RTP.Codecs, ","), "pcma,pcmu"},
		"legacy database env":     [2]any{c.Store.URL, "sqlite:legacy.db"},
		"canonical beats legacy":  [2]any{c.Cluster.RedisURL, "redis://127.0.0.1:2/0"},
		"bool from env":           [2]any{c.Runner.NoComplianceGate, true},
		"duration from env":       [2]any{c.Runner.DrainTimeout, 5 * time.Second},
		"untouched default":       [2]any{c.Runner.Poll, d.Runner.Poll},
	}
	for name, w := range want {
		p := w.([2]any)
		if p[0] != p[1] {
			t.Errorf("%s: got %v, want %v", name, p[0], p[1])
		}
	}
	codecs, err := c.Codecs()
	if err != nil || len(codecs) != 2 || codecs[0] != media.PCMA {
		t.Errorf("codecs %v %v", codecs, err)
	}
	// No file, no environment: the defaults, valid.
	c, err = Load("", noEnv)
	if err != nil || c.Validate() != nil {
		t.Fatalf("defaults: %v", err)
	}
	if !reflect.DeepEqual(c.Runner, d.Runner) || !reflect.DeepEqual(c.HTTP, d.HTTP) {
		t.Errorf("defaults differ: %+v", c)
	}
}

// Bad input: the error names the key, and the file and line (or the variable).
func TestConfigErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, body string
		env        map[string]string
		want       []string
	}{
		{"unknown key", "sip: {listen: 127.0.0.1:0}\nrtp:\n  portz: 1-2\n", nil, []string{"line 3", "rtp.portz: unknown key", "ports"}},
		{"unknown nested key", "engines:\n  asr:\n    locales:\n      zh-CN: {engin: funasr}\n", nil, []string{"line 4", "engines.asr.locales.zh-CN.engin"}},
		{"unknown trunk key", "trunks:\n  - {name: a, uri: 'sip:127.0.0.1', channels: 3}\n", nil, []string{"line 2", "trunks[0].channels"}},
		{"unknown section", "runer: {max_calls: 3}\n", nil, []string{"line 1", "runer: unknown key"}},
		{"type error", "runner:\n  max_calls: many\n", nil, []string{"line 2", "many"}},
		{"bad duration", "runner:\n  lease_for: soon\n", nil, []string{"line 2", "soon"}},
		{"two documents", "log: {level: info}\n---\nlog: {level: debug}\n", nil, []string{"line 2", "second YAML document"}},
		{"bad value names line", "\n\nlog:\n  level: loud\n", nil, []string{"line 4", "log.level", "loud"}},
		{"negative max_calls", "runner: {max_calls: -1}\n", nil, []string{"runner.max_calls"}},
		{"legs below calls", "runner: {max_calls: 10, max_legs: 5}\n", nil, []string{"runner.max_legs", "below runner.max_calls"}},
		{"negative drain", "runner: {drain_timeout: -1s}\n", nil, []string{"runner.drain_timeout"}},
		{"tls half", "http: {tls_cert: c.pem}\n", nil, []string{"http.tls_cert and http.tls_key go together"}},
		{"tls without http", "http: {listen: 'off', tls_cert: c.pem, tls_key: k.pem}\n", nil, []string{"http.listen is off"}},
		{"bad http listen", "http: {listen: nowhere}\n", nil, []string{"http.listen"}},
		{"codec", "rtp: {codecs: [pcmu, g729]}\n", nil, []string{"line 1", "rtp.codecs[1]", "g729"}},
		{"codec twice", "rtp: {codecs: [pcmu, PCMU]}\n", nil, []string{"rtp.codecs[1]", "twice"}},
		{"opus rate", "rtp: {opus_rate: 44100}\n", nil, []string{"rtp.opus_rate"}},
		{"redis url", "cluster: {redis_url: 'http://x'}\n", nil, []string{"cluster.redis_url"}},
		{"retain", "cluster: {number_log_retain: -1h}\n", nil, []string{"cluster.number_log_retain", "≥ 0"}},
		{"engine unknown", "engines: {asr: {default: whisper}}\n", nil, []string{"engines.asr.default", "whisper", "funasr, pocketsphinx, vosk"}},
		{"network engine without url", "engines: {asr: {default: vosk}}\n", nil, []string{"engines.asr.default", "needs a url"}},
		{"embedded engine with url", "engines: {tts: {default: flite, url: 'http://x'}}\n", nil, []string{"engines.tts.default", "takes no url"}},
		{"wrong scheme", "engines: {asr: {locales: {zh-CN: {engine: funasr, url: 'http://x:1'}}}}\n", nil, []string{"engines.asr.locales.zh-CN.engine", "ws or wss"}},
		{"bad locale", "engines: {tts: {locales: {'zh_CN!': {engine: espeak}}}}\n", nil, []string{"not a BCP 47 locale"}},
		{"classifier model", "engines: {classifier: {url: 'http://127.0.0.1:8000/v1'}}\n", nil, []string{"engines.classifier.model", "required"}},
		{"env names variable", "", map[string]string{"VOXDIAL_RUNNER_MAX_CALLS": "lots"}, []string{"env VOXDIAL_RUNNER_MAX_CALLS", "not an integer"}},
		{"env value checked", "", map[string]string{"VOXDIAL_RTP_MODE": "multicast"}, []string{"env VOXDIAL_RTP_MODE", "rtp.mode"}},
		{"several errors at once", "log: {level: loud, format: xml}\n", nil, []string{"log.level", "log.format"}},
	}
	for _, c := range cases {
		_, err := load(t, c.body, c.env)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not mention %q", c.name, err, w)
			}
		}
	}
}

// A flag's origin shows in the error.
func TestConfigOrigin(t *testing.T) {
	t.Parallel()
	c, err := Load("", noEnv)
	if err != nil {
		t.Fatal(err)
	}
	c.Runner.MaxLegs = 3
	c.SetOrigin("runner.max_legs", "flag --max-legs")
	if err := c.Validate(); err == nil || !strings.HasPrefix(err.Error(), "flag --max-legs: runner.max_legs:") {
		t.Fatalf("error %v", err)
	}
}

func TestSpeechFor(t *testing.T) {
	t.Parallel()
	e := EnginesConfig{ASR: EngineConfig{Default: EnginePocketsphinx, Locales: map[string]EngineChoice{
		"zh": {Engine: EngineFunASR, URL: "ws://127.0.0.1:10095"}, "en-GB": {Engine: EngineVosk, URL: "ws://127.0.0.1:2700"}}},
		TTS: EngineConfig{Default: EngineFlite}}
	for locale, want := range map[string]string{"zh-CN": EngineFunASR, "en-gb": EngineVosk, "en-US": EnginePocketsphinx, "": EnginePocketsphinx} {
		if got := e.SpeechFor(locale).ASR.Engine; got != want {
			t.Errorf("%q: asr %s, want %s", locale, got, want)
		}
	}
}

func TestHostOptions(t *testing.T) {
	t.Parallel()
	base := Defaults().Engines
	// The defaults: the host's own engines.
	o, err := HostOptions(base, liveOptions())
	if err != nil || o.NewRecognizer != nil || o.NewSpeaker != nil {
		t.Fatalf("defaults: %v", err)
	}
	// A Vosk server as the recogniser: wired.
	vosk := base
	vosk.ASR = EngineConfig{Default: EngineVosk, URL: "ws://127.0.0.1:1"}
	if o, err = HostOptions(vosk, liveOptions()); err != nil || o.NewRecognizer == nil {
		t.Fatalf("vosk: %v", err)
	}
	if eng, err := o.NewRecognizer(nil); err != nil || eng.Name() != "vosk" {
		t.Fatalf("vosk engine %v %v", eng, err)
	}
	// Not yet for live calls: refused, naming the key.
	for name, c := range map[string]struct {
		e    func(*EnginesConfig)
		want string
	}{
		"per-locale asr": {func(e *EnginesConfig) {
			e.ASR.Locales = map[string]EngineChoice{"zh-CN": {Engine: EngineFunASR, URL: "ws://x:1"}}
		}, "engines.asr.locales.zh-CN"},
		"http tts":       {func(e *EnginesConfig) { e.TTS = EngineConfig{Default: EngineHTTP, URL: "http://x:1"} }, "engines.tts.default"},
		"flite for zh":   {func(e *EnginesConfig) { e.TTS.Locales = map[string]EngineChoice{"zh-CN": {Engine: EngineFlite}} }, "engines.tts.locales.zh-CN"},
		"llm classifier": {func(e *EnginesConfig) { e.Classifier = ClassifierConfig{URL: "http://x:1/v1", Model: "m"} }, "engines.classifier"},
	} {
		e := Defaults().Engines
		c.e(&e)
		_, err := HostOptions(e, liveOptions())
		var ce *ConfigError
		if !errors.Is(err, ErrNotLive) || !errors.As(err, &ce) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want ErrNotLive naming %s", name, err, c.want)
		}
	}
}
