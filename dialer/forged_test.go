package dialer_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/sim"
)

// forgeRequest sends one SIP request over real UDP from conn (another loopback
// address than the far end's) to the UA and returns the final status code.
func forgeRequest(t *testing.T, conn *net.UDPConn, to netip.AddrPort, method, callID, fromTag, toTag, ctype, body string, cseq int) int {
	t.Helper()
	local := conn.LocalAddr().(*net.UDPAddr).AddrPort()
	tag := func(v string) string {
		if v == "" {
			return ""
		}
		return ";tag=" + v
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s sip:voxdial@%s SIP/2.0\r\n", method, to)
	fmt.Fprintf(&b, "Via: SIP/2.0/UDP %s;branch=z9hG4bK-forged-%d-%s\r\n", local, cseq, strings.ToLower(method))
	b.WriteString("Max-Forwards: 70\r\n")
	fmt.Fprintf(&b, "From: <sip:+1555000002@%s>%s\r\n", local, tag(fromTag))
	fmt.Fprintf(&b, "To: <sip:voxdial@%s>%s\r\n", to.Addr(), tag(toTag))
	fmt.Fprintf(&b, "Call-ID: %s\r\n", callID)
	fmt.Fprintf(&b, "CSeq: %d %s\r\n", cseq, method)
	fmt.Fprintf(&b, "Contact: <sip:attacker@%s>\r\n", local)
	if ctype != "" {
		fmt.Fprintf(&b, "Content-Type: %s\r\n", ctype)
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(body), body)
	if _, err := conn.WriteToUDPAddrPort([]byte(b.String()), to); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	for {
		_ = conn.SetReadDeadline(time.Now().Add(3 * time.Second))
		n, _, err := conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			t.Fatalf("%s: no response: %v", method, err)
		}
		line, _ := bufio.NewReader(strings.NewReader(string(buf[:n]))).ReadString('\n')
		var code int
		if _, err := fmt.Sscanf(line, "SIP/2.0 %d", &code); err != nil {
			continue // not a response
		}
		if code >= 200 {
			return code
		}
	}
}

