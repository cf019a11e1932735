package dialer_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/internal/sipptest"
	"github.com/voxdial/voxdial/media"
)

func TestInteropSIPpAnswerStreamsSpeech(t *testing.T) {
	peer := sipptest.Start(t, filepath.Join("testdata", "sipp", "uas_answer_stream.xml"))
	ua := newTestUA(t, dialer.Options{})
	trunk, err := dialer.ParseTrunk("sip:" + peer.Addr)
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
	peer.Wait()
	res := call.Result()
	if res.Outcome != dialer.OutcomeAnswered || res.SIPStatus != 200 || res.HangupBy != dialer.HangupBot {
		t.Fatalf("result: %+v", res)
	}
	if res.Media.PacketsReceived < 250 {
		t.Fatalf("received %d RTP packets from SIPp, want the ~317 of its stream", res.Media.PacketsReceived)
	}
	assertRecordingHolds(t, rec, filepath.Join("testdata", "sipp", "speech.wav"), 1, 0.6)
	left := recordingChannel(t, rec, 0)
	if c := media.Correlation(left, prompt.Samples); c < 0.6 {
		t.Fatalf("left channel does not hold our prompt: correlation %.2f", c)
	}
	log := peer.Messages()
	if !strings.Contains(log, "BYE sip:") {
		t.Fatalf("no BYE in SIPp's trace")
	}
}

func TestInteropSIPpBusy(t *testing.T) {
	peer := sipptest.Start(t, filepath.Join("testdata", "sipp", "uas_busy.xml"))
	ua := newTestUA(t, dialer.Options{})
	trunk, _ := dialer.ParseTrunk("sip:" + peer.Addr)
	call, err := ua.Dial(context.Background(), dialer.DialRequest{Trunk: trunk, To: "+14155550102", RingTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	<-call.Done()
	peer.Wait()
	res := call.Result()
	if res.Outcome != dialer.OutcomeBusy || res.SIPStatus != 486 || res.SIPReason != "Busy Here" {
		t.Fatalf("result: %+v", res)
	}
	if res.HangupBy != "" || res.Timings.AnsweredAt != nil {
		t.Fatalf("busy call looks answered: %+v", res)
	}
}

func TestInteropSIPpRingOutCancels(t *testing.T) {
	peer := sipptest.Start(t, filepath.Join("testdata", "sipp", "uas_ring.xml"))
	ua := newTestUA(t, dialer.Options{})
	trunk, _ := dialer.ParseTrunk("sip:" + peer.Addr)
	start := time.Now()
	call, err := ua.Dial(context.Background(), dialer.DialRequest{Trunk: trunk, To: "+14155550103", RingTimeout: 1500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	<-call.Done()
	peer.Wait()
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
	log := peer.Messages()
	if !strings.Contains(log, "CANCEL sip:") {
		t.Fatalf("no CANCEL on the wire; SIPp trace:\n%s", log)
	}
}
