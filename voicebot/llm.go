package voicebot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/voxdial/voxdial/internal/safehttp"
)

// ErrClassifier: the LLM classifier failed (timeout, HTTP error, unreadable answer);
// the runtime falls back to phrase matching.
var ErrClassifier = errors.New("intent classifier failed")

// LLMOptions configure an LLM intent classifier over an OpenAI-compatible chat
// completions API (POST {BaseURL}/chat/completions). It is off unless a deployment
// configures it.
type LLMOptions struct {
	BaseURL string // e.g. http://127.0.0.1:8000/v1
	Model   string
	APIKey  string        // sent as a Bearer token when set
	Timeout time.Duration // per utterance; default 1.5s (the caller is waiting)
	// MinScore is the confidence below which the answer counts as no intent; default 0.5.
	MinScore float64
	// Client default: one with no timeout of its own (Timeout applies) that
	// reaches BaseURL's host:port and follows no redirect (internal/safehttp).
	Client *http.Client
}

// LLMClassifier asks a language model which intent an utterance expresses.
type LLMClassifier struct {
	opts LLMOptions
}

// NewLLMClassifier checks opts and fills defaults.
func NewLLMClassifier(opts LLMOptions) (*LLMClassifier, error) {
	if opts.BaseURL == "" || opts.Model == "" {
		return nil, errors.New("llm classifier: base URL and model are required")
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 1500 * time.Millisecond
	}
	if opts.MinScore <= 0 {
		opts.MinScore = 0.5
	}
	if opts.Client == nil {
		// The configured endpoint, even on a private address, and nothing a
		// redirect points to (internal/safehttp).
		opts.Client = safehttp.ForEndpoint(opts.BaseURL, nil, safehttp.Options{})
	}
	opts.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	return &LLMClassifier{opts: opts}, nil
}

type chatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type chatRequest struct {
	Model       string        `json:"model"`
	Messages    []chatMessage `json:"messages"`
	Temperature float64       `json:"temperature"`
	MaxTokens   int           `json:"max_tokens"`
}

type chatResponse struct {
	Choices []struct {
		Message chatMessage `json:"message"`
	} `json:"choices"`
}

// Classify implements Classifier. The model is shown the candidate intents with their
// example phrases and must answer with one JSON object {"intent": name or "none",
// "confidence": 0..1}.
func (c *LLMClassifier) Classify(ctx context.Context, text string, candidates map[string][]string) (Match, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	names := make([]string, 0, len(candidates))
	for n := range candidates {
		names = append(names, n)
	}
	sort.Strings(names)
	var sys strings.Builder
	sys.WriteString("You classify what a person said on a phone call into one intent. Intents, with example phrases:\n")
	for _, n := range names {
		fmt.Fprintf(&sys, "- %s: %s\n", n, strings.Join(candidates[n], " | "))
	}
	sys.WriteString(`Answer with only a JSON object: {"intent": "<one intent name or none>", "confidence": <0 to 1>}.`)
	body, _ := json.Marshal(chatRequest{
		Model: c.opts.Model, Temperature: 0, MaxTokens: 40,
		Messages: []chatMessage{{Role: "system", Content: sys.String()}, {Role: "user", Content: text}},
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.opts.BaseURL+"/chat/completions", bytes.NewReader(body))
	if err != nil {
		return Match{}, false, fmt.Errorf("%w: %v", ErrClassifier, err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.opts.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.opts.APIKey)
	}
	resp, err := c.opts.Client.Do(req)
	if err != nil {
		return Match{}, false, fmt.Errorf("%w: %v", ErrClassifier, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return Match{}, false, fmt.Errorf("%w: read answer: %v", ErrClassifier, err)
	}
	if resp.StatusCode != http.StatusOK {
		return Match{}, false, fmt.Errorf("%w: HTTP %d", ErrClassifier, resp.StatusCode)
	}
	var cr chatResponse
	if err := json.Unmarshal(raw, &cr); err != nil || len(cr.Choices) == 0 {
		return Match{}, false, fmt.Errorf("%w: not a chat completion", ErrClassifier)
	}
	content := cr.Choices[0].Message.Content
	i, j := strings.Index(content, "{"), strings.LastIndex(content, "}")
	if i < 0 || j < i {
		return Match{}, false, fmt.Errorf("%w: no JSON in the answer %q", ErrClassifier, content)
	}
	var ans struct {
		Intent     string  `json:"intent"`
		Confidence float64 `json:"confidence"`
	}
	if err := json.Unmarshal([]byte(content[i:j+1]), &ans); err != nil {
		return Match{}, false, fmt.Errorf("%w: answer %q: %v", ErrClassifier, content, err)
	}
	if ans.Intent == "" || ans.Intent == "none" || ans.Confidence < c.opts.MinScore {
		return Match{}, false, nil
	}
	if _, ok := candidates[ans.Intent]; !ok {
		return Match{}, false, fmt.Errorf("%w: answered unknown intent %q", ErrClassifier, ans.Intent)
	}
	return Match{Intent: ans.Intent, Score: round3(min(1, ans.Confidence)), Source: "llm"}, true, nil
}
