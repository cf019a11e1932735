package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/voxdial/voxdial/campaign"
	"github.com/voxdial/voxdial/dashboard/webhook"
	"github.com/voxdial/voxdial/sim/simtest"
	"github.com/voxdial/voxdial/store"
)

// serveProfile: numbers ending 0-1 are people (the bot speaks, RTP flows),
// 2 is busy, 3 is not a number.
const serveProfile = `
defaults: {end_of_speech: 200ms, max_wait: 1s, max_duration: 20s}
behaviours:
  person: {kind: person, answer_after: 100ms, turns: [{silence: 1s}], after_turns: wait}
  busy: {kind: busy}
  invalid: {kind: invalid}
routes:
  - {match: '[01]$', behaviour: person}
  - {match: '2$', behaviour: busy}
  - {match: '3$', behaviour: invalid}
`

const serveScript = `name: short
max_call: 10s
steps:
  - play: asset:hello.wav
  - hangup: true
`

// TestServeDashboard runs `voxdial serve --http` over a real campaign against
// the simulator: /metrics moves (attempts by outcome, this node's attempts,
// gate decisions, RTP, answer→first audio) and the webhook receives every
// finished call, signed.
func TestServeDashboard(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	far := simtest.Start(t, "serve-profile", serveProfile)
	dir := t.TempDir()
	dbURL := "sqlite:" + filepath.Join(dir, "serve.db")
	db, err := openStore(ctx, dbURL, true)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	script := writeFile(t, "short.yaml", serveScript)
	c, err := campaign.Create(ctx, db, campaign.CreateParams{Name: "served", Script: script, Trunk: "sip:" + far.Addr().String(),
		MaxAttempts: 1, MaxConcurrent: 4})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := campaign.Import(ctx, db, strings.NewReader("phone\n+14155550100\n+14155550101\n+14155550102\n+14155550103\n"),
		campaign.ImportOptions{Campaign: c, File: "c.csv"})
	if err != nil || rep.Imported != 4 {
		t.Fatalf("import: %+v %v", rep, err)
	}
	// The receiver of the deployment-wide webhook.
	secret := "serve-test-secret-0123"
	var mu sync.Mutex
	var got []webhook.Payload
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := webhook.Verify(secret, r.Header.Get(webhook.SignatureHeader), body, time.Now(), 0); err != nil {
			t.Errorf("webhook signature: %v", err)
			w.WriteHeader(400)
			return
		}
		var p webhook.Payload
		_ = json.Unmarshal(body, &p)
		mu.Lock()
		got = append(got, p)
		mu.Unlock()
	}))
	defer recv.Close()
	if _, err := db.WebhookCreate(ctx, &store.WebhookCreateParams{URL: recv.URL, Secret: secret}); err != nil {
		t.Fatal(err)
	}
	if _, err := campaign.Start(ctx, db, c.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() {
		cmd := newServeCmd()
		cmd.SetArgs([]string{"--database-url", dbURL, "--http", addr, "--script-dir", dir, "--listen", "127.0.0.1:0",
			"--no-compliance-gate", "--log-level", "warn", "--drain-timeout", "5s",
			"--allow-private", strings.TrimPrefix(recv.URL, "http://")}) // the receiver is on loopback
		cmd.SetErr(io.Discard)
		done <- cmd.ExecuteContext(runCtx)
	}()
	metrics := func() string {
		res, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			return ""
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	// Wait (bounded) for the campaign to end, every call to reach the webhook
	// and the live tail to have read the last events.
	deadline := time.Now().Add(60 * time.Second)
	var m string
	for time.Now().Before(deadline) {
		cur, _ := db.CampaignGet(ctx, &store.CampaignGetParams{ID: c.ID})
		mu.Lock()
		n := len(got)
		mu.Unlock()
		m = metrics()
		if cur != nil && cur.State == store.CampaignCompleted && n == 4 && metricValue(m, `voxdial_call_attempts_total{outcome="invalid_number"}`) == 1 &&
			metricValue(m, `voxdial_webhook_tries_total{result="delivered"}`) == 4 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, tc := range []struct {
		series string
		min    float64
	}{
		{`voxdial_call_attempts_total{outcome="answered"}`, 2},
		{`voxdial_call_attempts_total{outcome="busy"}`, 1},
		{`voxdial_call_attempts_total{outcome="invalid_number"}`, 1},
		{`voxdial_node_attempts_total{outcome="answered"}`, 2},
		{`voxdial_node_attempts_total{outcome="busy"}`, 1},
		{`voxdial_gate_decisions_total{decision="allow",rule=""}`, 4},
		{`voxdial_rtp_packets_received_total`, 10},
		{`voxdial_rtp_jitter_seconds_count`, 2},
		{`voxdial_answer_to_first_audio_seconds_count`, 2},
		{`voxdial_webhook_tries_total{result="delivered"}`, 4},
		{`voxdial_webhook_request_seconds_count`, 4},
	} {
		if v := metricValue(m, tc.series); v < tc.min {
			t.Errorf("%s = %v, want ≥ %v", tc.series, v, tc.min)
		}
	}
	if v := metricValue(m, "voxdial_active_calls"); v != 0 {
		t.Errorf("voxdial_active_calls = %v after the campaign", v)
	}
	mu.Lock()
	outcomes := map[string]int{}
	for _, p := range got {
		outcomes[p.Attempt.Outcome]++
		if p.Campaign.Name != "served" || p.Event != webhook.EventCallFinished {
			t.Errorf("payload %+v", p)
		}
	}
	mu.Unlock()
	if fmt.Sprint(outcomes) != "map[answered:2 busy:1 invalid_number:1]" {
		t.Errorf("webhook outcomes %v", outcomes)
	}
	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
}

// metricValue reads one series of a Prometheus text exposition (-1: absent).
func metricValue(text, series string) float64 {
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`)
	m := re.FindStringSubmatch(text)
	if m == nil {
		return -1
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}
