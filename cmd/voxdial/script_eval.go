package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/voxdial/voxdial/voicebot"
	"github.com/voxdial/voxdial/voicebot/intent"
)

// printLintWarnings lists lint findings that do not stop a script.
func printLintWarnings(w io.Writer, ws []voicebot.Problem) {
	for _, p := range ws {
		fmt.Fprintln(w, p.String())
	}
}

type scriptEvalFlags struct {
	set        string
	highStakes []string
	jsonOut    bool
	// Spoken evaluation: the set is synthesised and recognised before it is classified.
	audio             bool
	voices            []string
	recordings        string
	snrs              []float64
	noise             string
	paths             []string
	speeds            []float64
	corpus            string
	channelAdaptation bool
	verbose           bool
	sphinxArgs        map[string]string
	modelDir          string
	fallbackBelow     float64
	rejection         string
	rejectionSamples  string
	grammarKeep       float64
	openFirst         bool
	lmWeight          float64
	lmDiscount        float64
	warp              float64
	frameRate         int
	shortFrameRate    int
	shortSpeech       time.Duration
	denoiser          string
	silence           time.Duration
	nsPolicy          int
	spokenModel       string
	spokenSamples     string
	limit             int
}

func newScriptEvalCmd() *cobra.Command {
	f := &scriptEvalFlags{}
	cmd := &cobra.Command{
		Use:   "eval SCRIPT --set FILE",
		Short: "Score the script's intent matching on a labelled set of utterances (text level)",
		Long: `eval classifies every utterance of a labelled set ("intent | text" a line; "none"
marks off-topic speech) with every intent of the script allowed, as the calls'
classifier does, and reports the share routed right, routed wrong, routed to a wrong
high-stakes intent, off-topic speech kept out (no_match), and calibration. The
high-stakes intents are those the script marks high_stakes, or --high-stakes.

--audio speaks the set first (synthetic voices) and recognises it. A line may name a
recording of the utterance as a third field ("none | hold on a second | hold.wav");
--voices recorded plays those recordings instead — real callers' answers, or any
person's voice — under the same noise conditions.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScriptEval(cmd.Context(), args[0], f, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVar(&f.set, "set", "", "labelled utterances, one \"intent | text\" a line (required)")
	cmd.Flags().StringSliceVar(&f.highStakes, "high-stakes", nil, "intents a wrong route to is costly (default: the script's high_stakes intents)")
	cmd.Flags().BoolVar(&f.jsonOut, "json", false, "print the report as one JSON document")
	cmd.Flags().BoolVar(&f.audio, "audio", false, "speak the set (text-to-speech, µ-law, noise) and recognise it with the grammar and the open-vocabulary paths first (en-US scripts)")
	cmd.Flags().StringSliceVar(&f.voices, "voices", []string{"espeak:en-us+f3", "espeak:en", "flite:kal"}, "--audio: voices, engine:name (espeak, flite), or recorded: the set's own recordings (a third field, a WAV file, on every line)")
	cmd.Flags().StringVar(&f.recordings, "recordings", "", "--audio: directory the set's recordings are named in (default: the set file's)")
	cmd.Flags().Float64SliceVar(&f.snrs, "snr", []float64{0, 10}, "--audio: signal-to-noise ratios in dB (0 is clean)")
	cmd.Flags().StringVar(&f.noise, "noise", "white", "--audio: the kind of noise at the SNRs: white, pink or babble (a crowd of the tuning voices)")
	cmd.Flags().StringSliceVar(&f.paths, "paths", []string{"grammar", "lm", "fallback"}, "--audio: the recognition paths to run (fallback is the live engine's; fewer is faster)")
	cmd.Flags().Float64SliceVar(&f.speeds, "speed", []float64{1}, "--audio: speaking speeds")
	cmd.Flags().StringVar(&f.corpus, "corpus", "", "--audio: sentences of the open search's language model, one a line (a labelled set is read as its texts; default: the live engine's — the tuning sentences, the lexicon, voicebot/intent/testdata/en.aside.txt and en.corpus.txt)")
	cmd.Flags().BoolVar(&f.channelAdaptation, "channel-adaptation", false, "--audio: decode with the acoustic model adapted to the telephone channel (asr/telephony)")
	cmd.Flags().StringToStringVar(&f.sphinxArgs, "sphinx-arg", nil, "--audio: extra pocketsphinx settings for the open search, for tuning (-fwdflat=no)")
	cmd.Flags().StringVar(&f.modelDir, "model-dir", "", "--audio: acoustic model directory of every path, for tuning (default: Debian's en-US model)")
	cmd.Flags().Float64Var(&f.fallbackBelow, "fallback-below", 0, "--audio: grammar confidence under which the live engine decodes the open words, for tuning (0: the engine's default)")
	cmd.Flags().StringVar(&f.rejection, "rejection", "", "--audio: the grammar's rejection model, w1,w2,w3,w4,w5,bias (bench asr --fit-rejection prints one), for tuning (default: the model's own)")
	cmd.Flags().StringVar(&f.rejectionSamples, "rejection-samples", "", "--audio: write each grammar match's rejection features and whether its intent was right to this file, for bench asr --fit-rejection (the live engine's path; the grammar's without it)")
	cmd.Flags().StringVar(&f.spokenModel, "spoken-model", "", "--audio: the classifier's model of recognised words, text,agree,words,bias, for tuning (default: intent.DefaultSpokenModel)")
	cmd.Flags().Float64Var(&f.grammarKeep, "grammar-keep", 0, "--audio: least grammar confidence kept when the open words that replaced it hold no intent, for tuning (0: the classifier's default; negative: never)")
	cmd.Flags().BoolVarP(&f.verbose, "verbose", "v", false, "--audio: print every utterance's transcripts to stderr")
	cmd.Flags().StringVar(&f.spokenSamples, "spoken-samples", "", "--audio: write the live engine's open readings as samples for intent.FitSpoken to this file (tab-separated)")
	cmd.Flags().Float64Var(&f.warp, "warp", 0, "--audio: the front end's frequency warp with --channel-adaptation, for tuning (0: the live engine's, 1.1; negative: none)")
	cmd.Flags().IntVar(&f.frameRate, "frame-rate", 0, "--audio: the front end's frames a second with --channel-adaptation, for tuning (0: the live engine's, 80; negative: pocketsphinx's 100)")
	cmd.Flags().IntVar(&f.shortFrameRate, "short-frame-rate", 0, "--audio: the frames a second of utterances with less loud speech than --short-speech, with --channel-adaptation, for tuning (0: the live engine's; negative: --frame-rate's for every utterance)")
	cmd.Flags().StringVar(&f.denoiser, "denoiser", "", "--audio: the recogniser's noise suppressor, auto, speex or webrtc, for tuning (default: the live engine's)")
	cmd.Flags().DurationVar(&f.silence, "digital-silence", 0, "--audio: digital silence before and after every utterance, as on a call whose phone sends silence between answers (the noise arrives with the answer), for tuning")
	cmd.Flags().IntVar(&f.nsPolicy, "ns-policy", 0, "--audio: with --denoiser webrtc, how hard it suppresses: 1 to 3, or -1 for its mildest (0), for tuning (0: the live engine's)")
	cmd.Flags().DurationVar(&f.shortSpeech, "short-speech", 0, "--audio: loud speech under which an utterance is decoded at --short-frame-rate, for tuning (0: the live engine's)")
	cmd.Flags().Float64Var(&f.lmWeight, "lm-weight", 0, "--audio: the open search's language-model weight, for tuning (0: the live engine's)")
	cmd.Flags().Float64Var(&f.lmDiscount, "lm-discount", 0, "--audio: the open search's language-model discount of word pairs and triples, between 0 and 1, for tuning (0: the live engine's)")
	cmd.Flags().BoolVar(&f.openFirst, "open-first", false, "--audio: the live engine decodes the open words first and the grammar only when they hold no intent, for tuning")
	cmd.Flags().IntVar(&f.limit, "limit", 0, "use only the first N utterances of the set (0: all)")
	return cmd
}

// loadScriptSet loads a script and a labelled set of its intents; any problem is a
// usage error naming the file (and the set's line).
func loadScriptSet(name, scriptPath, setPath string) (*voicebot.Bot, []intent.Labelled, error) {
	b, err := voicebot.LoadBot(scriptPath)
	if err != nil {
		return nil, nil, usageErr("%s: %v", name, err)
	}
	file, err := os.Open(setPath)
	if err != nil {
		return nil, nil, usageErr("%s: %v", name, err)
	}
	defer file.Close()
	set, err := intent.ReadSet(file, setPath)
	if err != nil {
		return nil, nil, usageErr("%s: %v", name, err)
	}
	known := map[string]bool{intent.OffTopic: true}
	for _, in := range b.Intents {
		known[in.Name] = true
	}
	for _, s := range set {
		if !known[s.Intent] {
			return nil, nil, usageErr("%s: %s:%d: %q is not an intent of %s (nor %q)", name, setPath, s.Line, s.Intent, scriptPath, intent.OffTopic)
		}
	}
	return b, set, nil
}

func runScriptEval(ctx context.Context, path string, f *scriptEvalFlags, stdout, stderr io.Writer) error {
	if f.set == "" {
		return usageErr("script eval: --set is required")
	}
	b, set, err := loadScriptSet("script eval", path, f.set)
	if err != nil {
		return err
	}
	hs := f.highStakes
	if hs == nil {
		hs = b.HighStakes()
	}
	if f.limit > 0 && f.limit < len(set) {
		set = set[:f.limit]
	}
	if f.audio {
		return runScriptEvalAudio(ctx, b, set, hs, f, stdout, stderr)
	}
	rep := intent.Evaluate(b.Classifier(), set, hs)
	if f.jsonOut {
		if err := printJSON(stdout, rep); err != nil {
			return failureErr(err)
		}
		return nil
	}
	fmt.Fprintf(stdout, "%s on %s: %d utterances (%d in domain, %d off-topic)\n", path, f.set, rep.Utterances, rep.InDomain, rep.OffTopic)
	fmt.Fprintf(stdout, "  routed right        %5.1f %%  (%d)\n", 100*rep.RightRate, rep.Right)
	fmt.Fprintf(stdout, "  routed wrong        %5d\n", rep.Wrong)
	fmt.Fprintf(stdout, "  wrong high-stakes   %5.1f %%  (%d; %s)\n", 100*rep.WrongHighStakesRate, rep.WrongHighStakes, strings.Join(hs, ", "))
	fmt.Fprintf(stdout, "  asked again (low)   %5d\n", rep.Low)
	fmt.Fprintf(stdout, "  off-topic no_match  %5.1f %%  (%d)\n", 100*rep.OffTopicNoMatchRate, rep.OffTopicNoMatch)
	fmt.Fprintf(stdout, "  score ≥ 0.95 right  %d of %d; calibration error %.3f\n", rep.SureRight, rep.Sure, rep.ECE)
	for _, m := range rep.Misses {
		fmt.Fprintf(stdout, "  miss %s:%d %q: want %s, got %s (%s %.3f)\n", f.set, m.Line, m.Text, m.Want, m.Got, m.Verdict, m.Score)
	}
	return nil
}
