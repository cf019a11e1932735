package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"go.uber.org/zap"

	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/internal/app"
	"github.com/voxdial/voxdial/media"
)

// config is voxdial.yaml (internal/app.Config: every key, its default and
// meaning in docs/config.md).
type config struct{ *app.Config }

// loadConfig reads path (empty: no file) over the defaults, applies the
// environment, and validates.
func loadConfig(path string) (*config, error) {
	c, err := app.Load(path, nil)
	if err != nil {
		return nil, err
	}
	return &config{c}, c.Validate()
}

// trunk resolves a --trunk value: the name of a configured trunk, or a SIP URI.
func (c *config) trunk(v string) (*dialer.Trunk, error) { return c.Trunk(v) }

func parsePortRange(s string) (media.PortRange, error) { return app.ParsePortRange(s) }

// newLogger builds a logger for the commands that have no config (sim, bench);
// logs go to stderr so that --json output on stdout stays one clean document.
func newLogger(level, format string, stderr io.Writer) (*zap.Logger, error) {
	return app.NewLogger(app.LogConfig{Level: level, Format: format}, stderr)
}

// configFlags are the flags of a command that override config keys: each
// applies only when given on the command line, over the file and the
// environment.
type configFlags struct {
	fs    *pflag.FlagSet
	binds []configBind
}

type configBind struct {
	flag, path string
	apply      func(*app.Config) error
}

func newConfigFlags(cmd *cobra.Command) *configFlags { return &configFlags{fs: cmd.Flags()} }

func (b *configFlags) bind(flag, path string, apply func(*app.Config)) {
	b.binds = append(b.binds, configBind{flag, path, func(c *app.Config) error { apply(c); return nil }})
}

func (b *configFlags) String(name, path, def, usage string, set func(*app.Config, string)) {
	v := b.fs.String(name, def, usage)
	b.bind(name, path, func(c *app.Config) { set(c, *v) })
}

func (b *configFlags) Int(name, path string, def int, usage string, set func(*app.Config, int)) {
	v := b.fs.Int(name, def, usage)
	b.bind(name, path, func(c *app.Config) { set(c, *v) })
}

func (b *configFlags) Float64(name, path string, def float64, usage string, set func(*app.Config, float64)) {
	v := b.fs.Float64(name, def, usage)
	b.bind(name, path, func(c *app.Config) { set(c, *v) })
}

func (b *configFlags) Bool(name, path string, def bool, usage string, set func(*app.Config, bool)) {
	v := b.fs.Bool(name, def, usage)
	b.bind(name, path, func(c *app.Config) { set(c, *v) })
}

func (b *configFlags) Duration(name, path string, def time.Duration, usage string, set func(*app.Config, time.Duration)) {
	v := b.fs.Duration(name, def, usage)
	b.bind(name, path, func(c *app.Config) { set(c, *v) })
}

func (b *configFlags) Strings(name, path string, usage string, set func(*app.Config, []string)) {
	v := b.fs.StringSlice(name, nil, usage)
	b.bind(name, path, func(c *app.Config) { set(c, *v) })
}

// load reads the config file (defaults < file < environment), applies the
// flags that were given, and validates. Errors are usage errors (exit 2).
func (b *configFlags) load(path string) (*config, error) {
	c, err := app.Load(path, nil)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	if err := b.apply(c); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, usageErr("%v", err)
	}
	return &config{c}, nil
}

// apply sets the keys of the flags that were given, over c (read from the
// file and the environment), and records where each came from.
func (b *configFlags) apply(c *app.Config) error {
	if b == nil {
		return nil
	}
	for _, bd := range b.binds {
		if b.fs.Changed(bd.flag) {
			if err := bd.apply(c); err != nil {
				return usageErr("--%s: %v", bd.flag, err)
			}
			c.SetOrigin(bd.path, "flag --"+bd.flag)
		}
	}
	return nil
}

