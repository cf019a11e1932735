package dialer_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/media"
)

// sipp runs one SIPp UAS scenario from testdata/sipp for a single call and
// returns its SIP address and the path of its message trace. SIPp is an
// interop peer that CI installs (Debian sip-tester); a missing sipp fails
// the test rather than skipping it, unless VOXDIAL_SKIP_INTEROP=1 says so.
func sipp(t *testing.T, scenario string) (addr string, trace string, wait func()) {
	t.Helper()
	bin, err := exec.LookPath("sipp")
	if err != nil {
		if os.Getenv("VOXDIAL_SKIP_INTEROP") == "1" {
			t.Skip("sipp not installed and VOXDIAL_SKIP_INTEROP=1")
		}
		t.Fatal("sipp not found: install Debian package sip-tester (.ci/run does), or set VOXDIAL_SKIP_INTEROP=1")
	}
	dir := t.TempDir()
	trace = filepath.Join(dir, "messages.log")
	scen, err := filepath.Abs(filepath.Join("testdata", "sipp", scenario))
	if err != nil {
		t.Fatal(err)
	}
	port, mport := freeUDPPort(t), freeRTPPort(t)
	cmd := exec.Command(bin, "-sf", scen, "-i", "127.0.0.1", "-p", strconv.Itoa(port),
		"-mp", strconv.Itoa(mport), "-m", "1", "-nostdin", "-timeout", "60s",
		"-trace_msg", "-message_file", trace)
	cmd.Dir = filepath.Join("testdata", "sipp") // rtp_stream files are relative
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		select {
		case <-done:
		default:
			cmd.Process.Kill()
			<-done
		}
	})
	waitSIPp := func() {
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Errorf("sipp did not finish its scenario; output:\n%s", out.String())
		}
	}
	time.Sleep(300 * time.Millisecond) // SIPp has no readiness signal; it binds within a few ms
	return "127.0.0.1:" + strconv.Itoa(port), trace, waitSIPp
}

func TestInteropSIPpAnswerStreamsSpeech(t *testing.T) {
	addr, trace, wait := sipp(t, "uas_answer_stream.xml")
	ua := newTestUA(t, dialer.Options{})
	trunk, err := dialer.ParseTrunk("sip:" + addr)
	if err != nil {
		t.Fatal(err)
	}
	rec := filepath.Join(t.TempDir(), "call.wav")
	ctx := context.Background()
	call, err := ua.Dial(ctx, dialer.DialRequest{Trunk: trunk, To: "+14155550101", RingTimeout: 5 * time.Second, RecordPath: rec})
	if err != nil {
		t.Fatal(err)
	}
	if !call.Answered() {
		t.Fatalf("not answered: %+v", call.Result())
	}
	// Let SIPp stream its 6.3 s of speech, while we send a prompt of our own.
	prompt := media.Tone(440, 2*time.Second, 8000)
	if err := call.Play(ctx, prompt.Source()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Second)
	if err := call.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	<-call.Done()
	wait()
	res := call.Result()
	if res.Outcome != dialer.OutcomeAnswered || res.SIPStatus != 200 || res.HangupBy != dialer.HangupBot {
		t.Fatalf("result: %+v", res)
	}
	if res.Media.PacketsReceived < 250 {
		t.Fatalf("received %d RTP packets from SIPp, want the ~317 of its stream", res.Media.PacketsReceived)
	}
	assertRecordingHolds(t, rec, filepath.Join("testdata", "sipp", "speech.wav"), 1, 0.6)
	assertRecordingHolds(t, rec, "", 0, 0) // left channel: checked below against the tone
	left := recordingChannel(t, rec, 0)
	if c := media.Correlation(left, prompt.Samples); c < 0.6 {
		t.Fatalf("left channel does not hold our prompt: correlation %.2f", c)
	}
	log := readFile(t, trace)
	if !strings.Contains(log, "BYE sip:") {
		t.Fatalf("no BYE in SIPp's trace")
	}
}

func TestInteropSIPpBusy(t *testing.T) {
	addr, _, wait := sipp(t, "uas_busy.xml")
	ua := newTestUA(t, dialer.Options{})
	trunk, _ := dialer.ParseTrunk("sip:" + addr)
	call, err := ua.Dial(context.Background(), dialer.DialRequest{Trunk: trunk, To: "+14155550102", RingTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	<-call.Done()
	wait()
	res := call.Result()
	if res.Outcome != dialer.OutcomeBusy || res.SIPStatus != 486 || res.SIPReason != "Busy Here" {
		t.Fatalf("result: %+v", res)
	}
	if res.HangupBy != "" || res.Timings.AnsweredAt != nil {
		t.Fatalf("busy call looks answered: %+v", res)
	}
}

func TestInteropSIPpRingOutCancels(t *testing.T) {
	addr, trace, wait := sipp(t, "uas_ring.xml")
	ua := newTestUA(t, dialer.Options{})
	trunk, _ := dialer.ParseTrunk("sip:" + addr)
	start := time.Now()
	call, err := ua.Dial(context.Background(), dialer.DialRequest{Trunk: trunk, To: "+14155550103", RingTimeout: 1500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	<-call.Done()
	wait()
	res := call.Result()
	if res.Outcome != dialer.OutcomeNoAnswer || res.SIPStatus != 487 {
		t.Fatalf("result: %+v", res)
	}
	if res.Timings.RingingAt == nil {
		t.Fatal("180 Ringing not recorded")
	}
	if time.Since(start) < 1500*time.Millisecond {
		t.Fatal("ended before the ring timeout")
	}
	log := readFile(t, trace)
	if !strings.Contains(log, "CANCEL sip:") {
		t.Fatalf("no CANCEL on the wire; SIPp trace:\n%s", log)
	}
}
