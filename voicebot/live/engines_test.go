package live

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/voxdial/voxdial/asr"
	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/tts"
	"github.com/voxdial/voxdial/voicebot"
)

// recordingSynth is a Synthesizer that says a tone for every text and
// records what it was asked.
type recordingSynth struct {
	mu    sync.Mutex
	texts []string
	voice map[string]bool
}

func (s *recordingSynth) Name() string { return "recording" }

func (s *recordingSynth) Synthesize(_ context.Context, req tts.Request, emit func([]int16) error) error {
	s.mu.Lock()
	s.texts = append(s.texts, req.Text)
	s.voice[req.Voice] = true
	s.mu.Unlock()
	pcm := make([]int16, 1600)
	for i := range pcm {
		pcm[i] = int16(1000 * (i % 16))
	}
	return emit(pcm)
}

type nopSpeaker struct{}

func (nopSpeaker) Speak(context.Context, voicebot.Prompt) (media.Source, error) { return nil, nil }

// Options.Engines gives each script locale its own recogniser and speaker
// (asked once per locale); a locale it leaves alone keeps the host's.
func TestHostEnginesPerLocale(t *testing.T) {
	def := &fakeEngine{grammars: map[int][]string{}, samples: map[int]int{}, flushes: map[int]int{}}
	zh := &fakeEngine{grammars: map[int][]string{}, samples: map[int]int{}, flushes: map[int]int{}}
	syn := &recordingSynth{voice: map[string]bool{}}
	var mu sync.Mutex
	asked := map[string]int{}
	var zhVocab []string
	h := NewHost(Options{
		NewSpeaker:    func() (voicebot.Speaker, error) { return nopSpeaker{}, nil },
		NewRecognizer: func([]string) (asr.Engine, error) { return def, nil },
		Engines: func(locale string) LocaleEngines {
			mu.Lock()
			asked[locale]++
			mu.Unlock()
			if !strings.HasPrefix(locale, "zh") {
				return LocaleEngines{}
			}
			return LocaleEngines{
				NewRecognizer: func(vocab []string) (asr.Engine, error) {
					zhVocab = vocab
					return zh, nil
				},
				NewSynthesizer: func() (tts.Synthesizer, string, error) { return syn, "mandarin", nil },
			}
		},
	})
	en, err := h.Load("../testdata/payment-reminder.en.yaml")
	if err != nil {
		t.Fatal(err)
	}
	zhs, err := h.Load("../testdata/payment-reminder.zh.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Load("../testdata/payment-reminder.zh.yaml"); err != nil {
		t.Fatal(err)
	}
	if got := h.recognizer(en.script.Bot); got != def {
		t.Errorf("en-US recogniser %v, want the host's", got)
	}
	if got := h.recognizer(zhs.script.Bot); got != zh || !strings.Contains(strings.Join(zhVocab, " "), "已经还了") {
		t.Errorf("zh-CN recogniser %v (vocabulary %q), want the locale's", got, zhVocab)
	}
	if sp, err := h.speakerForLocale("en-US"); err != nil || sp != (nopSpeaker{}) {
		t.Errorf("en-US speaker %T %v, want the host's", sp, err)
	}
	sp, err := h.speakerForLocale("zh-CN")
	if _, ok := sp.(*PromptSpeaker); err != nil || !ok {
		t.Fatalf("zh-CN speaker %T %v, want a prompt speaker over the locale's synthesiser", sp, err)
	}
	// Loading the zh script warmed its prompts through the locale's engine,
	// in the voice the locale gave for "default".
	syn.mu.Lock()
	texts, voices := strings.Join(syn.texts, "|"), syn.voice
	syn.mu.Unlock()
	if !strings.Contains(texts, "安可金融") || len(voices) != 1 || !voices["mandarin"] {
		t.Errorf("zh synthesiser asked for %q in voices %v", texts, voices)
	}
	mu.Lock()
	defer mu.Unlock()
	if asked["en-US"] != 1 || asked["zh-CN"] != 1 || len(asked) != 2 {
		t.Errorf("Engines asked %v: want once per locale", asked)
	}
}

// A locale whose synthesiser cannot be made fails its scripts' calls at
// Prepare, naming the locale; other locales are unaffected.
func TestHostLocaleSynthesizerError(t *testing.T) {
	h := NewHost(Options{
		NewSpeaker:    func() (voicebot.Speaker, error) { return nopSpeaker{}, nil },
		NewRecognizer: func([]string) (asr.Engine, error) { return nil, nil },
		Engines: func(locale string) LocaleEngines {
			if locale != "zh-CN" {
				return LocaleEngines{}
			}
			return LocaleEngines{NewSynthesizer: func() (tts.Synthesizer, string, error) { return nil, "", tts.ErrNotBuiltIn }}
		},
	})
	if _, err := h.speakerForLocale("zh-CN"); err == nil || !strings.Contains(err.Error(), "zh-CN") {
		t.Errorf("zh-CN speaker error %v", err)
	}
	if sp, err := h.speakerForLocale("en-US"); err != nil || sp == nil {
		t.Errorf("en-US speaker %v %v", sp, err)
	}
}
