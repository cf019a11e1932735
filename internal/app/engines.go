package app

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/voxdial/voxdial/asr"
	"github.com/voxdial/voxdial/internal/safehttp"
	"github.com/voxdial/voxdial/tts"
	"github.com/voxdial/voxdial/voicebot"
	"github.com/voxdial/voxdial/voicebot/intent"
	"github.com/voxdial/voxdial/voicebot/live"
)

// Speech is the engines a script of one locale gets.
type Speech struct {
	Locale string
	ASR    EngineChoice
	TTS    EngineChoice
}

// SpeechFor resolves a script's locale against engines: the locale's own
// entry (zh-CN), else one for its language (zh), else the default.
func (e EnginesConfig) SpeechFor(locale string) Speech {
	return Speech{Locale: locale, ASR: e.ASR.choiceFor(locale), TTS: e.TTS.choiceFor(locale)}
}

func (e EngineConfig) choiceFor(locale string) EngineChoice {
	if c, ok := lookupLocale(e.Locales, locale); ok {
		return c
	}
	return EngineChoice{Engine: e.Default, URL: e.URL}
}

func lookupLocale[V any](m map[string]V, locale string) (V, bool) {
	for k, v := range m {
		if strings.EqualFold(k, locale) {
			return v, true
		}
	}
	lang, _, _ := strings.Cut(locale, "-")
	for k, v := range m {
		if strings.EqualFold(k, lang) {
			return v, true
		}
	}
	var zero V
	return zero, false
}

// isZh: Chinese scripts, which flite cannot speak.
func isZh(locale string) bool { return strings.HasPrefix(strings.ToLower(locale), "zh") }

// builtInSpeaker reports whether the host's own prompt speaker (flite, and
// espeak-ng's Mandarin voice for zh-*) is what choice asks for in locale:
// flite, or espeak for zh-*.
func builtInSpeaker(locale string, c EngineChoice) bool {
	return c.Engine == EngineFlite || (c.Engine == EngineESpeak && isZh(locale))
}

// newEngineClient is the HTTP client for an engine the operator configured at
// endpoint (a Vosk or FunASR websocket, an HTTP TTS server, the LLM
// classifier): the one place that decides how engines connect out, and where
// a client restricted to the named endpoint goes.
func newEngineClient(endpoint string) *http.Client {
	// Only the configured endpoint's host:port may be private or loopback; no redirects.
	return safehttp.ForEndpoint(endpoint, nil, safehttp.Options{})
}

// HostOptions sets the script host's engines from the config: this is the seam
// where engines meet live calls. opts.Engines gives each script locale its
// recogniser (pocketsphinx, a Vosk or FunASR server), prompt speaker (flite —
// espeak-ng's Mandarin voice for zh-* —, espeak-ng, an HTTP TTS server) and
// LLM classifier, resolved by SpeechFor. An unknown engine, a network engine
// without a url, or flite asked to speak Mandarin is a *ConfigError naming the
// key; an engine this build lacks (pocketsphinx or flite without cgo) fails on
// first use with asr.ErrNotBuiltIn / tts.ErrNotBuiltIn and is reported by
// Warnings.
func HostOptions(e EnginesConfig, opts live.Options) (live.Options, error) {
	if err := e.check(); err != nil {
		return opts, &ConfigError{Err: err}
	}
	log := opts.Logger
	if log == nil {
		log = zap.NewNop()
	}
	opts.Engines = func(locale string) live.LocaleEngines {
		sp := e.SpeechFor(locale)
		var le live.LocaleEngines
		switch c := sp.ASR; c.Engine {
		case EnginePocketsphinx:
			open, adapt := e.ASR.OpenVocabularyFor(locale), e.ASR.ChannelAdaptationOn() && englishLocale(locale)
			if open || adapt {
				le.NewRecognizer = func(vocab []string) (asr.Engine, error) { return NewSphinxEngine(vocab, open, adapt) }
			}
		case EngineVosk, EngineFunASR:
			le.NewRecognizer = func([]string) (asr.Engine, error) {
				no := asr.NetOptions{URL: c.URL, HTTPClient: newEngineClient(c.URL), Logger: log.Named(c.Engine)}
				if c.Engine == EngineVosk {
					return asr.NewVosk(no)
				}
				return asr.NewFunASR(no)
			}
		}
		if c := sp.TTS; !builtInSpeaker(locale, c) {
			le.NewSynthesizer = func() (tts.Synthesizer, string, error) {
				if c.Engine == EngineHTTP {
					syn, err := tts.NewHTTP(tts.HTTPOptions{BaseURL: c.URL, Client: newEngineClient(c.URL), Name: "http " + c.URL, Logger: log.Named("tts")})
					return syn, "", err
				}
				voice, voices := espeakVoice(locale)
				syn, err := tts.NewESpeak(tts.ESpeakOptions{DefaultVoice: voice, Voices: voices, Logger: log.Named("tts")})
				return syn, "", err
			}
		}
		if cl := e.Classifier.For(locale); cl.URL != "" {
			c, err := voicebot.NewLLMClassifier(voicebot.LLMOptions{BaseURL: cl.URL, Model: cl.Model, APIKey: cl.APIKey,
				Timeout: cl.Timeout, Client: newEngineClient(cl.URL)})
			if err != nil {
				log.Warn("no intent classifier", zap.String("locale", locale), zap.Error(err))
			} else {
				le.Classifier = c
			}
		}
		return le
	}
	return opts, nil
}

