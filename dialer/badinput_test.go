package dialer_test

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/internal/sipptest"
	"github.com/voxdial/voxdial/media"
)

func TestParseTrunkErrors(t *testing.T) {
	t.Parallel()
	cases := []struct{ uri, want string }{
		{"", "uri is empty"},
		{"127.0.0.1:5060", "must start with sip:"},
		{"http://example.com", "must start with sip:"},
		{"sip:", "no host"},
		{"sip:127.0.0.1;transport=sctp", `transport "sctp"`},
	}
	for _, c := range cases {
		_, err := dialer.ParseTrunk(c.uri)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("dialer.ParseTrunk(%q) = %v, want error containing %q", c.uri, err, c.want)
		}
	}
	tr, err := dialer.ParseTrunk("sip:alice:s3cret@127.0.0.1:5080;transport=tcp")
	if err != nil {
		t.Fatal(err)
	}
	if tr.Username != "alice" || tr.Password != "s3cret" || tr.Transport != "tcp" || tr.Host() != "127.0.0.1:5080" {
		t.Fatalf("parsed %+v", tr)
	}
	if strings.Contains(tr.Name, "s3cret") {
		t.Fatalf("trunk name %q leaks the password", tr.Name)
	}
}

func TestDialRejectsBadTargetsWithoutLeaks(t *testing.T) {
	checkLeaks(t)
	func() {
		ua := newTestUA(t, dialer.Options{})
		defer ua.Close()
		trunk, _ := dialer.ParseTrunk("sip:127.0.0.1:9")
		for _, to := range []string{"", "12345", "+0123456789", "not-a-number", "+1415555010199999999", "sip:@", "sip:127.0.0.1"} {
			_, err := ua.Dial(context.Background(), dialer.DialRequest{Trunk: trunk, To: to})
			if !errors.Is(err, dialer.ErrInvalidTarget) {
				t.Errorf("Dial(to=%q) = %v, want dialer.ErrInvalidTarget", to, err)
			}
		}
		if _, err := ua.Dial(context.Background(), dialer.DialRequest{To: "+14155550101"}); !errors.Is(err, dialer.ErrUnknownTrunk) {
			t.Errorf("Dial without trunk = %v, want dialer.ErrUnknownTrunk", err)
		}
		if trunk.Active() != 0 || ua.ActiveCalls() != 0 {
			t.Errorf("channels leaked: trunk %d, ua %d", trunk.Active(), ua.ActiveCalls())
		}
	}()
}

func TestDialPortRangeExhausted(t *testing.T) {
	checkLeaks(t)
	// Hold the only port of a one-port range.
	port := sipptest.FreeRTPPort(t)
	hold, err := net.ListenPacket("udp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close()
	func() {
		ua := newTestUA(t, dialer.Options{RTPPorts: media.PortRange{Min: port, Max: port + 1}})
		defer ua.Close()
		trunk, _ := dialer.ParseTrunk("sip:127.0.0.1:9")
		_, err := ua.Dial(context.Background(), dialer.DialRequest{Trunk: trunk, To: "+14155550101", RingTimeout: time.Second})
		if !errors.Is(err, media.ErrPortsExhausted) {
			t.Fatalf("Dial = %v, want ErrPortsExhausted", err)
		}
		if trunk.Active() != 0 {
			t.Fatalf("trunk channel leaked")
		}
	}()
}

func TestMaskNumber(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"+14155550101": "+*******0101", "0101": "****", "": ""} {
		if got := dialer.MaskNumber(in); got != want {
			t.Errorf("dialer.MaskNumber(%q) = %q, want %q", in, got, want)
		}
	}
}
