package live

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/voxdial/voxdial/asr"
	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/tts"
	"github.com/voxdial/voxdial/voicebot"
)

// ErrVariables: the contact's variables do not satisfy the script's
// `requires` (or cannot be read).
var ErrVariables = errors.New("script variables")

// Options configure a Host. Zero values take the defaults noted.
type Options struct {
	Logger *zap.Logger // default: no logging
	// NewSpeaker makes the speaker for voice-bot prompts, once, on first use;
	// default: a PromptSpeaker (the tts prompt cache over flite, and espeak-ng's
	// Mandarin voice for zh scripts). A speaker with a Warm method is warmed
	// with each script as it loads, before any call.
	NewSpeaker func() (voicebot.Speaker, error)
	// OnResult, when set, sees each voice-bot call's bot result as the script
	// ends (benchmarks and tests read figures the call result does not carry).
	OnResult func(callID string, res voicebot.Result)
	// Metrics, when set, observes every voice-bot call's turn latencies and
	// answer-to-first-audio (see NewMetrics).
	Metrics *Metrics
	// NewRecognizer makes the speech recognition engine, once, on first use;
	// default: embedded pocketsphinx. A nil engine (or an error, logged) leaves
	// live calls hearing DTMF and silence only.
	NewRecognizer func(vocabulary []string) (asr.Engine, error)
	// NoAMD turns answering-machine detection off; by default a voice-bot call
	// decides human / machine from the first seconds after answer and a
	// machine gets the script's voicemail branch after its beep.
	NoAMD bool
	// OptOut, when set, gives each call's opt-out (compliance.OptOuts.For): a voice-bot
	// `action: opt_out` then takes the number off the calling lists at once.
	OptOut func(callID, to string) voicebot.OptOuter
	// OnSynthesize gets the time of every prompt synthesis of the default speaker
	// (cache misses only; metrics).
	OnSynthesize func(time.Duration, error)
	// Transfers, when set, gives a call's transfer admission (the campaign
	// runner's agents); nil for a call, or no Transfers, transfers at once.
	Transfers func(callID string) TransferAdmitter
	// Engines, when set, chooses the engines of scripts in a locale (the
	// script's locale:, BCP 47), asked once per locale on its first script.
	// What it leaves nil takes the host-wide default: NewRecognizer,
	// NewSpeaker, no classifier.
	Engines func(locale string) LocaleEngines
}

// LocaleEngines are the engines of one script locale.
type LocaleEngines struct {
	// NewRecognizer makes the locale's recogniser, once, on its first
	// voice-bot script; nil: the host's (Options.NewRecognizer). An error
	// leaves the locale's calls hearing DTMF and silence only (logged).
	NewRecognizer func(vocabulary []string) (asr.Engine, error)
	// NewSynthesizer makes the engine that speaks the locale's prompts through
	// a prompt cache of its own (a PromptSpeaker), and the voice a script's
	// "default" voice means ("" for the engine's own); nil: the host's speaker
	// (Options.NewSpeaker).
	NewSynthesizer func() (tts.Synthesizer, string, error)
	// Classifier, when set, is asked about utterances the phrase matcher
	// cannot match exactly (voicebot.LLMClassifier).
	Classifier voicebot.Classifier
}

// TransferAdmitter decides whether a voice bot's transfer may go ahead: a
// human agent must be free to take it.
type TransferAdmitter interface {
	// Admit blocks until an agent is free for the transfer to target, or returns
	// an error: the transfer is then abandoned (the bot's transfer fails).
	Admit(ctx context.Context, target string) error
	// Done reports how an admitted transfer went: method refer or bridge, or err.
	Done(method string, err error)
}

// admitted is a transfer that asks the admitter first.
type admitted struct {
	next  voicebot.Transferer
	admit TransferAdmitter
}

func (a admitted) Transfer(ctx context.Context, target string) (string, error) {
	if err := a.admit.Admit(ctx, target); err != nil {
		return "", fmt.Errorf("%w: %w", voicebot.ErrNoTransfer, err)
	}
	method, err := a.next.Transfer(ctx, target)
	a.admit.Done(method, err)
	return method, err
}

