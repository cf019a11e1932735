package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/voxdial/voxdial/voicebot"
)

func newScriptCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "script",
		Short: "Check voice-bot scripts and try them as text conversations",
	}
	cmd.AddCommand(newScriptLintCmd(), newScriptChatCmd(), newScriptEvalCmd(), newScriptAnswersCmd(), newScriptCalibrateCmd())
	return cmd
}

func newScriptLintCmd() *cobra.Command {
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "lint <file>",
		Short: "Validate a voice-bot script and list every problem with its line",
		Long: `Validate a voice-bot script: YAML structure, states and branches, reachability,
retries, intents and DTMF keys, templates and filters, the voicemail branch, and the
compliance requirements of the script's purpose (disclosure and opt-out at the start).
Exit 0 when clean, 2 with every problem listed (file:line: field: message).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScriptLint(args[0], jsonOut, cmd.OutOrStdout())
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print the report as one JSON document")
	return cmd
}

func runScriptLint(path string, jsonOut bool, stdout io.Writer) error {
	data, err := voicebot.ReadScript(path)
	if err != nil {
		return usageErr("script lint: %v", err)
	}
	rep := voicebot.LintReport(data, path, voicebot.LintOptions{})
	ps := rep.Problems
	if jsonOut {
		if err := printJSON(stdout, rep); err != nil {
			return failureErr(err)
		}
		if len(ps) > 0 {
			return usageErr("script lint: %s: %d problem(s)", path, len(ps))
		}
		return nil
	}
	if len(ps) > 0 {
		lines := make([]string, len(ps))
		for i, p := range ps {
			lines[i] = p.String()
		}
		return usageErr("script lint: %d problem(s):\n%s", len(ps), strings.Join(lines, "\n"))
	}
	fmt.Fprintf(stdout, "%s: ok (%s, %s, %s: %d states, %d intents)\n", path, rep.Name, rep.Locale, rep.Purpose, rep.States, rep.Intents)
	printLintWarnings(stdout, rep.Warnings)
	return nil
}

type chatFlags struct {
	vars                   []string
	input                  string
	jsonOut, transferFails bool
	llmURL, llmModel       string
	llmTimeout             time.Duration
	today                  string
}

func newScriptChatCmd() *cobra.Command {
	f := &chatFlags{}
	cmd := &cobra.Command{
		Use:   "chat <file> [--var k=v]... [--input turns.txt] [--json]",
		Short: "Run a voice-bot script as a text conversation",
		Long: `Run a voice-bot script as a text conversation, on a virtual clock. Each input
line is one caller turn, read when the bot listens: text (what the caller says),
"#dtmf 1" (a key), "#silence" (nothing until the no-input timeout), "#hangup",
"#machine" (answering-machine detection says machine: the voicemail branch), or
"# comment". The end of the input hangs up. Without --input, stdin is read; on a
terminal the conversation is interactive.

The result is the bot part of a call result: transcript (with the state, intent,
score and branch of each turn), disposition, tags, variables, callback, transfer,
opt_out. Exit 2 on a bad script, a missing or unreadable variable, or a bad input line.

The optional LLM intent classifier (an OpenAI-compatible API) is used with --llm-url
and --llm-model (API key from $VOXDIAL_LLM_API_KEY); it falls back to phrase
matching when it fails or times out.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScriptChat(cmd.Context(), args[0], f, cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.vars, "var", nil, "contact variable k=v (repeatable)")
	fl.StringVar(&f.input, "input", "", "file of caller turns, one per line (default: stdin)")
	fl.BoolVar(&f.jsonOut, "json", false, "print the result as one JSON document")
	fl.BoolVar(&f.transferFails, "transfer-fails", false, "simulate a transfer that is refused")
	fl.StringVar(&f.llmURL, "llm-url", "", "OpenAI-compatible API base URL for the intent classifier (off when empty)")
	fl.StringVar(&f.llmModel, "llm-model", "", "model name for the intent classifier")
	fl.DurationVar(&f.llmTimeout, "llm-timeout", 1500*time.Millisecond, "intent classifier timeout per utterance")
	fl.StringVar(&f.today, "today", "", "the call's local date (YYYY-MM-DD) for captured dates; default today in --var time_zone=ZONE (or the local zone)")
	return cmd
}

