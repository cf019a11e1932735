package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func runSpeechBench(t *testing.T, name string, args ...string) map[string]any {
	t.Helper()
	cmd := newBenchTTSCmd()
	if name == "asr" {
		cmd = newBenchASRCmd()
	}
	var out, errOut bytes.Buffer
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("bench %s: %v\n%s", name, err, errOut.String())
	}
	var r map[string]any
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out.String())
	}
	for _, k := range []string{"go_version", "gomaxprocs", "duration_s", "cpu_cores"} {
		if _, ok := r[k]; !ok {
			t.Errorf("missing key %q", k)
		}
	}
	return r
}

func TestBenchTTSKeys(t *testing.T) {
	r := runSpeechBench(t, "tts", "--streams", "2", "--json")
	for _, k := range []string{"engines", "parallel_real_time_factor", "cache_hit_first_frame_ms", "cache_disk_hit_first_frame_ms", "cache_disk_bytes"} {
		if _, ok := r[k]; !ok {
			t.Errorf("missing key %q", k)
		}
	}
	// The Mandarin prompts through espeak-ng's cmn voice (hanzi → pinyin).
	zh, ok := r["engines"].(map[string]any)["espeak/cmn"].(map[string]any)
	if !ok || zh["audio_s"].(float64) < 10 {
		t.Errorf("espeak/cmn: %v, want the Mandarin prompts synthesised", zh)
	}
	if p50 := r["cache_hit_first_frame_ms"].(map[string]any)["p50"].(float64); p50 > 1 {
		t.Errorf("cache hit first frame p50 %.3f ms, budget 1 ms", p50)
	}
}

func TestBenchASRKeys(t *testing.T) {
	if testing.Short() {
		t.Skip("synthesises and recognises a test set")
	}
	r := runSpeechBench(t, "asr", "--set", "small", "--streams", "4", "--paced", "2s", "--json")
	for _, k := range []string{"intent_accuracy", "off_topic_false_accepts", "accuracy_by_condition", "real_time_factor", "streams_per_core", "memory_per_stream_bytes", "final_latency_ms"} {
		if _, ok := r[k]; !ok {
			t.Errorf("missing key %q", k)
		}
	}
}

// TestBenchASRLiveTuningFlags: a weight or a word beam the open search cannot
// take is refused before any call is placed, naming the flag.
func TestBenchASRLiveTuningFlags(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--lm-weight", "-1"}, "--lm-weight -1: want a positive weight"},
		{[]string{"--lm-word-beam", "2"}, "--lm-word-beam 2: want a beam between 0 and 1"},
		{[]string{"--lm-word-beam", "-1e-20"}, "--lm-word-beam -1e-20: want a beam between 0 and 1"},
		{[]string{"--lm-discount", "1"}, "--lm-discount 1: want a discount between 0 and 1"},
		{[]string{"--lm-discount", "-0.5"}, "--lm-discount -0.5: want a discount between 0 and 1"},
		{[]string{"--frame-rate", "20"}, "--frame-rate 20: want 50 to 200 frames a second"},
		{[]string{"--frame-rate", "500"}, "--frame-rate 500: want 50 to 200 frames a second"},
		{[]string{"--denoiser", "rnnoise"}, `--denoiser "rnnoise": want auto, speex or webrtc`},
		{[]string{"--ns-policy", "4"}, "--ns-policy 4: want 1 to 3"},
	} {
		code, out, errOut := runCLI(t, append([]string{"bench", "asr", "--live"}, c.args...)...)
		if code != exitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, want %d and %q: %s\n%s", c.args, code, exitUsage, c.want, errOut, out)
		}
	}
}