// Host loads scripts (once per path) and runs them on calls. Safe for
// concurrent use by many calls.
type Host struct {
	opts Options
	log  *zap.Logger

	mu      sync.Mutex
	scripts map[string]*voicebot.Script

	speakerOnce sync.Once
	speaker     voicebot.Speaker
	speakerErr  error

	asrOnce sync.Once
	asr     asr.Engine

	// engines are the recognisers made so far by locale ("" the shared one), for
	// the work counters (Collector); under mu.
	engines map[string]asr.Engine
	// framesDropped counts caller audio frames recognisers dropped, behind by more
	// than their queue.
	framesDropped atomic.Int64

	locales map[string]*localeState // by lower-case locale; under mu
}

// localeState is one locale's engines, made once each on first use.
type localeState struct {
	engines LocaleEngines

	speakerOnce sync.Once
	speaker     voicebot.Speaker
	speakerErr  error

	asrOnce sync.Once
	asr     asr.Engine
}

// NewHost returns a Host.
func NewHost(opts Options) *Host {
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	if opts.NewSpeaker == nil {
		log, onSynth := opts.Logger, opts.OnSynthesize
		opts.NewSpeaker = func() (voicebot.Speaker, error) {
			return NewPromptSpeaker(SpeakerOptions{Logger: log, OnSynthesize: onSynth})
		}
	}
	if opts.NewRecognizer == nil {
		opts.NewRecognizer = func(vocab []string) (asr.Engine, error) {
			return asr.NewSphinx(asr.SphinxOptions{Vocabulary: vocab})
		}
	}
	return &Host{opts: opts, log: opts.Logger, scripts: map[string]*voicebot.Script{}, locales: map[string]*localeState{},
		engines: map[string]asr.Engine{}}
}

// locale is the engines of a locale, asked of Options.Engines once.
func (h *Host) locale(locale string) *localeState {
	key := strings.ToLower(locale)
	h.mu.Lock()
	defer h.mu.Unlock()
	ls, ok := h.locales[key]
	if !ok {
		ls = &localeState{}
		if h.opts.Engines != nil {
			ls.engines = h.opts.Engines(locale)
		}
		h.locales[key] = ls
	}
	return ls
}

// Script is a loaded script bound to a host.
type Script struct {
	host   *Host
	script *voicebot.Script
}

// warmTimeout bounds warming one script's prompts at load.
const warmTimeout = 2 * time.Minute

// Load reads and checks the script at path ("asset:NAME" for a built-in one).
// A voice-bot script's prompts are synthesised into the speaker's cache now,
// before any call is dialled; a speaker that cannot is logged, and its calls
// synthesise on first use.
func (h *Host) Load(path string) (*Script, error) {
	h.mu.Lock()
	s, ok := h.scripts[path]
	h.mu.Unlock()
	if !ok {
		var err error
		if s, err = voicebot.LoadScript(path); err != nil {
			return nil, err
		}
		if s.Bot != nil {
			h.warm(s.Bot)
		}
		h.mu.Lock()
		h.scripts[path] = s
		h.mu.Unlock()
	}
	return &Script{host: h, script: s}, nil
}

// warm fills the speaker's prompt cache with bot's static prompt parts.
func (h *Host) warm(bot *voicebot.Bot) {
	sp, err := h.speakerForLocale(bot.Locale)
	if err != nil {
		return // Prepare reports it
	}
	w, ok := sp.(interface {
		Warm(ctx context.Context, bot *voicebot.Bot) error
	})
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), warmTimeout)
	defer cancel()
	start := time.Now()
	if err := w.Warm(ctx, bot); err != nil {
		h.log.Warn("prompts not warmed: calls synthesise them on first use", zap.String("script", bot.Name), zap.Error(err))
		return
	}
	h.log.Debug("prompts warmed", zap.String("script", bot.Name), zap.Duration("took", time.Since(start)))
}

// IsBot reports whether this is a full voice-bot script (states, intents).
func (s *Script) IsBot() bool { return s.script.Bot != nil }

// Bot is the voice-bot script (nil for a step script); read-only.
func (s *Script) Bot() *voicebot.Bot { return s.script.Bot }

