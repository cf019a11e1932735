package voicebot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/voxdial/voxdial/internal/safehttp"
)

// ErrLLM: a chat completion failed (timeout, HTTP error, unreadable answer).
var ErrLLM = errors.New("llm completion failed")

// LLMChat asks an OpenAI-compatible chat-completions API for free text, with the same
// configuration as the intent classifier (LLMOptions). Package aftercall uses it for the
// optional LLM call summary.
type LLMChat struct {
	opts LLMOptions
}

// NewLLMChat checks opts and fills defaults (Timeout default 10s: nobody waits on the line).
func NewLLMChat(opts LLMOptions) (*LLMChat, error) {
	if opts.BaseURL == "" || opts.Model == "" {
		return nil, errors.New("llm: base URL and model are required")
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.Client == nil {
		opts.Client = safehttp.ForEndpoint(opts.BaseURL, nil, safehttp.Options{})
	}
	opts.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	return &LLMChat{opts: opts}, nil
}

// Complete sends a system and a user message and returns the model's answer, trimmed.
func (c *LLMChat) Complete(ctx context.Context, system, user string, maxTokens int) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	body, _ := json.Marshal(chatRequest{Model: c.opts.Model, Temperature: 0, MaxTokens: maxTokens,
		Messages: []chatMessage{{Role: "system", Content: system}, {Role: "user", Content: user}}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.opts.BaseURL+"/chat/completions", bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrLLM, err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.opts.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.opts.APIKey)
	}
	resp, err := c.opts.Client.Do(req)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrLLM, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", fmt.Errorf("%w: read answer: %v", ErrLLM, err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%w: HTTP %d", ErrLLM, resp.StatusCode)
	}
	var cr chatResponse
	if err := json.Unmarshal(raw, &cr); err != nil || len(cr.Choices) == 0 {
		return "", fmt.Errorf("%w: not a chat completion", ErrLLM)
	}
	out := strings.TrimSpace(cr.Choices[0].Message.Content)
	if out == "" {
		return "", fmt.Errorf("%w: empty answer", ErrLLM)
	}
	return out, nil
}
