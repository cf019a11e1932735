package bench

import (
	"context"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/speech/verbal"
	"github.com/voxdial/voxdial/tts"
)

// TTSOptions are `voxdial bench tts`'s flags.
type TTSOptions struct {
	Streams int // parallel syntheses in the concurrency phase
}

// TTSEngine is one engine and voice's figures.
type TTSEngine struct {
	RealTimeFactor      float64     `json:"real_time_factor"` // CPU seconds per second of audio
	StreamsPerCore      float64     `json:"streams_per_core"`
	FirstAudioLatencyMS Percentiles `json:"first_audio_latency_ms"` // request to first chunk
	AudioS              float64     `json:"audio_s"`
}

// TTSReport is `voxdial bench tts --json`.
type TTSReport struct {
	Common
	Engines                     map[string]TTSEngine `json:"engines"` // by engine/voice
	ParallelStreams             int                  `json:"parallel_streams"`
	ParallelCPUCores            float64              `json:"parallel_cpu_cores"`
	ParallelRealTimeFactor      float64              `json:"parallel_real_time_factor"`
	ParallelFirstAudioLatencyMS Percentiles          `json:"parallel_first_audio_latency_ms"`
	CacheStaticPrompts          int                  `json:"cache_static_prompts"`
	CacheWarmS                  float64              `json:"cache_warm_s"`
	CacheBytes                  int64                `json:"cache_bytes"`
	CacheDiskBytes              int64                `json:"cache_disk_bytes"`
	// A cache hit: lookup, source and first 20 ms frame, from memory and from disk.
	CacheHitFirstFrameMS     Percentiles `json:"cache_hit_first_frame_ms"`
	CacheDiskHitFirstFrameMS Percentiles `json:"cache_disk_hit_first_frame_ms"`
}

// ttsPrompts are the English example script's prompts.
var ttsPrompts = []string{
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

var ttsVars = map[string]string{"first_name": "Ada", "amount": "125.50", "due_date": "2026-03-15", "callback": "1 800 555 0199",
	"surname": "王"}

// ttsPromptsZh are the Mandarin example script's (payment-reminder.zh.yaml) prompts,
// spoken by espeak-ng's cmn voice (hanzi through numbered pinyin).
var ttsPromptsZh = []string{
	"您好，这里是安可金融。请问是{{surname}}先生或女士吗？",
	"您有一笔{{amount | currency}}的账单将于{{due_date | date}}到期，请问您能按时还款吗？",
	"好的，已为您记录还款承诺。感谢您的接听，再见。",
	"好的，我们会核实您的还款记录。再见。",
	"正在为您转接人工客服，请稍候。",
	"抱歉没有听清，我们稍后再联系您。再见。",
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
			v, err := verbal.Filter(loc, s.Filter, ttsVars[s.Var])
			if err != nil {
				return nil, nil, err
			}
			b.WriteString(v)
		}
		texts = append(texts, b.String())
	}
	return texts, tmpls, nil
}

// TTS synthesises the example scripts' prompts with every local engine and voice, runs
// o.Streams syntheses in parallel, and measures the prompt cache over the script's static
// prompts.
func TTS(ctx context.Context, o TTSOptions, progress io.Writer) (*TTSReport, error) {
	if o.Streams < 1 {
		return nil, usage("--streams must be at least 1")
	}
	say := progressTo(progress)
	m := startMeter()
	texts, tmpls, err := renderPrompts(ttsPrompts, verbal.EnUS)
	if err != nil {
		return nil, err
	}
	flite, err := tts.NewFlite(tts.FliteOptions{})
	if err != nil {
		return nil, err
	}
	espeak, espeakErr := tts.NewESpeak(tts.ESpeakOptions{})
	zhTexts, _, err := renderPrompts(ttsPromptsZh, verbal.ZhCN)
	if err != nil {
		return nil, err
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
	perVoice := map[string]TTSEngine{}
	for _, v := range voices {
		say("bench tts: %s/%s\n", v.s.Name(), v.voice)
		var firsts []time.Duration
		var audio time.Duration
		cpu0 := ProcessCPU() + childrenCPU()
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
					return nil, err
				}
				firsts = append(firsts, first)
				audio += time.Duration(samples) * time.Second / 8000
			}
		}
		cpu := ProcessCPU() + childrenCPU() - cpu0 // espeak-ng runs as child processes
		rtf := cpu.Seconds() / audio.Seconds()
		perVoice[v.s.Name()+"/"+v.voice] = TTSEngine{
			RealTimeFactor: round4(rtf), StreamsPerCore: round3(1 / rtf),
			FirstAudioLatencyMS: percentilesMS(firsts, 50, 95), AudioS: round3(audio.Seconds()),
		}
	}

	// Parallel syntheses on the shared flite voice.
	say("bench tts: %d parallel flite syntheses\n", o.Streams)
	var wg sync.WaitGroup
	var pmu sync.Mutex
	var pfirst []time.Duration
	var paudio time.Duration
	cpu0, wall0 := ProcessCPU(), time.Now()
	for i := range o.Streams {
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
	pcpu, pwall := ProcessCPU()-cpu0, time.Since(wall0)

	// The prompt cache over the script's static segments.
	dir, err := os.MkdirTemp("", "voxdial-bench-tts-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	cache, err := tts.NewCache(tts.CacheOptions{Synthesizer: flite, Dir: dir})
	if err != nil {
		return nil, err
	}
	var static []tts.Request
	for _, t := range tmpls {
		for _, s := range t.Static() {
			static = append(static, tts.Request{Text: s})
		}
	}
	w0 := time.Now()
	if err := cache.Warm(ctx, static); err != nil {
		return nil, err
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
			return nil, err
		}
		memHits = append(memHits, d)
	}
	for i := 0; i < 200; i++ {
		fresh, err := tts.NewCache(tts.CacheOptions{Synthesizer: flite, Dir: dir})
		if err != nil {
			return nil, err
		}
		d, err := hit(fresh, static[i%len(static)])
		if err != nil {
			return nil, err
		}
		diskHits = append(diskHits, d)
	}
	st := cache.Stats()
	return &TTSReport{
		Common:                      m.common(),
		Engines:                     perVoice,
		ParallelStreams:             o.Streams,
		ParallelCPUCores:            round3(pcpu.Seconds() / pwall.Seconds()),
		ParallelRealTimeFactor:      round4(pcpu.Seconds() / paudio.Seconds()),
		ParallelFirstAudioLatencyMS: percentilesMS(pfirst, 50, 95),
		CacheStaticPrompts:          len(static),
		CacheWarmS:                  round3(warm.Seconds()),
		CacheBytes:                  st.Bytes,
		CacheDiskBytes:              st.DiskBytes,
		CacheHitFirstFrameMS:        percentilesUS(memHits),
		CacheDiskHitFirstFrameMS:    percentilesUS(diskHits),
	}, nil
}