// Prepare checks vars against the script (a voice-bot script's `requires`),
// readies the speaker, and sets req.OnAudio so that the callee's audio reaches
// the bot. The returned function runs the script once the call is answered;
// it hangs up when the script ends (as timeout when max_call ran out) and
// records the bot's part of the result in the call.
func (s *Script) Prepare(vars map[string]string, req *dialer.DialRequest) (func(ctx context.Context, call *dialer.Call) error, error) {
	if s.script.Bot == nil {
		return func(ctx context.Context, call *dialer.Call) error {
			return finish(ctx, call, s.script.Run(ctx, call))
		}, nil
	}
	if _, err := voicebot.NewMachine(s.script.Bot, voicebot.MachineOptions{Vars: vars}); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrVariables, err)
	}
	speaker, err := s.host.speakerForLocale(s.script.Bot.Locale)
	if err != nil {
		return nil, err
	}
	tap := &audioTap{}
	prev := req.OnAudio
	req.OnAudio = func(pcm []int16, at time.Duration) {
		tap.OnAudio(pcm, at)
		if prev != nil {
			prev(pcm, at)
		}
	}
	bot := s.script.Bot
	log := s.host.log
	to := req.To
	eng := s.host.recognizer(bot)
	classifier := s.host.locale(bot.Locale).engines.Classifier
	return func(ctx context.Context, call *dialer.Call) error {
		var optOut voicebot.OptOuter
		if s.host.opts.OptOut != nil {
			optOut = s.host.opts.OptOut(call.ID(), to)
		}
		var admit TransferAdmitter
		if s.host.opts.Transfers != nil {
			admit = s.host.opts.Transfers(call.ID())
		}
		err := finish(ctx, call, runBot(ctx, call, bot, vars, speaker, eng, classifier, s.host.opts.NoAMD, tap, optOut, admit, s.host.opts.Metrics, &s.host.framesDropped, s.host.opts.OnResult, log))
		inspectCall(call, bot) // after the hang-up: the call's length is known
		return err
	}, nil
}

// recognizer is the engine of bot's locale when Options.Engines gives one,
// else the shared engine; each is made on first use from the first voice-bot
// script's phrases (engines add words of later scripts as they meet them).
func (h *Host) recognizer(bot *voicebot.Bot) asr.Engine {
	if ls := h.locale(bot.Locale); ls.engines.NewRecognizer != nil {
		ls.asrOnce.Do(func() {
			eng, err := ls.engines.NewRecognizer(botPhrases(bot))
			if err != nil {
				h.log.Warn("speech recognition unavailable: live calls hear DTMF and silence only",
					zap.String("locale", bot.Locale), zap.Error(err))
				return
			}
			ls.asr = eng
			h.keepEngine(bot.Locale, eng)
		})
		return ls.asr
	}
	h.asrOnce.Do(func() {
		eng, err := h.opts.NewRecognizer(botPhrases(bot))
		if err != nil {
			h.log.Warn("speech recognition unavailable: live calls hear DTMF and silence only", zap.Error(err))
			return
		}
		h.asr = eng
		h.keepEngine("", eng)
	})
	return h.asr
}

// keepEngine records a recogniser made for locale ("" the shared one) for Collector.
func (h *Host) keepEngine(locale string, eng asr.Engine) {
	h.mu.Lock()
	h.engines[strings.ToLower(locale)] = eng
	h.mu.Unlock()
}

// SpeakText synthesises text with the host's speaker (through its prompt
// cache): the campaign runner's abandonment message.
func (h *Host) SpeakText(ctx context.Context, text string) (media.Source, error) {
	sp, err := h.speakerFor()
	if err != nil {
		return nil, err
	}
	return sp.Speak(ctx, voicebot.Prompt{Text: text, Template: text})
}

func (h *Host) speakerFor() (voicebot.Speaker, error) {
	h.speakerOnce.Do(func() { h.speaker, h.speakerErr = h.opts.NewSpeaker() })
	return h.speaker, h.speakerErr
}

