package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voxdial/voxdial/internal/sipptest"
)

func TestBenchCallsReportsContractKeys(t *testing.T) {
	code, out, errOut := runCLI(t, "bench", "calls", "--calls", "20", "--concurrency", "5", "--hold", "100ms", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	for _, k := range []string{"go_version", "gomaxprocs", "duration_s", "cpu_cores", "calls", "calls_per_second", "failed"} {
		if _, ok := r[k]; !ok {
			t.Errorf("missing key %q", k)
		}
	}
	if r["calls"].(float64) != 20 || r["failed"].(float64) != 0 {
		t.Fatalf("calls %v failed %v", r["calls"], r["failed"])
	}
	if r["packets_received"].(float64) == 0 {
		t.Fatal("no RTP flowed during the bench calls")
	}
}

// Against SIPp as the far end (the interop bench): every call answered, held
// with RTP echoed back by SIPp, and hung up by us, none failed.
func TestBenchCallsAgainstSIPp(t *testing.T) {
	peer := sipptest.StartArgs(t, filepath.Join("..", "..", "dialer", "testdata", "sipp", "uas_bench.xml"), "-rtp_echo")
	code, out, errOut := runCLI(t, "bench", "calls", "--target", "sip:"+peer.Addr, "--cps", "40", "--total", "30",
		"--concurrency", "30", "--hold", "300ms", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errOut, out)
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	if r["calls"].(float64) != 30 || r["failed"].(float64) != 0 {
		t.Fatalf("calls %v failed %v\n%s", r["calls"], r["failed"], out)
	}
	if r["packets_received"].(float64) == 0 {
		t.Errorf("SIPp echoed no RTP:\n%s", out)
	}
	if n := strings.Count(peer.Messages(), "BYE sip:"); n != 30 {
		t.Errorf("SIPp saw %d BYEs, want 30", n)
	}
}

// A rate the given concurrency cannot carry is refused with the number needed, before any
// call is placed.
func TestBenchCallsRefusesTooFewInFlight(t *testing.T) {
	code, out, errOut := runCLI(t, "bench", "calls", "--target", "sip:127.0.0.1:9", "--cps", "300", "--hold", "2s",
		"--concurrency", "200", "--json")
	if code != exitUsage {
		t.Fatalf("exit %d, want %d: %s\n%s", code, exitUsage, errOut, out)
	}
	for _, want := range []string{"needs about 693 calls in flight", "--concurrency 200 carries at most 95 calls/s"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

// With --cps and no --concurrency the calls in flight are sized from the rate and the hold,
// and the achieved rate is printed next to the asked one.
func TestBenchCallsSizesConcurrencyFromRate(t *testing.T) {
	code, out, errOut := runCLI(t, "bench", "calls", "--cps", "50", "--calls", "20", "--hold", "200ms", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errOut, out)
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	if r["concurrency"].(float64) != 17 {
		t.Errorf("concurrency %v, want 17 (50/s × 0.3 s × 1.1)", r["concurrency"])
	}
	got, ok := r["cps_achieved"].(float64)
	if !ok || got <= 0 || got > 50*1.05 {
		t.Errorf("cps_achieved %v, want in (0, 52.5]", r["cps_achieved"])
	}
	if !strings.Contains(errOut, "asked 50.0 calls/s, placed ") {
		t.Errorf("stderr lacks the asked and achieved rates:\n%s", errOut)
	}
}
