package sim

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
	"go.uber.org/goleak"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/media"
)

var quietSlog = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestMain(m *testing.M) {
	sip.SetDefaultLogger(quietSlog)
	// sipgo (v1.7.2) may open a UDP reply connection while a user agent closes (a
	// response read during Close) and leaves its reader running: one idle socket per
	// closed user agent, seen under load; tolerated as in package dialer's tests.
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/emiago/sipgo/sip.(*TransportUDP).readUDPConnection"))
}

// testProfile is quick: short gaps, short waits, short ringing.
const testProfile = `
defaults:
  end_of_speech: 300ms
  max_wait: 1500ms
  max_duration: 20s
behaviours:
  person:
    kind: person
    turns:
      - say: asset:yes.wav
      - hangup: true
  person_wait:
    kind: person
    answer_after: 100ms
    turns:
      - say: asset:yes.wav
    after_turns: wait
  person_early:
    kind: person
    answer_after: 300ms
    early_media: true
    turns:
      - dtmf: "12"
    after_turns: wait
  person_hold:
    kind: person
    turns:
      - reinvite: hold
      - reinvite: resume
      - reinvite: refresh
    after_turns: wait
  busy:       {kind: busy}
  reject:     {kind: reject, ring: 100ms}
  invalid:    {kind: invalid}
  congestion: {kind: congestion}
  unavailable: {kind: status, status: 480}
  ring_short: {kind: ring_out, ring: 200ms}
  ring_long:  {kind: ring_out}
  voicemail:
    kind: voicemail
    max_duration: 60s
  garbage:    {kind: person, answer_sdp: garbage, max_duration: 5s}
  nocodec:    {kind: person, answer_sdp: no_common_codec, max_duration: 5s}
routes:
  - {match: '^busy', behaviour: busy}
  - {match: '^reject', behaviour: reject}
  - {match: '^invalid', behaviour: invalid}
  - {match: '^congestion', behaviour: congestion}
  - {match: '^unavailable', behaviour: unavailable}
  - {match: '^ringshort', behaviour: ring_short}
  - {match: '^ringlong', behaviour: ring_long}
  - {match: '^vm', behaviour: voicemail}
  - {match: '^wait', behaviour: person_wait}
  - {match: '^early', behaviour: person_early}
  - {match: '^hold', behaviour: person_hold}
  - {match: '^garbage', behaviour: garbage}
  - {match: '^nocodec', behaviour: nocodec}
  - {match: '.', behaviour: person}
`

type testBundle struct {
	srv *Server
	uac *testUAC
	ctx context.Context
}

func setup(t *testing.T, profileYAML string, mod ...func(*Options)) *testBundle {
	t.Helper()
	p, err := ParseProfile(strings.NewReader(profileYAML), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Profile: p, Logger: zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))}
	for _, f := range mod {
		f(&opts)
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	t.Cleanup(cancel)
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	// Cleanups run last-in first-out: the UAC closes before the server.
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return &testBundle{srv: srv, uac: newTestUAC(t, srv.Addr()), ctx: ctx}
}

// botSpeech is what the test "bot" says after the answer: a tone, then silence.
func botSpeech() *media.PCM {
	return media.Concat(media.Tone(600, 400*time.Millisecond, 6000), media.Silence(100*time.Millisecond))
}

func TestRefusals(t *testing.T) {
	b := setup(t, testProfile)
	for _, tc := range []struct {
		user string
		want int
	}{
		{"busy1", 486}, {"reject1", 603}, {"invalid1", 404}, {"congestion1", 503},
		{"unavailable1", 480}, {"ringshort1", 480},
	} {
		t.Run(tc.user, func(t *testing.T) {
			c, status, err := b.uac.dial(b.ctx, tc.user, dialOpts{})
			if err != nil {
				t.Fatal(err)
			}
			if status != tc.want {
				t.Fatalf("status %d, want %d", status, tc.want)
			}
			rec, err := b.srv.WaitCall(b.ctx, c.callID())
			if err != nil {
				t.Fatal(err)
			}
			if rec.FinalStatus != tc.want || rec.To != tc.user || rec.Active || rec.ByeFrom != "" {
				t.Fatalf("record %+v", rec)
			}
		})
	}
}