// speakerForLocale is the locale's own speaker when Options.Engines gives it
// a synthesiser, else the host's.
func (h *Host) speakerForLocale(locale string) (voicebot.Speaker, error) {
	ls := h.locale(locale)
	if ls.engines.NewSynthesizer == nil {
		return h.speakerFor()
	}
	ls.speakerOnce.Do(func() {
		syn, voice, err := ls.engines.NewSynthesizer()
		if err != nil {
			ls.speakerErr = fmt.Errorf("text-to-speech for %s: %w", locale, err)
			return
		}
		ls.speaker, ls.speakerErr = NewPromptSpeaker(SpeakerOptions{Logger: h.log, OnSynthesize: h.opts.OnSynthesize,
			Synthesizer: syn, Voice: voice})
	})
	return ls.speaker, ls.speakerErr
}

// finish hangs up after the script: as a timeout when max_call ran out, as
// the bot otherwise (a no-op when the callee hung up first).
func finish(ctx context.Context, call *dialer.Call, runErr error) error {
	switch {
	case errors.Is(runErr, voicebot.ErrMaxCall):
		_ = call.HangupTimeout(context.WithoutCancel(ctx))
		return nil
	case runErr != nil:
		_ = call.Hangup(context.WithoutCancel(ctx))
		return runErr
	}
	_ = call.Hangup(context.WithoutCancel(ctx))
	return nil
}

// audioTap receives the callee's audio from the call's OnAudio and hands it to whoever
// needs it now: the recogniser while the bot listens, a bridge after a transfer.
type audioTap struct {
	mu    sync.Mutex
	relay *dialer.Relay
	asr   func(pcm []int16, at time.Duration)
	amd   func(pcm []int16, at time.Duration)
}

func (t *audioTap) OnAudio(pcm []int16, at time.Duration) {
	t.mu.Lock()
	relay, asr := t.relay, t.asr
	if t.amd != nil {
		// Under the lock: the detector is closed right after setAMD(nil).
		t.amd(pcm, at)
	}
	t.mu.Unlock()
	if asr != nil {
		asr(pcm, at)
	}
	if relay != nil {
		relay.Write(pcm)
	}
}

func (t *audioTap) setAMD(f func(pcm []int16, at time.Duration)) {
	t.mu.Lock()
	t.amd = f
	t.mu.Unlock()
}

func (t *audioTap) setASR(f func(pcm []int16, at time.Duration)) {
	t.mu.Lock()
	t.asr = f
	t.mu.Unlock()
}

func (t *audioTap) setRelay(r *dialer.Relay) {
	t.mu.Lock()
	t.relay = r
	t.mu.Unlock()
}

// botLeg adapts a dialer.Call to voicebot.BotLeg.
type botLeg struct{ *dialer.Call }

func (l botLeg) StopPlayback() { l.Media().StopPlayback() }

// deafListener hears nothing: until the streaming recogniser is wired, a live
// call listens to keys (DTMF) and silence only.
type deafListener struct{}

func (deafListener) Expect(voicebot.Hints)        {}
func (deafListener) Heard() <-chan voicebot.Heard { return nil }

