package app

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap/zapcore"
	"go.yaml.in/yaml/v3"

	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/internal/safehttp"
	"github.com/voxdial/voxdial/media"
)

// Config is voxdial.yaml: everything a node is built from. Load fills it in
// the order defaults < file < environment; the commands then apply the flags
// that were given and call Validate. Every key is listed, with its default and
// meaning, in docs/config.md.
//
// Zero means the default for every key; a negative duration means "off" where
// the key says so and is rejected elsewhere.
type Config struct {
	SIP     SIPConfig       `yaml:"sip"`
	RTP     RTPConfig       `yaml:"rtp"`
	Trunks  []*dialer.Trunk `yaml:"trunks"`
	Store   StoreConfig     `yaml:"store"`
	Cluster ClusterConfig   `yaml:"cluster"`
	Runner  RunnerConfig    `yaml:"runner"`
	HTTP    HTTPConfig      `yaml:"http"`
	Engines EnginesConfig   `yaml:"engines"`
	Log     LogConfig       `yaml:"log"`
	// AfterCall: grades, summaries and follow-up texts (aftercall.go).
	AfterCall AfterCallConfig `yaml:"aftercall"`

	// origin says where each key's value came from ("config FILE line N",
	// "env NAME", "flag --x"), so that errors point at what to fix.
	origin map[string]string
}

// SIPConfig is the signalling side of the user agent.
type SIPConfig struct {
	Listen       string `yaml:"listen"`        // SIP UDP+TCP address
	ExternalHost string `yaml:"external_host"` // host in Via/Contact; default the listen IP
}

// RTPConfig is the media side of the user agent.
type RTPConfig struct {
	IP    string `yaml:"ip"`    // bind and SDP address; default the SIP listen IP
	Ports string `yaml:"ports"` // "20000-30000"; empty = OS-chosen
	// Mode: shared (a few shared sockets with batched I/O) or per_leg (a distinct
	// port per call, for trunks that need it).
	Mode string `yaml:"mode"`
	// Codecs offered, in preference order: pcmu, pcma, opus.
	Codecs []string `yaml:"codecs"`
	// OpusRate is Opus's internal sample rate when opus is offered: 8000, 16000 or 48000.
	OpusRate int `yaml:"opus_rate"`
}

// StoreConfig is the system of record.
type StoreConfig struct {
	URL     string `yaml:"url"`     // postgres://… or sqlite:PATH
	Migrate bool   `yaml:"migrate"` // apply migrations at start-up
}

// ClusterConfig is what the nodes of one deployment share.
type ClusterConfig struct {
	RedisURL        string        `yaml:"redis_url"`         // empty: a single node, state in process
	RedisPrefix     string        `yaml:"redis_prefix"`      // start of every key and channel
	NumberLogRetain time.Duration `yaml:"number_log_retain"` // how long the per-number attempt log keeps attempts
}

// RunnerConfig is the campaign runner of a node.
type RunnerConfig struct {
	MaxCalls         int           `yaml:"max_calls"`          // answered calls at once (bot capacity)
	MaxLegs          int           `yaml:"max_legs"`           // legs at once, ringing included; 0: 4 × max_calls
	CPS              float64       `yaml:"cps"`                // calls per second per trunk; 0: unlimited
	DrainTimeout     time.Duration `yaml:"drain_timeout"`      // on SIGTERM, how long live calls may go on
	LeaseFor         time.Duration `yaml:"lease_for"`          // contact lease length
	RescueEvery      time.Duration `yaml:"rescue_every"`       // expired-lease rescue period; negative: never
	NumberBusyRetry  time.Duration `yaml:"number_busy_retry"`  // retry delay when another call has the number
	Poll             time.Duration `yaml:"poll"`               // how often an idle runner looks for work
	RingTimeout      time.Duration `yaml:"ring_timeout"`       // CANCEL unanswered calls after this
	RecordDir        string        `yaml:"record_dir"`         // record answered calls here; empty: no recording
	DataDir          string        `yaml:"data_dir"`           // local state: the spool of call records parked while the store is down
	NoComplianceGate bool          `yaml:"no_compliance_gate"` // demos and tests only
}