func TestRingOutCancel(t *testing.T) {
	b := setup(t, testProfile)
	c, status, err := b.uac.dial(b.ctx, "ringlong1", dialOpts{cancelAfterRinging: true})
	if err != nil {
		t.Fatal(err)
	}
	if status != 487 {
		t.Fatalf("status %d", status)
	}
	rec, err := b.srv.WaitCall(b.ctx, c.callID())
	if err != nil {
		t.Fatal(err)
	}
	if !rec.Cancelled || rec.FinalStatus != 487 || rec.Behaviour != "ring_long" {
		t.Fatalf("record %+v", rec)
	}
}

func TestPersonAnswersSpeaksAndHangsUp(t *testing.T) {
	dir := t.TempDir()
	b := setup(t, testProfile, func(o *Options) { o.RecordDir = dir })
	c, status, err := b.uac.dial(b.ctx, "+15550100001", dialOpts{speech: botSpeech(), keep: true})
	if err != nil || status != 200 {
		t.Fatalf("status %d err %v", status, err)
	}
	if err := c.waitBye(b.ctx); err != nil {
		t.Fatalf("no BYE from the simulator: %v", err)
	}
	rec, err := b.srv.WaitCall(b.ctx, c.callID())
	if err != nil {
		t.Fatal(err)
	}
	if rec.ByeFrom != ByeSim || rec.FinalStatus != 200 || rec.Behaviour != "person" || rec.TurnsDone != 2 {
		t.Fatalf("record %+v", rec)
	}
	if rec.PacketsReceived == 0 || rec.ReceivedRMS == 0 {
		t.Fatalf("the simulator heard nothing: %+v", rec)
	}
	// The UAC heard "yes, speaking": compare with the asset, not by size.
	yes, err := Asset("yes.wav")
	if err != nil {
		t.Fatal(err)
	}
	got := c.received()
	if corr := media.Correlation(yes.Samples, got); corr < 0.5 {
		t.Fatalf("received audio correlates %.2f with yes.wav (frames %d, loud %d)", corr, c.frames.Load(), c.loudFrames.Load())
	}
	if rec.RecordingPath == "" {
		t.Fatal("no recording")
	}
	if fi, err := os.Stat(rec.RecordingPath); err != nil || fi.Size() < 1000 {
		t.Fatalf("recording %s: %v", rec.RecordingPath, err)
	}
}

func TestPersonWaitsForPeerBye(t *testing.T) {
	b := setup(t, testProfile)
	c, status, err := b.uac.dial(b.ctx, "wait1", dialOpts{speech: botSpeech()})
	if err != nil || status != 200 {
		t.Fatalf("status %d err %v", status, err)
	}
	if c.statuses[0] != 180 && (len(c.statuses) < 2 || c.statuses[1] != 180) {
		t.Fatalf("no 180 before the answer: %v", c.statuses)
	}
	// Send DTMF to the simulator while it waits.
	if err := c.sess.SendDTMF(b.ctx, "5#", 60*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return len(lastRecord(b.srv).DTMFReceived) == 2 })
	if err := c.hangup(b.ctx); err != nil {
		t.Fatal(err)
	}
	rec, err := b.srv.WaitCall(b.ctx, c.callID())
	if err != nil {
		t.Fatal(err)
	}
	if rec.ByeFrom != ByePeer || rec.DTMFReceived != "5#" {
		t.Fatalf("record %+v", rec)
	}
}

func TestEarlyMediaAndDTMFToPeer(t *testing.T) {
	b := setup(t, testProfile)
	c, status, err := b.uac.dial(b.ctx, "early1", dialOpts{})
	if err != nil || status != 200 {
		t.Fatalf("status %d err %v", status, err)
	}
	saw183 := false
	for _, s := range c.statuses {
		saw183 = saw183 || s == 183
	}
	if !saw183 {
		t.Fatalf("no 183: %v", c.statuses)
	}
	var digits string
	timeout := time.After(10 * time.Second)
	for len(digits) < 2 {
		select {
		case d := <-c.sess.DTMF():
			digits += string(d.Digit)
		case <-timeout:
			t.Fatalf("digits so far %q", digits)
		}
	}
	if digits != "12" {
		t.Fatalf("digits %q", digits)
	}
	if c.loudFrames.Load() == 0 {
		t.Fatal("no ringback heard during early media")
	}
	if err := c.hangup(b.ctx); err != nil {
		t.Fatal(err)
	}
}

