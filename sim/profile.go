package sim

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/voxdial/voxdial/media"
)

//go:embed assets/*.wav
var assetFS embed.FS

//go:embed default_profile.yaml
var defaultProfileYAML []byte

// Kind is what a simulated callee does with an INVITE.
type Kind string

// The behaviour kinds a profile may name.
const (
	KindPerson     Kind = "person"     // rings, answers, takes turns
	KindVoicemail  Kind = "voicemail"  // answers, greeting, beep, records
	KindBusy       Kind = "busy"       // 486 Busy Here
	KindReject     Kind = "reject"     // 603 Decline
	KindInvalid    Kind = "invalid"    // 404 Not Found
	KindCongestion Kind = "congestion" // 503 Service Unavailable
	KindStatus     Kind = "status"     // any final status (status: 480)
	KindRingOut    Kind = "ring_out"   // 180 until CANCEL (487) or ring time (status, default 480)
)

// statusOf is the final response of each refusing kind.
var statusOf = map[Kind]int{
	KindBusy:       486,
	KindReject:     603,
	KindInvalid:    404,
	KindCongestion: 503,
	KindRingOut:    480,
}

// AnswerSDP selects a deliberately broken 200 OK body, for tests of the dialer.
type AnswerSDP string

const (
	AnswerNormal        AnswerSDP = ""
	AnswerGarbage       AnswerSDP = "garbage"         // an unparsable body
	AnswerNoCommonCodec AnswerSDP = "no_common_codec" // offers only PT 18 G729
)

// AfterTurns says what a person does once its turns are done.
type AfterTurns string

const (
	AfterHangup AfterTurns = "hangup" // send BYE
	AfterWait   AfterTurns = "wait"   // wait for the dialer's BYE (up to max_duration)
)

// ReInvite is the kind of in-dialog re-INVITE a turn sends.
type ReInvite string

const (
	ReInviteHold    ReInvite = "hold"    // a=sendonly
	ReInviteResume  ReInvite = "resume"  // a=sendrecv
	ReInviteRefresh ReInvite = "refresh" // same SDP, new version
)

// Defaults, all in one place. A zero value in a profile means "use the default".
const (
	DefaultEndOfSpeech = 700 * time.Millisecond
	DefaultSpeechRMS   = 300.0
	DefaultMaxWait     = 10 * time.Second
	DefaultMaxDuration = 5 * time.Minute
	DefaultDTMFTone    = 120 * time.Millisecond
	DefaultBeep        = 400 * time.Millisecond
	DefaultAfterTurns  = AfterHangup
	beepHz             = 1000
	beepAmplitude      = 8000
	ringbackAmplitude  = 4000
)

// Duration is a time.Duration written in YAML as "700ms", "3s", "1m30s".
type Duration time.Duration

