package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/voxdial/voxdial/internal/sipptest"
	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/sim"
)

// runCLI runs the binary's entry point in-process.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func startSim(t *testing.T) *sim.Server {
	t.Helper()
	far, err := sim.New(sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := far.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { far.Close() })
	return far
}

type callJSON struct {
	CallID    string `json:"call_id"`
	To        string `json:"to"`
	Outcome   string `json:"outcome"`
	SIPStatus int    `json:"sip_status"`
	SIPReason string `json:"sip_reason"`
	HangupBy  string `json:"hangup_by"`
	Recording string `json:"recording"`
	DTMF      string `json:"dtmf"`
	Timings   struct {
		InviteAt   string  `json:"invite_at"`
		RingingAt  *string `json:"ringing_at"`
		AnsweredAt *string `json:"answered_at"`
		EndedAt    string  `json:"ended_at"`
		SetupMS    int64   `json:"setup_ms"`
	} `json:"timings"`
	Transcript []any `json:"transcript"`
}

func decodeCall(t *testing.T, stdout string) callJSON {
	t.Helper()
	var r callJSON
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	var raw map[string]any
	if err := json.Unmarshal([]byte(stdout), &raw); err != nil {
		t.Fatalf("stdout is not one JSON document: %v\n%s", err, stdout)
	}
	for _, k := range []string{"call_id", "to", "outcome", "sip_status", "sip_reason", "disposition", "tags", "variables", "amd", "transcript", "timings", "hangup_by", "recording", "opt_out", "transfer", "dtmf"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("result lacks contract key %q", k)
		}
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCallAnsweredBySimulatorWithRecording(t *testing.T) {
	far := startSim(t)
	dir := t.TempDir()
	// Long listens: the simulated person (+15550100001) answers each prompt and
	// hangs up after the third, well before the script would.
	script := filepath.Join(t.TempDir(), "s.yaml")
	if err := os.WriteFile(script, []byte(`steps:
  - play: asset:hello.wav
  - listen: 10s
  - play: asset:thanks.wav
  - listen: 10s
  - play: asset:goodbye.wav
  - listen: 15s
`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "call", "--to", "+15550100001", "--trunk", "sip:"+far.Addr().String(),
		"--script", script, "--record-dir", dir, "--var", "first_name=Ana", "--json", "--log-level", "warn")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	r := decodeCall(t, out)
	if r.Outcome != "answered" || r.SIPStatus != 200 || r.Timings.AnsweredAt == nil || r.Timings.RingingAt == nil {
		t.Fatalf("result: %s", out)
	}
	if r.HangupBy != "caller" { // the simulated person hangs up after its turns
		t.Fatalf("hangup_by %q, want caller", r.HangupBy)
	}
	if filepath.Dir(r.Recording) != dir {
		t.Fatalf("recording %q not in %s", r.Recording, dir)
	}
	rec, err := os.Open(r.Recording)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	pcm, err := media.DecodeWAV(rec) // downmixed: both directions
	if err != nil {
		t.Fatal(err)
	}
	yes, _ := sim.Asset("yes.wav")
	if c := media.Correlation(pcm.Samples, yes.Samples); c < 0.5 {
		t.Fatalf("recording does not hold the callee's speech (correlation %.2f)", c)
	}
	if !strings.Contains(out, `"first_name": "Ana"`) {
		t.Fatalf("--var not in variables: %s", out)
	}
}

func TestCallSIPpBusyAndRingOut(t *testing.T) {
	scen := filepath.Join("..", "..", "dialer", "testdata", "sipp")
	t.Run("busy", func(t *testing.T) {
		peer := sipptest.Start(t, filepath.Join(scen, "uas_busy.xml"))
		code, out, errOut := runCLI(t, "call", "--to", "+14155550102", "--trunk", "sip:"+peer.Addr, "--json")
		peer.Wait()
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if r := decodeCall(t, out); r.Outcome != "busy" || r.SIPStatus != 486 {
			t.Fatalf("result: %s", out)
		}
	})
	t.Run("ring out", func(t *testing.T) {
		peer := sipptest.Start(t, filepath.Join(scen, "uas_ring.xml"))
		code, out, errOut := runCLI(t, "call", "--to", "+14155550103", "--trunk", "sip:"+peer.Addr, "--ring-timeout", "1s", "--json")
		peer.Wait()
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if r := decodeCall(t, out); r.Outcome != "no_answer" || r.SIPStatus != 487 {
			t.Fatalf("result: %s", out)
		}
		if !strings.Contains(peer.Messages(), "CANCEL sip:") {
			t.Fatal("no CANCEL on the wire")
		}
	})
}

func TestCallBadInput(t *testing.T) {
	script := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(script, []byte("name: x\nsteps:\n  - play: nowhere.wav\n  - send_dtmf: \"1x\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	botScript := filepath.Join(t.TempDir(), "bot.yaml")
	if err := os.WriteFile(botScript, []byte("name: bot\nstart: greet\nstates:\n  greet:\n    say: hi\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"missing flags", []string{"call"}, 2, "--to and --trunk are required"},
		{"unknown trunk", []string{"call", "--to", "+14155550101", "--trunk", "carrier-x"}, 2, `unknown trunk`},
		{"malformed trunk uri", []string{"call", "--to", "+14155550101", "--trunk", "sip:"}, 2, "no host"},
		{"malformed to", []string{"call", "--to", "14-15", "--trunk", "sip:127.0.0.1:9"}, 2, "neither an E.164 number"},
		{"malformed to uri", []string{"call", "--to", "sip:@", "--trunk", "sip:127.0.0.1:9"}, 2, "invalid call target"},
		{"bad var", []string{"call", "--to", "+14155550101", "--trunk", "sip:127.0.0.1:9", "--var", "novalue"}, 2, "want key=value"},
		{"bad script", []string{"call", "--to", "+14155550101", "--trunk", "sip:127.0.0.1:9", "--script", script}, 2, "bad.yaml:3: steps[0]: play"},
		{"bad script dtmf", []string{"call", "--to", "+14155550101", "--trunk", "sip:127.0.0.1:9", "--script", script}, 2, "bad.yaml:4: steps[1]: send_dtmf"},
		{"voice-bot script with problems", []string{"call", "--to", "+14155550101", "--trunk", "sip:127.0.0.1:9", "--script", botScript}, 2, "bot.yaml:1: locale: required field is missing"},
		{"unknown flag", []string{"call", "--frobnicate"}, 2, "unknown flag"},
		{"bad rtp ports", []string{"call", "--to", "+14155550101", "--trunk", "sip:127.0.0.1:9", "--rtp-ports", "9-1"}, 2, "rtp.ports"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, c.args...)
			if code != c.code || !strings.Contains(errOut, c.want) {
				t.Fatalf("exit %d, stderr %q; want exit %d mentioning %q", code, errOut, c.code, c.want)
			}
			if out != "" {
				t.Fatalf("stdout not empty on error: %q", out)
			}
		})
	}
}

func TestCallLocalFailureExitsOne(t *testing.T) {
	// The only RTP port of the range is taken: a local failure, exit 1.
	port := sipptest.FreeRTPPort(t)
	hold, err := net.ListenPacket("udp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close()
	code, out, errOut := runCLI(t, "call", "--to", "+14155550101", "--trunk", "sip:127.0.0.1:9",
		"--rtp-ports", strconv.Itoa(port)+"-"+strconv.Itoa(port+1), "--json")
	if code != 1 || !strings.Contains(errOut, "no free RTP port") && !strings.Contains(errOut, "exhausted") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if out != "" {
		t.Fatalf("stdout: %q", out)
	}
}