// espeakVoice is espeak-ng's voice for a locale's prompts, and the voices to
// accept (nil: espeak's usual English and Mandarin ones).
func espeakVoice(locale string) (string, []string) {
	lang, _, _ := strings.Cut(strings.ToLower(locale), "-")
	switch lang {
	case "zh":
		return "cmn", nil
	case "en", "":
		return "en-us", nil
	}
	return lang, []string{lang}
}

// For resolves the classifier of a locale: its own url and model over the
// default's. An empty URL: no classifier.
func (c ClassifierConfig) For(locale string) ClassifierConfig {
	out := c
	out.Locales = nil
	if o, ok := lookupLocale(c.Locales, locale); ok {
		if o.URL != "" {
			out.URL = o.URL
		}
		if o.Model != "" {
			out.Model = o.Model
		}
	}
	return out
}

// check is what HostOptions refuses: engines it does not know, network
// engines without a url, flite for Mandarin. (Config.Validate reports the
// same with file positions; this guards a config built in code.)
func (e EnginesConfig) check() error {
	var errs []error
	asrOK := func(key string, c EngineChoice) {
		switch c.Engine {
		case EnginePocketsphinx:
		case EngineVosk, EngineFunASR:
			if c.URL == "" {
				errs = append(errs, fmt.Errorf("%s: engine %s needs a url (ws://…)", key, c.Engine))
			}
		default:
			errs = append(errs, fmt.Errorf("%s: engine %q unknown: want one of %s", key, c.Engine, names(asrEngines)))
		}
	}
	ttsOK := func(key, locale string, c EngineChoice) {
		switch c.Engine {
		case EngineFlite:
			if locale != "" && isZh(locale) {
				errs = append(errs, fmt.Errorf("%s: flite has no Mandarin voice: want espeak or http", key))
			}
		case EngineESpeak:
		case EngineHTTP:
			if c.URL == "" {
				errs = append(errs, fmt.Errorf("%s: engine http needs a url (http://…)", key))
			}
		default:
			errs = append(errs, fmt.Errorf("%s: engine %q unknown: want one of %s", key, c.Engine, names(ttsEngines)))
		}
	}
	asrOK("engines.asr.default", EngineChoice{Engine: e.ASR.Default, URL: e.ASR.URL})
	for _, loc := range sortedKeys(e.ASR.Locales) {
		asrOK("engines.asr.locales."+loc, e.ASR.Locales[loc])
	}
	ttsOK("engines.tts.default", "", EngineChoice{Engine: e.TTS.Default, URL: e.TTS.URL})
	for _, loc := range sortedKeys(e.TTS.Locales) {
		ttsOK("engines.tts.locales."+loc, loc, e.TTS.Locales[loc])
	}
	if cl := e.Classifier; cl.URL == "" && len(cl.Locales) > 0 {
		errs = append(errs, errors.New("engines.classifier.url: required when engines.classifier.locales is set"))
	} else if cl.URL != "" && cl.Model == "" {
		errs = append(errs, errors.New("engines.classifier.model: required with engines.classifier.url"))
	}
	return errors.Join(errs...)
}

// Warnings are the configured engines this build lacks: calls go on without
// them (a recogniser that cannot open leaves calls hearing DTMF only; a
// speaker that cannot load fails voice-bot scripts), so the node says so at
// start.
func (e EnginesConfig) Warnings() []string {
	var out []string
	if !asr.SphinxBuiltIn {
		if e.ASR.Default == EnginePocketsphinx {
			out = append(out, fmt.Sprintf("engines.asr.default: pocketsphinx: %v: live calls hear DTMF only", asr.ErrNotBuiltIn))
		}
		for _, loc := range sortedKeys(e.ASR.Locales) {
			if e.ASR.Locales[loc].Engine == EnginePocketsphinx {
				out = append(out, fmt.Sprintf("engines.asr.locales.%s: pocketsphinx: %v: its calls hear DTMF only", loc, asr.ErrNotBuiltIn))
			}
		}
	}
	if !tts.FliteBuiltIn {
		if e.TTS.Default == EngineFlite {
			out = append(out, fmt.Sprintf("engines.tts.default: flite: %v: voice-bot scripts cannot speak", tts.ErrNotBuiltIn))
		}
		for _, loc := range sortedKeys(e.TTS.Locales) {
			if e.TTS.Locales[loc].Engine == EngineFlite {
				out = append(out, fmt.Sprintf("engines.tts.locales.%s: flite: %v: its scripts cannot speak", loc, tts.ErrNotBuiltIn))
			}
		}
	}
	return out
}

