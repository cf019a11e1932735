package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/voxdial/voxdial/asr"
	"github.com/voxdial/voxdial/asr/evalset"
	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/speech/verbal"
	"github.com/voxdial/voxdial/tts"
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
	opts := evalset.Options{}
	switch f.set {
	case "full":
	case "small":
		opts.Voices = []evalset.Voice{{Engine: "flite", Name: "slt"}, {Engine: "espeak", Name: "en-us"}}
		opts.Speeds = []float64{1}
		opts.SNRs = []float64{0, 10}
	default:
		return usageErr("--set %q: want full or small", f.set)
	}
	if f.streams < 0 || f.paced < 0 {
		return usageErr("--streams and --paced must not be negative")
	}
	meter := startMeter()
	fmt.Fprintln(stderr, "bench asr: synthesising the test set")
	genStart := time.Now()
	set, err := evalset.Generate(ctx, opts)
	if err != nil {
		return failureErr(err)
	}
	genWall := time.Since(genStart)
	eng, err := asr.NewSphinx(asr.SphinxOptions{Vocabulary: evalset.Vocabulary(), PhoneLoop: f.phoneLoop})
	if err != nil {
		return failureErr(err)
	}
	defer eng.Close()

	// Accuracy, as fast as the engine goes; CPU over audio is the real-time factor.
	fmt.Fprintf(stderr, "bench asr: recognising %d utterances\n", len(set))
	var audio time.Duration
	for _, u := range set {
		audio += time.Duration(len(u.PCM)) * time.Second / media.SampleRate
	}
	g := evalset.Grammar()
	var sc evalset.Score
	var mu sync.Mutex
	cpu0, wall0 := processCPU(), time.Now()
	work := make(chan evalset.Utterance)
	var wg sync.WaitGroup
	var firstErr error
	for range max(1, runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := range work {
				o, err := evalset.Recognize(ctx, eng, g, u)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				sc.Add(u, o)
				mu.Unlock()
			}
		}()
	}
	for _, u := range set {
		work <- u
	}
	close(work)
	wg.Wait()
	if firstErr != nil {
		return failureErr(firstErr)
	}
	decodeCPU := processCPU() - cpu0
	decodeWall := time.Since(wall0)
	rtf := decodeCPU.Seconds() / audio.Seconds()

	conditions := map[string]any{}
	for _, k := range sc.Keys() {
		t := sc.By[k]
		conditions[k] = map[string]any{"intent_accuracy": round3(t.Accuracy()), "in_grammar": t.InGrammar,
			"off_topic_false_accepts": round3(t.FalseAccepts()), "off_topic": t.OffTopic}
	}
	res := map[string]any{
		"engine": "sphinx", "phone_loop_rejection": f.phoneLoop,
		"utterances": len(set), "audio_s": round3(audio.Seconds()), "synthesis_s": round3(genWall.Seconds()),
		"intent_accuracy":         round3(sc.All.Accuracy()),
		"off_topic_false_accepts": round3(sc.All.FalseAccepts()),
		"accuracy_by_condition":   conditions,
		"decode_wall_s":           round3(decodeWall.Seconds()),
		"real_time_factor":        round3(rtf),
		"streams_per_core_batch":  round3(1 / rtf),
	}
	if f.streams > 0 && f.paced > 0 {
		fmt.Fprintf(stderr, "bench asr: %d real-time streams for %v\n", f.streams, f.paced)
		paced, err := pacedASR(ctx, eng, set, f.streams, f.paced)
		if err != nil {
			return failureErr(err)
		}
		for k, v := range paced {
			res[k] = v
		}
	}
	for k, v := range meter.common() {
		res[k] = v
	}
	if f.jsonOut {
		return printJSON(stdout, res)
	}
	fmt.Fprintf(stdout, "intent accuracy %.3f, off-topic false accepts %.3f, RTF %.4f\n", sc.All.Accuracy(), sc.All.FalseAccepts(), rtf)
	for _, k := range sc.Keys() {
		fmt.Fprintf(stdout, "  %-22s %s\n", k, sc.Summary(k))
	}
	return nil
}

