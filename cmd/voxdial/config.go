package main

import (
	"errors"
	"fmt"
	"io"
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
	apply      func(*app.Config)
}

func newConfigFlags(cmd *cobra.Command) *configFlags { return &configFlags{fs: cmd.Flags()} }

func (b *configFlags) bind(flag, path string, apply func(*app.Config)) {
	b.binds = append(b.binds, configBind{flag, path, apply})
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
	for _, bd := range b.binds {
		if b.fs.Changed(bd.flag) {
			bd.apply(c)
			c.SetOrigin(bd.path, "flag --"+bd.flag)
		}
	}
	if err := c.Validate(); err != nil {
		return nil, usageErr("%v", err)
	}
	return &config{c}, nil
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
