// Command voxdial is the one binary of the voxdial outbound voice-bot dialer.
//
// One file per subcommand (newXCmd). `serve`, `call` and `demo` build their
// process from internal/app: the configuration (docs/config.md) and a Node
// that opens the store once, makes one logger, and runs and stops every part
// in order. Where to make the common changes:
//
//   - A setting: a key in internal/app (Config, Defaults, Validate,
//     docs/config.md); a flag for it is one configFlags binding (serve.go,
//     call.go) that overrides the key when given.
//   - A part of the running node (a server, a background loop): internal/app
//     node.go, never a goroutine started here.
//   - A subcommand: a newXCmd in its own file, added in newRootCmd; exit codes
//     through usageErr (2) and failureErr (1).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/emiago/sipgo/sip"
	"github.com/spf13/cobra"
)

// Exit codes are a contract (docs/design.md, "Contracts"): 0 success, 1 the operation ran and
// reports failure, 2 bad usage or bad input.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// exitError carries an exit code out of a command's RunE.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageErr marks err as bad usage or bad input (exit 2).
func usageErr(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// failureErr marks err as an operation that ran and failed (exit 1).
func failureErr(err error) error {
	return &exitError{code: exitFailure, err: err}
}

func main() {
	// sipgo writes some transport warnings ("ref went negative") through its
	// package logger rather than the ones we inject; keep them off our stderr.
	sip.SetDefaultLogger(slog.New(slog.DiscardHandler))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes the command line and returns the process exit code; tests call it directly.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(stderr, "voxdial: %v\n", err)
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	// Errors cobra raises itself (unknown flag, missing argument) are usage errors.
	return exitUsage
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "voxdial",
		Short:         "High-concurrency outbound AI voice-bot dialer",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	// Subcommands, one constructor per file.
	root.AddCommand(
		newCallCmd(),
		newDemoCmd(),
		newSimCmd(),
		newBenchCmd(),
		newComplianceCmd(),
		newScriptCmd(),
		newCampaignCmd(),
		newMigrateCmd(),
		newServeCmd(),
		newUserCmd(),
		newDNCCmd(),
		newConsentCmd(),
	)
	return root
}