// HTTPConfig is the dashboard, API and /metrics server of a node.
type HTTPConfig struct {
	Listen          string `yaml:"listen"` // address, or "off"
	ScriptDir       string `yaml:"script_dir"`
	TLSCert         string `yaml:"tls_cert"`
	TLSKey          string `yaml:"tls_key"`
	InsecureCookies bool   `yaml:"insecure_cookies"`
	// AllowPrivate lists the private targets (CIDR, IP, IP:port or host:port) that
	// outbound HTTP to user-given URLs (webhooks, agent queues) may reach; none by
	// default (SECURITY.md).
	AllowPrivate []string `yaml:"allow_private"`
	// TrustedProxies are the reverse proxies (CIDR or IP) whose X-Forwarded-For
	// names the dashboard's client (the login rate limit keys on it).
	TrustedProxies []string `yaml:"trusted_proxies"`
}

// Outbound is the policy for user-given URLs: http.allow_private.
func (h HTTPConfig) Outbound() (*safehttp.Policy, error) {
	return safehttp.ParsePolicy(h.AllowPrivate)
}

// Proxies parses http.trusted_proxies.
func (h HTTPConfig) Proxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, e := range h.TrustedProxies {
		if p, err := netip.ParsePrefix(e); err == nil {
			out = append(out, p.Masked())
		} else if a, err := netip.ParseAddr(e); err == nil {
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
		} else {
			return nil, fmt.Errorf("%q: want a CIDR or an IP address", e)
		}
	}
	return out, nil
}

// HTTPOff is the http.listen value that turns the server off.
const HTTPOff = "off"

// Enabled reports whether the node serves HTTP.
func (h HTTPConfig) Enabled() bool { return h.Listen != HTTPOff }

// EnginesConfig chooses the speech engines, per script locale.
type EnginesConfig struct {
	ASR        EngineConfig     `yaml:"asr"`
	TTS        EngineConfig     `yaml:"tts"`
	Classifier ClassifierConfig `yaml:"classifier"`
}

// EngineConfig is one kind of engine: a default and per-locale choices.
type EngineConfig struct {
	Default string                  `yaml:"default"` // engine name
	URL     string                  `yaml:"url"`     // server of the default engine, for network engines
	Locales map[string]EngineChoice `yaml:"locales"` // BCP 47 locale → engine
	// OpenVocabulary (engines.asr only): auto | off | on. On, the embedded
	// recogniser of English scripts decodes each utterance with the state's grammar
	// and, when the grammar rejected it or its calibrated confidence is under
	// OpenVocabularyMinConfidence, once more with an open-vocabulary language model
	// (how callers answer, the state's phrases, a few general words), whose words
	// the bot's classifier reads (asr.SphinxOptions.OpenFallback). auto ("" too) is
	// what measured best (OpenVocabularyDefault; docs/measured-facts.md).
	OpenVocabulary string `yaml:"open_vocabulary"`
	// ChannelAdaptation (engines.asr only): auto | off | on. On, the embedded
	// recogniser decodes with the acoustic model adapted to the telephone channel
	// (asr/telephony: an MLLR of the means, then MAP of means and variances, fitted on
	// the tuning voices and sentences through µ-law). auto ("" too) is
	// ChannelAdaptationDefault.
	ChannelAdaptation string `yaml:"channel_adaptation"`
}

// EngineChoice is the engine for one locale.
type EngineChoice struct {
	Engine string `yaml:"engine"`
	URL    string `yaml:"url"`
}

// ClassifierConfig is the LLM intent classifier (off unless url is set).
type ClassifierConfig struct {
	URL     string                            `yaml:"url"` // OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1
	Model   string                            `yaml:"model"`
	APIKey  string                            `yaml:"api_key"`
	Timeout time.Duration                     `yaml:"timeout"`
	Locales map[string]ClassifierLocaleChoice `yaml:"locales"`
}

// ClassifierLocaleChoice overrides the classifier for one locale.
type ClassifierLocaleChoice struct {
	URL   string `yaml:"url"`
	Model string `yaml:"model"`
}

// LogConfig is the process logger.
type LogConfig struct {
	Level  string `yaml:"level"`  // debug | info | warn | error
	Format string `yaml:"format"` // console | json
}

