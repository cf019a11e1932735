package main

import (
	"bytes"
	"encoding/json"
	"testing"
)

// The far end runs in-process here (a test binary cannot re-exec itself as voxdial);
// the report still carries every contract key and the legs really carried audio.
func TestBenchMediaReportsContractKeys(t *testing.T) {
	for _, mode := range []string{"shared", "per_leg", "opus"} {
		t.Run(mode, func(t *testing.T) {
			args := []string{"--legs", "20", "--duration", "500ms", "--mode", mode, "--in-process", "--json"}
			if mode == "opus" {
				args = []string{"--legs", "5", "--duration", "500ms", "--codec", "opus", "--in-process", "--json"}
			}
			cmd := newBenchMediaCmd()
			var out, errOut bytes.Buffer
			cmd.SetOut(&out)
			cmd.SetErr(&errOut)
			cmd.SetArgs(args)
			if err := cmd.Execute(); err != nil {
				t.Fatalf("%v: %s", err, errOut.String())
			}
			var r map[string]any
			if err := json.Unmarshal(out.Bytes(), &r); err != nil {
				t.Fatalf("not one JSON object: %v\n%s", err, out.String())
			}
			for _, k := range []string{"go_version", "gomaxprocs", "duration_s", "cpu_cores", "legs_requested",
				"legs_established", "packets_sent", "packets_received", "packets_lost", "send_lateness_ms",
				"rss_bytes", "rss_bytes_per_leg", "allocs_per_packet"} {
				if _, ok := r[k]; !ok {
					t.Errorf("missing key %q", k)
				}
			}
			if r["legs_established"] != r["legs_requested"] || r["packets_received"].(float64) == 0 || r["packets_sent"].(float64) == 0 {
				t.Errorf("legs %v sent %v received %v", r["legs_established"], r["packets_sent"], r["packets_received"])
			}
			lat := r["send_lateness_ms"].(map[string]any)
			for _, k := range []string{"p50", "p99", "max"} {
				if _, ok := lat[k]; !ok {
					t.Errorf("send_lateness_ms lacks %q", k)
				}
			}
		})
	}
}

func TestBenchMediaBadUsage(t *testing.T) {
	for _, args := range [][]string{{"--legs", "0"}, {"--mode", "bogus"}, {"--codec", "g729"}} {
		cmd := newBenchMediaCmd()
		cmd.SetOut(&bytes.Buffer{})
		cmd.SetErr(&bytes.Buffer{})
		cmd.SetArgs(append(args, "--in-process"))
		if err := cmd.Execute(); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}
