package dialer_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/sim"
)

// The far end for these tests: one simulator, behaviours by number.
const testProfile = `
defaults:
  end_of_speech: 300ms
  max_wait: 1s
  max_duration: 20s
behaviours:
  talk:       {kind: person, turns: [{say: asset:yes.wav}, {dtmf: "42"}, {hangup: true}]}
  listen:     {kind: person, turns: [{silence: 2s}], after_turns: wait}
  hold:       {kind: person, turns: [{reinvite: hold}, {silence: 500ms}, {reinvite: resume}, {reinvite: refresh}], after_turns: wait}
  early:      {kind: person, answer_after: 1s, early_media: true, turns: [{silence: 200ms}], after_turns: wait}
  ring:       {kind: ring_out}
  late:       {kind: person, answer_after: 1500ms, turns: [{hangup: true}]}
  garbage:    {kind: person, answer_sdp: garbage}
  nocodec:    {kind: person, answer_sdp: no_common_codec}
  busy:       {kind: busy}
  busy600:    {kind: status, status: 600}
  reject:     {kind: reject}
  invalid:    {kind: invalid}
  gone:       {kind: status, status: 410}
  incomplete: {kind: status, status: 484}
  nowhere:    {kind: status, status: 604}
  congestion: {kind: congestion}
  s500:       {kind: status, status: 500}
  s502:       {kind: status, status: 502}
  s504:       {kind: status, status: 504}
  s480:       {kind: status, status: 480}
  s408:       {kind: status, status: 408}
  s403:       {kind: status, status: 403}
routes:
  - {match: '^\+1555000001$', behaviour: talk}
  - {match: '^\+1555000002$', behaviour: listen}
  - {match: '^\+1555000003$', behaviour: hold}
  - {match: '^\+1555000004$', behaviour: early}
  - {match: '^\+1555000005$', behaviour: ring}
  - {match: '^\+1555000006$', behaviour: late}
  - {match: '^\+1555000010$', behaviour: garbage}
  - {match: '^\+1555000011$', behaviour: nocodec}
  - {match: '^\+1555000020$', behaviour: busy}
  - {match: '^\+1555000021$', behaviour: busy600}
  - {match: '^\+1555000022$', behaviour: reject}
  - {match: '^\+1555000023$', behaviour: invalid}
  - {match: '^\+1555000024$', behaviour: gone}
  - {match: '^\+1555000025$', behaviour: incomplete}
  - {match: '^\+1555000026$', behaviour: nowhere}
  - {match: '^\+1555000027$', behaviour: congestion}
  - {match: '^\+1555000028$', behaviour: s500}
  - {match: '^\+1555000029$', behaviour: s502}
  - {match: '^\+1555000030$', behaviour: s504}
  - {match: '^\+1555000031$', behaviour: s480}
  - {match: '^\+1555000032$', behaviour: s408}
  - {match: '^\+1555000033$', behaviour: s403}
mix:
  - {behaviour: busy, weight: 1}
`

type bundle struct {
	far   *sim.Server
	ua    *dialer.UA
	trunk *dialer.Trunk
}

func setup(t *testing.T, profile string) *bundle {
	t.Helper()
	return setupWith(t, profile, dialer.Options{})
}

// setupWith is setup with the dialer's options (Logger and Clock are filled in).
func setupWith(t *testing.T, profile string, opts dialer.Options) *bundle {
	t.Helper()
	prof, err := sim.ParseProfile(strings.NewReader(profile), "test-profile.yaml")
	if err != nil {
		t.Fatal(err)
	}
	log := testLogger(t)
	ctx, cancel := context.WithCancel(context.Background())
	far, err := sim.New(sim.Options{Profile: prof, Logger: log.Named("sim")})
	if err != nil {
		t.Fatal(err)
	}
	if err := far.Start(ctx); err != nil {
		t.Fatal(err)
	}
	clock := media.NewClock(media.ClockOptions{})
	clock.Start(ctx)
	opts.Logger, opts.Clock = log.Named("dialer"), clock
	ua, err := dialer.NewUA(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := ua.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ua.Close()
		far.Close()
		clock.Stop()
		cancel()
	})
	trunk, err := dialer.ParseTrunk("sip:" + far.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	return &bundle{far: far, ua: ua, trunk: trunk}
}

