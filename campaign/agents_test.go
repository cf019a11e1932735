package campaign

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/voxdial/voxdial/internal/safehttp"
)

// TestAgentQueuePoll: the queue endpoint's answers, good and bad; a bad one
// reads as no agent free (fail closed) with an error naming what is wrong.
func TestAgentQueuePoll(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		want   int
		errHas string
	}{
		{"available", 200, `{"available": 3}`, 3, ""},
		{"none", 200, `{"available": 0, "queue": "sales"}`, 0, ""},
		{"missing field", 200, `{"free": 3}`, 0, `want JSON {"available": N}`},
		{"negative", 200, `{"available": -1}`, 0, "N ≥ 0"},
		{"not json", 200, `three`, 0, "want JSON"},
		{"http error", 503, `{"available": 3}`, 0, "HTTP 503"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			q := &agentQueue{url: srv.URL, client: srv.Client(), every: time.Second}
			n, err := q.poll(context.Background())
			if tc.errHas == "" && (err != nil || n != tc.want) {
				t.Fatalf("poll = %d, %v; want %d", n, err, tc.want)
			}
			if tc.errHas != "" && (err == nil || !strings.Contains(err.Error(), tc.errHas)) {
				t.Fatalf("poll error %v, want one saying %q", err, tc.errHas)
			}
		})
	}
}

// TestAgentQueueTargets: an agent queue URL (set by a campaign owner) on a
// loopback address is refused unless the operator's policy allows it.
func TestAgentQueueTargets(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		_, _ = w.Write([]byte(`{"available": 4}`))
	}))
	defer srv.Close()
	allow, err := safehttp.ParsePolicy([]string{strings.TrimPrefix(srv.URL, "http://")})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		desk *TransferDesk
		want int
	}{
		{"default desk", NewTransferDesk(), -1},
		{"nil desk", nil, -1},
		{"allowed", NewTransferDeskWith(allow), 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := hits.Load()
			q := &agentQueue{url: srv.URL + "/agents", client: tc.desk.queueClient(), every: time.Second}
			n, err := q.poll(context.Background())
			if tc.want < 0 {
				if !errors.Is(err, safehttp.ErrRefused) || hits.Load() != before {
					t.Fatalf("poll = %d, %v (hits %d→%d); want refused before connecting", n, err, before, hits.Load())
				}
				return
			}
			if err != nil || n != tc.want {
				t.Fatalf("poll = %d, %v; want %d", n, err, tc.want)
			}
		})
	}
}

func TestPaceOptionsCompile(t *testing.T) {
	for _, tc := range []struct {
		name   string
		o      PaceOptions
		errHas string
	}{
		{"defaults", PaceOptions{}, ""},
		{"agents and url", PaceOptions{Agents: 3, AgentsURL: "http://127.0.0.1:8080/agents"}, ""},
		{"ratio below 1", PaceOptions{MaxDialRatio: 0.5}, "max dial ratio"},
		{"target over the limit", PaceOptions{AbandonTarget: 0.05}, "abandon target"},
		{"negative agents", PaceOptions{Agents: -1}, "agents -1"},
		{"bad url", PaceOptions{AgentsURL: "ftp://x"}, "agents url"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.o.Compile()
			if (tc.errHas == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.errHas)) {
				t.Fatalf("Compile(%+v) = %v, want %q", tc.o, err, tc.errHas)
			}
			if err == nil && (tc.o.MaxDialRatio != DefaultMaxDialRatio || tc.o.AbandonTarget != DefaultAbandonTarget) {
				t.Fatalf("defaults not filled: %+v", tc.o)
			}
		})
	}
}