func TestReInvitesFromSim(t *testing.T) {
	b := setup(t, testProfile)
	c, status, err := b.uac.dial(b.ctx, "hold1", dialOpts{})
	if err != nil || status != 200 {
		t.Fatalf("status %d err %v", status, err)
	}
	waitFor(t, func() bool { return lastRecord(b.srv).ReInvites == 3 })
	if got := c.reinvites.Load(); got != 3 {
		t.Fatalf("uac answered %d re-INVITEs", got)
	}
	if err := c.hangup(b.ctx); err != nil {
		t.Fatal(err)
	}
	rec, _ := b.srv.WaitCall(b.ctx, c.callID())
	if rec.Err != "" || rec.ByeFrom != ByePeer {
		t.Fatalf("record %+v", rec)
	}
}

func TestReInviteFromPeer(t *testing.T) {
	b := setup(t, testProfile)
	c, status, err := b.uac.dial(b.ctx, "wait2", dialOpts{})
	if err != nil || status != 200 {
		t.Fatalf("status %d err %v", status, err)
	}
	for _, dir := range []dialer.Direction{dialer.SendOnly, dialer.SendRecv} {
		offer := c.offer
		offer.Version++
		offer.Direction = dir
		body, _ := dialer.MarshalSDP(offer)
		req := sip.NewRequest(sip.INVITE, c.dlg.InviteResponse.Contact().Address)
		req.SetBody(body)
		req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
		res, err := c.dlg.Do(b.ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != 200 {
			t.Fatalf("re-INVITE %s: %d", dir, res.StatusCode)
		}
		n, err := dialer.ParseAnswer(res.Body(), offer)
		if err != nil {
			t.Fatal(err)
		}
		want := dialer.SendRecv
		if dir == dialer.SendOnly {
			want = dialer.RecvOnly
		}
		if n.Direction != want {
			t.Fatalf("answer direction %s to %s", n.Direction, dir)
		}
		ack := sip.NewRequest(sip.ACK, req.Recipient)
		if err := c.dlg.WriteRequest(ack); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.hangup(b.ctx); err != nil {
		t.Fatal(err)
	}
	rec, _ := b.srv.WaitCall(b.ctx, c.callID())
	if rec.ReInvitesAnswered != 2 || rec.ByeFrom != ByePeer {
		t.Fatalf("record %+v", rec)
	}
}

func TestVoicemail(t *testing.T) {
	b := setup(t, testProfile)
	c, status, err := b.uac.dial(b.ctx, "vm1", dialOpts{keep: true})
	if err != nil || status != 200 {
		t.Fatalf("status %d err %v", status, err)
	}
	greeting, _ := Asset("greeting.wav")
	// Wait for greeting + beep, then hang up as a dialer would after its message.
	waitFor(t, func() bool {
		return c.frames.Load() > uint64(greeting.Duration()/media.FrameDuration)+25
	})
	got := c.received()
	if corr := media.Correlation(greeting.Samples, got); corr < 0.5 {
		t.Fatalf("greeting correlation %.2f", corr)
	}
	beep := media.Tone(1000, 300*time.Millisecond, 8000)
	if corr := media.Correlation(beep.Samples, got[max(0, len(greeting.Samples)-1000):]); corr < 0.5 {
		t.Fatalf("beep correlation %.2f", corr)
	}
	if err := c.hangup(b.ctx); err != nil {
		t.Fatal(err)
	}
	rec, _ := b.srv.WaitCall(b.ctx, c.callID())
	if rec.ByeFrom != ByePeer || rec.Kind != KindVoicemail {
		t.Fatalf("record %+v", rec)
	}
}

func TestFaultyAnswers(t *testing.T) {
	b := setup(t, testProfile)
	for _, tc := range []struct {
		user string
		want error
	}{{"garbage1", dialer.ErrInvalidSDP}, {"nocodec1", dialer.ErrNoCommonCodec}} {
		c, status, err := b.uac.dial(b.ctx, tc.user, dialOpts{})
		if status != 200 {
			t.Fatalf("%s: status %d err %v", tc.user, status, err)
		}
		if !errors.Is(err, tc.want) {
			t.Fatalf("%s: err %v, want %v", tc.user, err, tc.want)
		}
		if err := c.hangup(b.ctx); err != nil {
			t.Fatal(err)
		}
		rec, _ := b.srv.WaitCall(b.ctx, c.callID())
		if rec.ByeFrom != ByePeer || rec.FinalStatus != 200 {
			t.Fatalf("record %+v", rec)
		}
	}
}

func TestDigestAuth(t *testing.T) {
	b := setup(t, "auth: {username: trunk, password: s3cret, realm: sim.test}\n"+testProfile)
	// Without credentials: 401 only.
	c, status, err := b.uac.dial(b.ctx, "busy1", dialOpts{})
	if err != nil || status != 401 {
		t.Fatalf("status %d err %v", status, err)
	}
	rec, _ := b.srv.WaitCall(b.ctx, c.callID())
	if !rec.AuthChallenged || rec.FinalStatus != 401 {
		t.Fatalf("record %+v", rec)
	}
	// Good credentials: 401, then the behaviour (busy).
	c, status, err = b.uac.dial(b.ctx, "busy2", dialOpts{username: "trunk", password: "s3cret"})
	if err != nil || status != 486 {
		t.Fatalf("status %d err %v (saw %v)", status, err, c.statuses)
	}
	rec, _ = b.srv.WaitCall(b.ctx, c.callID())
	if !rec.AuthChallenged || rec.FinalStatus != 486 {
		t.Fatalf("record %+v", rec)
	}
	// Wrong password: 403.
	c, status, err = b.uac.dial(b.ctx, "busy3", dialOpts{username: "trunk", password: "wrong"})
	if err != nil || status != 403 {
		t.Fatalf("status %d err %v", status, err)
	}
	rec, _ = b.srv.WaitCall(b.ctx, c.callID())
	if !rec.AuthChallenged || rec.FinalStatus != 403 {
		t.Fatalf("record %+v", rec)
	}
}

func TestOptions(t *testing.T) {
	b := setup(t, testProfile)
	uri := sip.Uri{Scheme: "sip", Host: b.srv.Addr().Addr().String(), Port: int(b.srv.Addr().Port())}
	for _, transport := range []string{"UDP", "TCP"} {
		req := sip.NewRequest(sip.OPTIONS, uri)
		req.SetTransport(transport)
		res, err := b.uac.client.Do(b.ctx, req)
		if err != nil {
			t.Fatalf("%s: %v", transport, err)
		}
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d", transport, res.StatusCode)
		}
	}
}

func TestTCPCall(t *testing.T) {
	b := setup(t, testProfile)
	c, status, err := b.uac.dial(b.ctx, "busy9", dialOpts{transport: "TCP"})
	if err != nil || status != 486 {
		t.Fatalf("status %d err %v", status, err)
	}
	rec, _ := b.srv.WaitCall(b.ctx, c.callID())
	if rec.Transport != "TCP" {
		t.Fatalf("record %+v", rec)
	}
}

func TestCloseEndsActiveCalls(t *testing.T) {
	b := setup(t, testProfile)
	c, status, err := b.uac.dial(b.ctx, "wait3", dialOpts{})
	if err != nil || status != 200 {
		t.Fatalf("status %d err %v", status, err)
	}
	if err := b.srv.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.waitBye(b.ctx); err != nil {
		t.Fatalf("no BYE on Close: %v", err)
	}
	recs := b.srv.Calls()
	if len(recs) != 1 || recs[0].Active || recs[0].ByeFrom != ByeSim {
		t.Fatalf("records %+v", recs)
	}
	if err := b.srv.Close(); err != nil { // idempotent
		t.Fatal(err)
	}
}

func TestWaitCallUnknown(t *testing.T) {
	b := setup(t, testProfile)
	ctx, cancel := context.WithTimeout(b.ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := b.srv.WaitCall(ctx, "nope"); !errors.Is(err, ErrUnknownCall) {
		t.Fatalf("err %v", err)
	}
}

// TestConcurrentCalls holds ~300 answered calls at once.
func TestConcurrentCalls(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	n := 300
	if v, err := strconv.Atoi(os.Getenv("SIM_LOAD_CALLS")); err == nil && v > 0 {
		n = v // e.g. SIM_LOAD_CALLS=2000 for a manual look at bigger loads
	}
	b := setup(t, `
defaults: {end_of_speech: 200ms, max_wait: 1s}
behaviours:
  p:
    kind: person
    turns: [{say: asset:yes.wav}]
    after_turns: wait
mix: [{behaviour: p, weight: 1}]
`)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	calls := make(chan *uacCall, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, status, err := b.uac.dial(b.ctx, "load"+string(rune('a'+i%26)), dialOpts{})
			if err != nil || status != 200 {
				errs <- errors.Join(err, errors.New("status "+strconv.Itoa(status)))
				return
			}
			calls <- c
		}()
	}
	wg.Wait()
	close(errs)
	close(calls)
	for err := range errs {
		t.Error(err)
	}
	active := 0
	for _, r := range b.srv.Calls() {
		if r.Active {
			active++
		}
	}
	if active != n {
		t.Errorf("%d calls active at once, want %d", active, n)
	}
	// Everyone hears "yes, speaking" after max_wait, then we hang up.
	var held []*uacCall
	for c := range calls {
		held = append(held, c)
	}
	waitFor(t, func() bool {
		for _, c := range held {
			if c.loudFrames.Load() < 10 {
				return false
			}
		}
		return true
	})
	for _, c := range held {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.hangup(b.ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for _, c := range held {
		rec, err := b.srv.WaitCall(b.ctx, c.callID())
		if err != nil || rec.ByeFrom != ByePeer || rec.Err != "" {
			t.Fatalf("record %+v err %v", rec, err)
		}
	}
}

func lastRecord(s *Server) CallRecord {
	recs := s.Calls()
	if len(recs) == 0 {
		return CallRecord{}
	}
	return recs[len(recs)-1]
}

// waitFor polls cond (tests wait on outcomes, never assert timing).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 60 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// A callee with DTX stops sending RTP while quiet: between its words and after its
// turn nothing arrives but, in cn mode with comfort noise agreed, one RFC 3389 packet
// per silence; offered no CN, the cn callee falls back to sending nothing.
func TestDTXCallee(t *testing.T) {
	const profile = `
defaults: {end_of_speech: 300ms, max_wait: 1500ms, max_duration: 20s}
behaviours:
  dtx:
    kind: person
    answer_after: 50ms
    dtx: cn
    turns: [{say: asset:yes.wav}]
    after_turns: wait
routes: [{match: '.', behaviour: dtx}]
`
	for _, c := range []struct {
		name string
		cn   bool
	}{{"comfort noise", true}, {"no comfort noise offered", false}} {
		t.Run(c.name, func(t *testing.T) {
			b := setup(t, profile)
			call, status, err := b.uac.dial(b.ctx, "+15550100001", dialOpts{speech: botSpeech(), cn: c.cn})
			if err != nil || status != 200 {
				t.Fatalf("status %d err %v", status, err)
			}
			waitFor(t, func() bool {
				for _, r := range b.srv.Calls() {
					if r.TurnsDone == 1 {
						return true
					}
				}
				return false
			})
			start := call.sess.Stats()
			time.Sleep(time.Second) // the callee is quiet now
			st := call.sess.Stats()
			if got := st.PacketsReceived - start.PacketsReceived; got > 2 {
				t.Errorf("%d packets in a second of the callee's silence, want none (DTX)", got)
			}
			wantCN := uint64(0)
			if c.cn {
				wantCN = 1
			}
			if st.ComfortNoisePackets < wantCN || (!c.cn && st.ComfortNoisePackets != 0) {
				t.Errorf("comfort-noise packets %d (agreed %v)", st.ComfortNoisePackets, c.cn)
			}
			// yes.wav arrived: fewer packets than its length in frames (its pauses were
			// not sent), but some.
			yes, _ := Asset("yes.wav")
			if n := st.PacketsReceived; n < 5 || n >= uint64(len(yes.Samples)/media.FrameSamples) {
				t.Errorf("%d packets for %d frames of yes.wav", n, len(yes.Samples)/media.FrameSamples)
			}
		})
	}
}