// ConfigError is a configuration this node cannot run with: the commands exit
// 2 (bad usage or input) on it.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// Open-vocabulary settings (engines.asr.open_vocabulary).
const (
	OpenVocabularyAuto = "auto"
	OpenVocabularyOff  = "off"
	OpenVocabularyOn   = "on"
)

// OpenVocabularyDefault is what auto means: whether the grammar plus the
// open-vocabulary second pass beat the grammar alone on the held-out live
// evaluation (`voxdial bench asr --live`, docs/measured-facts.md). They do: on the
// same 200 held-out calls (channel transform and confirm questions on) the grammar
// alone routed 30.7 % right and asked 12.5 % wrong confirm questions, the second
// pass 60.2 % and 1 %, and kept 68 % of off-topic speech out against 3 %; the cost
// is CPU (≈ 25 recognisers per core against ≈ 90 at the time; since the
// vectorised Gaussian scoring, asr/internal/gmm, ≈ 50) — `off` is the choice for
// capacity over understanding.
const OpenVocabularyDefault = true

// OpenVocabularyMinConfidence is the grammar confidence (its calibrated
// probability of the right phrase) under which the open search's words decide
// the utterance; chosen on the tuning split only. The tenth session tried 0.95 and
// went back: live, a grammar's "stop calling" at 0.9–0.95 was then decided by open
// words that read "that calling", and an opt-out was lost
// (TestLiveBotHearsDTXCallers). Since the eleventh session the grammar's match
// stands when the open words hold no intent (intent.Heard.Grammar, from 0.85), and
// 0.95 is back: on the doubled tuning split (one half spoken by the tuning voices,
// the other half the corpus) 326 of 508 answers right clean with 36 wrong routes and
// 140/41 at 10 dB, against 322/41 and 139/44 at 0.9.
const OpenVocabularyMinConfidence = 0.95

// OpenVocabularyFor reports whether a script of locale gets the open-vocabulary
// path: asked for (on, or auto meaning OpenVocabularyDefault) and an English
// script (the general language model is en-US).
func (e EngineConfig) OpenVocabularyFor(locale string) bool {
	on, _ := AutoOffOn(e.OpenVocabulary, OpenVocabularyDefault)
	return on && englishLocale(locale)
}

// englishLocale: the embedded model (and so its open search and channel transform)
// is en-US.
func englishLocale(locale string) bool {
	lang, _, _ := strings.Cut(strings.ToLower(locale), "-")
	return lang == "en" || lang == ""
}

// ChannelAdaptationDefault is what engines.asr.channel_adaptation auto means.
const ChannelAdaptationDefault = true

// ChannelAdaptationOn reports whether the embedded recogniser decodes with the
// acoustic model adapted to the telephone channel.
func (e EngineConfig) ChannelAdaptationOn() bool {
	on, _ := AutoOffOn(e.ChannelAdaptation, ChannelAdaptationDefault)
	return on
}

// AutoOffOn reads an auto | off | on setting ("" is auto, which means def); ok is
// false for any other value.
func AutoOffOn(v string, def bool) (on, ok bool) {
	switch v {
	case "", OpenVocabularyAuto:
		return def, true
	case OpenVocabularyOn:
		return true, true
	case OpenVocabularyOff:
		return false, true
	}
	return def, false
}

// NewSphinxEngine is the embedded recogniser of a script vocabulary: the
// state's grammar alone, or (open) the grammar with an open-vocabulary second pass
// (asr.SphinxOptions.OpenFallback): an utterance the grammar rejected, or accepted
// with a confidence under OpenVocabularyMinConfidence, is decoded again on the same
// buffered audio with the state's language model — a trigram of OpenCorpus and the
// state's phrases, with a small share of the general model's 300 most frequent
// words — and its words go to the bot's classifier. On calls the bot says which
// open words hold an intent (asr.Grammar.Holds), and the order turns round: the
// open search decodes every turn, the grammar only turns whose words hold none
// (where its match is used) or an opt-out or transfer (which routes on the grammar's
// reading, never on open words alone). Both live calls (HostOptions) and `voxdial
// bench asr --live` build it here.
func NewSphinxEngine(vocab []string, open, adapt bool) (asr.Engine, error) {
	return NewSphinxEngineTuned(vocab, open, adapt, OpenSearch{})
}