// Engine names.
const (
	EnginePocketsphinx = "pocketsphinx"
	EngineVosk         = "vosk"
	EngineFunASR       = "funasr"
	EngineFlite        = "flite"
	EngineESpeak       = "espeak"
	EngineHTTP         = "http"
)

// Defaults is every default, in one place. A key left at zero (in the file,
// the environment or a flag) takes the value here.
func Defaults() Config {
	return Config{
		SIP:     SIPConfig{Listen: "127.0.0.1:0"},
		RTP:     RTPConfig{Mode: string(media.SharedPorts), Codecs: []string{"pcmu", "pcma"}, OpusRate: 8000},
		Store:   StoreConfig{URL: "sqlite:voxdial.db"},
		Cluster: ClusterConfig{RedisPrefix: "voxdial:", NumberLogRetain: 32 * 24 * time.Hour},
		Runner: RunnerConfig{MaxCalls: 50, DrainTimeout: 30 * time.Second, LeaseFor: 10 * time.Minute,
			RescueEvery: 30 * time.Second, NumberBusyRetry: time.Minute, Poll: time.Second, RingTimeout: 30 * time.Second,
			DataDir: DefaultDataDir()},
		HTTP:    HTTPConfig{Listen: "127.0.0.1:8080", ScriptDir: "scripts"},
		Engines: EnginesConfig{ASR: EngineConfig{Default: EnginePocketsphinx}, TTS: EngineConfig{Default: EngineFlite}},
		Log:     LogConfig{Level: "info", Format: "console"},
	}
}

// DefaultDataDir is runner.data_dir's default: $XDG_STATE_HOME/voxdial, else
// ~/.local/state/voxdial (a node's own state; not shared between nodes).
func DefaultDataDir() string {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "voxdial")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "state", "voxdial")
	}
	return "voxdial-data"
}

// fillDefaults puts the default into every key left at zero.
func (c *Config) fillDefaults() {
	d := Defaults()
	str := func(v *string, def string) {
		if *v == "" {
			*v = def
		}
	}
	dur := func(v *time.Duration, def time.Duration) {
		if *v == 0 {
			*v = def
		}
	}
	str(&c.SIP.Listen, d.SIP.Listen)
	str(&c.RTP.Mode, d.RTP.Mode)
	if len(c.RTP.Codecs) == 0 {
		c.RTP.Codecs = d.RTP.Codecs
	}
	if c.RTP.OpusRate == 0 {
		c.RTP.OpusRate = d.RTP.OpusRate
	}
	str(&c.Store.URL, d.Store.URL)
	str(&c.Cluster.RedisPrefix, d.Cluster.RedisPrefix)
	dur(&c.Cluster.NumberLogRetain, d.Cluster.NumberLogRetain)
	if c.Runner.MaxCalls == 0 {
		c.Runner.MaxCalls = d.Runner.MaxCalls
	}
	dur(&c.Runner.DrainTimeout, d.Runner.DrainTimeout)
	dur(&c.Runner.LeaseFor, d.Runner.LeaseFor)
	dur(&c.Runner.RescueEvery, d.Runner.RescueEvery)
	dur(&c.Runner.NumberBusyRetry, d.Runner.NumberBusyRetry)
	dur(&c.Runner.Poll, d.Runner.Poll)
	dur(&c.Runner.RingTimeout, d.Runner.RingTimeout)
	str(&c.Runner.DataDir, d.Runner.DataDir)
	str(&c.HTTP.Listen, d.HTTP.Listen)
	str(&c.HTTP.ScriptDir, d.HTTP.ScriptDir)
	str(&c.Engines.ASR.Default, d.Engines.ASR.Default)
	str(&c.Engines.TTS.Default, d.Engines.TTS.Default)
	str(&c.Log.Level, d.Log.Level)
	str(&c.Log.Format, d.Log.Format)
}

// Load reads path strictly over the defaults, then applies the environment
// (see ApplyEnv; lookup is os.LookupEnv when nil). An empty path means no
// file. Unknown keys are errors naming the key's path and line. Call
// Validate after applying flags.
func Load(path string, lookup func(string) (string, bool)) (*Config, error) {
	c := Defaults()
	c.origin = map[string]string{}
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read config: %w", err)
		}
		if err := c.decode(path, data); err != nil {
			return nil, err
		}
	}
	if lookup == nil {
		lookup = os.LookupEnv
	}
	if err := c.ApplyEnv(lookup); err != nil {
		return nil, err
	}
	c.fillDefaults()
	return &c, nil
}