// pacedASR feeds n recognisers in real time from one 20 ms tick, each looping over
// test utterances, and measures CPU, memory and the delay from the end of speech (plus
// the end-of-turn silence) to the final result.
func pacedASR(ctx context.Context, eng *asr.Sphinx, set []evalset.Utterance, n int, dur time.Duration) (map[string]any, error) {
	rss0 := rssBytes()
	type stream struct {
		r     asr.Recognizer
		audio []int16
		pos   int
	}
	streams := make([]*stream, n)
	var latMu sync.Mutex
	var lat []time.Duration
	var overruns, accepted int
	start := time.Now()
	var wg sync.WaitGroup
	for i := range streams {
		r, err := eng.NewRecognizer(ctx, asr.StreamOptions{Grammar: evalset.Grammar()})
		if err != nil {
			return nil, err
		}
		var audio []int16
		for k := range 6 {
			audio = append(audio, set[(i*7+k*13)%len(set)].PCM...)
		}
		// Staggered starts: real calls do not end their utterances in step.
		streams[i] = &stream{r: r, audio: audio, pos: (i * 7919 * media.FrameSamples) % len(audio)}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for res := range r.Results() {
				if res.Kind != asr.KindFinal || res.End == 0 {
					continue
				}
				due := start.Add(res.End - res.Start + 700*time.Millisecond).Add(res.Start)
				latMu.Lock()
				lat = append(lat, max(0, time.Since(due)))
				latMu.Unlock()
			}
		}()
	}
	rssAll := rssBytes()
	cpu0, wall0 := processCPU(), time.Now()
	start = time.Now()
	tick := time.NewTicker(media.FrameDuration)
	defer tick.Stop()
	frame := make([]int16, media.FrameSamples)
	for time.Since(wall0) < dur {
		select {
		case <-tick.C:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		for _, s := range streams {
			for j := range frame {
				frame[j] = s.audio[(s.pos+j)%len(s.audio)]
			}
			s.pos += len(frame)
			if err := s.r.Write(frame); errors.Is(err, asr.ErrOverrun) {
				overruns++
			} else if err == nil {
				accepted++
			}
		}
	}
	cpu := processCPU() - cpu0
	wall := time.Since(wall0)
	for _, s := range streams {
		s.r.Close()
	}
	wg.Wait()
	cores := cpu.Seconds() / wall.Seconds()
	// Per stream cost from the audio actually taken: a starved run drops frames
	// (overruns), and dividing by the streams asked for would flatter it.
	audio := time.Duration(accepted) * media.FrameDuration
	rtf := cpu.Seconds() / math.Max(audio.Seconds(), 1e-9)
	return map[string]any{
		"paced_streams":               n,
		"paced_cpu_cores":             round3(cores),
		"paced_audio_s":               round3(audio.Seconds()),
		"streams_per_core":            round3(1 / math.Max(rtf, 1e-9)),
		"real_time_factor_per_stream": round4(rtf),
		"memory_per_stream_bytes":     int64(rssAll-rss0) / int64(n),
		"final_latency_ms":            percentilesMS(lat, 50, 95),
		"finals":                      len(lat),
		"overruns":                    overruns,
	}, nil
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

// benchPrompts are the English example script's prompts.
var benchPrompts = []string{
	"Hello, this is Acme Finance calling for {{first_name}}. This is an automated call from Acme Finance, on a recorded line. Am I speaking with {{first_name}}?",
	"Thanks. Your payment of {{amount | currency}} is due on {{due_date | date}}. Will you be able to pay by then? Press 1 for yes, 2 for no.",
	"Thank you, {{first_name}}. We have noted your promise to pay by {{due_date | date}}. Goodbye.",
	"Thank you. We will check our records. Goodbye.",
	"No problem. We will call you back tomorrow. Goodbye.",
	"I can connect you to an agent who can help with a payment plan. Would you like that?",
	"Please hold while I connect you.",
	"Sorry for the trouble. Goodbye.",
	"Thank you for your time. Goodbye.",
	"We could not hear you. We will try again later. Goodbye.",
	"Understood. We will not call you again. Goodbye.",
	"Hello {{first_name}}, this is Acme Finance with a reminder about a payment due on {{due_date | date}}. Please call us at {{callback | phone}}. Thank you.",
}

var benchVars = map[string]string{"first_name": "Ada", "amount": "125.50", "due_date": "2026-03-15", "callback": "1 800 555 0199",
	"surname": "王"}

// benchPromptsZh are the Mandarin example script's (payment-reminder.zh.yaml) prompts,
// spoken by espeak-ng's cmn voice (hanzi through numbered pinyin).
var benchPromptsZh = []string{
	"您好，这里是安可金融。请问是{{surname}}先生或女士吗？",
	"您有一笔{{amount | currency}}的账单将于{{due_date | date}}到期，请问您能按时还款吗？",
	"好的，已为您记录还款承诺。感谢您的接听，再见。",
	"好的，我们会核实您的还款记录。再见。",
	"正在为您转接人工客服，请稍候。",
	"抱歉没有听清，我们稍后再联系您。再见。",
}

func renderBenchPrompts() ([]string, []*tts.Template, error) {
	return renderPrompts(benchPrompts, verbal.EnUS)
}

func renderPrompts(prompts []string, loc verbal.Locale) ([]string, []*tts.Template, error) {
	var texts []string
	var tmpls []*tts.Template
	for _, p := range prompts {
		t, err := tts.ParseTemplate(p)
		if err != nil {
			return nil, nil, err
		}
		tmpls = append(tmpls, t)
		var b strings.Builder
		for _, s := range t.Segments {
			if s.Var == "" {
				b.WriteString(s.Text)
				continue
			}
			v, err := verbal.Filter(loc, s.Filter, benchVars[s.Var])
			if err != nil {
				return nil, nil, err
			}
			b.WriteString(v)
		}
		texts = append(texts, b.String())
	}
	return texts, tmpls, nil
}

func runBenchTTS(ctx context.Context, f *benchTTSFlags, stdout, stderr io.Writer) error {
	if f.streams < 1 {
		return usageErr("--streams must be at least 1")
	}
	meter := startMeter()
	texts, tmpls, err := renderBenchPrompts()
	if err != nil {
		return failureErr(err)
	}
	flite, err := tts.NewFlite(tts.FliteOptions{})
	if err != nil {
		return failureErr(err)
	}
	espeak, espeakErr := tts.NewESpeak(tts.ESpeakOptions{})
	zhTexts, _, err := renderPrompts(benchPromptsZh, verbal.ZhCN)
	if err != nil {
		return failureErr(err)
	}
	type voice struct {
		s     tts.Synthesizer
		voice string
		texts []string
	}
	voices := []voice{{flite, "slt", texts}, {flite, "kal", texts}}
	if espeakErr == nil {
		voices = append(voices, voice{espeak, "en-us", texts}, voice{espeak, "cmn", zhTexts})
	}
	perVoice := map[string]any{}
	for _, v := range voices {
		fmt.Fprintf(stderr, "bench tts: %s/%s\n", v.s.Name(), v.voice)
		var firsts []time.Duration
		var audio time.Duration
		cpu0 := processCPU() + childrenCPU()
		for round := 0; round < 3; round++ {
			for _, text := range v.texts {
				t0 := time.Now()
				var first time.Duration
				samples := 0
				err := v.s.Synthesize(ctx, tts.Request{Text: text, Voice: v.voice, Rate: 8000}, func(p []int16) error {
					if first == 0 {
						first = time.Since(t0)
					}
					samples += len(p)
					return nil
				})
				if err != nil {
					return failureErr(err)
				}
				firsts = append(firsts, first)
				audio += time.Duration(samples) * time.Second / 8000
			}
		}
		cpu := processCPU() + childrenCPU() - cpu0 // espeak-ng runs as child processes
		rtf := cpu.Seconds() / audio.Seconds()
		perVoice[v.s.Name()+"/"+v.voice] = map[string]any{
			"real_time_factor": round4(rtf), "streams_per_core": round3(1 / rtf),
			"first_audio_latency_ms": percentilesMS(firsts, 50, 95), "audio_s": round3(audio.Seconds()),
		}
	}

	// Parallel syntheses on the shared flite voice.
	fmt.Fprintf(stderr, "bench tts: %d parallel flite syntheses\n", f.streams)
	var wg sync.WaitGroup
	var pmu sync.Mutex
	var pfirst []time.Duration
	var paudio time.Duration
	cpu0, wall0 := processCPU(), time.Now()
	for i := range f.streams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range texts {
				text := texts[(i+k)%len(texts)]
				t0 := time.Now()
				var first time.Duration
				samples := 0
				_ = flite.Synthesize(ctx, tts.Request{Text: text, Rate: 8000}, func(p []int16) error {
					if first == 0 {
						first = time.Since(t0)
					}
					samples += len(p)
					return nil
				})
				pmu.Lock()
				pfirst = append(pfirst, first)
				paudio += time.Duration(samples) * time.Second / 8000
				pmu.Unlock()
			}
		}()
	}
	wg.Wait()
	pcpu, pwall := processCPU()-cpu0, time.Since(wall0)

	// The prompt cache over the script's static segments.
	dir, err := os.MkdirTemp("", "voxdial-bench-tts-")
	if err != nil {
		return failureErr(err)
	}
	defer os.RemoveAll(dir)
	cache, err := tts.NewCache(tts.CacheOptions{Synthesizer: flite, Dir: dir})
	if err != nil {
		return failureErr(err)
	}
	var static []tts.Request
	for _, t := range tmpls {
		for _, s := range t.Static() {
			static = append(static, tts.Request{Text: s})
		}
	}
	w0 := time.Now()
	if err := cache.Warm(ctx, static); err != nil {
		return failureErr(err)
	}
	warm := time.Since(w0)
	frame := make([]int16, media.FrameSamples)
	hit := func(c *tts.Cache, req tts.Request) (time.Duration, error) {
		t0 := time.Now()
		p, err := c.Get(ctx, req)
		if err != nil {
			return 0, err
		}
		if _, err := p.Source().ReadFrame(frame); err != nil {
			return 0, err
		}
		return time.Since(t0), nil
	}
	var memHits, diskHits []time.Duration
	for i := 0; i < 20000; i++ {
		d, err := hit(cache, static[i%len(static)])
		if err != nil {
			return failureErr(err)
		}
		memHits = append(memHits, d)
	}
	for i := 0; i < 200; i++ {
		fresh, err := tts.NewCache(tts.CacheOptions{Synthesizer: flite, Dir: dir})
		if err != nil {
			return failureErr(err)
		}
		d, err := hit(fresh, static[i%len(static)])
		if err != nil {
			return failureErr(err)
		}
		diskHits = append(diskHits, d)
	}
	st := cache.Stats()
	res := map[string]any{
		"engines":                         perVoice,
		"parallel_streams":                f.streams,
		"parallel_cpu_cores":              round3(pcpu.Seconds() / pwall.Seconds()),
		"parallel_real_time_factor":       round4(pcpu.Seconds() / paudio.Seconds()),
		"parallel_first_audio_latency_ms": percentilesMS(pfirst, 50, 95),
		"cache_static_prompts":            len(static),
		"cache_warm_s":                    round3(warm.Seconds()),
		"cache_bytes":                     st.Bytes,
		"cache_disk_bytes":                st.DiskBytes,
		"cache_hit_first_frame_ms":        percentilesUS(memHits),
		"cache_disk_hit_first_frame_ms":   percentilesUS(diskHits),
	}
	for k, v := range meter.common() {
		res[k] = v
	}
	if f.jsonOut {
		return printJSON(stdout, res)
	}
	for k, v := range perVoice {
		fmt.Fprintf(stdout, "%-14s %v\n", k, v)
	}
	fmt.Fprintf(stdout, "cache hit first frame %v, disk hit %v\n", res["cache_hit_first_frame_ms"], res["cache_disk_hit_first_frame_ms"])
	return nil
}

// percentilesUS is percentilesMS with microsecond resolution (cache hits are far
// below a millisecond).
func percentilesUS(ds []time.Duration) map[string]float64 {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	out := map[string]float64{}
	if len(s) == 0 {
		return out
	}
	at := func(p float64) float64 { return float64(s[int(p*float64(len(s)-1))].Nanoseconds()) / 1e6 }
	out["p50"], out["p95"], out["p99"] = at(0.5), at(0.95), at(0.99)
	out["max"] = float64(s[len(s)-1].Nanoseconds()) / 1e6
	return out
}

// childrenCPU is the CPU time of waited-for child processes (espeak-ng).
func childrenCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func round4(f float64) float64 { return math.Round(f*1e4) / 1e4 }