// A request that names a live call's Call-ID but not its dialog (both tags) must not
// touch the call: Call-IDs show up in logs, webhooks and the API, tags do not.
func TestForgedInDialogRequestsAreRefused(t *testing.T) {
	b := setup(t, testProfile)
	call := b.dial(t, "+1555000002", 5*time.Second, "") // listens, then waits for us
	if !call.Answered() {
		t.Fatalf("not answered: %+v", call.Result())
	}
	local, remote := call.DialogTags()
	if local == "" || remote == "" {
		t.Fatalf("dialog tags not known: local %q remote %q", local, remote)
	}
	// The attacker sends from another loopback address than the far end's.
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	inactive := "v=0\r\no=x 1 2 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\n" +
		"m=audio 40000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=inactive\r\n"
	dtmf := "Signal=5\r\nDuration=160\r\n"
	tagCases := []struct{ name, from, to string }{
		{"both tags wrong", "forged-remote", "forged-local"},
		{"no tags", "", ""},
		{"right local tag, wrong remote tag", "forged-remote", local},
		{"right remote tag, wrong local tag", remote, "forged-local"},
		{"tags swapped", local, remote},
	}
	methods := []struct{ method, ctype, body string }{
		{"INFO", "application/dtmf-relay", dtmf},
		{"INVITE", "application/sdp", inactive},
		{"NOTIFY", "", ""},
		{"BYE", "", ""},
	}
	cseq := 100
	for _, tc := range tagCases {
		for _, m := range methods {
			cseq++
			code := forgeRequest(t, conn, b.ua.Addr(), m.method, call.ID(), tc.from, tc.to, m.ctype, m.body, cseq)
			// An INVITE without a To tag is a new call, which we decline; with one it is
			// a re-INVITE of a dialog that does not exist.
			want := 481
			if m.method == "INVITE" && tc.to == "" {
				want = 603
			}
			if code != want {
				t.Errorf("%s, %s: answered %d, want %d", tc.name, m.method, code, want)
			}
		}
	}
	// The call is untouched: still up, not put on hold, no digits injected.
	if !call.Answered() {
		t.Fatalf("forged BYE ended the call: %+v", call.Result())
	}
	before := call.Media().Stats().PacketsSent
	time.Sleep(300 * time.Millisecond)
	if after := call.Media().Stats().PacketsSent; after <= before+5 {
		t.Fatalf("forged re-INVITE stopped our media (%d → %d packets sent)", before, after)
	}
	r := call.Result()
	if r.DTMF != "" || r.ReInvites != 0 {
		t.Fatalf("forged requests changed the call: dtmf %q re-invites %d", r.DTMF, r.ReInvites)
	}
	// The real dialog still works: our BYE reaches the far end.
	if err := call.Hangup(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r := call.Result(); r.HangupBy != dialer.HangupBot {
		t.Fatalf("hangup_by %q, want bot", r.HangupBy)
	}
}

// A third party on another loopback address sprays bursts of loud RTP at a live leg
// while the callee talks. The leg must not latch onto it (nothing of ours reaches it)
// and the recording's far-end channel must hold the callee's real audio.
func TestRTPInjectorDoesNotTakeOverLeg(t *testing.T) {
	for _, mode := range []media.PortMode{media.PerLegPorts, media.SharedPorts} {
		t.Run(string(mode), func(t *testing.T) {
			b := setupWith(t, testProfile, dialer.Options{RTPMode: mode})
			rec := filepath.Join(t.TempDir(), "talk.wav")
			call := b.dial(t, "+1555000001", 5*time.Second, rec) // says yes.wav, presses 42, hangs up
			if !call.Answered() {
				t.Fatalf("not answered: %+v", call.Result())
			}
			inj, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 3)})
			if err != nil {
				t.Fatal(err)
			}
			defer inj.Close()
			var got atomic.Int64
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			wg.Go(func() {
				buf := make([]byte, 1500)
				for {
					_ = inj.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
					if _, _, err := inj.ReadFromUDPAddrPort(buf); err == nil {
						got.Add(1)
					} else if ctx.Err() != nil {
						return
					}
				}
			})
			greeting, err := sim.Asset("greeting.wav") // what the injector says
			if err != nil {
				t.Fatal(err)
			}
			target := call.Media().LocalAddr()
			wg.Go(func() {
				payload := make([]byte, media.FrameSamples)
				seq, off := uint16(0), 0
				for ctx.Err() == nil {
					for range 10 { // bursts: more packets in a row than any relatch threshold
						seq++
						if off+media.FrameSamples > len(greeting.Samples) {
							off = 0
						}
						media.MulawEncode(payload, greeting.Samples[off:off+media.FrameSamples])
						off += media.FrameSamples
						pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: seq, Timestamp: uint32(seq) * 160, SSRC: 0x6666}, Payload: payload}
						raw, _ := pkt.Marshal()
						_, _ = inj.WriteToUDPAddrPort(raw, target)
					}
					time.Sleep(media.FrameDuration)
				}
			})
			if err := call.Play(context.Background(), media.Tone(600, time.Second, 6000).Source()); err != nil {
				t.Fatal(err)
			}
			select {
			case <-call.Done():
			case <-time.After(15 * time.Second):
				t.Fatal("far end never hung up")
			}
			cancel()
			wg.Wait()
			r := call.Result()
			if got.Load() != 0 {
				t.Fatalf("the leg sent %d packets to the injector (remote now %s)", got.Load(), r.Media.Remote)
			}
			if r.DTMF != "42" || r.HangupBy != dialer.HangupCaller {
				t.Fatalf("call disturbed: dtmf %q hangup_by %q", r.DTMF, r.HangupBy)
			}
			yes, err := sim.Asset("yes.wav")
			if err != nil {
				t.Fatal(err)
			}
			right := recordingRight(t, rec)
			if c := media.Correlation(right, yes.Samples); c < 0.6 {
				t.Fatalf("recording's far-end channel does not hold the callee's speech: correlation %.2f", c)
			}
			if c := media.Correlation(right, greeting.Samples); c > 0.5 {
				t.Fatalf("recording's far-end channel holds the injected audio: correlation %.2f", c)
			}
		})
	}
}