// UnmarshalYAML accepts Go duration strings and plain numbers of seconds.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: want a duration like 700ms or 3s", n.Line)
	}
	if f, err := strconv.ParseFloat(n.Value, 64); err == nil {
		if f < 0 {
			return fmt.Errorf("line %d: negative duration %q", n.Line, n.Value)
		}
		*d = Duration(f * float64(time.Second))
		return nil
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: want a duration like 700ms or 3s, got %q", n.Line, n.Value)
	}
	if v < 0 {
		return fmt.Errorf("line %d: negative duration %q", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the Go duration string.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// D is the duration as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// Profile is a population of simulated callees: named behaviours, routes by
// dialled number, and a weighted mix for numbers no route matches. Build one
// with ParseProfile, LoadProfile or DefaultProfile; a Profile is read-only
// once built and may be shared by several servers.
type Profile struct {
	Name       string               `yaml:"-"`
	Defaults   Behaviour            `yaml:"defaults"`
	Codecs     []string             `yaml:"codecs"`
	Auth       *Auth                `yaml:"auth"`
	Seed       uint64               `yaml:"seed"`
	Behaviours map[string]Behaviour `yaml:"behaviours"`
	Routes     []Route              `yaml:"routes"`
	Mix        []MixEntry           `yaml:"mix"`

	// Compiled state, filled by compile.
	codecs   []media.Codec
	routes   []compiledRoute
	mix      []weighted
	mixTotal int
	plans    map[string]*plan
}

// Auth makes the simulator a trunk that demands digest authentication.
type Auth struct {
	Username string `yaml:"username"`
	Password string `yaml:"password"`
	Realm    string `yaml:"realm"`
}

// Route sends numbers whose Request-URI user part matches a regexp to a behaviour.
type Route struct {
	Match     string `yaml:"match"`
	Behaviour string `yaml:"behaviour"`
}

// MixEntry is one share of the weighted mix.
type MixEntry struct {
	Behaviour string `yaml:"behaviour"`
	Weight    int    `yaml:"weight"`
}

// Behaviour is what one simulated callee does. Which fields apply depends on Kind.
type Behaviour struct {
	Kind Kind `yaml:"kind"`
	// Status is the final response of kind status, and of ring_out once ring elapses.
	Status int `yaml:"status"`
	// Ring is how long refusing kinds ring (180) before their final response;
	// for ring_out, 0 rings until CANCEL (capped by max_duration).
	Ring Duration `yaml:"ring"`
	// AnswerAfter is how long person and voicemail ring before 200 OK.
	AnswerAfter Duration `yaml:"answer_after"`
	// EarlyMedia sends 183 Session Progress with SDP and a ringback tone while ringing.
	EarlyMedia bool `yaml:"early_media"`
	// Turns are performed one by one, each after the bot stops talking.
	Turns []Turn `yaml:"turns"`
	// AfterTurns: hangup (BYE from the far end) or wait (for the dialer's BYE).
	AfterTurns AfterTurns `yaml:"after_turns"`
	// EndOfSpeech is the silence after speech that ends the bot's turn.
	EndOfSpeech Duration `yaml:"end_of_speech"`
	// SpeechRMS is the 20 ms frame RMS above which received audio counts as speech.
	SpeechRMS float64 `yaml:"speech_rms"`
	// MaxWait bounds the wait for the bot's end of speech before a turn goes ahead anyway.
	MaxWait Duration `yaml:"max_wait"`
	// MaxDuration caps an answered call; the simulator then sends BYE.
	MaxDuration Duration `yaml:"max_duration"`
	// Greeting is the voicemail greeting (a WAV path or asset:name.wav).
	Greeting string `yaml:"greeting"`
	// AnswerSDP breaks the 200 OK on purpose: garbage or no_common_codec.
	AnswerSDP AnswerSDP `yaml:"answer_sdp"`
	// Refer is what a person does with the dialer's REFER (blind transfer): accept
	// (202, then wait for the dialer's BYE) or refuse (603; the default, so the
	// dialer falls back to bridging).
	Refer ReferPolicy `yaml:"refer"`
	// DTX is silence suppression, as carriers and SIP phones do it: off (a frame
	// every 20 ms, the default), silent (no RTP at all while the callee is quiet,
	// within and between turns) or cn (an RFC 3389 comfort-noise packet at the start
	// of each silence; offered in the SDP as 13 CN/8000, silent when the dialer does
	// not take it).
	DTX DTX `yaml:"dtx"`
}

// DTX is a callee's silence suppression.
type DTX string

const (
	DTXOff    DTX = "off"
	DTXSilent DTX = "silent"
	DTXCN     DTX = "cn"
)

// ReferPolicy is how a person answers an in-dialog REFER.
type ReferPolicy string

const (
	ReferRefuse ReferPolicy = "refuse" // 603 Decline
	ReferAccept ReferPolicy = "accept" // 202 Accepted
)

// Turn is one action of a person; exactly one of say, text, dtmf, silence, hangup
// and reinvite is set.
type Turn struct {
	Say string `yaml:"say"` // WAV path (relative to the profile) or asset:name.wav
	// Text is spoken through text-to-speech (synthesised once, when the profile
	// loads): flite by default, Voice picks the voice ("kal", "espeak:en-us+f3").
	Text  string `yaml:"text"`
	Voice string `yaml:"voice"`
	// OverBot starts the turn this long after the bot starts speaking instead of
	// after it stops: the caller talks over the prompt (barge-in), or hangs up on it.
	OverBot  Duration `yaml:"over_bot"`
	DTMF     string   `yaml:"dtmf"`     // digits sent as RFC 4733 events
	Silence  Duration `yaml:"silence"`  // stay quiet this long
	Hangup   bool     `yaml:"hangup"`   // send BYE now
	ReInvite ReInvite `yaml:"reinvite"` // hold, resume or refresh
}

type compiledRoute struct {
	re        *regexp.Regexp
	behaviour string
}

type weighted struct {
	behaviour string
	upTo      int // cumulative weight
}

// plan is a behaviour with defaults applied and audio loaded.
type plan struct {
	name string
	Behaviour
	turns    []turnPlan
	greeting *media.PCM
}

type turnPlan struct {
	Turn
	audio *media.PCM
	// onset is where speech starts in audio (leading silence skipped), so that a
	// turn's record says when the caller's voice reached the wire.
	onset time.Duration
}

// ProfileError names the file, line and field of a bad profile.
type ProfileError struct {
	File  string
	Line  int // 0 when unknown
	Field string
	Msg   string
}

func (e *ProfileError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Field != "" {
		b.WriteString(": ")
		b.WriteString(e.Field)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Is makes every ProfileError match ErrInvalidProfile.
func (e *ProfileError) Is(target error) bool { return target == ErrInvalidProfile }

var yamlLineRE = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// ParseProfile reads a YAML profile. Unknown keys, bad values, unknown
// behaviours, bad regexps and missing WAV files are errors (a *ProfileError
// naming name, the line and the field). Relative WAV paths resolve against
// the directory of name; asset:NAME.wav names an embedded utterance
// (yes.wav, pay.wav, later.wav, greeting.wav).
func ParseProfile(r io.Reader, name string) (*Profile, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, &ProfileError{File: name, Msg: err.Error()}
	}
	p := &Profile{Name: name}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(p); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &ProfileError{File: name, Msg: "empty profile"}
		}
		return nil, yamlError(name, err)
	}
	var root yaml.Node
	_ = yaml.Unmarshal(data, &root) // it decoded above, so it parses
	if err := p.compile(filepath.Dir(name), &root); err != nil {
		return nil, err
	}
	return p, nil
}

func yamlError(name string, err error) error {
	var te *yaml.TypeError
	msgs := []string{err.Error()}
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	// Report the first problem with its line; more follow in Msg.
	pe := &ProfileError{File: name, Msg: msgs[0]}
	if m := yamlLineRE.FindStringSubmatch(msgs[0]); m != nil {
		pe.Line, _ = strconv.Atoi(m[1])
		pe.Msg = m[2]
	}
	if len(msgs) > 1 {
		pe.Msg += fmt.Sprintf(" (and %d more)", len(msgs)-1)
	}
	return pe
}

// LoadProfile reads a profile file.
func LoadProfile(path string) (*Profile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &ProfileError{File: path, Msg: err.Error()}
	}
	defer f.Close()
	return ParseProfile(f, path)
}

