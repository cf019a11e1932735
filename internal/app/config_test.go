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
		{"open vocabulary value", "engines: {asr: {open_vocabulary: maybe}}\n", nil, []string{"engines.asr.open_vocabulary", "maybe", "auto, off or on"}},
		{"open vocabulary under tts", "engines: {tts: {open_vocabulary: 'on'}}\n", nil, []string{"engines.tts.open_vocabulary", "under engines.asr"}},
		{"channel adaptation value", "engines: {asr: {channel_adaptation: always}}\n", nil, []string{"engines.asr.channel_adaptation", "always", "auto, off or on"}},
		{"channel adaptation under tts", "engines: {tts: {channel_adaptation: 'on'}}\n", nil, []string{"engines.tts.channel_adaptation", "under engines.asr"}},
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
	zhFunASR := Defaults().Engines
	zhFunASR.ASR.Locales = map[string]EngineChoice{"zh-CN": {Engine: EngineFunASR, URL: "ws://127.0.0.1:1"}}
	zhHTTP := zhFunASR
	zhHTTP.TTS = EngineConfig{Default: EngineFlite, Locales: map[string]EngineChoice{"zh": {Engine: EngineHTTP, URL: "http://127.0.0.1:1"}}}
	zhHTTP.Classifier = ClassifierConfig{URL: "http://127.0.0.1:1/v1", Model: "m", Locales: map[string]ClassifierLocaleChoice{"zh-CN": {Model: "qwen"}}}
	allVosk := Defaults().Engines
	allVosk.ASR = EngineConfig{Default: EngineVosk, URL: "ws://127.0.0.1:2"}
	allVosk.TTS = EngineConfig{Default: EngineESpeak}
	type want struct{ asr, tts string } // "" = the host's own
	// English scripts get their own embedded recogniser when the channel transform
	// is on by default (the host's own has none).
	enSphinx := want{}
	if ChannelAdaptationDefault || OpenVocabularyDefault {
		enSphinx = want{asr: "sphinx"}
	}
	noAdapt := Defaults().Engines
	noAdapt.ASR.ChannelAdaptation, noAdapt.ASR.OpenVocabulary = OpenVocabularyOff, OpenVocabularyOff
	for name, c := range map[string]struct {
		e     EnginesConfig
		byLoc map[string]want
		llm   map[string]bool
	}{
		"defaults":       {Defaults().Engines, map[string]want{"en-US": enSphinx, "zh-CN": {}}, nil},
		"grammar, as is": {noAdapt, map[string]want{"en-US": {}, "zh-CN": {}}, nil},
		"zh funasr":      {zhFunASR, map[string]want{"en-US": enSphinx, "zh-CN": {asr: "funasr"}, "zh-TW": {}}, nil},
		"zh http tts, classifier": {zhHTTP, map[string]want{"en-US": enSphinx, "zh-CN": {asr: "funasr", tts: "http http://127.0.0.1:1"}, "zh-TW": {tts: "http http://127.0.0.1:1"}},
			map[string]bool{"en-US": true, "zh-CN": true, "zh-TW": true}},
		"vosk, espeak": {allVosk, map[string]want{"en-US": {asr: "vosk", tts: "espeak"}, "zh-CN": {asr: "vosk"}}, nil},
	} {
		o, err := HostOptions(c.e, liveOptions())
		if err != nil || o.Engines == nil || o.NewRecognizer != nil || o.NewSpeaker != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for loc, w := range c.byLoc {
			le := o.Engines(loc)
			got := want{}
			if le.NewRecognizer != nil {
				eng, err := le.NewRecognizer(nil)
				if err != nil {
					t.Fatalf("%s %s: recogniser: %v", name, loc, err)
				}
				got.asr = eng.Name()
			}
			if le.NewSynthesizer != nil {
				syn, _, err := le.NewSynthesizer()
				if err != nil {
					t.Fatalf("%s %s: synthesiser: %v", name, loc, err)
				}
				got.tts = syn.Name()
			}
			if got != w {
				t.Errorf("%s %s: engines %+v, want %+v", name, loc, got, w)
			}
			if (le.Classifier != nil) != c.llm[loc] {
				t.Errorf("%s %s: classifier %v, want %v", name, loc, le.Classifier != nil, c.llm[loc])
			}
		}
	}
	// What cannot run: refused, naming the key.
	for name, c := range map[string]struct {
		e    func(*EnginesConfig)
		want string
	}{
		"unknown asr": {func(e *EnginesConfig) { e.ASR.Default = "whisper" }, `engines.asr.default: engine "whisper" unknown`},
		"funasr without url": {func(e *EnginesConfig) {
			e.ASR.Locales = map[string]EngineChoice{"zh-CN": {Engine: EngineFunASR}}
		}, "engines.asr.locales.zh-CN: engine funasr needs a url"},
		"unknown tts":      {func(e *EnginesConfig) { e.TTS.Default = "polly" }, `engines.tts.default: engine "polly" unknown`},
		"http without url": {func(e *EnginesConfig) { e.TTS = EngineConfig{Default: EngineHTTP} }, "engines.tts.default: engine http needs a url"},
		"flite for zh":     {func(e *EnginesConfig) { e.TTS.Locales = map[string]EngineChoice{"zh-CN": {Engine: EngineFlite}} }, "engines.tts.locales.zh-CN: flite has no Mandarin voice"},
		"classifier model": {func(e *EnginesConfig) { e.Classifier = ClassifierConfig{URL: "http://x:1/v1"} }, "engines.classifier.model"},
	} {
		e := Defaults().Engines
		c.e(&e)
		_, err := HostOptions(e, liveOptions())
		var ce *ConfigError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want a ConfigError naming %s", name, err, c.want)
		}
	}
}

// TestOpenVocabularySwitch: engines.asr.open_vocabulary turns the open-vocabulary
// path on or off for English scripts only; auto follows OpenVocabularyDefault.
func TestOpenVocabularySwitch(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		setting, locale string
		want            bool
	}{
		{"on", "en-US", true}, {"on", "en-GB", true}, {"on", "zh-CN", false},
		{"off", "en-US", false}, {"", "en-US", OpenVocabularyDefault}, {"auto", "en-US", OpenVocabularyDefault},
	} {
		if got := (EngineConfig{Default: EnginePocketsphinx, OpenVocabulary: c.setting}).OpenVocabularyFor(c.locale); got != c.want {
			t.Errorf("open_vocabulary %q, locale %s: %v, want %v", c.setting, c.locale, got, c.want)
		}
	}
	c, err := load(t, "engines: {asr: {open_vocabulary: 'on'}}\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	opts, err := HostOptions(c.Engines, liveOptions())
	if err != nil {
		t.Fatal(err)
	}
	if opts.Engines("en-US").NewRecognizer == nil {
		t.Error("open_vocabulary on: English scripts keep the host's grammar-only recogniser")
	}
	if opts.Engines("zh-CN").NewRecognizer != nil {
		t.Error("open_vocabulary on reached a Mandarin script")
	}
}