// OpenSearch overrides the open pass's language-model weight and word beam
// (zero: OpenLMWeight, OpenLMWordBeam), the front end's frequency warp (zero:
// asr.TelephonyWarp with the channel adaptation; negative: none) and its frame rate
// (zero: asr.TelephonyFrameRate with the channel adaptation; negative: 100) and that
// of short utterances (asr.SphinxOptions.ShortFrameRate, ShortSpeech), and its
// language model's discount (zero: OpenLMDiscount), for tuning runs (`bench asr
// --live --lm-weight --warp --frame-rate --short-frame-rate --lm-discount`).
type OpenSearch struct {
	LMWeight, LMWordBeam float64
	LMDiscount           float64
	Warp                 float64
	FrameRate            int
	ShortFrameRate       int
	ShortSpeech          time.Duration
	// Denoiser and NSPolicy: the front end's noise suppressor
	// (asr.SphinxOptions.Denoiser, NSPolicy; zero: the engine's).
	Denoiser string
	NSPolicy int
}

// NewSphinxEngineTuned is NewSphinxEngine with the open search's settings.
func NewSphinxEngineTuned(vocab []string, open, adapt bool, t OpenSearch) (asr.Engine, error) {
	if !open {
		return asr.NewSphinx(asr.SphinxOptions{Vocabulary: vocab, ChannelAdaptation: adapt, Warp: t.Warp, FrameRate: t.FrameRate,
			ShortFrameRate: t.ShortFrameRate, ShortSpeech: t.ShortSpeech, Denoiser: t.Denoiser, NSPolicy: t.NSPolicy})
	}
	if t.LMWeight == 0 {
		t.LMWeight = OpenLMWeight
	}
	if t.LMWordBeam == 0 {
		t.LMWordBeam = OpenLMWordBeam
	}
	if t.LMDiscount == 0 {
		t.LMDiscount = OpenLMDiscount
	}
	return asr.NewSphinx(asr.SphinxOptions{
		Vocabulary: vocab, ChannelAdaptation: adapt, Warp: t.Warp, FrameRate: t.FrameRate,
		ShortFrameRate: t.ShortFrameRate, ShortSpeech: t.ShortSpeech, Denoiser: t.Denoiser, NSPolicy: t.NSPolicy, OpenFallback: true, OpenFallbackBelow: OpenVocabularyMinConfidence,
		Corpus: OpenCorpus(), LMWords: OpenLMWords, DomainGeneralMass: OpenGeneralMass, LMWeight: t.LMWeight, LMWordBeam: t.LMWordBeam,
		DomainDiscount: t.LMDiscount,
	})
}

// OpenCorpus is the English open pass's corpus: how callers answer
// (intent.AnswerCorpus: the tuning sentences, never the held-out or blind ones), the
// classifier's lexicon (intent.LexiconCorpus: the words and phrases it understands)
// and everyday speech that answers nothing (intent.AsideCorpus), so that off-topic
// speech is written down as its own words rather than an answer's; and answers and
// asides written for the model alone (intent.WrittenCorpus), the ways of saying an
// answer the tuning sentences leave out.
func OpenCorpus() []string {
	out := intent.AnswerCorpus("en")
	out = append(out, intent.LexiconCorpus("en")...)
	out = append(out, intent.AsideCorpus("en")...)
	return append(out, intent.WrittenCorpus("en")...)
}

// The open pass's language model: the general words it keeps and their share.
// Chosen on the tuning split only (half its sentences as the corpus, the other half
// spoken by the tuning voices): 300 words at 2 % routed 60.3 % right against 57.4 %
// with 3,000 at 5 % and 55.1 % with 3,000 at 0.1 %, and decodes faster.
const (
	OpenLMWords     = 300
	OpenGeneralMass = 0.02
)

// OpenLMDiscount is the open pass's language model's absolute discount of word
// pairs and triples (asr.SphinxOptions.DomainDiscount).
const OpenLMDiscount = 0.7

// OpenLMWeight and OpenLMWordBeam are the open pass's language-model weight and
// word beam: pocketsphinx's 6.5 and the engine's 1e-24, as the grammar's search.
// Weight 8 and beam 1e-20 (the open search alone) routed more answers right on the
// tuning split (half B2 spoken by the four tuning voices: clean 394 -> 407, pink
// 10 dB 250 -> 262 of 508, wrong 33 -> 36 and 47 -> 52) and cost a fifth less CPU,
// but on live calls with the blind set they route more answers wrong: 58, 59 and
// 59 of 400 in three runs against 39, 52, 44 and 48 with these values (the last
// two alternated with the third, the same build: right 170/179/170): a stronger
// language model writes the corpus's short answers ("no", "not really",
// "certainly") where they were not said. `bench asr --live --lm-weight
// --lm-word-beam` reruns the comparison.
const (
	OpenLMWeight   = 6.5
	OpenLMWordBeam = 1e-24
)