// decode reads data (the file at path) into c. The YAML is walked first
// against c's keys, so that an unknown key is reported with its full path
// (rtp.portz) and line, and every key's line is kept for later errors.
func (c *Config) decode(path string, data []byte) error {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil // an empty file: the defaults
		}
		return fmt.Errorf("config %s: %w", path, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return fmt.Errorf("config %s: line %d: a second YAML document; want one", path, extra.Line)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if err := checkKeys(root, typeOfConfig, "", func(p string, line int) {
		c.origin[p] = fmt.Sprintf("config %s line %d", path, line)
	}); err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	if err := root.Decode(c); err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	return nil
}

// SetOrigin records that the value at path came from origin (e.g. "flag
// --max-calls"): errors about the key then name it.
func (c *Config) SetOrigin(path, origin string) {
	if c.origin == nil {
		c.origin = map[string]string{}
	}
	c.origin[path] = origin
}

// errf is an error about the key at path, naming where its value came from.
func (c *Config) errf(path, format string, args ...any) error {
	where := c.origin[path]
	if where == "" {
		// A key inside a list or map: the nearest parent that has a line.
		for p := path; where == "" && p != ""; {
			i := strings.LastIndexAny(p, ".[")
			if i < 0 {
				break
			}
			p = p[:i]
			where = c.origin[p]
		}
	}
	if where == "" {
		where = "config"
	}
	return fmt.Errorf("%s: %s: %s", where, path, fmt.Sprintf(format, args...))
}

var localeRE = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)

