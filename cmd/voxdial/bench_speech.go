package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/voxdial/voxdial/internal/bench"
)

type benchASRFlags struct {
	set       string
	streams   int
	paced     time.Duration
	phoneLoop bool
	jsonOut   bool
}

// newBenchASRCmd measures the embedded recogniser: accuracy on the generated test set
// and the cost of real-time streams.
func newBenchASRCmd() *cobra.Command {
	f := &benchASRFlags{}
	cmd := &cobra.Command{
		Use:   "asr",
		Short: "Recognition accuracy on the generated test set, real-time factor and streams per core",
		Long: `Generates the recognition test set (asr/evalset: the example script's intents and
off-topic speech, spoken by flite slt/rms/awb/kal and espeak-ng at two speeds, through
G.711 µ-law, clean and with white noise at 20 and 10 dB SNR), recognises every
utterance with the embedded pocketsphinx engine against the reminder state's grammar,
and reports intent accuracy and off-topic false accepts per condition. It then runs
--streams recognisers fed in real time (20 ms frames on a shared tick) for --paced and
reports CPU, streams per core, memory per stream and end-of-speech-to-final latency.
--set small uses two voices, one speed and clean/10 dB (a quick check).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBenchASR(cmd.Context(), f, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.set, "set", "full", "test set: full or small")
	fl.IntVar(&f.streams, "streams", 64, "concurrent real-time streams in the paced phase (0 skips it)")
	fl.DurationVar(&f.paced, "paced", 20*time.Second, "length of the paced phase")
	fl.BoolVar(&f.phoneLoop, "phone-loop", false, "add the phone-loop rejection pass (a second decode of every matched utterance)")
	fl.BoolVar(&f.jsonOut, "json", false, "print one JSON object")
	return cmd
}

func runBenchASR(ctx context.Context, f *benchASRFlags, stdout, stderr io.Writer) error {
	rep, err := bench.ASR(ctx, bench.ASROptions{Set: f.set, Streams: f.streams, Paced: f.paced, PhoneLoop: f.phoneLoop}, stderr)
	if err != nil {
		return benchErr(err)
	}
	if f.jsonOut {
		return printJSON(stdout, rep)
	}
	fmt.Fprintf(stdout, "intent accuracy %.3f, off-topic false accepts %.3f, RTF %.4f\n", rep.Score.All.Accuracy(), rep.Score.All.FalseAccepts(), rep.RealTimeFactor)
	for _, k := range rep.Score.Keys() {
		fmt.Fprintf(stdout, "  %-22s %s\n", k, rep.Score.Summary(k))
	}
	return nil
}

type benchTTSFlags struct {
	streams int
	jsonOut bool
}

// newBenchTTSCmd measures synthesis and the prompt cache.
func newBenchTTSCmd() *cobra.Command {
	f := &benchTTSFlags{}
	cmd := &cobra.Command{
		Use:   "tts",
		Short: "Synthesis real-time factor, first-audio latency, streams per core and prompt-cache hit cost",
		Long: `Synthesises the example script's prompts (payment-reminder.en.yaml, with its
variables verbalised) with flite (slt, kal) and espeak-ng at 8 kHz, and the Mandarin
script's prompts (payment-reminder.zh.yaml) with espeak-ng's cmn voice, and reports, per
engine and voice, the real-time factor (CPU seconds per second of audio), streams per
core, and first-audio latency (request to first chunk). It then runs --streams
synthesisers in parallel, and measures the prompt cache: warming the script's static
prompts, and the cost of a hit (lookup, source, first 20 ms frame) from memory and
from disk.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBenchTTS(cmd.Context(), f, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().IntVar(&f.streams, "streams", 16, "parallel syntheses in the concurrency phase")
	cmd.Flags().BoolVar(&f.jsonOut, "json", false, "print one JSON object")
	return cmd
}

func runBenchTTS(ctx context.Context, f *benchTTSFlags, stdout, stderr io.Writer) error {
	rep, err := bench.TTS(ctx, bench.TTSOptions{Streams: f.streams}, stderr)
	if err != nil {
		return benchErr(err)
	}
	if f.jsonOut {
		return printJSON(stdout, rep)
	}
	for k, v := range rep.Engines {
		fmt.Fprintf(stdout, "%-14s %+v\n", k, v)
	}
	fmt.Fprintf(stdout, "cache hit first frame %v, disk hit %v\n", rep.CacheHitFirstFrameMS, rep.CacheDiskHitFirstFrameMS)
	return nil
}
