package app

import (
	"errors"
	"fmt"
	"strings"

	"go.uber.org/zap"

	"github.com/voxdial/voxdial/asr"
	"github.com/voxdial/voxdial/tts"
	"github.com/voxdial/voxdial/voicebot/live"
)

// ErrNotLive: the configured engine exists but live calls cannot use it yet
// (the script host has one recogniser and one speaker for every script).
var ErrNotLive = errors.New("not yet supported for live calls")

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

// builtInTTS is what the script host's prompt speaker does for a locale:
// flite, and espeak-ng's Mandarin voice for zh-*.
func builtInTTS(locale string) string {
	if strings.HasPrefix(strings.ToLower(locale), "zh") {
		return EngineESpeak
	}
	return EngineFlite
}

// HostOptions sets a script host's engines (opts.NewRecognizer,
// opts.NewSpeaker) from the config: this is the seam where engines meet live
// calls. The recogniser is the default engine (pocketsphinx, or a Vosk or
// FunASR server); the speaker is the prompt speaker (flite, espeak-ng for
// zh-*). A choice the host cannot honour yet is an error wrapping ErrNotLive
// that names the key; an engine this build lacks (pocketsphinx or flite
// without cgo) fails on first use with asr.ErrNotBuiltIn / tts.ErrNotBuiltIn
// and is reported by Warnings.
func HostOptions(e EnginesConfig, opts live.Options) (live.Options, error) {
	var errs []error
	log := opts.Logger
	if log == nil {
		log = zap.NewNop()
	}
	switch e.ASR.Default {
	case EnginePocketsphinx:
		// The host's default recogniser.
	case EngineVosk, EngineFunASR:
		eng, url := e.ASR.Default, e.ASR.URL
		opts.NewRecognizer = func([]string) (asr.Engine, error) {
			no := asr.NetOptions{URL: url, Logger: log.Named(eng)}
			if eng == EngineVosk {
				return asr.NewVosk(no)
			}
			return asr.NewFunASR(no)
		}
	default:
		errs = append(errs, fmt.Errorf("engines.asr.default: engine %q unknown", e.ASR.Default))
	}
	def := EngineChoice{Engine: e.ASR.Default, URL: e.ASR.URL}
	for _, loc := range sortedKeys(e.ASR.Locales) {
		if c := e.ASR.Locales[loc]; c != def {
			errs = append(errs, fmt.Errorf("engines.asr.locales.%s: engine %s: per-locale recognisers are %w (the script host has one recogniser for every script: set engines.asr.default)",
				loc, c.Engine, ErrNotLive))
		}
	}
	if e.TTS.Default != EngineFlite {
		errs = append(errs, fmt.Errorf("engines.tts.default: engine %s is %w (the prompt speaker speaks flite, and espeak-ng for zh-*)", e.TTS.Default, ErrNotLive))
	}
	for _, loc := range sortedKeys(e.TTS.Locales) {
		if c := e.TTS.Locales[loc]; c.Engine != builtInTTS(loc) || c.URL != "" {
			errs = append(errs, fmt.Errorf("engines.tts.locales.%s: engine %s is %w for this locale (the prompt speaker speaks %s here)", loc, c.Engine, ErrNotLive, builtInTTS(loc)))
		}
	}
	if e.Classifier.URL != "" {
		errs = append(errs, fmt.Errorf("engines.classifier: the LLM intent classifier is %w (the live runtime matches phrases)", ErrNotLive))
	}
	if err := errors.Join(errs...); err != nil {
		return opts, &ConfigError{Err: err}
	}
	return opts, nil
}

// Warnings are the configured engines this build lacks: calls go on without
// them (a recogniser that cannot open leaves calls hearing DTMF only; a
// speaker that cannot load fails voice-bot scripts), so the node says so at
// start.
func (e EnginesConfig) Warnings() []string {
	var out []string
	if e.ASR.Default == EnginePocketsphinx && !asr.SphinxBuiltIn {
		out = append(out, fmt.Sprintf("engines.asr.default: pocketsphinx: %v: live calls hear DTMF only", asr.ErrNotBuiltIn))
	}
	if e.TTS.Default == EngineFlite && !tts.FliteBuiltIn {
		out = append(out, fmt.Sprintf("engines.tts.default: flite: %v: voice-bot scripts cannot speak", tts.ErrNotBuiltIn))
	}
	return out
}

// ConfigError is a configuration this node cannot run with: the commands exit
// 2 (bad usage or input) on it.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }
