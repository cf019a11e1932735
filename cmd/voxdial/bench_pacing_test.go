package main

import (
	"encoding/json"
	"testing"

	"github.com/voxdial/voxdial/internal/bench"
)

func TestBenchPacingReportsContractKeys(t *testing.T) {
	code, out, errOut := runCLI(t, "bench", "pacing", "--duration", "4s", "--bots", "6", "--seeded", "60", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r struct {
		GoVersion   string  `json:"go_version"`
		CPUCores    float64 `json:"cpu_cores"`
		Duration    float64 `json:"duration_s"`
		Gomaxprocs  int     `json:"gomaxprocs"`
		Runs        []bench.PacingRun
		Utilisation float64 `json:"utilisation_ratio"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	if r.GoVersion == "" || r.Gomaxprocs == 0 || r.Duration == 0 || len(r.Runs) != 2 {
		t.Fatalf("missing figures: %s", out)
	}
	for _, run := range r.Runs {
		if run.Calls == 0 || run.Answered == 0 || run.Utilisation <= 0 {
			t.Errorf("%s: no calls answered: %+v", run.Mode, run)
		}
	}
	if r.Runs[0].Mode != "one_to_one" || r.Runs[0].Abandoned != 0 || r.Runs[1].Mode != "predictive" {
		t.Errorf("runs %+v: want 1:1 without abandonment, then predictive", r.Runs)
	}
}

func TestBenchPacingBadInput(t *testing.T) {
	code, _, errOut := runCLI(t, "bench", "pacing", "--answer-rate", "1.5")
	if code != 2 {
		t.Fatalf("exit %d, want 2: %s", code, errOut)
	}
}
