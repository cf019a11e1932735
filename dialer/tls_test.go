package dialer_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/sim"
)

// selfSigned makes a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "voxdial test trunk"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:    x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

func TestTLSTransport(t *testing.T) {
	cert, pool := selfSigned(t)
	prof, err := sim.ParseProfile(strings.NewReader(testProfile), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	log := testLogger(t)
	far, err := sim.New(sim.Options{Profile: prof, Logger: log, TLS: &tls.Config{Certificates: []tls.Certificate{cert}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := far.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer far.Close()
	ua := newTestUA(t, dialer.Options{TLSConfig: &tls.Config{RootCAs: pool}})
	tr, err := dialer.ParseTrunk("sip:" + far.TLSAddr().String() + ";transport=tls")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		to      string
		outcome dialer.Outcome
	}{{"+1555000020", dialer.OutcomeBusy}, {"+1555000001", dialer.OutcomeAnswered}} {
		call, err := ua.Dial(ctx, dialer.DialRequest{Trunk: tr, To: c.to, RingTimeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if c.outcome == dialer.OutcomeAnswered {
			// The person speaks after our prompt, then hangs up: its BYE comes
			// back over the TLS connection we opened.
			_ = call.Play(ctx, media.Tone(500, 500*time.Millisecond, 6000).Source())
		}
		select {
		case <-call.Done():
		case <-time.After(15 * time.Second):
			t.Fatal("call over TLS did not end")
		}
		r := call.Result()
		if r.Outcome != c.outcome {
			t.Fatalf("%s over tls: %+v", c.to, r)
		}
		if c.outcome == dialer.OutcomeAnswered && r.HangupBy != dialer.HangupCaller {
			t.Fatalf("far end's BYE over TLS not received: hangup_by %q", r.HangupBy)
		}
		sr, err := far.WaitCall(ctx, call.ID())
		if err != nil {
			t.Fatal(err)
		}
		if sr.Transport != "TLS" {
			t.Fatalf("far end saw transport %q", sr.Transport)
		}
	}
	// A trunk whose certificate we do not trust fails locally, before any call.
	untrusting := newTestUA(t, dialer.Options{TLSConfig: &tls.Config{RootCAs: x509.NewCertPool()}})
	if _, err := untrusting.Dial(ctx, dialer.DialRequest{Trunk: tr, To: "+1555000020", RingTimeout: 2 * time.Second}); err == nil {
		t.Fatal("dial over TLS with an untrusted certificate succeeded")
	}
}