// parseVars reads repeated k=v flags.
func parseVars(kvs []string) (map[string]string, error) {
	vars := map[string]string{}
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--var %q: want key=value", kv)
		}
		vars[k] = v
	}
	return vars, nil
}

func runScriptChat(ctx context.Context, path string, f *chatFlags, stdin io.Reader, stdout, stderr io.Writer) error {
	vars, err := parseVars(f.vars)
	if err != nil {
		return usageErr("script chat: %v", err)
	}
	bot, err := voicebot.LoadBot(path)
	if err != nil {
		return usageErr("script chat: %v", err)
	}
	opts := voicebot.ChatOptions{Vars: vars, TransferFails: f.transferFails, Today: voicebot.CallDate(time.Now(), vars)}
	if f.today != "" {
		d, err := time.Parse("2006-01-02", f.today)
		if err != nil {
			return usageErr("script chat: --today %q: want YYYY-MM-DD", f.today)
		}
		opts.Today = d
	}
	if f.llmURL != "" {
		c, err := voicebot.NewLLMClassifier(voicebot.LLMOptions{BaseURL: f.llmURL, Model: f.llmModel,
			APIKey: os.Getenv("VOXDIAL_LLM_API_KEY"), Timeout: f.llmTimeout})
		if err != nil {
			return usageErr("script chat: %v", err)
		}
		opts.Classifier = c
	}
	in := stdin
	if f.input != "" {
		file, err := os.Open(f.input)
		if err != nil {
			return usageErr("script chat: --input: %v", err)
		}
		defer file.Close()
		in = file
	} else if isTerminal(stdin) {
		opts.Echo = stderr
		opts.Ask = func() { fmt.Fprint(stderr, "you> ") }
	}
	res, err := voicebot.Chat(ctx, bot, in, opts)
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return failureErr(err)
		}
		return usageErr("script chat: %v", err) // a bad script, variable or input line
	}
	if f.jsonOut {
		if err := printJSON(stdout, res); err != nil {
			return failureErr(err)
		}
		return nil
	}
	printChat(stdout, res)
	return nil
}

func printChat(w io.Writer, res voicebot.Result) {
	for _, t := range res.Transcript {
		who := "bot   "
		if t.Role == "caller" {
			who = "caller"
		}
		text := t.Text
		switch {
		case t.DTMF != "":
			text = "[dtmf " + t.DTMF + "]"
		case t.Event != "" && text == "":
			text = "[" + t.Event + "]"
		}
		fmt.Fprintf(w, "%7.1fs %s %-13s %s", float64(t.StartMS)/1000, who, t.State, text)
		if t.Intent != "" && t.Score != nil {
			fmt.Fprintf(w, "  (%s %.2f)", t.Intent, *t.Score)
		}
		if t.Slot != "" {
			fmt.Fprintf(w, "  [captured %s = %s]", t.Slot, t.Value)
		}
		if t.Knowledge != "" && t.Role == "caller" {
			fmt.Fprintf(w, "  [knowledge %s", t.Knowledge)
			if t.Score != nil {
				fmt.Fprintf(w, " %.2f", *t.Score)
			}
			fmt.Fprint(w, "]")
		}
		if t.Branch != "" {
			fmt.Fprintf(w, "  → %s", t.Branch)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "disposition %q, tags %v, ended: %s", res.Disposition, res.Tags, res.End)
	if res.OptOut {
		fmt.Fprint(w, ", opted out")
	}
	if res.Transfer != nil {
		fmt.Fprintf(w, ", transferred to %s", *res.Transfer)
	}
	if res.Callback != nil {
		fmt.Fprintf(w, ", callback in %s", res.Callback.Text)
	}
	fmt.Fprintln(w)
	if len(res.Captured) > 0 {
		fmt.Fprintf(w, "captured: %s\n", voicebot.FormatCaptured(res.Captured))
	}
	if len(res.Knowledge) > 0 {
		fmt.Fprintf(w, "knowledge answers: %s\n", strings.Join(res.Knowledge, ", "))
	}
	if len(res.Unanswered) > 0 {
		fmt.Fprintf(w, "unanswered questions: %q\n", res.Unanswered)
	}
}

// isTerminal reports whether r is a character device (an interactive terminal).
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
