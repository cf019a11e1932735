package asr

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// NewVosk returns an engine for a Vosk server (alphacep/vosk-server, websocket
// flavour), the usual self-hosted choice for many languages.
//
// Protocol: the client sends {"config": {"sample_rate": 8000, "words": 1,
// "phrase_list": [...]}} then binary 16-bit little-endian PCM; the server answers each
// chunk with {"partial": "..."} or, at its own end-of-utterance detection, {"result":
// [{"word","start","end","conf"}...], "text": "..."}. {"eof": 1} asks for the final
// result, after which the server closes the session. With a grammar the phrase list
// restricts decoding to the phrases plus "[unk]", so off-topic speech comes back as
// "[unk]" and matches no intent.
func NewVosk(opts NetOptions) (Engine, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	return &netEngine{opts: opts, proto: voskProto{}}, nil
}

type voskProto struct{}

func (voskProto) name() string { return "vosk" }

type voskConfig struct {
	Config struct {
		SampleRate int      `json:"sample_rate"`
		Words      int      `json:"words"`
		PhraseList []string `json:"phrase_list,omitempty"`
	} `json:"config"`
}

func (voskProto) open(g *Grammar, rate int) []byte {
	var c voskConfig
	c.Config.SampleRate, c.Config.Words = rate, 1
	if g != nil && len(g.Intents) > 0 {
		seen := map[string]bool{}
		for _, p := range g.phrases() {
			text := strings.Join(p.words, " ")
			if !seen[text] {
				seen[text] = true
				c.Config.PhraseList = append(c.Config.PhraseList, text)
			}
		}
		c.Config.PhraseList = append(c.Config.PhraseList, "[unk]")
	}
	b, _ := json.Marshal(c)
	return b
}

func (voskProto) end() ([]byte, bool) { return []byte(`{"eof" : 1}`), true }

// voskMessage is a server message: exactly one of Partial and Text/Result is set.
type voskMessage struct {
	Partial *string `json:"partial"`
	Text    *string `json:"text"`
	Result  []struct {
		Word  string  `json:"word"`
		Start float64 `json:"start"`
		End   float64 `json:"end"`
		Conf  float64 `json:"conf"`
	} `json:"result"`
}

func (voskProto) parse(data []byte) ([]netEvent, error) {
	var m voskMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("vosk: %w: %v", ErrBadMessage, err)
	}
	switch {
	case m.Text != nil:
		ev := netEvent{final: true, text: cleanVosk(*m.Text)}
		if len(m.Result) > 0 {
			var conf float64
			for _, w := range m.Result {
				if w.Start < 0 || w.End < w.Start || w.Conf < 0 || w.Conf > 1.0001 {
					return nil, fmt.Errorf("vosk: word %+v: %w", w, ErrBadMessage)
				}
				conf += w.Conf
			}
			ev.confidence = conf / float64(len(m.Result))
			ev.start = secs(m.Result[0].Start)
			ev.end = secs(m.Result[len(m.Result)-1].End)
		} else if ev.text != "" {
			ev.confidence = 1
		}
		return []netEvent{ev}, nil
	case m.Partial != nil:
		return []netEvent{{text: cleanVosk(*m.Partial)}}, nil
	}
	return nil, fmt.Errorf("vosk: message with neither partial nor text: %w", ErrBadMessage)
}

// cleanVosk drops the out-of-grammar token.
func cleanVosk(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "[unk]", "")), " ")
}

func secs(f float64) time.Duration {
	if f > 1e6 {
		f = 1e6
	}
	return time.Duration(f * float64(time.Second))
}