// DefaultProfile is the embedded demo profile (default_profile.yaml).
func DefaultProfile() *Profile {
	p, err := ParseProfile(bytes.NewReader(defaultProfileYAML), "default_profile.yaml")
	if err != nil {
		panic("sim: embedded default profile: " + err.Error())
	}
	p.Name = "default"
	return p
}

// DefaultProfileYAML returns the text of the embedded profile, a starting point to edit.
func DefaultProfileYAML() []byte { return bytes.Clone(defaultProfileYAML) }

// compile validates p, applies defaults and loads audio. root may be nil
// (then errors carry no line numbers).
func (p *Profile) compile(dir string, root *yaml.Node) error {
	perr := func(path []string, format string, args ...any) error {
		return &ProfileError{File: p.Name, Line: lineOf(root, path), Field: strings.Join(path, "."), Msg: fmt.Sprintf(format, args...)}
	}

	// Codecs.
	p.codecs = nil
	if len(p.Codecs) == 0 {
		p.codecs = []media.Codec{media.PCMU, media.PCMA}
	}
	for i, c := range p.Codecs {
		switch strings.ToUpper(c) {
		case "PCMU":
			p.codecs = append(p.codecs, media.PCMU)
		case "PCMA":
			p.codecs = append(p.codecs, media.PCMA)
		default:
			return perr([]string{"codecs", strconv.Itoa(i)}, "unknown codec %q (want PCMU or PCMA)", c)
		}
	}
	if p.Auth != nil {
		if p.Auth.Username == "" {
			return perr([]string{"auth", "username"}, "required when auth is set")
		}
		if p.Auth.Realm == "" {
			p.Auth.Realm = "voxdial-sim"
		}
	}
	if len(p.Behaviours) == 0 {
		return perr([]string{"behaviours"}, "at least one behaviour is required")
	}
	if err := p.Defaults.validate(perr, []string{"defaults"}, true); err != nil {
		return err
	}

	audio := map[string]*media.PCM{}
	load := func(path []string, ref string) (*media.PCM, error) {
		if pcm, ok := audio[ref]; ok {
			return pcm, nil
		}
		pcm, err := loadWAV(dir, ref)
		if err != nil {
			return nil, perr(path, "%v", err)
		}
		audio[ref] = pcm
		return pcm, nil
	}

	p.plans = make(map[string]*plan, len(p.Behaviours))
	names := make([]string, 0, len(p.Behaviours))
	for name := range p.Behaviours {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		b := p.Behaviours[name]
		path := []string{"behaviours", name}
		if err := b.validate(perr, path, false); err != nil {
			return err
		}
		pl := &plan{name: name, Behaviour: b.withDefaults(p.Defaults)}
		for i, t := range b.Turns {
			tp := turnPlan{Turn: t}
			switch {
			case t.Say != "":
				pcm, err := load(append(path, "turns", strconv.Itoa(i), "say"), t.Say)
				if err != nil {
					return err
				}
				tp.audio = pcm
			case t.Text != "":
				key := "text\x00" + t.Voice + "\x00" + t.Text
				pcm, ok := audio[key]
				if !ok {
					var err error
					if pcm, err = speak(t.Voice, t.Text); err != nil {
						return perr(append(path, "turns", strconv.Itoa(i), "text"), "%v", err)
					}
					// The engine's lead-in silence is not the caller's: a text turn
					// starts speaking at once (an over_bot turn right into a bot word).
					lead := speechOnset(pcm, pl.SpeechRMS)
					pcm = &media.PCM{Samples: pcm.Samples[int(lead*media.SampleRate/time.Second):]}
					audio[key] = pcm
				}
				tp.audio = pcm
			}
			if tp.audio != nil {
				tp.onset = speechOnset(tp.audio, pl.SpeechRMS)
			}
			pl.turns = append(pl.turns, tp)
		}
		if b.Kind == KindVoicemail {
			ref := pl.Greeting
			if ref == "" {
				ref = "asset:greeting.wav"
			}
			pcm, err := load(append(path, "greeting"), ref)
			if err != nil {
				return err
			}
			pl.greeting = pcm
		}
		p.plans[name] = pl
	}

	p.routes = nil
	for i, r := range p.Routes {
		path := []string{"routes", strconv.Itoa(i)}
		re, err := regexp.Compile(r.Match)
		if err != nil {
			return perr(append(path, "match"), "bad regexp: %v", err)
		}
		if r.Match == "" {
			return perr(append(path, "match"), "required")
		}
		if _, ok := p.plans[r.Behaviour]; !ok {
			return perr(append(path, "behaviour"), "unknown behaviour %q", r.Behaviour)
		}
		p.routes = append(p.routes, compiledRoute{re: re, behaviour: r.Behaviour})
	}
	p.mix, p.mixTotal = nil, 0
	for i, m := range p.Mix {
		path := []string{"mix", strconv.Itoa(i)}
		if _, ok := p.plans[m.Behaviour]; !ok {
			return perr(append(path, "behaviour"), "unknown behaviour %q", m.Behaviour)
		}
		if m.Weight < 0 {
			return perr(append(path, "weight"), "negative weight %d", m.Weight)
		}
		if m.Weight == 0 {
			continue // zero weight: listed but never chosen
		}
		if p.mixTotal > 1<<30-m.Weight {
			return perr(append(path, "weight"), "weights too large")
		}
		p.mixTotal += m.Weight
		p.mix = append(p.mix, weighted{behaviour: m.Behaviour, upTo: p.mixTotal})
	}
	if len(p.Mix) > 0 && p.mixTotal == 0 {
		return perr([]string{"mix"}, "all weights are zero")
	}
	return nil
}