// Validate puts the default into every key left at zero (flags applied after
// Load may have set some to zero), then checks every key and the
// contradictions between keys. Errors name the key's path and where its value
// came from (file and line, environment variable or flag).
func (c *Config) Validate() error {
	c.fillDefaults()
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	if _, err := c.HTTP.Outbound(); err != nil {
		add(c.errf("http.allow_private", "%v", err))
	}
	if _, err := c.HTTP.Proxies(); err != nil {
		add(c.errf("http.trusted_proxies", "%v", err))
	}
	if _, err := netip.ParseAddrPort(c.SIP.Listen); err != nil {
		add(c.errf("sip.listen", "%q: want IP:port", c.SIP.Listen))
	}
	if c.RTP.IP != "" {
		if _, err := netip.ParseAddr(c.RTP.IP); err != nil {
			add(c.errf("rtp.ip", "%q is not an IP address", c.RTP.IP))
		}
	}
	switch media.PortMode(c.RTP.Mode) {
	case media.SharedPorts, media.PerLegPorts:
	default:
		add(c.errf("rtp.mode", "%q: want shared or per_leg", c.RTP.Mode))
	}
	if _, err := ParsePortRange(c.RTP.Ports); err != nil {
		add(c.errf("rtp.ports", "%v", err))
	}
	if _, err := c.Codecs(); err != nil {
		add(err)
	}
	switch c.RTP.OpusRate {
	case 8000, 16000, 48000:
	default:
		add(c.errf("rtp.opus_rate", "%d: want 8000, 16000 or 48000", c.RTP.OpusRate))
	}
	seen := map[string]bool{}
	for i, t := range c.Trunks {
		p := fmt.Sprintf("trunks[%d]", i)
		switch {
		case t == nil || t.Name == "":
			add(c.errf(p, "name is required"))
			continue
		case seen[t.Name]:
			add(c.errf(p, "duplicate name %q", t.Name))
		}
		seen[t.Name] = true
		if err := t.Validate(); err != nil {
			add(c.errf(p, "%v", err))
		}
	}
	if c.Store.URL == "" {
		add(c.errf("store.url", "empty"))
	}
	if c.Cluster.RedisURL != "" {
		if u, err := url.Parse(c.Cluster.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "unix") {
			add(c.errf("cluster.redis_url", "%q: want redis://, rediss:// or unix://", c.Cluster.RedisURL))
		}
	}
	if c.Cluster.NumberLogRetain < 0 {
		add(c.errf("cluster.number_log_retain", "%s: not a duration ≥ 0", c.Cluster.NumberLogRetain))
	}
	r := c.Runner
	if r.MaxCalls < 0 {
		add(c.errf("runner.max_calls", "%d: want > 0", r.MaxCalls))
	}
	if r.MaxLegs < 0 {
		add(c.errf("runner.max_legs", "%d: want ≥ 0 (0: 4 × max_calls)", r.MaxLegs))
	} else if r.MaxLegs > 0 && r.MaxLegs < r.MaxCalls {
		add(c.errf("runner.max_legs", "%d is below runner.max_calls %d: every answered call is a leg", r.MaxLegs, r.MaxCalls))
	}
	if r.CPS < 0 {
		add(c.errf("runner.cps", "%g: want ≥ 0 (0: unlimited)", r.CPS))
	}
	for _, d := range []struct {
		path string
		v    time.Duration
	}{{"runner.drain_timeout", r.DrainTimeout}, {"runner.lease_for", r.LeaseFor}, {"runner.number_busy_retry", r.NumberBusyRetry},
		{"runner.poll", r.Poll}, {"runner.ring_timeout", r.RingTimeout}} {
		if d.v < 0 {
			add(c.errf(d.path, "%s: want a positive duration", d.v))
		}
	}
	h := c.HTTP
	if h.Enabled() {
		if _, _, err := splitHostPort(h.Listen); err != nil {
			add(c.errf("http.listen", "%q: want host:port or %q", h.Listen, HTTPOff))
		}
	}
	if (h.TLSCert == "") != (h.TLSKey == "") {
		add(c.errf("http.tls_cert", "http.tls_cert and http.tls_key go together"))
	} else if h.TLSCert != "" && !h.Enabled() {
		add(c.errf("http.tls_cert", "set, but http.listen is off"))
	}
	add(c.validateEngine("engines.asr", c.Engines.ASR, asrEngines))
	add(c.validateEngine("engines.tts", c.Engines.TTS, ttsEngines))
	for _, kv := range [][2]string{{"engines.asr.open_vocabulary", c.Engines.ASR.OpenVocabulary}, {"engines.asr.channel_adaptation", c.Engines.ASR.ChannelAdaptation}} {
		if _, ok := AutoOffOn(kv[1], false); !ok {
			add(c.errf(kv[0], "%q: want auto, off or on", kv[1]))
		}
	}
	if c.Engines.TTS.ChannelAdaptation != "" {
		add(c.errf("engines.tts.channel_adaptation", "a recogniser setting: it belongs under engines.asr"))
	}
	if c.Engines.TTS.OpenVocabulary != "" {
		add(c.errf("engines.tts.open_vocabulary", "a recogniser setting: it belongs under engines.asr"))
	}
	add(c.validateClassifier())
	add(c.validateAfterCall())
	if _, err := zapcore.ParseLevel(c.Log.Level); err != nil {
		add(c.errf("log.level", "%q: want debug, info, warn or error", c.Log.Level))
	}
	if c.Log.Format != "console" && c.Log.Format != "json" {
		add(c.errf("log.format", "%q: want console or json", c.Log.Format))
	}
	return errors.Join(errs...)
}

func splitHostPort(s string) (string, int, error) {
	i := strings.LastIndex(s, ":")
	if i < 0 {
		return "", 0, errors.New("no port")
	}
	p, err := strconv.Atoi(s[i+1:])
	if err != nil || p < 0 || p > 65535 {
		return "", 0, errors.New("bad port")
	}
	return s[:i], p, nil
}

// engineKind says what an engine needs: a server URL (and which schemes) or nothing.
type engineKind struct {
	schemes []string // nil: embedded, takes no URL
}

var (
	asrEngines = map[string]engineKind{EnginePocketsphinx: {}, EngineVosk: {schemes: []string{"ws", "wss"}}, EngineFunASR: {schemes: []string{"ws", "wss"}}}
	ttsEngines = map[string]engineKind{EngineFlite: {}, EngineESpeak: {}, EngineHTTP: {schemes: []string{"http", "https"}}}
)

func names(m map[string]engineKind) string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

