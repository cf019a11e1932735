package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/voicebot/intent"
)

type scriptAnswersFlags struct {
	out    string
	margin time.Duration
}

func newScriptAnswersCmd() *cobra.Command {
	f := &scriptAnswersFlags{}
	cmd := &cobra.Command{
		Use:   "answers RESULT.json... --out DIR",
		Short: "Cut the callers' answers out of recorded calls into a labelled set to evaluate on",
		Long: `answers reads call results (the JSON "voxdial call --json" prints: one result, several
one after another, or an array of them) of calls recorded with --record-dir, cuts every
caller turn that had speech out of the recording's right channel (the far end alone;
--margin before and after), and writes each as DIR/CALL-TURN.wav and a line of
DIR/answers.txt: "intent | text | CALL-TURN.wav", the intent the bot routed ("none" for
no_match and turns it did not route) and the words it heard, each under a comment
naming the call, state, branch and score.

They are the bot's guesses: correct each line's intent and text to what the caller
meant and said, then measure the bot on your own callers' voices:

  voxdial script eval SCRIPT --set DIR/answers.txt --audio --voices recorded

A recording's times are the transcript's (from the answer) plus answered_at − invite_at
(the recording starts with the INVITE). DIR/answers.txt is never overwritten: it may
hold your corrections.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScriptAnswers(args, f, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVar(&f.out, "out", "", "directory for the answers' WAV files and answers.txt (required; created)")
	cmd.Flags().DurationVar(&f.margin, "margin", 300*time.Millisecond, "audio kept before and after each turn's speech")
	return cmd
}

// answerTurn is one caller turn with speech cut from a call's recording.
type answerTurn struct {
	label, text, file, note string
}

func runScriptAnswers(paths []string, f *scriptAnswersFlags, stdout, stderr io.Writer) error {
	if f.out == "" {
		return usageErr("script answers: --out is required")
	}
	if f.margin < 0 {
		return usageErr("script answers: --margin %v: want ≥ 0", f.margin)
	}
	set := filepath.Join(f.out, "answers.txt")
	if _, err := os.Stat(set); err == nil {
		return usageErr("script answers: %s exists (it may hold your corrections): choose another --out", set)
	}
	var results []dialer.Result
	var from []string // the file each result came from
	for _, p := range paths {
		rs, err := readResults(p)
		if err != nil {
			return usageErr("script answers: %v", err)
		}
		results = append(results, rs...)
		for range rs {
			from = append(from, p)
		}
	}
	if err := os.MkdirAll(f.out, 0o755); err != nil {
		return usageErr("script answers: --out: %v", err)
	}
	var turns []answerTurn
	calls := 0
	for i, r := range results {
		ts, err := cutAnswers(r, from[i], f)
		if errors.Is(err, errNoRecording) {
			fmt.Fprintf(stderr, "script answers: %s: call %s: %v, skipped\n", from[i], r.CallID, err)
			continue
		}
		if err != nil {
			return failureErr(fmt.Errorf("script answers: %s: call %s: %w", from[i], r.CallID, err))
		}
		calls++
		turns = append(turns, ts...)
	}
	err := writeAtomic(set, "--out", func(w io.Writer) error { return writeAnswers(w, calls, turns) })
	if err != nil {
		return failureErr(err)
	}
	fmt.Fprintf(stdout, "%d answers from %d calls: %s\n", len(turns), calls, set)
	return nil
}

// writeAnswers writes the labelled set of the answers cut from calls.
func writeAnswers(w io.Writer, calls int, turns []answerTurn) error {
	fmt.Fprintf(w, "# Caller answers cut from %d recorded calls by voxdial script answers.\n", calls)
	fmt.Fprintln(w, "# Each line is the bot's guess: correct the intent (none: answers nothing) and the")
	fmt.Fprintln(w, "# text to what the caller meant and said, then: script eval SCRIPT --set THIS --audio --voices recorded")
	for _, t := range turns {
		if _, err := fmt.Fprintf(w, "\n# %s\n%s | %s | %s\n", t.note, t.label, t.text, t.file); err != nil {
			return err
		}
	}
	return nil
}

// oneLine keeps s on one line of the set, out of its field separators.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if r == '|' || unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)), " ")
}

// readResults reads the call results in path: one JSON object, several in a row, or
// an array of them.
func readResults(path string) ([]dialer.Result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseResults(data, path)
}

// parseResults is readResults of data read from path.
func parseResults(data []byte, path string) ([]dialer.Result, error) {
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '[' {
		var rs []dialer.Result
		if err := json.Unmarshal(t, &rs); err != nil {
			return nil, fmt.Errorf("%s: not an array of call results: %w", path, err)
		}
		return rs, nil
	}
	var rs []dialer.Result
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		var r dialer.Result
		err := dec.Decode(&r)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: result %d: not a call result: %w", path, len(rs)+1, err)
		}
		rs = append(rs, r)
	}
	if len(rs) == 0 {
		return nil, fmt.Errorf("%s: no call result", path)
	}
	return rs, nil
}

var errNoRecording = errors.New("no recording")

// cutAnswers cuts r's caller turns with speech out of its recording.
func cutAnswers(r dialer.Result, from string, f *scriptAnswersFlags) ([]answerTurn, error) {
	if r.Recording == "" {
		return nil, errNoRecording
	}
	if r.Timings.AnsweredAt == nil {
		return nil, fmt.Errorf("%w: never answered", errNoRecording)
	}
	path := r.Recording
	if _, err := os.Stat(path); err != nil {
		// Recordings moved with their results: look beside the result file.
		if alt := filepath.Join(filepath.Dir(from), filepath.Base(path)); alt != path {
			if _, aerr := os.Stat(alt); aerr == nil {
				path = alt
			}
		}
	}
	rec, err := media.ReadWAVChannel(path, 1)
	if err != nil {
		return nil, fmt.Errorf("recording (the far end is its right channel): %w", err)
	}
	offset := r.Timings.AnsweredAt.Sub(r.Timings.InviteAt)
	at := func(ms int64) int {
		d := offset + time.Duration(ms)*time.Millisecond
		return max(0, min(len(rec.Samples), int(d*media.SampleRate/time.Second)))
	}
	margin := f.margin.Milliseconds()
	var out []answerTurn
	for i, t := range r.Transcript {
		if t.Role != "caller" || t.DTMF != "" || t.EndMS <= t.StartMS || (t.Text == "" && t.Event != "no_match") {
			continue // no speech: silence, a key, a hang-up
		}
		lo, hi := at(t.StartMS-margin), at(t.EndMS+margin)
		if hi <= lo {
			return nil, fmt.Errorf("turn %d (%d–%d ms) is past the recording's end (%v)", i, t.StartMS, t.EndMS, rec.Duration())
		}
		name := fmt.Sprintf("%s-%d.wav", safeName(r.CallID), i)
		if err := media.WriteWAVFile(filepath.Join(f.out, name), media.SampleRate, 1, rec.Samples[lo:hi]); err != nil {
			return nil, err
		}
		label, _, _ := strings.Cut(t.Branch, " → ")
		label = strings.TrimPrefix(label, "global ")
		if t.Intent != "" {
			label = t.Intent
		}
		switch label = oneLine(label); label {
		case "", "no_match", "low_confidence", "repeat", "exhausted":
			label = intent.OffTopic
		}
		text := oneLine(t.Text)
		if text == "" {
			text = "?" // speech the recogniser put into no words: write what was said
		}
		note := oneLine(fmt.Sprintf("call %s turn %d, state %s, %d–%d ms: branch %q", r.CallID, i, t.State, t.StartMS, t.EndMS, t.Branch))
		if t.Score != nil {
			note += fmt.Sprintf(", score %.2f", *t.Score)
		}
		out = append(out, answerTurn{label: label, text: text, file: name, note: note})
	}
	return out, nil
}

// safeName keeps a call ID usable as a file name.
func safeName(id string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == '|' || r == '#' || unicode.IsControl(r) || unicode.IsSpace(r) {
			return '_'
		}
		return r
	}, id)
}
