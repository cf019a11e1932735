// Package sipptest runs SIPp (Debian sip-tester) as a far end in tests.
//
// SIPp is an interop peer CI installs; a missing sipp fails the test rather
// than skipping it, unless VOXDIAL_SKIP_INTEROP=1 says so explicitly.
package sipptest

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/voxdial/voxdial/internal/freeport"
)

// Peer is one running SIPp scenario.
type Peer struct {
	Addr  string // SIP address, 127.0.0.1:port
	Trace string // path of SIPp's message trace (-trace_msg)
	t     *testing.T
	done  chan struct{}
	out   *strings.Builder
}

// Start runs scenario (an XML file; files it streams are looked up next to
// it) as a UAS for one call. The process is killed at cleanup if still running.
func Start(t *testing.T, scenario string) *Peer {
	t.Helper()
	return StartArgs(t, scenario, "-m", "1")
}

// StartArgs is Start with SIPp arguments of the caller's choosing in place of
// "-m 1" (e.g. "-m", "200", "-rtp_echo" for a load test).
func StartArgs(t *testing.T, scenario string, args ...string) *Peer {
	t.Helper()
	bin, err := exec.LookPath("sipp")
	if err != nil {
		if os.Getenv("VOXDIAL_SKIP_INTEROP") == "1" {
			t.Skip("sipp not installed and VOXDIAL_SKIP_INTEROP=1")
		}
		t.Fatal("sipp not found: install Debian package sip-tester (.ci/run does), or set VOXDIAL_SKIP_INTEROP=1")
	}
	scen, err := filepath.Abs(scenario)
	if err != nil {
		t.Fatal(err)
	}
	p := &Peer{t: t, done: make(chan struct{}), out: &strings.Builder{}}
	p.Trace = filepath.Join(t.TempDir(), "messages.log")
	port, mport := FreeUDPPort(t), FreeRTPPort(t)
	argv := append([]string{"-sf", scen, "-i", "127.0.0.1", "-p", strconv.Itoa(port),
		"-mp", strconv.Itoa(mport), "-nostdin", "-timeout", "60s",
		"-trace_msg", "-message_file", p.Trace}, args...)
	cmd := exec.Command(bin, argv...)
	cmd.Dir = filepath.Dir(scen) // rtp_stream files are relative to the scenario
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = cmd.Wait() // SIPp's exit status is not the verdict: tests check its output and trace
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = cmd.Process.Kill() // it may have exited meanwhile; Wait reaps it either way
			<-p.done
		}
	})
	p.Addr = "127.0.0.1:" + strconv.Itoa(port)
	// SIPp has no readiness signal; wait until its port is bound.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		c, err := net.ListenPacket("udp", p.Addr)
		if err != nil {
			return p // bound by SIPp
		}
		c.Close()
	}
	t.Fatalf("sipp did not bind %s; output:\n%s", p.Addr, p.out.String())
	return nil
}

// Wait waits for SIPp to finish its one call.
func (p *Peer) Wait() {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		p.t.Errorf("sipp did not finish its scenario; output:\n%s", p.out.String())
	}
}

// Messages is SIPp's trace of what went on the wire.
func (p *Peer) Messages() string {
	b, err := os.ReadFile(p.Trace)
	if err != nil {
		p.t.Fatal(err)
	}
	return string(b)
}

// FreeUDPPort is a UDP port that is free now, for peers that cannot bind
// port 0 and report it back.
func FreeUDPPort(t *testing.T) int {
	t.Helper()
	p, err := freeport.UDP()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// FreeRTPPort is an even UDP port p with p..p+3 free (SIPp uses the media
// port and the one two above it).
func FreeRTPPort(t *testing.T) int {
	t.Helper()
	p, err := freeport.RTP()
	if err != nil {
		t.Fatal(err)
	}
	return p
}
