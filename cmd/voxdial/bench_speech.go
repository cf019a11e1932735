package main

import (
	"context"
	"fmt"
	"github.com/voxdial/voxdial/internal/app"
	"io"
	"sort"
	"time"

	"github.com/spf13/cobra"

	"github.com/voxdial/voxdial/asr"
	"github.com/voxdial/voxdial/asr/evalset"
	"github.com/voxdial/voxdial/internal/bench"
)

type benchASRFlags struct {
	set       string
	streams   int
	paced     time.Duration
	phoneLoop bool
	jsonOut   bool
	// --live
	live         bool
	quick        bool
	split        string
	sentences    string
	recordings   string
	peer         string
	concurrency  int
	openVocab    string
	limit        int
	adapt        string
	adaptSet     string
	adaptSNR     []float64
	adaptSpeeds  []float64
	adaptTau     float64
	adaptWarp    float64
	adaptRate    int
	adaptVoices  []string
	adaptNoise   []string
	fitRejection []string
	channelAdapt string
	lmWeight     float64
	warp         float64
	frameRate    int
	shortRate    int
	shortSpeech  time.Duration
	denoiser     string
	nsPolicy     int
	lmWordBeam   float64
	lmDiscount   float64
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
--set small uses two voices, one speed and clean/10 dB (a quick check).

--live places real calls of the reference script (payment-reminder.en.yaml) instead,
to the in-process simulator over SIP/RTP on loopback, through the same dialer and
voice-bot host serve uses. Each caller presses 1 over the greeting and answers the
reminder question with one sentence of the script's evaluation sets
(voicebot/intent/testdata: en.heldout.txt, never tuned on, or en.tune.txt), spoken by
a flite or espeak-ng voice (held-out voices: flite rms/kal, espeak-ng en-us+f3,
en-gb-x-rp, en-029; tuning voices: flite slt/awb, espeak-ng en-us, en-gb-scotland) at
0.8–1.3× speed, clean, with pink or babble noise at 20 or 10 dB, with silence
suppression (DTX) or over the question (barge-in). It reports per condition the
right-branch rate, wrong high-stakes routes, off-topic → no_match, heard rate, barge-in,
turn overhead and recognisers per core. --quick is a fixed subset of the held-out
split (about 25 calls, under a minute).

--peer sipp puts SIPp (Debian sip-tester), an independent SIP/RTP stack, at the far
end instead of the simulator: one SIPp process per call answers, sends the key 1 over
the greeting (RFC 2833) and streams the sentence (µ-law) 3 s later, over the reminder
question, then waits for the bot's BYE. SIPp does not listen, so there is no DTX and
no answer after the question; the conditions are sipp-clean and sipp-<noise>-<SNR>.`,
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
	fl.BoolVar(&f.live, "live", false, "evaluate on live calls to the simulator (see above)")
	fl.BoolVar(&f.quick, "quick", false, "--live: the quick subset (held-out, under a minute)")
	fl.StringVar(&f.split, "split", "held-out", "--live: held-out, tuning or all")
	fl.StringVar(&f.peer, "peer", "sim", "--live: the far end: sim (the simulator, which listens) or sipp (a SIPp process per call, on a timetable: the sentence over the question)")
	fl.StringVar(&f.sentences, "sentences", "", "--live: a labelled set (\"intent | text\" a line) the held-out voices read instead of the embedded held-out sentences; a line's recording (a third field, a WAV file) is played instead")
	fl.StringVar(&f.recordings, "recordings", "", "--live: directory the --sentences recordings are named in (default: the set file's)")
	fl.IntVar(&f.concurrency, "concurrency", 0, "--live: calls at once (default 4; --quick 16)")
	fl.StringVar(&f.openVocab, "open-vocabulary", "auto", "--live: auto, off (grammar only) or on (grammar + open vocabulary per utterance)")
	fl.IntVar(&f.limit, "limit", 0, "--live: place only the first N calls of the plan")
	fl.Float64Var(&f.lmWeight, "lm-weight", 0, "--live: the open pass's language-model weight, for tuning (default: the engine's)")
	fl.Float64Var(&f.warp, "warp", 0, "--live: the front end's frequency warp with the channel adaptation, for tuning (default: the engine's, 1.1; negative: none)")
	fl.IntVar(&f.frameRate, "frame-rate", 0, "--live: the front end's frames a second with the channel adaptation, for tuning (default: the engine's, 80; negative: pocketsphinx's 100)")
	fl.IntVar(&f.shortRate, "short-frame-rate", 0, "--live: the frames a second of utterances with less loud speech than --short-speech, with the channel adaptation, for tuning (default: the engine's; negative: --frame-rate's for every utterance)")
	fl.DurationVar(&f.shortSpeech, "short-speech", 0, "--live: loud speech under which an utterance is decoded at --short-frame-rate, for tuning (default: the engine's)")
	fl.StringVar(&f.denoiser, "denoiser", "", "--live: the recogniser's noise suppressor, auto, speex or webrtc, for tuning (default: the engine's)")
	fl.IntVar(&f.nsPolicy, "ns-policy", 0, "--live: with --denoiser webrtc, how hard it suppresses: 1 to 3, or -1 for its mildest (0), for tuning (default: the engine's)")
	fl.Float64Var(&f.lmWordBeam, "lm-word-beam", 0, "--live: the open pass's word beam, for tuning (default: the engine's)")
	fl.Float64Var(&f.lmDiscount, "lm-discount", 0, "--live: the open pass's language-model discount of word pairs and triples, between 0 and 1, for tuning (default: the engine's)")
	fl.StringVar(&f.channelAdapt, "channel-adaptation", "auto", "--live: auto, off or on (the acoustic model adapted to the telephone channel, asr/telephony)")
	fl.StringVar(&f.adapt, "adapt", "", "fit the telephone-channel adaptation (MLLR, then MAP; needs sphinxtrain) on the tuning split into this directory")
	fl.StringVar(&f.adaptSet, "adapt-set", "", "--adapt: fit on this labelled set (\"intent | text\" a line; part of the tuning split, to check the transform on the rest) instead of en.tune.txt")
	fl.StringSliceVar(&f.adaptVoices, "adapt-voices", nil, "--adapt: voices to fit on, engine:name (default: the four tuning voices and the voices that only fit the adaptation; a subset checks the fit on a voice it did not hear)")
	fl.Float64SliceVar(&f.adaptSpeeds, "adapt-speeds", []float64{1.0, 1.2}, "--adapt: speaking rates of the fitting audio (1 is the voice's own)")
	fl.Float64Var(&f.adaptWarp, "adapt-warp", 0, "--adapt: the frequency warp of the fitting features, for tuning (default: none, as the shipped adaptation was fitted)")
	fl.IntVar(&f.adaptRate, "adapt-frame-rate", 0, "--adapt: the frames a second of the fitting features, for tuning (default: the decoder's, 80, as the shipped adaptation was fitted; negative: pocketsphinx's 100)")
	fl.Float64Var(&f.adaptTau, "adapt-tau", 0, "--adapt: MAP's prior weight in frames, for tuning (default 400)")
	fl.Float64SliceVar(&f.adaptSNR, "adapt-snr", []float64{0, 20}, "--adapt: signal-to-noise ratios of the fitting audio in dB (0 is clean; white noise)")
	fl.StringSliceVar(&f.adaptNoise, "adapt-noise", nil, "--adapt: also fit on the audio with coloured noise, kind:dB (pink:10, babble:10; the babble is tuning voices)")
	fl.StringSliceVar(&f.fitRejection, "fit-rejection", nil, "fit the grammar's rejection model on samples files (script eval --rejection-samples) and print it with its calibration")
	return cmd
}

func runBenchASR(ctx context.Context, f *benchASRFlags, stdout, stderr io.Writer) error {
	if f.live {
		return runBenchASRLive(ctx, f, stdout, stderr)
	}
	if len(f.fitRejection) > 0 {
		rep, err := bench.FitRejection(f.fitRejection)
		if err != nil {
			return benchErr(err)
		}
		return printJSON(stdout, rep)
	}
	if f.adapt != "" {
		o := bench.AdaptOptions{Dir: f.adapt, Sentences: f.adaptSet, Speeds: f.adaptSpeeds, SNRs: f.adaptSNR, Tau: f.adaptTau, Warp: f.adaptWarp, FrameRate: f.adaptRate}
		if f.adaptRate > 0 && !frameRateInRange(f.adaptRate) {
			return usageErr("bench asr: --adapt-frame-rate %d: want %d to %d frames a second (negative: 100)", f.adaptRate, asr.MinFrameRate, asr.MaxFrameRate)
		}
		if f.adaptWarp != 0 && !warpInRange(f.adaptWarp) {
			return usageErr("bench asr: --adapt-warp %g: want a warp between 0.7 and 1.4 (0: none)", f.adaptWarp)
		}
		for _, sp := range f.adaptSpeeds {
			if sp < 0.5 || sp > 2 {
				return usageErr("bench asr: --adapt-speeds: %g: a speaking rate is from 0.5 to 2", sp)
			}
		}
		if f.adaptTau < 0 {
			return usageErr("bench asr: --adapt-tau: %g: a prior weight is 0 (the default) or more frames", f.adaptTau)
		}
		for _, s := range f.adaptVoices {
			v, err := evalset.ParseVoice(s)
			if err != nil {
				return usageErr("bench asr: --adapt-voices: %v", err)
			}
			o.Voices = append(o.Voices, v)
		}
		for _, s := range f.adaptNoise {
			n, err := bench.ParseAdaptNoise(s)
			if err != nil {
				return usageErr("bench asr: --adapt-noise: %v", err)
			}
			o.Noisy = append(o.Noisy, n)
		}
		rep, err := bench.ASRAdapt(ctx, o, stderr)
		if err != nil {
			return benchErr(err)
		}
		return printJSON(stdout, rep)
	}
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

func runBenchASRLive(ctx context.Context, f *benchASRFlags, stdout, stderr io.Writer) error {
	if f.lmWeight < 0 {
		return usageErr("bench asr: --lm-weight %g: want a positive weight", f.lmWeight)
	}
	if f.warp > 0 && !warpInRange(f.warp) {
		return usageErr("bench asr: --warp %g: want a warp between 0.7 and 1.4 (1 is none; negative turns it off)", f.warp)
	}
	if f.frameRate > 0 && !frameRateInRange(f.frameRate) {
		return usageErr("bench asr: --frame-rate %d: want %d to %d frames a second (negative: pocketsphinx's 100)", f.frameRate, asr.MinFrameRate, asr.MaxFrameRate)
	}
	if f.shortRate > 0 && !frameRateInRange(f.shortRate) {
		return usageErr("bench asr: --short-frame-rate %d: want %d to %d frames a second (negative: none)", f.shortRate, asr.MinFrameRate, asr.MaxFrameRate)
	}
	if f.shortSpeech < 0 {
		return usageErr("bench asr: --short-speech %s: want a duration of 0 or more", f.shortSpeech)
	}
	if err := checkDenoiserFlags("bench asr", f.denoiser, f.nsPolicy); err != nil {
		return err
	}
	if f.lmWordBeam < 0 || f.lmWordBeam >= 1 {
		return usageErr("bench asr: --lm-word-beam %g: want a beam between 0 and 1, such as 1e-24", f.lmWordBeam)
	}
	if f.lmDiscount < 0 || f.lmDiscount >= 1 {
		return usageErr("bench asr: --lm-discount %g: want a discount between 0 and 1, such as 0.5", f.lmDiscount)
	}
	conc := f.concurrency
	if conc == 0 && f.quick {
		conc = 16
	}
	rep, err := bench.ASRLive(ctx, bench.ASRLiveOptions{Quick: f.quick, Split: f.split, Sentences: f.sentences, Recordings: f.recordings, Concurrency: conc,
		OpenVocabulary: f.openVocab, ChannelAdaptation: f.channelAdapt, Limit: f.limit, Peer: f.peer,
		OpenSearch: app.OpenSearch{LMWeight: f.lmWeight, LMWordBeam: f.lmWordBeam, LMDiscount: f.lmDiscount, Warp: f.warp, FrameRate: f.frameRate,
			ShortFrameRate: f.shortRate, ShortSpeech: f.shortSpeech, Denoiser: f.denoiser, NSPolicy: f.nsPolicy}}, stderr)
	if err != nil {
		return benchErr(err)
	}
	if f.jsonOut {
		return printJSON(stdout, rep)
	}
	keys := make([]string, 0, len(rep.ByCondition))
	for k := range rep.ByCondition {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		c := rep.ByCondition[k]
		fmt.Fprintf(stdout, "%-24s calls %4d  right %5.1f %%  wrong high-stakes %4.1f %%  off-topic no_match %5.1f %%  heard %5.1f %%\n",
			k, c.Calls, 100*c.RightRate, 100*c.WrongHighStakesRate, 100*c.OffTopicNoMatchRate, 100*c.HeardRate)
	}
	fmt.Fprintf(stdout, "turn overhead %v ms, recognisers per core %.1f\n", rep.TurnOverheadMS, rep.RecognizersPerCore)
	return nil
}

// warpInRange: a frequency warp the tuning flags accept (--warp, --adapt-warp); the
// useful ones lie near 1 (0.85–1.20 were tried).
func warpInRange(w float64) bool { return w >= 0.7 && w <= 1.4 }

// frameRateInRange: a frame rate the tuning flags accept (--frame-rate), as
// asr.SphinxOptions.FrameRate does.
func frameRateInRange(r int) bool { return r >= asr.MinFrameRate && r <= asr.MaxFrameRate }

// checkDenoiserFlags checks --denoiser and --ns-policy for the command named cmd.
func checkDenoiserFlags(cmd, denoiser string, policy int) error {
	switch denoiser {
	case "", asr.DenoiserAuto, asr.DenoiserSpeex, asr.DenoiserWebRTC:
	default:
		return usageErr("%s: --denoiser %q: want %s, %s or %s", cmd, denoiser, asr.DenoiserAuto, asr.DenoiserSpeex, asr.DenoiserWebRTC)
	}
	if policy < -1 || policy > 3 {
		return usageErr("%s: --ns-policy %d: want 1 to 3, or -1 for WebRTC's mildest (0: the engine's)", cmd, policy)
	}
	return nil
}
