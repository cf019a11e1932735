package bench

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// Calls against the in-process simulator: every call answered, held and hung up by us,
// RTP both ways; with a rate and no concurrency the calls in flight are sized from it.
func TestCalls(t *testing.T) {
	var progress bytes.Buffer
	rep, err := Calls(context.Background(), CallsOptions{Calls: 12, Concurrency: 200, CPS: 40, Hold: 100 * time.Millisecond}, &progress)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failure() != nil || rep.Failed != 0 || rep.Outcomes["answered"] != 12 {
		t.Fatalf("failed %d, outcomes %v: %v", rep.Failed, rep.Outcomes, rep.Failure())
	}
	if want := InFlightFor(40, 100*time.Millisecond); rep.Concurrency != want {
		t.Errorf("concurrency %d, want %d sized from the rate", rep.Concurrency, want)
	}
	if rep.CPSAchieved == nil || *rep.CPSAchieved <= 0 || *rep.CPSAchieved > 40*1.05 {
		t.Errorf("cps_achieved %v, want in (0, 42]", rep.CPSAchieved)
	}
	if rep.PacketsSent == 0 || rep.PacketsReceived == 0 || rep.SetupMS["max"] < rep.SetupMS["p50"] {
		t.Errorf("packets %d/%d, setup %v", rep.PacketsSent, rep.PacketsReceived, rep.SetupMS)
	}
	if rep.GoVersion == "" || rep.GOMAXPROCS == 0 || rep.DurationS <= 0 {
		t.Errorf("common keys: %+v", rep.Common)
	}
	if !strings.Contains(progress.String(), "asked 40.0 calls/s, placed ") {
		t.Errorf("progress lacks the asked and achieved rates:\n%s", progress.String())
	}
}

// Bad options are usage errors (the CLI exits 2), reported before anything runs.
func TestUsageErrors(t *testing.T) {
	ctx := context.Background()
	for name, run := range map[string]func() error{
		"calls rate": func() error {
			_, err := Calls(ctx, CallsOptions{Calls: 1, Concurrency: 10, ConcurrencySet: true, CPS: 300, Hold: time.Second}, nil)
			return err
		},
		"calls count": func() error { _, err := Calls(ctx, CallsOptions{Calls: 0, Concurrency: 1}, nil); return err },
		"calls trunk": func() error {
			_, err := Calls(ctx, CallsOptions{Calls: 1, Concurrency: 1, Trunk: "http://x"}, nil)
			return err
		},
		"gate":       func() error { _, err := Gate(ctx, GateOptions{}, nil); return err },
		"gate store": func() error { _, err := GateStore(ctx, GateStoreOptions{}, nil); return err },
		"import":     func() error { _, err := Import(ctx, ImportOptions{Rows: -1}, nil); return err },
		"media mode": func() error {
			_, err := Media(ctx, MediaOptions{Legs: 1, Duration: time.Second, Mode: "x", Codec: "pcmu"}, nil)
			return err
		},
		"media codec": func() error {
			_, err := Media(ctx, MediaOptions{Legs: 1, Duration: time.Second, Mode: "shared", Codec: "g729"}, nil)
			return err
		},
		"asr set":     func() error { _, err := ASR(ctx, ASROptions{Set: "huge"}, nil); return err },
		"tts streams": func() error { _, err := TTS(ctx, TTSOptions{}, nil); return err },
		"bot calls":   func() error { _, err := Bot(ctx, BotOptions{}, nil); return err },
		"pacing answer": func() error {
			_, err := Pacing(ctx, PacingOptions{AnswerRate: 1.5, Bots: 1, Duration: time.Second, Talk: time.Second, Ring: time.Second}, nil)
			return err
		},
	} {
		if err := run(); !IsUsage(err) {
			t.Errorf("%s: %v, want a usage error", name, err)
		}
	}
}

// The gate bench on a small world: decisions made and every verdict counted (the hot path's
// allocations are compliance's TestCheckAllocationFree: a short run here counts runtime
// noise).
func TestGate(t *testing.T) {
	rep, err := Gate(context.Background(), GateOptions{DNCNumbers: 5_000, Contacts: 500, Attempts: 1024, Duration: 100 * time.Millisecond, Seed: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Decisions == 0 || rep.Verdicts.Allow+rep.Verdicts.Block+rep.Verdicts.Hold != rep.Decisions {
		t.Errorf("decisions %d, verdicts %+v", rep.Decisions, rep.Verdicts)
	}
	if rep.DNCNumbers == 0 || rep.Consents != 500 || rep.AttemptsDistinct != 1024 || rep.HeapInuseBytes == 0 {
		t.Errorf("report %+v", rep)
	}
}

// The media bench with the far end in this process: every leg carries audio both ways.
func TestMediaInProcess(t *testing.T) {
	rep, err := Media(context.Background(), MediaOptions{Legs: 5, Duration: 300 * time.Millisecond, Mode: "shared", Codec: "pcmu", SetupPerSec: 2000}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.LegsEstablished != 5 || rep.PacketsSent == 0 || rep.PacketsReceived == 0 || rep.Peer.PacketsReceived == 0 {
		t.Errorf("legs %d, sent %d, received %d, peer %+v", rep.LegsEstablished, rep.PacketsSent, rep.PacketsReceived, rep.Peer)
	}
	if rep.OpusRate != nil || rep.Codec != "pcmu" || rep.Mode != "shared" {
		t.Errorf("codec %s mode %s opus rate %v", rep.Codec, rep.Mode, rep.OpusRate)
	}
}
