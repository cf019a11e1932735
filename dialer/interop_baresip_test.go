package dialer_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/internal/sipptest"
	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/sim"
)

// syncBuffer collects a child process's output for the failure message.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startBaresip runs baresip (Debian's baresip-core, with its srtp module) as a callee
// that answers at once over SIP/TLS with SRTP mandatory (RTP/SAVP + a=crypto) and
// speaks source. It returns the TLS address and a pool trusting its certificate.
func startBaresip(t *testing.T, source string) (string, *x509.CertPool, *syncBuffer) {
	t.Helper()
	bin, err := exec.LookPath("baresip")
	if err != nil {
		if os.Getenv("VOXDIAL_SKIP_INTEROP") == "1" {
			t.Skip("baresip not installed and VOXDIAL_SKIP_INTEROP=1")
		}
		t.Fatal("baresip not found: install Debian package baresip-core (scripts/install-deps --test does), or set VOXDIAL_SKIP_INTEROP=1")
	}
	dir := t.TempDir()
	cert, pool := selfSigned(t)
	keyDER, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	pemBytes := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})...)
	// baresip serves TLS on its SIP port + 1; find a port with both free.
	var port int
	for range 50 {
		p := sipptest.FreeUDPPort(t)
		if l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p+1)); err == nil {
			l.Close()
			port = p
			break
		}
	}
	if port == 0 {
		t.Fatal("no free SIP port pair")
	}
	rtp := sipptest.FreeRTPPort(t)
	config := fmt.Sprintf(`sip_listen 127.0.0.1:%d
sip_certificate %s
audio_source aufile,%s
audio_player aufile,/dev/null
audio_alert aufile,/dev/null
rtp_ports %d-%d
module_path /usr/lib/baresip/modules
module g711.so
module aufile.so
module srtp.so
module_app account.so
`, port, filepath.Join(dir, "tls.pem"), source, rtp, rtp+3)
	for name, body := range map[string][]byte{
		"tls.pem":  pemBytes,
		"config":   []byte(config),
		"accounts": []byte("<sip:bob@127.0.0.1>;regint=0;answermode=auto;mediaenc=srtp-mand\n"),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out := &syncBuffer{}
	cmd := exec.Command(bin, "-f", dir, "-t", "60")
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
	})
	addr := "127.0.0.1:" + strconv.Itoa(port+1)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("baresip did not listen on %s:\n%s", addr, out.String())
		}
	}
	return addr, pool, out
}

// SRTP against another implementation: baresip's srtp module (libre's SRTP) with SDES
// keys over SIP/TLS. Our required offer (RTP/SAVP) is accepted, its audio decrypts
// into our recording, and our BYE ends the call.
func TestInteropBaresipSRTP(t *testing.T) {
	// baresip hangs up when its file ends; give it the callee's "yes" and then 5 s of
	// silence, so that we hang up first.
	speech, err := sim.Asset("yes.wav")
	if err != nil {
		t.Fatal(err)
	}
	abs := filepath.Join(t.TempDir(), "yes-then-silence.wav")
	f, err := os.Create(abs)
	if err != nil {
		t.Fatal(err)
	}
	if err := media.WriteWAV(f, media.SampleRate, 1, media.Concat(speech, media.Silence(5*time.Second)).Samples); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	addr, pool, out := startBaresip(t, abs)
	ua := newTestUA(t, dialer.Options{TLSConfig: &tls.Config{RootCAs: pool}})
	tr := &dialer.Trunk{Name: "baresip", URI: "sip:" + addr, Transport: "tls"} // srtp: required by default
	if err := tr.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rec := filepath.Join(t.TempDir(), "baresip.wav")
	call, err := ua.Dial(ctx, dialer.DialRequest{Trunk: tr, To: "sip:bob@127.0.0.1", RingTimeout: 5 * time.Second, RecordPath: rec})
	if err != nil {
		t.Fatal(err)
	}
	if !call.Answered() {
		t.Fatalf("baresip did not answer: %+v\n%s", call.Result(), out.String())
	}
	if !call.Media().SRTP() {
		t.Fatalf("media with baresip is not SRTP:\n%s", out.String())
	}
	if err := call.Play(ctx, media.Tone(440, 2*time.Second, 8000).Source()); err != nil {
		t.Fatal(err)
	}
	if err := call.Hangup(ctx); err != nil {
		t.Fatalf("hangup: %v\n%s", err, out.String())
	}
	r := call.Result()
	if r.Media.PacketsReceived < 50 || r.Media.PacketsInvalid != 0 || !r.Media.SRTP {
		t.Fatalf("media from baresip: %+v\n%s", r.Media, out.String())
	}
	if c := media.Correlation(recordingRight(t, rec), speech.Samples); c < 0.6 {
		t.Fatalf("recording does not hold baresip's SRTP audio: correlation %.2f\n%s", c, out.String())
	}
}
