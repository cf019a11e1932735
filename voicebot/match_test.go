package voicebot

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func loadExample(t testing.TB, lang string) *Bot {
	t.Helper()
	b, err := LoadBot("testdata/payment-reminder." + lang + ".yaml")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestMatcherEnglish(t *testing.T) {
	t.Parallel()
	m := loadExample(t, "en").Matcher()
	cases := []struct {
		text, intent string
		exact        bool
	}{
		{"yes", "yes", true},
		{"Yes!", "yes", true},
		{"YEAH that's me", "yes", true},
		{"that is me", "yes", true}, // contraction expanded both ways
		{"speaking.", "yes", true},
		{"um, correct", "yes", true}, // hesitation dropped
		{"no", "no", true},
		{"nope", "no", true},
		{"sorry wrong number", "no", true},
		{"no I already paid", "paid", true},   // the longer phrase is more specific
		{"I already payed it", "paid", false}, // misrecognition: payed
		{"i paid", "paid", true},
		{"please call me later", "later", true},
		{"call me latter", "later", false}, // misrecognition
		{"it's not a good time", "later", true},
		{"no, stop calling me", "opt_out", true},
		{"dont call", "opt_out", true},
		{"do not call me again", "opt_out", true},
		{"Don’t call", "opt_out", true}, // curly apostrophe
		{"stop colling", "opt_out", false},
		{"can I talk to a real person", "agent", true},
		{"representitive", "agent", false},
		{"an operator please", "agent", true},
	}
	for _, c := range cases {
		got, ok := m.Match(c.text, nil)
		if !ok || got.Intent != c.intent {
			t.Errorf("%q: got %+v (ok %v), want %s", c.text, got, ok, c.intent)
			continue
		}
		if (got.Score == 1) != c.exact {
			t.Errorf("%q: score %.3f, exact %v", c.text, got.Score, c.exact)
		}
		if got.Score < 0.75 || got.Source != "phrase" {
			t.Errorf("%q: %+v", c.text, got)
		}
	}
	for _, text := range []string{"", "hmm", "know", "yet", "not", "snow", "what is this about", "nobody", "agents of shield and then some"} {
		if got, ok := m.Match(text, []string{"yes", "no", "opt_out"}); ok {
			t.Errorf("%q matched %+v", text, got)
		}
	}
	// Restricted to the intents a state listens for.
	if got, ok := m.Match("yes I already paid", []string{"yes", "no"}); !ok || got.Intent != "yes" {
		t.Errorf("restricted: %+v %v", got, ok)
	}
}

func TestMatcherChinese(t *testing.T) {
	t.Parallel()
	m := loadExample(t, "zh").Matcher()
	cases := []struct {
		text, intent string
		exact        bool
	}{
		{"是", "yes", true},
		{"是的，我是", "yes", true},
		{"对对对", "yes", true},
		{"嗯，好的", "yes", true},
		{"不是", "no", true}, // 不是 contains 是: the longer phrase wins
		{"不是我，你打错了", "no", true},
		{"我已经还了", "paid", true},
		{"已经还了呀", "paid", true},
		{"以经还了", "paid", true}, // homophone 以/已 folded
		{"我现在不方便", "later", true},
		{"我在忙", "later", true},
		{"晚点在打吧", "later", true}, // 在/再
		{"晚点儿再打", "later", false},
		{"你们别再打了", "opt_out", true},
		{"不要再打了，再打投诉你们", "opt_out", true},
		{"我要转人工", "agent", true},
		{"人工客服", "agent", true},
		{"ＯＫ好的", "yes", true}, // full-width letters
	}
	for _, c := range cases {
		got, ok := m.Match(c.text, nil)
		if !ok || got.Intent != c.intent {
			t.Errorf("%q: got %+v (ok %v), want %s", c.text, got, ok, c.intent)
			continue
		}
		if (got.Score == 1) != c.exact {
			t.Errorf("%q: score %.3f, exact %v", c.text, got.Score, c.exact)
		}
	}
	for _, text := range []string{"喂", "你好", "什么事", "谁啊"} {
		if got, ok := m.Match(text, nil); ok {
			t.Errorf("%q matched %+v", text, got)
		}
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Don't CALL me!!":    "do not call me",
		"uh, that’s me":      "that is me",
		"别在打了。":              "别 再 打 了",
		"ＡＢＣ１２３":             "abc123",
		"  ":                 "",
		"call-back":          "call back",
		"I'm busy right now": "i am busy right now",
	} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

// llmServer is an OpenAI-compatible chat completions endpoint that answers with
// whatever answer returns for the user's text.
func llmServer(t *testing.T, answer func(text string) (status int, content string, delay time.Duration)) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.URL.Path != "/v1/chat/completions" || r.Method != http.MethodPost {
			http.NotFound(w, r)
			return
		}
		if r.Header.Get("Authorization") != "Bearer k" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		body, _ := io.ReadAll(r.Body)
		var req chatRequest
		if err := json.Unmarshal(body, &req); err != nil || len(req.Messages) != 2 || req.Model != "m" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if !strings.Contains(req.Messages[0].Content, "opt_out:") {
			w.WriteHeader(http.StatusBadRequest) // the intents must be listed
			return
		}
		status, content, delay := answer(req.Messages[1].Content)
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{"message": map[string]string{"role": "assistant", "content": content}}}}) // a best-effort write to the response, as with w.Write
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func TestLLMClassifier(t *testing.T) {
	t.Parallel()
	srv, calls := llmServer(t, func(text string) (int, string, time.Duration) {
		switch text {
		case "I'd rather you never phoned me again":
			return 200, `Sure: {"intent": "opt_out", "confidence": 0.93}`, 0
		case "what's the weather":
			return 200, `{"intent": "none", "confidence": 0.9}`, 0
		case "slow":
			return 200, `{"intent": "yes", "confidence": 1}`, 2 * time.Second
		case "broken":
			return 500, "", 0
		case "garbage":
			return 200, "I think it is yes", 0
		case "invented":
			return 200, `{"intent": "dance", "confidence": 1}`, 0
		}
		return 200, `{"intent": "yes", "confidence": 0.2}`, 0
	})
	c, err := NewLLMClassifier(LLMOptions{BaseURL: srv.URL + "/v1/", Model: "m", APIKey: "k", Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	cands := map[string][]string{"yes": {"yes"}, "opt_out": {"stop calling"}}
	ctx := context.Background()
	if m, ok, err := c.Classify(ctx, "I'd rather you never phoned me again", cands); err != nil || !ok || m.Intent != "opt_out" || m.Score != 0.93 || m.Source != "llm" {
		t.Errorf("opt_out: %+v %v %v", m, ok, err)
	}
	if _, ok, err := c.Classify(ctx, "what's the weather", cands); err != nil || ok {
		t.Errorf("none: %v %v", ok, err)
	}
	if _, ok, err := c.Classify(ctx, "low confidence", cands); err != nil || ok {
		t.Errorf("low confidence: %v %v", ok, err)
	}
	start := time.Now()
	if _, _, err := c.Classify(ctx, "slow", cands); !errors.Is(err, ErrClassifier) || time.Since(start) > time.Second {
		t.Errorf("timeout: %v after %v", err, time.Since(start))
	}
	for _, text := range []string{"broken", "garbage", "invented"} {
		if _, _, err := c.Classify(ctx, text, cands); !errors.Is(err, ErrClassifier) {
			t.Errorf("%s: %v", text, err)
		}
	}
	if calls.Load() != 7 {
		t.Errorf("%d calls", calls.Load())
	}
	if _, err := NewLLMClassifier(LLMOptions{}); err == nil {
		t.Error("no URL accepted")
	}
}

// TestLLMInTheMachine: the classifier decides what phrases cannot, an exact phrase does
// not wait for it, and when it fails the fuzzy phrase match stands.
func TestLLMInTheMachine(t *testing.T) {
	t.Parallel()
	srv, calls := llmServer(t, func(text string) (int, string, time.Duration) {
		switch text {
		case "I would rather not be bothered by you ever again":
			return 200, `{"intent": "opt_out", "confidence": 0.9}`, 0
		case "I already payed":
			return 200, "", 5 * time.Second // times out
		}
		return 200, `{"intent": "none", "confidence": 1}`, 0
	})
	c, err := NewLLMClassifier(LLMOptions{BaseURL: srv.URL + "/v1", Model: "m", APIKey: "k", Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	b := loadExample(t, "en")
	run := func(input string) Result {
		res, err := Chat(context.Background(), b, strings.NewReader(input), ChatOptions{Vars: enVars, Classifier: c})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	res := run("yes\nI would rather not be bothered by you ever again\n")
	if res.Disposition != "opted_out" || !res.OptOut || turnWith(res, "opt_out").Match != "llm" {
		t.Errorf("llm opt-out: %s", dump(res))
	}
	n := calls.Load()
	res = run("yes\nyes\n")
	if res.Disposition != "promise_to_pay" || calls.Load() != n {
		t.Errorf("exact phrases should not ask the LLM (%d calls): %s", calls.Load()-n, dump(res))
	}
	res = run("yes\nI already payed\n")
	if res.Disposition != "claims_paid" || turnWith(res, "paid").Match != "phrase" {
		t.Errorf("fallback to phrases on timeout: %s", dump(res))
	}
}

func turnWith(res Result, intent string) Turn {
	for _, t := range res.Transcript {
		if t.Intent == intent {
			return t
		}
	}
	return Turn{}
}

func dump(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

var _ = os.ReadFile

// FuzzMatch: matching any text never panics, scores stay in (0, 1], and a phrase
// embedded in any text is found exactly.
func FuzzMatch(f *testing.F) {
	for _, s := range []string{"yes", "no, stop calling", "别在打了", "ＡＢＣ", "don't", "'''", "\xff\xfe"} {
		f.Add(s, "stop calling")
	}
	f.Fuzz(func(t *testing.T, text, phrase string) {
		m := NewMatcher([]*Intent{{Name: "x", Phrases: []string{phrase}}, {Name: "y", Phrases: []string{"yes"}}})
		if got, ok := m.Match(text, nil); ok && (got.Score <= 0 || got.Score > 1) {
			t.Fatalf("score %v", got.Score)
		}
		if Normalize(phrase) == "" {
			return
		}
		got, ok := m.Match("well "+phrase+" then", nil)
		if !ok || got.Score != 1 {
			t.Fatalf("phrase %q inside text: %+v %v", phrase, got, ok)
		}
	})
}

// TestLLMNoRedirect: the classifier reaches the endpoint it was configured
// with and nothing a redirect points to (here another loopback server).
func TestLLMNoRedirect(t *testing.T) {
	t.Parallel()
	inner, innerCalls := llmServer(t, func(string) (int, string, time.Duration) {
		return 200, `{"intent": "yes", "confidence": 1}`, 0
	})
	outer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, inner.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(outer.Close)
	c, err := NewLLMClassifier(LLMOptions{BaseURL: outer.URL + "/v1", Model: "m", APIKey: "k", Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Classify(context.Background(), "yes please", map[string][]string{"yes": {"yes"}}); !errors.Is(err, ErrClassifier) {
		t.Errorf("redirected classify = %v, want ErrClassifier", err)
	}
	if innerCalls.Load() != 0 {
		t.Error("the redirect was followed (with the API key)")
	}
}
