package aftercall

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/voicebot"
)

// chatServer speaks the chat-completions protocol: it checks the request and answers
// with answer (or status when not 200).
func chatServer(t *testing.T, status int, answer string, seen *[]string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" || r.Method != http.MethodPost || r.Header.Get("Authorization") != "Bearer k" {
			t.Errorf("request %s %s auth %q", r.Method, r.URL.Path, r.Header.Get("Authorization"))
		}
		var req struct {
			Model    string `json:"model"`
			Messages []struct{ Role, Content string }
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Model != "m" || len(req.Messages) != 2 {
			t.Errorf("body: %v %+v", err, req)
		} else {
			*seen = append(*seen, req.Messages[0].Content+"\n"+req.Messages[1].Content)
		}
		if status != 200 {
			w.WriteHeader(status)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{"message": map[string]string{"role": "assistant", "content": answer}}}})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestLLMSummary: with an LLM configured, answered calls get its summary (in the script's
// language); a failing model leaves the rule-based summary.
func TestLLMSummary(t *testing.T) {
	for _, c := range []struct {
		script, lang string
		status       int
		source       string
	}{
		{"payment-reminder.en.yaml", "English", 200, "llm"},
		{"payment-reminder.zh.yaml", "Mandarin", 200, "llm"},
		{"payment-reminder.en.yaml", "English", 500, "rules"},
	} {
		var seen []string
		srv := chatServer(t, c.status, "  Ana promised to pay 120.50 by March 20.  ", &seen)
		chat, err := voicebot.NewLLMChat(voicebot.LLMOptions{BaseURL: srv.URL + "/v1", Model: "m", APIKey: "k", Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		bot := loadRef(t, c.script, "")
		a := New(Options{LLM: chat, LoadBot: func(string) (*voicebot.Bot, error) { return bot, nil }})
		res := answered("promise_to_pay", 40*time.Second, dialer.Turn{Role: "bot", Text: "Will you pay?"}, caller("yes"))
		a.Analyze(t.Context(), analyzerInfo(), res)
		if res.Insight.SummarySource != c.source {
			t.Fatalf("%s: source %s (%s)", c.script, res.Insight.SummarySource, res.Insight.Summary)
		}
		if c.source == "llm" && res.Insight.Summary != "Ana promised to pay 120.50 by March 20." {
			t.Fatalf("summary %q", res.Insight.Summary)
		}
		if c.source == "rules" && !strings.HasPrefix(res.Insight.Summary, "Spoke with Ana") {
			t.Fatalf("summary %q", res.Insight.Summary)
		}
		if len(seen) != 1 || !strings.Contains(seen[0], c.lang) || !strings.Contains(seen[0], "caller: yes") ||
			!strings.Contains(seen[0], "Disposition: promise_to_pay") {
			t.Fatalf("prompt: %q", seen)
		}
		if res.Insight.Grade != "A" {
			t.Fatalf("grade %s", res.Insight.Grade)
		}
	}
}

// TestLLMSummaryNotForUnanswered: no model call for a call nobody answered.
func TestLLMSummaryNotForUnanswered(t *testing.T) {
	var seen []string
	srv := chatServer(t, 200, "x", &seen)
	chat, _ := voicebot.NewLLMChat(voicebot.LLMOptions{BaseURL: srv.URL + "/v1", Model: "m", APIKey: "k"})
	a := New(Options{LLM: chat, LoadBot: func(string) (*voicebot.Bot, error) { return nil, nil }})
	info := analyzerInfo()
	info.Outcome = "busy"
	res := &dialer.Result{Outcome: dialer.OutcomeBusy}
	a.Analyze(t.Context(), info, res)
	if len(seen) != 0 || res.Insight.SummarySource != "rules" {
		t.Fatalf("asked %d times, source %s", len(seen), res.Insight.SummarySource)
	}
}
