package live

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/speech/verbal"
	"github.com/voxdial/voxdial/tts"
	"github.com/voxdial/voxdial/voicebot"
)

// PromptSpeaker speaks a script's prompts through the tts prompt cache: each
// prompt's template (disclosure inlined, the call's variables as slots) is
// split into static segments, served from the cache as pre-encoded frames, and
// variable segments, verbalised and looked up by their text (synthesised into
// the cache on a miss while the first static part already plays). Warm fills the cache from a script before dialling, so a
// call's first audio costs a cache lookup, not a synthesis.
//
// English (and any locale but Chinese) speaks through the embedded flite engine;
// zh-* locales through espeak-ng's Mandarin voice (cmn) as a subprocess, when it
// is installed. Safe for concurrent use by any number of calls.
type PromptSpeaker struct {
	log     *zap.Logger
	caches  map[string]*tts.Cache // by engine family: "en", "zh"
	engines map[string]string     // family → default voice

	mu        sync.RWMutex
	templates map[string]*tts.Template // parsed once per distinct template text
}

// SpeakerOptions configure NewPromptSpeaker. Zero values take the defaults.
type SpeakerOptions struct {
	Logger *zap.Logger
	// MaxBytes bounds each engine's in-memory cache (0: tts default, 64 MiB).
	MaxBytes int64
	// Dir persists prompts across processes ("" keeps them in memory).
	Dir string
	// Codec of cached frames ("" = PCMU, what the dialer offers first).
	Codec string
	// OnSynthesize gets the time of every synthesis a cache miss costs (metrics).
	OnSynthesize func(time.Duration, error)
	// Synthesizer, when set, speaks every prompt, whatever its locale (a
	// locale's configured engine: espeak-ng, an HTTP server), instead of
	// flite and espeak-ng's Mandarin voice. Voice is then what a script's
	// "default" voice means ("" for the engine's own).
	Synthesizer tts.Synthesizer
	Voice       string
}

// NewPromptSpeaker loads flite (required) and espeak-ng (optional: without it
// Chinese prompts fail to speak and are skipped, logged).
func NewPromptSpeaker(opts SpeakerOptions) (*PromptSpeaker, error) {
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	s := &PromptSpeaker{log: opts.Logger, caches: map[string]*tts.Cache{}, engines: map[string]string{},
		templates: map[string]*tts.Template{}}
	if opts.Synthesizer != nil {
		c, err := tts.NewCache(tts.CacheOptions{Synthesizer: opts.Synthesizer, OnSynthesize: opts.OnSynthesize, MaxBytes: opts.MaxBytes,
			Dir: opts.Dir, Codec: opts.Codec, WarmParallelism: 4, Logger: opts.Logger})
		if err != nil {
			return nil, fmt.Errorf("prompt speaker: %w", err)
		}
		s.caches["en"], s.caches["zh"] = c, c
		s.engines["en"], s.engines["zh"] = opts.Voice, opts.Voice
		return s, nil
	}
	flite, err := tts.NewFlite(tts.FliteOptions{Logger: opts.Logger})
	if err != nil {
		return nil, fmt.Errorf("prompt speaker: %w", err)
	}
	dir := func(family string) string {
		if opts.Dir == "" {
			return ""
		}
		return opts.Dir + "/" + family
	}
	if s.caches["en"], err = tts.NewCache(tts.CacheOptions{Synthesizer: flite, OnSynthesize: opts.OnSynthesize, MaxBytes: opts.MaxBytes, Dir: dir("en"),
		Codec: opts.Codec, Logger: opts.Logger}); err != nil {
		return nil, fmt.Errorf("prompt speaker: %w", err)
	}
	if es, err := tts.NewESpeak(tts.ESpeakOptions{Logger: opts.Logger, DefaultVoice: "cmn"}); err != nil {
		opts.Logger.Warn("no Mandarin voice: zh-CN prompts will not be spoken", zap.Error(err))
	} else if s.caches["zh"], err = tts.NewCache(tts.CacheOptions{Synthesizer: es, OnSynthesize: opts.OnSynthesize, MaxBytes: opts.MaxBytes, Dir: dir("zh"),
		Codec: opts.Codec, WarmParallelism: 4, Logger: opts.Logger}); err != nil {
		return nil, fmt.Errorf("prompt speaker: %w", err)
	}
	s.engines["zh"] = "cmn"
	return s, nil
}

// family is the engine family of a BCP 47 locale.
func family(locale string) string {
	if strings.HasPrefix(strings.ToLower(locale), "zh") {
		return "zh"
	}
	return "en"
}

