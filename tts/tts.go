package tts

import (
	"context"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Synthesizer turns text into audio. Implementations are safe for concurrent use by
// many calls at once.
type Synthesizer interface {
	// Name identifies the engine in cache keys and logs ("flite", "http", "espeak").
	Name() string
	// Synthesize speaks req.Text and hands the audio to emit in consecutive chunks of
	// mono 16-bit PCM at req.Rate, as soon as each is ready. emit must not keep the
	// slice after it returns (it is reused); an error from emit stops synthesis and is
	// returned. Bad requests fail before any audio with ErrEmptyText, ErrUnknownVoice or
	// ErrUnsupportedRate (wrapped).
	Synthesize(ctx context.Context, req Request, emit func(pcm []int16) error) error
}

// Request is one thing to say.
type Request struct {
	Text  string
	Voice string // engine voice name; "" or "default" picks the engine's default
	Rate  int    // output sample rate in Hz; 0 means 8000
	// Speed scales the speaking rate: 1 (or 0) is the voice's own, 1.25 is 25 %
	// faster. Engines clamp it to [0.5, 2].
	Speed float64
}

// MaxTextBytes bounds one request: a prompt is a few sentences, and an unbounded text
// would let one caller variable pin an engine for minutes.
const MaxTextBytes = 4096

// normalize validates r and fills its defaults.
func (r Request) normalize() (Request, error) {
	r.Text = strings.TrimSpace(r.Text)
	if r.Text == "" {
		return r, ErrEmptyText
	}
	if len(r.Text) > MaxTextBytes {
		return r, fmt.Errorf("%d bytes, limit %d: %w", len(r.Text), MaxTextBytes, ErrTextTooLong)
	}
	if !utf8.ValidString(r.Text) {
		return r, fmt.Errorf("text is not UTF-8: %w", ErrEmptyText)
	}
	if r.Rate == 0 {
		r.Rate = 8000
	}
	if r.Speed == 0 {
		r.Speed = 1
	}
	r.Speed = min(2, max(0.5, r.Speed))
	if r.Voice == "default" {
		r.Voice = ""
	}
	return r, nil
}

// supportedRate reports whether the resampler path handles rate: the telephone rate and
// the wideband rates engines and recognisers use.
func supportedRate(rate int) bool {
	switch rate {
	case 8000, 16000, 22050, 24000, 32000, 44100, 48000:
		return true
	}
	return false
}

// Sentences splits text at sentence and clause ends so engines can emit the first
// sentence while the rest is still being synthesised. Punctuation stays with its
// sentence; CJK full stops split too. Pieces are trimmed and never empty.
func Sentences(text string) []string {
	var out []string
	start := 0
	runes := []rune(text)
	flush := func(end int) {
		s := strings.TrimSpace(string(runes[start:end]))
		if s != "" {
			out = append(out, s)
		}
		start = end
	}
	for i, r := range runes {
		switch r {
		case '。', '！', '？', '；':
			flush(i + 1)
		case '.', '!', '?', ';':
			// A full stop ends a sentence only before white space or the end: "1.5",
			// "e.g." inside a word and "$3.50" stay whole.
			if i+1 == len(runes) || unicode.IsSpace(runes[i+1]) {
				flush(i + 1)
			}
		}
	}
	flush(len(runes))
	return out
}