func (b *bundle) dial(t *testing.T, to string, ring time.Duration, rec string) *dialer.Call {
	t.Helper()
	c, err := b.ua.Dial(context.Background(), dialer.DialRequest{Trunk: b.trunk, To: to, RingTimeout: ring, RecordPath: rec})
	if err != nil {
		t.Fatalf("dial %s: %v", to, err)
	}
	return c
}

func TestOutcomesAgainstSimulator(t *testing.T) {
	checkLeaks(t) // faulty answers and refusals leave no goroutines or sockets behind
	b := setup(t, testProfile)
	cases := []struct {
		to      string
		outcome dialer.Outcome
		status  int
		reason  string // substring of our explanation
	}{
		{"+1555000020", dialer.OutcomeBusy, 486, ""},
		{"+1555000021", dialer.OutcomeBusy, 600, ""},
		{"+1555000022", dialer.OutcomeRejected, 603, ""},
		{"+1555000023", dialer.OutcomeInvalidNumber, 404, ""},
		{"+1555000024", dialer.OutcomeInvalidNumber, 410, ""},
		{"+1555000025", dialer.OutcomeInvalidNumber, 484, ""},
		{"+1555000026", dialer.OutcomeInvalidNumber, 604, ""},
		{"+1555000027", dialer.OutcomeCongestion, 503, ""},
		{"+1555000028", dialer.OutcomeCongestion, 500, ""},
		{"+1555000029", dialer.OutcomeCongestion, 502, ""},
		{"+1555000030", dialer.OutcomeCongestion, 504, ""},
		{"+1555000031", dialer.OutcomeNoAnswer, 480, ""},
		{"+1555000032", dialer.OutcomeNoAnswer, 408, ""},
		{"+1555000033", dialer.OutcomeFailed, 403, ""},
		{"+1555000005", dialer.OutcomeNoAnswer, 487, "ring timeout"},
		{"+1555000010", dialer.OutcomeFailed, 200, "unusable SDP answer"},
		{"+1555000011", dialer.OutcomeFailed, 200, "no common codec"},
	}
	fdsBefore := openFDs(t)
	var wg sync.WaitGroup
	for _, c := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			call, err := b.ua.Dial(context.Background(), dialer.DialRequest{Trunk: b.trunk, To: c.to, RingTimeout: 1500 * time.Millisecond})
			if err != nil {
				t.Errorf("%s: %v", c.to, err)
				return
			}
			<-call.Done()
			r := call.Result()
			if r.Outcome != c.outcome || r.SIPStatus != c.status || !strings.Contains(r.Reason, c.reason) {
				t.Errorf("%s: got outcome %s status %d reason %q; want %s %d %q", c.to, r.Outcome, r.SIPStatus, r.Reason, c.outcome, c.status, c.reason)
			}
			if r.Timings.EndedAt.IsZero() || r.Timings.InviteAt.IsZero() {
				t.Errorf("%s: timings not filled: %+v", c.to, r.Timings)
			}
		}()
	}
	wg.Wait()
	if b.ua.ActiveCalls() != 0 || b.trunk.Active() != 0 {
		t.Fatalf("calls left active: ua %d trunk %d", b.ua.ActiveCalls(), b.trunk.Active())
	}
	// Every RTP socket (ours and the simulator's) is closed again.
	// The simulator closes its side just after ours: give it a moment.
	after := openFDs(t)
	for deadline := time.Now().Add(3 * time.Second); after > fdsBefore+2 && time.Now().Before(deadline); after = openFDs(t) {
		time.Sleep(20 * time.Millisecond)
	}
	if after > fdsBefore+2 {
		t.Fatalf("open file descriptors grew from %d to %d after %d calls", fdsBefore, after, len(cases))
	}
	// The faulty answers were answered, so they must have been ACKed and hung up. The
	// simulator's transaction layer sends the 487 before its call goroutine records the
	// CANCEL: wait for the records to settle.
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		settled := true
		for _, r := range b.far.Calls() {
			settled = settled && (r.Behaviour != "ring" || r.Cancelled)
		}
		if settled {
			break
		}
	}
	for _, r := range b.far.Calls() {
		if r.Behaviour == "garbage" || r.Behaviour == "nocodec" {
			if r.ByeFrom != sim.ByePeer {
				t.Errorf("%s: far end saw bye_from %q, want our BYE", r.Behaviour, r.ByeFrom)
			}
		}
		if r.Behaviour == "ring" && !r.Cancelled {
			t.Errorf("ring-out call was not cancelled on the wire")
		}
	}
}