func (c *Config) validateEngine(path string, e EngineConfig, known map[string]engineKind) error {
	var errs []error
	check := func(p, engine, rawURL string) {
		k, ok := known[engine]
		if !ok {
			errs = append(errs, c.errf(p, "engine %q: want one of %s", engine, names(known)))
			return
		}
		if err := checkEngineURL(engine, rawURL, k); err != nil {
			errs = append(errs, c.errf(p, "%v", err))
		}
	}
	check(path+".default", e.Default, e.URL)
	for _, loc := range sortedKeys(e.Locales) {
		p := path + ".locales." + loc
		if !localeRE.MatchString(loc) {
			errs = append(errs, c.errf(p, "%q is not a BCP 47 locale such as en-US or zh-CN", loc))
		}
		ch := e.Locales[loc]
		if ch.Engine == "" {
			errs = append(errs, c.errf(p+".engine", "required"))
			continue
		}
		check(p+".engine", ch.Engine, ch.URL)
	}
	return errors.Join(errs...)
}

func checkEngineURL(engine, raw string, k engineKind) error {
	if k.schemes == nil {
		if raw != "" {
			return fmt.Errorf("engine %s is embedded: it takes no url (got %q)", engine, raw)
		}
		return nil
	}
	if raw == "" {
		return fmt.Errorf("engine %s needs a url (%s://…)", engine, k.schemes[0])
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("engine %s: url %q: want %s://host[:port]/…", engine, raw, k.schemes[0])
	}
	for _, s := range k.schemes {
		if u.Scheme == s {
			return nil
		}
	}
	return fmt.Errorf("engine %s: url %q: want scheme %s", engine, raw, strings.Join(k.schemes, " or "))
}

func (c *Config) validateClassifier() error {
	cl := c.Engines.Classifier
	var errs []error
	httpURL := func(p, raw string) {
		if err := checkEngineURL("classifier", raw, engineKind{schemes: []string{"http", "https"}}); err != nil {
			errs = append(errs, c.errf(p, "%v", err))
		}
	}
	if cl.URL == "" {
		if cl.Model != "" || cl.APIKey != "" || cl.Timeout != 0 || len(cl.Locales) > 0 {
			errs = append(errs, c.errf("engines.classifier.url", "required when any other engines.classifier key is set"))
		}
		return errors.Join(errs...)
	}
	httpURL("engines.classifier.url", cl.URL)
	if cl.Model == "" {
		errs = append(errs, c.errf("engines.classifier.model", "required with engines.classifier.url"))
	}
	if cl.Timeout < 0 {
		errs = append(errs, c.errf("engines.classifier.timeout", "%s: want a positive duration", cl.Timeout))
	}
	for _, loc := range sortedKeys(cl.Locales) {
		p := "engines.classifier.locales." + loc
		if !localeRE.MatchString(loc) {
			errs = append(errs, c.errf(p, "%q is not a BCP 47 locale such as en-US or zh-CN", loc))
		}
		if u := cl.Locales[loc].URL; u != "" {
			httpURL(p+".url", u)
		}
	}
	return errors.Join(errs...)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Codecs are the codecs the dialer offers, from rtp.codecs.
func (c *Config) Codecs() ([]media.Codec, error) {
	out := make([]media.Codec, 0, len(c.RTP.Codecs))
	seen := map[string]bool{}
	for i, name := range c.RTP.Codecs {
		p := fmt.Sprintf("rtp.codecs[%d]", i)
		n := strings.ToLower(strings.TrimSpace(name))
		if seen[n] {
			return nil, c.errf(p, "%q listed twice", name)
		}
		seen[n] = true
		switch n {
		case "pcmu":
			out = append(out, media.PCMU)
		case "pcma":
			out = append(out, media.PCMA)
		case "opus":
			if !media.OpusAvailable {
				return nil, c.errf(p, "opus: this build has no Opus (built without cgo)")
			}
			out = append(out, media.OpusCodec(c.RTP.OpusRate))
		default:
			return nil, c.errf(p, "%q: want pcmu, pcma or opus", name)
		}
	}
	return out, nil
}

// Trunk resolves a --trunk value or a campaign's trunk: the name of a
// configured trunk, or a SIP URI.
func (c *Config) Trunk(v string) (*dialer.Trunk, error) {
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

// ParsePortRange reads "MIN-MAX"; empty is the zero range (OS-chosen ports).
func ParsePortRange(s string) (media.PortRange, error) {
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