type perrFunc func(path []string, format string, args ...any) error

// validate checks one behaviour (or the defaults block, where kind may be empty).
func (b *Behaviour) validate(perr perrFunc, path []string, isDefaults bool) error {
	at := func(field string) []string { return append(append([]string(nil), path...), field) }
	switch b.Kind {
	case KindPerson, KindVoicemail, KindBusy, KindReject, KindInvalid, KindCongestion, KindRingOut:
	case KindStatus:
		if b.Status == 0 {
			return perr(at("status"), "required for kind status")
		}
	case "":
		if !isDefaults {
			return perr(at("kind"), "required (person, voicemail, busy, reject, invalid, congestion, status, ring_out)")
		}
	default:
		return perr(at("kind"), "unknown kind %q (want person, voicemail, busy, reject, invalid, congestion, status, ring_out)", b.Kind)
	}
	if isDefaults && b.Kind != "" {
		return perr(at("kind"), "not allowed in defaults")
	}
	if b.Status != 0 && (b.Status < 300 || b.Status > 699) {
		return perr(at("status"), "final refusal status must be 300-699, got %d", b.Status)
	}
	if b.Status != 0 && b.Kind != KindStatus && b.Kind != KindRingOut && !isDefaults {
		return perr(at("status"), "only for kinds status and ring_out")
	}
	switch b.AfterTurns {
	case "", AfterHangup, AfterWait:
	default:
		return perr(at("after_turns"), "want hangup or wait, got %q", b.AfterTurns)
	}
	switch b.AnswerSDP {
	case AnswerNormal, AnswerGarbage, AnswerNoCommonCodec:
	default:
		return perr(at("answer_sdp"), "want garbage or no_common_codec, got %q", b.AnswerSDP)
	}
	answers := b.Kind == KindPerson || b.Kind == KindVoicemail
	if !answers && !isDefaults {
		if len(b.Turns) > 0 {
			return perr(at("turns"), "only a person takes turns")
		}
		if b.AnswerSDP != "" {
			return perr(at("answer_sdp"), "only for kinds that answer (person, voicemail)")
		}
		if b.EarlyMedia {
			return perr(at("early_media"), "only for kinds that answer (person, voicemail)")
		}
	}
	if b.Kind == KindVoicemail && len(b.Turns) > 0 {
		return perr(at("turns"), "only a person takes turns")
	}
	if b.Greeting != "" && b.Kind != KindVoicemail && !isDefaults {
		return perr(at("greeting"), "only for kind voicemail")
	}
	if isDefaults && len(b.Turns) > 0 {
		return perr(at("turns"), "not allowed in defaults")
	}
	switch b.Refer {
	case "", ReferRefuse, ReferAccept:
	default:
		return perr(at("refer"), "want accept or refuse, got %q", b.Refer)
	}
	if b.Refer != "" && b.Kind != KindPerson && !isDefaults {
		return perr(at("refer"), "only for kind person")
	}
	switch b.DTX {
	case "", DTXOff, DTXSilent, DTXCN:
	default:
		return perr(at("dtx"), "want off, silent or cn, got %q", b.DTX)
	}
	if b.DTX != "" && !answers && !isDefaults {
		return perr(at("dtx"), "only for kinds that answer (person, voicemail)")
	}
	if b.SpeechRMS < 0 {
		return perr(at("speech_rms"), "must not be negative")
	}
	for i, t := range b.Turns {
		tpath := append(at("turns"), strconv.Itoa(i))
		n := 0
		if t.Say != "" {
			n++
		}
		if t.Text != "" {
			n++
		}
		if t.Voice != "" && t.Text == "" {
			return perr(append(tpath, "voice"), "only for a text turn")
		}
		if t.OverBot != 0 && t.Say == "" && t.Text == "" && t.DTMF == "" && !t.Hangup {
			return perr(append(tpath, "over_bot"), "only for a turn that speaks, presses keys or hangs up")
		}
		if t.DTMF != "" {
			n++
			for _, r := range t.DTMF {
				if !strings.ContainsRune("0123456789*#ABCDabcd", r) {
					return perr(append(tpath, "dtmf"), "bad DTMF digit %q", r)
				}
			}
		}
		if t.Silence != 0 {
			n++
		}
		if t.Hangup {
			n++
		}
		if t.ReInvite != "" {
			n++
			switch t.ReInvite {
			case ReInviteHold, ReInviteResume, ReInviteRefresh:
			default:
				return perr(append(tpath, "reinvite"), "want hold, resume or refresh, got %q", t.ReInvite)
			}
		}
		if n != 1 {
			return perr(tpath, "a turn needs exactly one of say, text, dtmf, silence, hangup, reinvite")
		}
	}
	return nil
}

