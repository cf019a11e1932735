package asr

import (
	"encoding/json"
	"fmt"
	"strings"
)

// NewFunASR returns an engine for a FunASR runtime server (modelscope/FunASR,
// websocket), the common self-hosted choice for Mandarin.
//
// Protocol: the client opens with {"mode": "2pass", "chunk_size": [5, 10, 5],
// "chunk_interval": 10, "wav_name": "voxdial", "is_speaking": true, "audio_fs": 8000,
// "wav_format": "pcm", "itn": true, "hotwords": "{\"phrase\": 20, ...}"} then sends
// binary 16-bit PCM. The server sends {"mode": "2pass-online", "text": ...} partials
// (each a piece of text, accumulated) and {"mode": "2pass-offline", "text": ...,
// "is_final": ...} when its VAD ends a sentence; {"is_speaking": false} flushes the
// last sentence. The grammar's phrases are sent as hotwords (a bias, not a limit), so
// intents come from matching the text. Hotwords travel in the opening message, so a
// new grammar (the next listening state of a live call) opens a new connection:
// at once when the caller is quiet, after the sentence's final otherwise.
func NewFunASR(opts NetOptions) (Engine, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	return &netEngine{opts: opts, proto: &funasrProto{}}, nil
}

type funasrProto struct{}

func (*funasrProto) name() string { return "funasr" }

type funasrOpen struct {
	Mode          string `json:"mode"`
	ChunkSize     []int  `json:"chunk_size"`
	ChunkInterval int    `json:"chunk_interval"`
	WavName       string `json:"wav_name"`
	IsSpeaking    bool   `json:"is_speaking"`
	AudioFS       int    `json:"audio_fs"`
	WavFormat     string `json:"wav_format"`
	ITN           bool   `json:"itn"`
	Hotwords      string `json:"hotwords,omitempty"`
}

func (*funasrProto) open(g *Grammar, rate int) []byte {
	o := funasrOpen{Mode: "2pass", ChunkSize: []int{5, 10, 5}, ChunkInterval: 10, WavName: "voxdial",
		IsSpeaking: true, AudioFS: rate, WavFormat: "pcm", ITN: true}
	if g != nil && len(g.Intents) > 0 {
		hot := map[string]int{}
		for _, in := range g.Intents {
			for _, p := range in.Phrases {
				hot[p] = 20
			}
		}
		b, _ := json.Marshal(hot)
		o.Hotwords = string(b)
	}
	b, _ := json.Marshal(o)
	return b
}

// reopenOnGrammar: hotwords are read from the opening message, so each listening
// state's phrases reach the server on a connection of their own.
func (*funasrProto) reopenOnGrammar() bool { return true }

func (*funasrProto) end() ([]byte, bool) { return []byte(`{"is_speaking": false}`), true }

type funasrMessage struct {
	Mode    *string `json:"mode"`
	Text    *string `json:"text"`
	IsFinal *bool   `json:"is_final"`
	WavName string  `json:"wav_name"`
}

// parse: "online" and "2pass-online" carry partial text; "offline" and "2pass-offline"
// carry a finished sentence. Online pieces are increments, so the worker's partial is
// the text so far; the offline result replaces it.
func (*funasrProto) parse(data []byte) ([]netEvent, error) {
	var m funasrMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("funasr: %w: %v", ErrBadMessage, err)
	}
	if m.Mode == nil || m.Text == nil {
		return nil, fmt.Errorf("funasr: message without mode or text: %w", ErrBadMessage)
	}
	text := strings.TrimSpace(*m.Text)
	switch *m.Mode {
	case "online", "2pass-online":
		// Pieces keep their leading space: English pieces are words to join.
		return []netEvent{{text: *m.Text, increment: true}}, nil
	case "offline", "2pass-offline":
		ev := netEvent{final: true, text: text}
		if text != "" {
			ev.confidence = 1 // FunASR reports no confidence
		}
		return []netEvent{ev}, nil
	}
	return nil, fmt.Errorf("funasr: mode %q: %w", *m.Mode, ErrBadMessage)
}