func TestConversationRecordingDTMFAndFarEndBye(t *testing.T) {
	b := setup(t, testProfile)
	rec := filepath.Join(t.TempDir(), "talk.wav")
	call := b.dial(t, "+1555000001", 5*time.Second, rec)
	if !call.Answered() {
		t.Fatalf("not answered: %+v", call.Result())
	}
	ctx := context.Background()
	// The bot speaks; the simulated person answers after our end of speech,
	// presses 4 2, then hangs up.
	if err := call.Play(ctx, media.Tone(600, time.Second, 6000).Source()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-call.Done():
	case <-time.After(15 * time.Second):
		t.Fatal("far end never hung up")
	}
	r := call.Result()
	if r.Outcome != dialer.OutcomeAnswered || r.HangupBy != dialer.HangupCaller {
		t.Fatalf("outcome %s hangup_by %q, want answered/caller", r.Outcome, r.HangupBy)
	}
	if r.DTMF != "42" {
		t.Fatalf("DTMF received %q, want 42", r.DTMF)
	}
	yes, err := sim.Asset("yes.wav")
	if err != nil {
		t.Fatal(err)
	}
	got := recordingRight(t, rec)
	if c := media.Correlation(got, yes.Samples); c < 0.6 {
		t.Fatalf("recording's far-end channel does not hold the callee's speech: correlation %.2f", c)
	}
	// And the check can fail: an utterance the callee never said does not match.
	other, err := sim.Asset("greeting.wav")
	if err != nil {
		t.Fatal(err)
	}
	if c := media.Correlation(got, other.Samples); c > 0.5 {
		t.Fatalf("recording matches audio that was never sent: correlation %.2f", c)
	}
	if r.Timings.AnswerToFirstAudioMS == nil {
		t.Fatal("answer_to_first_audio_ms not set")
	}
	sr, err := b.far.WaitCall(ctx, r.CallID)
	if err != nil {
		t.Fatal(err)
	}
	if sr.ByeFrom != sim.ByeSim || sr.PacketsReceived == 0 {
		t.Fatalf("far end record: %+v", sr)
	}
}