// withDefaults fills zero fields of b from d and then from the package defaults.
func (b Behaviour) withDefaults(d Behaviour) Behaviour {
	pick := func(v, dv, def Duration) Duration {
		if v != 0 {
			return v
		}
		if dv != 0 {
			return dv
		}
		return def
	}
	b.AnswerAfter = pick(b.AnswerAfter, d.AnswerAfter, 0)
	b.Ring = pick(b.Ring, d.Ring, 0)
	b.EndOfSpeech = pick(b.EndOfSpeech, d.EndOfSpeech, Duration(DefaultEndOfSpeech))
	b.MaxWait = pick(b.MaxWait, d.MaxWait, Duration(DefaultMaxWait))
	b.MaxDuration = pick(b.MaxDuration, d.MaxDuration, Duration(DefaultMaxDuration))
	if b.SpeechRMS == 0 {
		b.SpeechRMS = d.SpeechRMS
	}
	if b.SpeechRMS == 0 {
		b.SpeechRMS = DefaultSpeechRMS
	}
	if b.AfterTurns == "" {
		b.AfterTurns = d.AfterTurns
	}
	if b.AfterTurns == "" {
		b.AfterTurns = DefaultAfterTurns
	}
	if !b.EarlyMedia && (b.Kind == KindPerson || b.Kind == KindVoicemail) {
		b.EarlyMedia = d.EarlyMedia
	}
	if b.Status == 0 {
		b.Status = statusOf[b.Kind]
	}
	if b.Refer == "" {
		b.Refer = d.Refer
	}
	if b.Refer == "" {
		b.Refer = ReferRefuse
	}
	if b.DTX == "" {
		b.DTX = d.DTX
	}
	if b.DTX == "" {
		b.DTX = DTXOff
	}
	return b
}

