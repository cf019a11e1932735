package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/voxdial/voxdial/voicebot"
	"github.com/voxdial/voxdial/voicebot/intent"
)

type scriptCalibrateFlags struct {
	set        string
	highStakes []string
	jsonOut    bool
}

func newScriptCalibrateCmd() *cobra.Command {
	f := &scriptCalibrateFlags{}
	cmd := &cobra.Command{
		Use:   "calibrate SCRIPT --set FILE",
		Short: "Fit the script's confidence calibration on its own callers' labelled answers",
		Long: `calibrate fits how the classifier turns a match into a score — the calibration, a
weight per match feature and a bias — on a labelled set of this script's answers
("intent | text" a line; "none" for off-topic speech), so that a score of 0.9 means
right nine times in ten for these callers, and the script's min_confidence thresholds
and confirm steps act on scores that mean what they say. The shipped calibration was
fitted on example answers; your callers may say things differently.

Where the set comes from: calls recorded with --record-dir, cut and drafted by
"voxdial script answers", each line corrected by a person (the text too: calibrate
reads the words, not the audio). Off-topic lines matter as much as answers: a
calibration needs wrong matches to learn what they look like (at least 20 matches,
3 of them wrong).

It prints the calibration in use and the fitted one side by side, the fitted one
measured on answers it was not fitted on (the set in two halves, each scored by a fit
on the other), then the fitted weights to put under the script's settings:

  settings:
    calibration: [...]

Nothing is written: the script changes only when you paste the line.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScriptCalibrate(args[0], f, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&f.set, "set", "", "labelled answers, one \"intent | text\" a line (required)")
	cmd.Flags().StringSliceVar(&f.highStakes, "high-stakes", nil, "intents a wrong route to is costly (default: the script's high_stakes intents)")
	cmd.Flags().BoolVar(&f.jsonOut, "json", false, "print the report as one JSON document")
	return cmd
}

// calibrateReport is what script calibrate prints with --json.
type calibrateReport struct {
	Script string `json:"script"`
	Set    string `json:"set"`
	// InUse: "script" (its settings.calibration) or "default" (the language's).
	InUse string `json:"in_use"`
	intent.CalibrationReport
	// Better: the fitted calibration's scores are closer to how often its routes are
	// right than those of the one in use, on answers it was not fitted on.
	Better bool `json:"better"`
}

func runScriptCalibrate(path string, f *scriptCalibrateFlags, stdout io.Writer) error {
	if f.set == "" {
		return usageErr("script calibrate: --set is required")
	}
	b, set, err := loadScriptSet("script calibrate", path, f.set)
	if err != nil {
		return err
	}
	hs := f.highStakes
	if hs == nil {
		hs = b.HighStakes()
	}
	rep, err := intent.Calibrate(voicebot.ClassifierIntents(b.Intents), voicebot.ClassifierOptions(b.Settings.Calibration), set, hs)
	if errors.Is(err, intent.ErrTooFewMatches) {
		return usageErr("script calibrate: %s: %v", f.set, err)
	}
	if err != nil {
		return failureErr(err)
	}
	out := calibrateReport{Script: path, Set: f.set, InUse: "default", CalibrationReport: rep,
		Better: rep.Fitted.ECE < rep.Shipped.ECE}
	if b.Settings.Calibration != nil {
		out.InUse = "script"
	}
	if f.jsonOut {
		if err := printJSON(stdout, out); err != nil {
			return failureErr(err)
		}
		return nil
	}
	fmt.Fprintf(stdout, "%s on %s: %d utterances, %d with an intent found (%d of them the labelled one)\n\n",
		path, f.set, rep.Utterances, rep.Matches, rep.MatchesRight)
	fmt.Fprintf(stdout, "  %-22s %-18s %s\n", "", "in use ("+out.InUse+")", "fitted (each half scored by a fit on the other)")
	row := func(name string, a, b string) { fmt.Fprintf(stdout, "  %-22s %-18s %s\n", name, a, b) }
	pct := func(v float64) string { return fmt.Sprintf("%.1f %%", 100*v) }
	s, t := rep.Shipped, rep.Fitted
	row("routed right", pct(s.RightRate), pct(t.RightRate))
	row("routed wrong", strconv.Itoa(s.Wrong), strconv.Itoa(t.Wrong))
	row("wrong high-stakes", strconv.Itoa(s.WrongHighStakes), strconv.Itoa(t.WrongHighStakes))
	row("asked again", strconv.Itoa(s.Low), strconv.Itoa(t.Low))
	if s.OffTopic > 0 {
		row("off-topic no_match", pct(s.OffTopicNoMatchRate), pct(t.OffTopicNoMatchRate))
	}
	row("score ≥ 0.95 right", fmt.Sprintf("%d of %d", s.SureRight, s.Sure), fmt.Sprintf("%d of %d", t.SureRight, t.Sure))
	row("calibration error", fmt.Sprintf("%.3f", s.ECE), fmt.Sprintf("%.3f", t.ECE))
	fmt.Fprintln(stdout)
	if !out.Better {
		fmt.Fprintf(stdout, "The fitted calibration's scores are no closer to the truth than those in use, on answers\nit was not fitted on: keep the one in use, or label more answers and run this again.\n\n")
	} else if d := t.Wrong - s.Wrong; d > 0 {
		fmt.Fprintf(stdout, "Its scores mean what they say, but at the script's thresholds it routes %d more answers\nwrong (and %d more right): raise min_confidence where a wrong route is costly.\n\n", d, t.Right-s.Right)
	}
	ws := make([]string, len(rep.Calibration))
	for i, w := range rep.Calibration {
		ws[i] = strconv.FormatFloat(w, 'f', -1, 64)
	}
	fmt.Fprintf(stdout, "Fitted on all %d matches; to use it, put this under the script's settings:\n\n", rep.Matches)
	fmt.Fprintf(stdout, "  calibration: [%s]  # voxdial script calibrate --set %q\n", strings.Join(ws, ", "), filepath.Base(f.set))
	return nil
}