// addEngineFlags binds the engines keys that have flags: each kind's default
// engine and its server, one locale's engine (repeatable), and the LLM
// classifier.
func addEngineFlags(b *configFlags) {
	b.String("asr", "engines.asr.default", "", "speech recogniser: pocketsphinx, vosk or funasr (overrides engines.asr.default)",
		func(c *app.Config, v string) { c.Engines.ASR.Default = v })
	b.String("asr-url", "engines.asr.url", "", "the recogniser's server, ws://… (vosk, funasr)", func(c *app.Config, v string) { c.Engines.ASR.URL = v })
	b.String("asr-open-vocabulary", "engines.asr.open_vocabulary", "", "pocketsphinx, English scripts: auto, off (the state's grammar only) or on (grammar and open-vocabulary search, chosen per utterance)",
		func(c *app.Config, v string) { c.Engines.ASR.OpenVocabulary = v })
	b.String("asr-channel-adaptation", "engines.asr.channel_adaptation", "", "pocketsphinx, English scripts: auto, off or on (the acoustic model adapted to the telephone channel)",
		func(c *app.Config, v string) { c.Engines.ASR.ChannelAdaptation = v })
	b.engineLocales("asr-locale", "engines.asr.locales", "recogniser of one script locale, LOCALE=ENGINE[,URL] (repeatable), e.g. zh-CN=funasr,ws://127.0.0.1:10095",
		func(c *app.Config) *map[string]app.EngineChoice { return &c.Engines.ASR.Locales })
	b.String("tts", "engines.tts.default", "", "synthesiser: flite, espeak or http (overrides engines.tts.default)",
		func(c *app.Config, v string) { c.Engines.TTS.Default = v })
	b.String("tts-url", "engines.tts.url", "", "the synthesiser's server, http://… (http)", func(c *app.Config, v string) { c.Engines.TTS.URL = v })
	b.engineLocales("tts-locale", "engines.tts.locales", "synthesiser of one script locale, LOCALE=ENGINE[,URL] (repeatable), e.g. zh-CN=espeak",
		func(c *app.Config) *map[string]app.EngineChoice { return &c.Engines.TTS.Locales })
	b.String("classifier-url", "engines.classifier.url", "", "LLM intent classifier, an OpenAI-compatible base URL (http://…/v1)",
		func(c *app.Config, v string) { c.Engines.Classifier.URL = v })
	b.String("classifier-model", "engines.classifier.model", "", "the classifier's model", func(c *app.Config, v string) { c.Engines.Classifier.Model = v })
}

// engineLocales binds a repeatable LOCALE=ENGINE[,URL] flag to one of the
// engines' locale maps (each value sets, or replaces, its locale's entry).
func (b *configFlags) engineLocales(name, path, usage string, field func(*app.Config) *map[string]app.EngineChoice) {
	v := b.fs.StringArray(name, nil, usage)
	b.binds = append(b.binds, configBind{name, path, func(c *app.Config) error {
		m := field(c)
		for _, kv := range *v {
			loc, choice, ok := strings.Cut(kv, "=")
			eng, url, _ := strings.Cut(choice, ",")
			if !ok || strings.TrimSpace(loc) == "" || strings.TrimSpace(eng) == "" {
				return fmt.Errorf("%q: want LOCALE=ENGINE[,URL], e.g. zh-CN=funasr,ws://127.0.0.1:10095", kv)
			}
			if *m == nil {
				*m = map[string]app.EngineChoice{}
			}
			loc = strings.TrimSpace(loc)
			for k := range *m {
				if strings.EqualFold(k, loc) {
					delete(*m, k) // the flag replaces the file's entry, whatever its case
				}
			}
			(*m)[loc] = app.EngineChoice{Engine: strings.TrimSpace(eng), URL: strings.TrimSpace(url)}
			c.SetOrigin(path+"."+loc, "flag --"+name)
			c.SetOrigin(path+"."+loc+".engine", "flag --"+name)
			c.SetOrigin(path+"."+loc+".url", "flag --"+name)
		}
		return nil
	}})
}

// nodeErr maps an error building a node to an exit code: a configuration the
// node cannot run with is bad input (2), anything else a failure (1).
func nodeErr(err error) error {
	var ce *app.ConfigError
	if errors.As(err, &ce) {
		return usageErr("%v", err)
	}
	return failureErr(fmt.Errorf("%w", err))
}