// loadWAV reads ref: asset:NAME from the embedded assets, else a path relative to dir.
func loadWAV(dir, ref string) (*media.PCM, error) {
	if name, ok := strings.CutPrefix(ref, "asset:"); ok {
		data, err := assetFS.ReadFile("assets/" + name)
		if err != nil {
			return nil, fmt.Errorf("no embedded asset %q (have %s)", name, strings.Join(AssetNames(), ", "))
		}
		pcm, err := media.DecodeWAV(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("asset %s: %w", name, err)
		}
		return pcm, nil
	}
	path := ref
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	pcm, err := media.ReadWAV(path)
	if err != nil {
		return nil, err
	}
	return pcm, nil
}

// AssetNames lists the embedded utterances (for asset:NAME references).
func AssetNames() []string {
	entries, _ := assetFS.ReadDir("assets")
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// Asset returns an embedded utterance by name, e.g. "yes.wav"; tests compare
// recordings against it.
func Asset(name string) (*media.PCM, error) { return loadWAV("", "asset:"+name) }

// lineOf finds the line of the node at path (map keys and sequence indexes)
// in a document; it returns the deepest line it reached, 0 without a document.
func lineOf(root *yaml.Node, path []string) int {
	if root == nil {
		return 0
	}
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := n.Line
	for _, key := range path {
		switch n.Kind {
		case yaml.MappingNode:
			found := false
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == key {
					line = n.Content[i].Line
					n = n.Content[i+1]
					found = true
					break
				}
			}
			if !found {
				return line
			}
		case yaml.SequenceNode:
			i, err := strconv.Atoi(key)
			if err != nil || i < 0 || i >= len(n.Content) {
				return line
			}
			n = n.Content[i]
			line = n.Line
		default:
			return line
		}
	}
	return line
}
