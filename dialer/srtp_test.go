package dialer_test

import (
	"context"
	"crypto/tls"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/sim"
)

func TestTrunkSRTPSetting(t *testing.T) {
	t.Parallel()
	cases := []struct {
		uri, transport, srtp string
		want                 string // the mode after Validate, or an error substring
	}{
		{"sip:127.0.0.1:5061", "tls", "", dialer.SRTPRequired},
		{"sips:127.0.0.1:5061", "", "", dialer.SRTPRequired},
		{"sip:127.0.0.1", "", "", dialer.SRTPOff},
		{"sip:127.0.0.1", "tcp", "", dialer.SRTPOff},
		{"sip:127.0.0.1:5061", "tls", "Optional", dialer.SRTPOptional},
		{"sip:127.0.0.1:5061", "tls", "off", dialer.SRTPOff},
		{"sip:127.0.0.1", "udp", "required", "needs transport tls"},
		{"sip:127.0.0.1", "tcp", "optional", "needs transport tls"},
		{"sip:127.0.0.1:5061", "tls", "sdes", `srtp "sdes" is not one of off, optional, required`},
	}
	for _, c := range cases {
		tr := &dialer.Trunk{Name: "carrier", URI: c.uri, Transport: c.transport, SRTP: c.srtp}
		err := tr.Validate()
		switch {
		case strings.HasPrefix(c.want, "needs") || strings.Contains(c.want, "not one of"):
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), `trunk "carrier"`) {
				t.Errorf("%s %s srtp %q: %v, want an error naming the trunk and %q", c.uri, c.transport, c.srtp, err, c.want)
			}
		case err != nil || tr.SRTP != c.want:
			t.Errorf("%s %s srtp %q: mode %q, %v; want %q", c.uri, c.transport, c.srtp, tr.SRTP, err, c.want)
		}
	}
}

// tlsSim is a simulator serving TLS, and a UA trusting it.
func tlsSim(t *testing.T, opts sim.Options) (*sim.Server, *dialer.UA) {
	t.Helper()
	cert, pool := selfSigned(t)
	prof, err := sim.ParseProfile(strings.NewReader(testProfile), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	opts.Profile, opts.Logger = prof, testLogger(t).Named("sim")
	opts.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	far, err := sim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := far.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { far.Close() })
	return far, newTestUA(t, dialer.Options{TLSConfig: &tls.Config{RootCAs: pool}})
}

func tlsTrunk(t *testing.T, far *sim.Server, mode string) *dialer.Trunk {
	t.Helper()
	tr := &dialer.Trunk{Name: "tls", URI: "sip:" + far.TLSAddr().String(), Transport: "tls", SRTP: mode}
	if err := tr.Validate(); err != nil {
		t.Fatal(err)
	}
	return tr
}

// A TLS trunk with the default setting (SRTP required) against the simulator: the
// conversation, the callee's DTMF and the recording all work over SRTP, both sides say
// so, and the far end's re-INVITEs (hold, resume, refresh) keep SRTP.
func TestSRTPCallOverTLS(t *testing.T) {
	far, ua := tlsSim(t, sim.Options{})
	tr := tlsTrunk(t, far, "")
	if tr.SRTP != dialer.SRTPRequired {
		t.Fatalf("default srtp on a TLS trunk is %q", tr.SRTP)
	}
	ctx := context.Background()
	rec := filepath.Join(t.TempDir(), "srtp.wav")
	call, err := ua.Dial(ctx, dialer.DialRequest{Trunk: tr, To: "+1555000001", RingTimeout: 5 * time.Second, RecordPath: rec})
	if err != nil {
		t.Fatal(err)
	}
	if !call.Answered() {
		t.Fatalf("not answered: %+v", call.Result())
	}
	if !call.Media().SRTP() {
		t.Fatal("media is not SRTP")
	}
	if err := call.Play(ctx, media.Tone(600, time.Second, 6000).Source()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-call.Done():
	case <-time.After(15 * time.Second):
		t.Fatal("far end never hung up")
	}
	r := call.Result()
	if r.DTMF != "42" || r.HangupBy != dialer.HangupCaller || r.Media == nil || !r.Media.SRTP || r.Media.PacketsInvalid != 0 {
		t.Fatalf("result over SRTP: dtmf %q hangup_by %q media %+v", r.DTMF, r.HangupBy, r.Media)
	}
	yes, err := sim.Asset("yes.wav")
	if err != nil {
		t.Fatal(err)
	}
	if c := media.Correlation(recordingRight(t, rec), yes.Samples); c < 0.6 {
		t.Fatalf("recording does not hold the callee's speech over SRTP: correlation %.2f", c)
	}
	sr, err := far.WaitCall(ctx, call.ID())
	if err != nil {
		t.Fatal(err)
	}
	if !sr.SRTP || sr.PacketsReceived == 0 || sr.ReceivedRMS < 100 {
		t.Fatalf("far end: srtp %v, heard %d packets at rms %.0f", sr.SRTP, sr.PacketsReceived, sr.ReceivedRMS)
	}

	// Re-INVITEs from the far end carry SRTP too, and the call keeps its media.
	call, err = ua.Dial(ctx, dialer.DialRequest{Trunk: tr, To: "+1555000003", RingTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for call.Result().ReInvites < 3 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := call.Result().ReInvites; n != 3 || !call.Answered() || !call.Media().SRTP() {
		t.Fatalf("re-INVITEs over SRTP: %d answered, up %v, srtp %v", n, call.Answered(), call.Media().SRTP())
	}
	before := call.Media().Stats().PacketsReceived
	time.Sleep(300 * time.Millisecond)
	if after := call.Media().Stats(); after.PacketsReceived <= before || after.PacketsInvalid != 0 {
		t.Fatalf("media after re-INVITEs: %d → %d received, %d invalid", before, after.PacketsReceived, after.PacketsInvalid)
	}
	_ = call.Hangup(ctx)
}

// A far end without SRTP: optional falls back to RTP, required fails the call rather
// than send media in clear.
func TestSRTPFallbackAndRefusal(t *testing.T) {
	far, ua := tlsSim(t, sim.Options{NoSRTP: true})
	ctx := context.Background()

	call, err := ua.Dial(ctx, dialer.DialRequest{Trunk: tlsTrunk(t, far, dialer.SRTPOptional), To: "+1555000002", RingTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if !call.Answered() || call.Media().SRTP() {
		t.Fatalf("optional against a plain peer: answered %v srtp %v", call.Answered(), call.Media().SRTP())
	}
	_ = call.Hangup(ctx)

	call, err = ua.Dial(ctx, dialer.DialRequest{Trunk: tlsTrunk(t, far, dialer.SRTPRequired), To: "+1555000002", RingTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	<-call.Done()
	if r := call.Result(); r.Outcome == dialer.OutcomeAnswered || r.SIPStatus != 488 {
		t.Fatalf("required against a plain peer: outcome %s status %d; want the far end's 488", r.Outcome, r.SIPStatus)
	}
}