// voice is the engine voice for a script's voice and locale ("default" picks the
// engine's own).
func (s *PromptSpeaker) voice(locale, voice string) string {
	if voice == "" || voice == "default" {
		return s.engines[family(locale)]
	}
	return voice
}

func (s *PromptSpeaker) template(text string) (*tts.Template, error) {
	s.mu.RLock()
	t := s.templates[text]
	s.mu.RUnlock()
	if t != nil {
		return t, nil
	}
	t, err := tts.ParseTemplate(text)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.templates[text] = t
	s.mu.Unlock()
	return t, nil
}

// Speak implements voicebot.Speaker: the returned source starts at once. Every
// segment — static text, and each variable once verbalised — is looked up in the
// cache by its text; a miss is synthesised into the cache in the background
// (reading as silence until it is ready), so a value that recurs across calls
// (a due date, a common first name) is synthesised once, like the static text.
func (s *PromptSpeaker) Speak(ctx context.Context, p voicebot.Prompt) (media.Source, error) {
	c := s.caches[family(p.Locale)]
	if c == nil {
		return nil, fmt.Errorf("speak %s: no text-to-speech engine for %s", p.State, p.Locale)
	}
	text := p.Template
	if text == "" {
		text = p.Text
	}
	t, err := s.template(text)
	if err != nil {
		return nil, fmt.Errorf("speak %s: %w", p.State, err)
	}
	loc, err := verbal.ParseLocale(p.Locale)
	if err != nil {
		loc = verbal.EnUS
	}
	voice := s.voice(p.Locale, p.Voice)
	parts := make([]media.Source, 0, len(t.Segments))
	for _, seg := range t.Segments {
		say := strings.TrimSpace(seg.Text)
		if seg.Var != "" {
			val, ok := p.Vars[seg.Var]
			if !ok {
				return nil, fmt.Errorf("speak %s: {{%s}}: %w", p.State, seg.Var, tts.ErrMissingVariable)
			}
			if say, err = verbal.Filter(loc, seg.Filter, val); err != nil {
				return nil, fmt.Errorf("speak %s: {{%s | %s}}: %w", p.State, seg.Var, seg.Filter, err)
			}
			say = strings.TrimSpace(say)
		}
		if strings.Trim(say, silentPunct) == "" {
			continue // punctuation alone between two variables: nothing to say
		}
		req := tts.Request{Text: say, Voice: voice}
		if pr, ok := c.Lookup(c.KeyFor(req)); ok {
			parts = append(parts, pr.Source())
			continue
		}
		parts = append(parts, fill(ctx, c, req))
	}
	return tts.Sequence(parts...), nil
}

// silentPunct is what a segment may consist of and still say nothing.
const silentPunct = ".,;:!?。，；：！？ "

// fill synthesises req into the cache in the background and plays it once
// there (concurrent misses of one text synthesise once: Cache.Get).
func fill(ctx context.Context, c *tts.Cache, req tts.Request) media.Source {
	l := &pending{ready: make(chan struct{})}
	go func() {
		pr, err := c.Get(ctx, req)
		if err == nil {
			l.src = pr.Source()
		}
		l.err = err
		close(l.ready)
	}()
	return l
}

// pending plays a prompt that is still being synthesised: silence until then.
type pending struct {
	ready chan struct{} // closed once src or err is set
	src   media.Source
	err   error
}

func (l *pending) ReadFrame(dst []int16) (int, error) {
	select {
	case <-l.ready:
	default:
		return 0, nil
	}
	if l.err != nil {
		return 0, l.err
	}
	return l.src.ReadFrame(dst)
}

// Warm synthesises the static parts of every prompt of bot into the cache.
func (s *PromptSpeaker) Warm(ctx context.Context, bot *voicebot.Bot) error {
	c := s.caches[family(bot.Locale)]
	if c == nil {
		return fmt.Errorf("warm %s: no text-to-speech engine for %s", bot.Name, bot.Locale)
	}
	voice := s.voice(bot.Locale, bot.Voice)
	var reqs []tts.Request
	for _, text := range bot.PromptTemplates() {
		t, err := s.template(text)
		if err != nil {
			return fmt.Errorf("warm %s: %w", bot.Name, err)
		}
		for _, st := range t.Static() {
			if strings.Trim(st, silentPunct) == "" {
				continue // Render skips punctuation alone too
			}
			reqs = append(reqs, tts.Request{Text: st, Voice: voice})
		}
	}
	if err := c.Warm(ctx, reqs); err != nil {
		return fmt.Errorf("warm %s: %w", bot.Name, err)
	}
	return nil
}