// watchDTMF turns the digits the call collects into a channel, in order.
func watchDTMF(ctx context.Context, call *dialer.Call) <-chan string {
	ch := make(chan string, 16)
	go func() {
		defer close(ch)
		seen := 0
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-call.Done():
				return
			case <-tick.C:
			}
			digits := call.DTMFReceived()
			for ; seen < len(digits); seen++ {
				select {
				case ch <- string(digits[seen]):
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return ch
}

// runBot drives an answered call with a full voice-bot script and records the
// bot's result in the call's result.
func runBot(ctx context.Context, call *dialer.Call, bot *voicebot.Bot, vars map[string]string, speaker voicebot.Speaker, eng asr.Engine, classifier voicebot.Classifier, noAMD bool, tap *audioTap, optOut voicebot.OptOuter, admit TransferAdmitter, metrics *Metrics, dropped *atomic.Int64, onResult func(string, voicebot.Result), log *zap.Logger) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	log = log.With(zap.String("call_id", call.ID()))
	transfer := voicebot.ReferThenBridge{
		Refer: call.Refer,
		Bridge: func(ctx context.Context, target string) error {
			relay := dialer.NewRelay()
			tap.setRelay(relay)
			_, err := call.Bridge(ctx, target, relay)
			if err != nil {
				tap.setRelay(nil)
			}
			return err
		},
	}
	var transferer voicebot.Transferer = transfer
	if admit != nil {
		transferer = admitted{next: transfer, admit: admit}
	}
	answered := time.Now()
	if a := call.Result().Timings.AnsweredAt; a != nil {
		answered = *a
	}
	var amd <-chan voicebot.AMDEvent
	if !noAMD {
		ch, stop, err := startAMD(call, tap)
		if err != nil {
			log.Warn("no answering-machine detection on this call", zap.Error(err))
		} else {
			defer stop()
			amd = ch
		}
	}
	var listener voicebot.Listener = deafListener{}
	if eng != nil {
		l := newASRListener(ctx, eng, bot.Settings.EndOfTurn, time.Now(), time.Now, log)
		defer l.Close()
		defer func() {
			if n := l.Dropped(); n > 0 {
				dropped.Add(n)
				// Words may be lost with them: the machine is short of CPU for this load.
				log.Warn("the recogniser fell behind and dropped caller audio", zap.Int64("frames", n),
					zap.Duration("audio", time.Duration(n)*media.FrameDuration))
			}
		}()
		tap.setASR(l.Write)
		defer tap.setASR(nil)
		listener = l
	}
	res, err := voicebot.Run(ctx, botLeg{call}, voicebot.RuntimeOptions{
		Bot: bot, Vars: vars, Speaker: speaker, Listener: listener, DTMF: watchDTMF(ctx, call), AMD: amd,
		Transferer: transferer, OptOut: optOut, Classifier: classifier, AnsweredAt: answered, Logger: log,
	})
	call.SetBotResult(func(r *dialer.Result) { FillResult(r, res) })
	metrics.observe(res)
	if onResult != nil {
		onResult(call.ID(), res)
	}
	return err
}

// FillResult copies the bot's result into the call result (docs/call-result.md).
func FillResult(r *dialer.Result, res voicebot.Result) {
	r.Disposition = res.Disposition
	r.Tags = append([]string{}, res.Tags...)
	if r.Variables == nil {
		r.Variables = map[string]string{}
	}
	for k, v := range res.Variables {
		r.Variables[k] = v
	}
	r.OptOut = res.OptOut
	r.Transfer = res.Transfer
	r.Captured, r.Survey = maps.Clone(res.Captured), maps.Clone(res.Survey)
	r.Knowledge, r.Unanswered = slices.Clone(res.Knowledge), slices.Clone(res.Unanswered)
	if res.Callback != nil {
		r.Callback = &dialer.Callback{AfterS: int64(res.Callback.After / time.Second)}
	}
	r.Timings.TurnLatencyMS = append([]int64{}, res.TurnLatencyMS...)
	r.Timings.TurnRecognitionMS = append([]int64{}, res.TurnRecognitionMS...)
	if res.FirstAudioMS != nil {
		// The bot's own figure: when the first frame of audio left on the media
		// clock, not when playback was asked for.
		v := *res.FirstAudioMS
		r.Timings.AnswerToFirstAudioMS = &v
	}
	r.Transcript = r.Transcript[:0]
	for _, t := range res.Transcript {
		r.Transcript = append(r.Transcript, dialer.Turn{
			Role: t.Role, State: t.State, Text: t.Text, Intent: t.Intent, DTMF: t.DTMF, Score: t.Score,
			Match: t.Match, Confidence: t.Confidence, Event: t.Event, Branch: t.Branch,
			StartMS: t.StartMS, EndMS: t.EndMS, Slot: t.Slot, Value: t.Value, Knowledge: t.Knowledge,
			Sentiment: t.Sentiment, Anger: t.Anger, Arousal: t.Arousal,
		})
	}
	r.Sentiment = res.Sentiment
}

// botPhrases lists every phrase of the script's intents: the recogniser's
// vocabulary.
func botPhrases(bot *voicebot.Bot) []string {
	var out []string
	for _, in := range bot.Intents {
		out = append(out, in.Phrases...)
	}
	return append(out, bot.CapturePhrases()...)
}