func TestSendDTMFReachesFarEnd(t *testing.T) {
	b := setup(t, testProfile)
	call := b.dial(t, "+1555000002", 5*time.Second, "")
	ctx := context.Background()
	if err := call.SendDTMF(ctx, "159#", 80*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if err := call.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	sr, err := b.far.WaitCall(ctx, call.ID())
	if err != nil {
		t.Fatal(err)
	}
	if sr.DTMFReceived != "159#" {
		t.Fatalf("far end received DTMF %q, want 159#", sr.DTMFReceived)
	}
	if r := call.Result(); r.HangupBy != dialer.HangupBot || sr.ByeFrom != sim.ByePeer {
		t.Fatalf("hangup_by %q, far end bye_from %q", r.HangupBy, sr.ByeFrom)
	}
}

func TestReInviteHoldResumeKeepsCall(t *testing.T) {
	b := setup(t, testProfile)
	call := b.dial(t, "+1555000003", 5*time.Second, "")
	ctx := context.Background()
	deadline := time.Now().Add(10 * time.Second)
	for call.Result().ReInvites < 3 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if !call.Answered() {
		t.Fatalf("call dropped by re-INVITE: %+v", call.Result())
	}
	if n := call.Result().ReInvites; n != 3 {
		t.Fatalf("answered %d re-INVITEs, want 3 (hold, resume, refresh)", n)
	}
	// Media still flows after resume.
	before := call.Media().Stats().PacketsSent
	time.Sleep(200 * time.Millisecond)
	if after := call.Media().Stats().PacketsSent; after <= before {
		t.Fatalf("no RTP sent after resume (%d → %d)", before, after)
	}
	if err := call.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	sr, err := b.far.WaitCall(ctx, call.ID())
	if err != nil {
		t.Fatal(err)
	}
	if sr.ReInvites != 3 {
		t.Fatalf("far end got %d 2xx answers to its re-INVITEs, want 3", sr.ReInvites)
	}
}

func TestEarlyMediaIsRecorded(t *testing.T) {
	b := setup(t, testProfile)
	rec := filepath.Join(t.TempDir(), "early.wav")
	call := b.dial(t, "+1555000004", 5*time.Second, rec)
	r := call.Result()
	if !r.EarlyMedia || r.Timings.RingingAt == nil {
		t.Fatalf("early media not seen: %+v", r)
	}
	_ = call.Hangup(context.Background())
	<-call.Done()
	if got := recordingRight(t, rec); media.RMS(got) < 100 {
		t.Fatalf("ringback during early media not recorded (rms %.0f)", media.RMS(got))
	}
}

func TestDigestChallenge(t *testing.T) {
	profile := `
auth: {username: acme, password: s3cret, realm: sim.test}
behaviours:
  late: {kind: person, turns: [{hangup: true}], max_wait: 200ms}
mix:
  - {behaviour: late, weight: 1}
`
	b := setup(t, profile)
	cases := []struct {
		user, pass string
		outcome    dialer.Outcome
		status     int
	}{
		{"acme", "s3cret", dialer.OutcomeAnswered, 200},
		{"acme", "wrong", dialer.OutcomeFailed, 403},
		{"", "", dialer.OutcomeFailed, 401},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("user=%q", c.user), func(t *testing.T) {
			tr, err := dialer.ParseTrunk("sip:" + b.far.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			tr.Username, tr.Password = c.user, c.pass
			call, err := b.ua.Dial(context.Background(), dialer.DialRequest{Trunk: tr, To: "+14155550101", RingTimeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			<-call.Done()
			r := call.Result()
			if r.Outcome != c.outcome || r.SIPStatus != c.status {
				t.Fatalf("outcome %s status %d, want %s %d", r.Outcome, r.SIPStatus, c.outcome, c.status)
			}
			sr, err := b.far.WaitCall(context.Background(), r.CallID)
			if err != nil {
				t.Fatal(err)
			}
			if !sr.AuthChallenged {
				t.Fatal("far end never challenged")
			}
		})
	}
}

func TestKeepAliveOptions(t *testing.T) {
	b := setup(t, testProfile)
	r, err := b.ua.Ping(context.Background(), b.trunk)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != 200 {
		t.Fatalf("OPTIONS answered %d", r.Status)
	}
	dead, _ := dialer.ParseTrunk("sip:127.0.0.1:9")
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	if _, err := b.ua.Ping(ctx, dead); err == nil {
		t.Fatal("ping of a dead trunk succeeded")
	}
}

func TestTCPTransport(t *testing.T) {
	b := setup(t, testProfile)
	tr, err := dialer.ParseTrunk("sip:" + b.far.Addr().String() + ";transport=tcp")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, c := range []struct {
		to      string
		outcome dialer.Outcome
	}{{"+1555000020", dialer.OutcomeBusy}, {"+1555000002", dialer.OutcomeAnswered}} {
		call, err := b.ua.Dial(ctx, dialer.DialRequest{Trunk: tr, To: c.to, RingTimeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if c.outcome == dialer.OutcomeAnswered {
			time.Sleep(200 * time.Millisecond)
			if err := call.Hangup(ctx); err != nil {
				t.Fatal(err)
			}
		}
		<-call.Done()
		if r := call.Result(); r.Outcome != c.outcome {
			t.Fatalf("%s over tcp: %+v", c.to, r)
		}
		sr, err := b.far.WaitCall(ctx, call.ID())
		if err != nil {
			t.Fatal(err)
		}
		if sr.Transport != "TCP" {
			t.Fatalf("far end saw transport %q", sr.Transport)
		}
	}
}

// openFDs counts this process's open file descriptors.
func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}
