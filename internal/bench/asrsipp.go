package bench

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/internal/freeport"
	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/voicebot/live"
)

// The SIPp peer of `bench asr --live --peer sipp`: each call's far end is a SIPp
// (Debian sip-tester) process of its own, an independent SIP/RTP implementation, in
// place of the simulator. SIPp cannot listen, so it keeps to a timetable: it answers,
// sends the key 1 over the greeting (RFC 2833, SIPp's own recording), and 3 s later
// streams the caller's sentence (µ-law, rtp_stream) — over the reminder question,
// which the bot must stop to hear — then waits for the bot's BYE.

// sippDTMF1 is the RFC 2833 key 1 that sip-tester ships.
const sippDTMF1 = "/usr/share/sip-tester/dtmf_2833_1.pcap"

// sippAnswerAfterKey is how long after the key the sentence starts: inside the
// reminder question, whose first words follow the key within a second.
const sippAnswerAfterKey = 3 * time.Second

// sippAvailable says what is missing for the SIPp peer, nil when nothing is.
func sippAvailable() error {
	if _, err := exec.LookPath("sipp"); err != nil {
		return errors.New("--peer sipp: sipp not found: install Debian package sip-tester (scripts/install-deps does)")
	}
	if _, err := os.Stat(sippDTMF1); err != nil {
		return fmt.Errorf("--peer sipp: %s missing (Debian package sip-tester ships it): %w", sippDTMF1, err)
	}
	return nil
}

// sippScenario is a UAS that answers with PCMU and telephone-event, plays the key
// and then answer.wav, and answers the BYE.
const sippScenario = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="voxdial bench asr --live --peer sipp">
  <recv request="INVITE" crlf="true"/>
  <send retrans="500"><![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=sipp 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0 101
      a=rtpmap:0 PCMU/8000
      a=rtpmap:101 telephone-event/8000
      a=fmtp:101 0-15

    ]]></send>
  <recv request="ACK" crlf="true"/>
  <pause milliseconds="300"/>
  <nop><action><exec play_pcap_audio="%s"/></action></nop>
  <pause milliseconds="%d"/>
  <nop><action><exec rtp_stream="answer.wav,1,0"/></action></nop>
  <recv request="BYE"/>
  <send><![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]></send>
</scenario>
`

// sippCallee is one running SIPp far end.
type sippCallee struct {
	addr string // SIP address, 127.0.0.1:port
	cmd  *exec.Cmd
	out  *bytes.Buffer
	done chan struct{}
}

// startSIPpCallee writes the call's scenario and sentence into dir and starts SIPp
// for one call.
func startSIPpCallee(ctx context.Context, dir string, pcm []int16) (*sippCallee, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	scen := fmt.Sprintf(sippScenario, sippDTMF1, (sippAnswerAfterKey - 300*time.Millisecond).Milliseconds())
	if err := os.WriteFile(filepath.Join(dir, "uas.xml"), []byte(scen), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "answer.wav"), mulawWAV(pcm), 0o644); err != nil {
		return nil, err
	}
	port, err := freeport.UDP()
	if err != nil {
		return nil, err
	}
	mport, err := freeport.RTP()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, "sipp", "-sf", "uas.xml", "-i", "127.0.0.1", "-p", strconv.Itoa(port),
		"-mp", strconv.Itoa(mport), "-m", "1", "-nostdin", "-timeout", "120s")
	cmd.Dir = dir // rtp_stream reads answer.wav next to the scenario
	out := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start sipp: %w", err)
	}
	c := &sippCallee{addr: "127.0.0.1:" + strconv.Itoa(port), cmd: cmd, out: out, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait() // its exit status is not the verdict: the bot's result is
		close(c.done)
	}()
	// SIPp has no readiness signal: wait until its port is bound.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		pc, err := net.ListenPacket("udp", c.addr)
		if err != nil {
			return c, nil // bound by SIPp
		}
		pc.Close()
	}
	c.stop()
	return nil, fmt.Errorf("sipp did not bind %s within 5 s: %s", c.addr, out.String())
}

// stop ends SIPp if it is still running and waits for it.
func (c *sippCallee) stop() {
	select {
	case <-c.done:
	default:
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// mulawWAV is pcm (8 kHz) as a G.711 µ-law WAV file, the form SIPp's rtp_stream plays.
func mulawWAV(pcm []int16) []byte {
	data := make([]byte, len(pcm))
	media.MulawEncode(data, pcm)
	var b bytes.Buffer
	le := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	le(uint32(4 + (8 + 18) + (8 + 4) + (8 + len(data))))
	b.WriteString("WAVEfmt ")
	le(uint32(18))
	le(uint16(7)) // WAVE_FORMAT_MULAW
	le(uint16(1)) // mono
	le(uint32(media.SampleRate))
	le(uint32(media.SampleRate)) // bytes per second
	le(uint16(1))                // block align
	le(uint16(8))                // bits per sample
	le(uint16(0))                // no extension
	b.WriteString("fact")
	le(uint32(4))
	le(uint32(len(data)))
	b.WriteString("data")
	le(uint32(len(data)))
	b.Write(data)
	return b.Bytes()
}

// sippCall places call i to a SIPp far end of its own that says pcm over the question.
func sippCall(ctx context.Context, script *live.Script, ua *dialer.UA, dir string, pcm []int16, i int) (liveOutcome, []time.Duration, time.Duration, error) {
	callee, err := startSIPpCallee(ctx, dir, pcm)
	if err != nil {
		return liveOutcome{}, nil, 0, err
	}
	defer callee.stop()
	trunk, err := dialer.ParseTrunk("sip:" + callee.addr)
	if err != nil {
		return liveOutcome{}, nil, 0, err
	}
	// SIPp hangs up only when the bot does; the branch is decided within the end of
	// turn and a reply's start after the sentence, so the call ends (our BYE) a few
	// seconds after it, as the simulator's callers hang up once the bot replies.
	end := sippAnswerAfterKey + time.Duration(len(pcm))*time.Second/media.SampleRate + sippHangUpAfter
	ctx, cancel := context.WithTimeout(ctx, sippDialBound+end)
	defer cancel()
	oc, lat, dur, err := liveCall(ctx, script, ua, trunk, i)
	if errors.Is(err, context.DeadlineExceeded) && oc.reached {
		err = nil // our hang-up, after the sentence's branch
	}
	if err != nil {
		err = fmt.Errorf("%w (sipp: %s)", err, lastLines(callee.out.String(), 5))
	}
	return oc, lat, dur, err
}

// sippHangUpAfter is how long after its sentence a SIPp call is ended: the end of
// turn (700 ms), the decode and the reply's first words, with room to spare.
const sippHangUpAfter = 5 * time.Second

// sippDialBound covers the INVITE, the answer and the greeting until the key.
const sippDialBound = 2 * time.Second

// lastLines is the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], " | ")
}
