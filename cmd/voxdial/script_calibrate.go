package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/voxdial/voxdial/voicebot"
	"github.com/voxdial/voxdial/voicebot/intent"
)

type scriptCalibrateFlags struct {
	set           string
	spokenSamples string
	highStakes    []string
	jsonOut       bool
}

func newScriptCalibrateCmd() *cobra.Command {
	f := &scriptCalibrateFlags{}
	cmd := &cobra.Command{
		Use:   "calibrate SCRIPT --set FILE [--spoken-samples FILE]",
		Short: "Fit the script's confidence calibration on its own callers' labelled answers",
		Long: `calibrate fits how the classifier turns a match into a score — the calibration, a
weight per match feature and a bias — on a labelled set of this script's answers
("intent | text" a line; "none" for off-topic speech), so that a score of 0.9 means
right nine times in ten for these callers, and the script's min_confidence thresholds
and confirm steps act on scores that mean what they say. The shipped calibration was
fitted on example answers; your callers may say things differently.

Where the set comes from: calls recorded with --record-dir, cut and drafted by
"voxdial script answers", each line corrected by a person. Off-topic lines matter as
much as answers: a calibration needs wrong matches to learn what they look like (at
least 20 matches, 3 of them wrong).

--set calibrates the words (what callers say). On a call the bot scores what the
recogniser wrote down, with its doubt (its other readings, its word confidence); that
score has its own calibration, fitted on recognised answers. Recognise the set's
recordings first, then calibrate on what was heard:

  voxdial script eval SCRIPT --set answers.txt --audio --voices recorded --snr 0 \
      --paths fallback --channel-adaptation --spoken-samples heard.tsv
  voxdial script calibrate SCRIPT --set answers.txt --spoken-samples heard.tsv

Each calibration is shown beside the one in use, the fitted one measured on answers it
was not fitted on (two halves, each scored by a fit on the other), then printed as the
line to put under the script's settings:

  settings:
    calibration: [...]
    spoken_calibration: [...]

Nothing is written: the script changes only when you paste the lines.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScriptCalibrate(args[0], f, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&f.set, "set", "", "labelled answers, one \"intent | text\" a line")
	cmd.Flags().StringVar(&f.spokenSamples, "spoken-samples", "", "recognised answers, as script eval --audio --spoken-samples writes them")
	cmd.Flags().StringSliceVar(&f.highStakes, "high-stakes", nil, "intents a wrong route to is costly (default: the script's high_stakes intents)")
	cmd.Flags().BoolVar(&f.jsonOut, "json", false, "print the report as one JSON document")
	return cmd
}

// calibrateReport is what script calibrate prints with --json.
type calibrateReport struct {
	Script        string             `json:"script"`
	Set           string             `json:"set,omitempty"`
	SpokenSamples string             `json:"spoken_samples,omitempty"`
	Text          *textCalibration   `json:"text,omitempty"`
	Spoken        *spokenCalibration `json:"spoken,omitempty"`
}

// textCalibration is the words' calibration. InUse: "script" (its
// settings.calibration) or "default" (the language's). Better: the fitted one's
// scores are closer to how often its routes are right than those in use, on answers
// it was not fitted on.
type textCalibration struct {
	InUse  string `json:"in_use"`
	Better bool   `json:"better"`
	intent.CalibrationReport
}

// spokenCalibration is the recognised words' calibration (settings.spoken_calibration).
type spokenCalibration struct {
	InUse  string `json:"in_use"`
	Better bool   `json:"better"`
	intent.SpokenCalibrationReport
}

func runScriptCalibrate(path string, f *scriptCalibrateFlags, stdout io.Writer) error {
	if f.set == "" && f.spokenSamples == "" {
		return usageErr("script calibrate: --set or --spoken-samples is required")
	}
	var (
		b   *voicebot.Bot
		set []intent.Labelled
		err error
	)
	if f.set != "" {
		b, set, err = loadScriptSet("script calibrate", path, f.set)
	} else {
		b, err = voicebot.LoadBot(path)
		if err != nil {
			err = usageErr("script calibrate: %v", err)
		}
	}
	if err != nil {
		return err
	}
	out := calibrateReport{Script: path, Set: f.set, SpokenSamples: f.spokenSamples}
	opts := b.ClassifierOptions()
	if f.set != "" {
		hs := f.highStakes
		if hs == nil {
			hs = b.HighStakes()
		}
		rep, err := intent.Calibrate(voicebot.ClassifierIntents(b.Intents), opts, set, hs)
		if errors.Is(err, intent.ErrTooFewMatches) {
			return usageErr("script calibrate: %s: %v", f.set, err)
		}
		if err != nil {
			return failureErr(err)
		}
		out.Text = &textCalibration{InUse: inUse(b.Settings.Calibration), Better: rep.Fitted.ECE < rep.Shipped.ECE, CalibrationReport: rep}
	}
	if f.spokenSamples != "" {
		file, err := os.Open(f.spokenSamples)
		if err != nil {
			return usageErr("script calibrate: %v", err)
		}
		samples, err := intent.ReadSpokenSamples(file, f.spokenSamples)
		file.Close()
		if err != nil {
			return usageErr("script calibrate: %v", err)
		}
		rep, err := intent.CalibrateSpoken(samples, opts.Spoken)
		if errors.Is(err, intent.ErrTooFewMatches) {
			return usageErr("script calibrate: %s: %v", f.spokenSamples, err)
		}
		if err != nil {
			return failureErr(err)
		}
		out.Spoken = &spokenCalibration{InUse: inUse(b.Settings.SpokenCalibration), Better: rep.FittedECE < rep.InUseECE, SpokenCalibrationReport: rep}
	}
	if f.jsonOut {
		if err := printJSON(stdout, out); err != nil {
			return failureErr(err)
		}
		return nil
	}
	var lines []string
	if t := out.Text; t != nil {
		printTextCalibration(stdout, path, f.set, t)
		lines = append(lines, calibrationLine("calibration", t.Calibration, "--set", f.set))
	}
	if sp := out.Spoken; sp != nil {
		fmt.Fprintf(stdout, "%s on %s: %d recognised answers whose words held an intent (%d of them the labelled one)\n",
			path, f.spokenSamples, sp.Samples, sp.Right)
		fmt.Fprintf(stdout, "  calibration error of the spoken score: in use (%s) %.3f, fitted (each half scored by a fit on the other) %.3f\n\n",
			sp.InUse, sp.InUseECE, sp.FittedECE)
		if !sp.Better {
			fmt.Fprintf(stdout, "The fitted spoken calibration is no closer to the truth than the one in use: keep the one in use.\n\n")
		}
		lines = append(lines, calibrationLine("spoken_calibration", sp.Calibration, "--spoken-samples", f.spokenSamples))
	}
	fmt.Fprintf(stdout, "To use the fitted calibration, put this under the script's settings:\n\n%s", strings.Join(lines, ""))
	if out.Text != nil && out.Spoken != nil {
		// A spoken sample holds the words' score as it was when it was recorded.
		fmt.Fprintf(stdout, "\nThe spoken samples carry the words' scores of the calibration in use when script eval\nwrote them: after pasting the new calibration, write them again and refit spoken_calibration.\n")
	}
	return nil
}

func inUse(weights []float64) string {
	if weights != nil {
		return "script"
	}
	return "default"
}

// calibrationLine is the settings line of a fitted calibration, with a comment naming
// where it came from (quoted: a file name may hold anything).
func calibrationLine(key string, weights []float64, flag, file string) string {
	ws := make([]string, len(weights))
	for i, w := range weights {
		ws[i] = strconv.FormatFloat(w, 'f', -1, 64)
	}
	return fmt.Sprintf("  %s: [%s]  # voxdial script calibrate %s %q\n", key, strings.Join(ws, ", "), flag, filepath.Base(file))
}

func printTextCalibration(stdout io.Writer, path, set string, t *textCalibration) {
	fmt.Fprintf(stdout, "%s on %s: %d utterances, %d with an intent found (%d of them the labelled one)\n\n",
		path, set, t.Utterances, t.Matches, t.MatchesRight)
	fmt.Fprintf(stdout, "  %-22s %-18s %s\n", "", "in use ("+t.InUse+")", "fitted (each half scored by a fit on the other)")
	row := func(name string, a, b string) { fmt.Fprintf(stdout, "  %-22s %-18s %s\n", name, a, b) }
	pct := func(v float64) string { return fmt.Sprintf("%.1f %%", 100*v) }
	s, f := t.Shipped, t.Fitted
	row("routed right", pct(s.RightRate), pct(f.RightRate))
	row("routed wrong", strconv.Itoa(s.Wrong), strconv.Itoa(f.Wrong))
	row("wrong high-stakes", strconv.Itoa(s.WrongHighStakes), strconv.Itoa(f.WrongHighStakes))
	row("asked again", strconv.Itoa(s.Low), strconv.Itoa(f.Low))
	if s.OffTopic > 0 {
		row("off-topic no_match", pct(s.OffTopicNoMatchRate), pct(f.OffTopicNoMatchRate))
	}
	row("score ≥ 0.95 right", fmt.Sprintf("%d of %d", s.SureRight, s.Sure), fmt.Sprintf("%d of %d", f.SureRight, f.Sure))
	row("calibration error", fmt.Sprintf("%.3f", s.ECE), fmt.Sprintf("%.3f", f.ECE))
	fmt.Fprintln(stdout)
	if !t.Better {
		fmt.Fprintf(stdout, "The fitted calibration's scores are no closer to the truth than those in use, on answers\nit was not fitted on: keep the one in use, or label more answers and run this again.\n\n")
	} else if d := f.Wrong - s.Wrong; d > 0 {
		fmt.Fprintf(stdout, "Its scores mean what they say, but at the script's thresholds it routes %d more answers\nwrong (and %d more right): raise min_confidence where a wrong route is costly.\n\n", d, f.Right-s.Right)
	}
}
