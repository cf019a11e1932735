package dialer_test

import (
	"context"
	"net"
	"os"
	"testing"

	"go.uber.org/goleak"
	"go.uber.org/zap/zaptest"

	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/media"
)

// newTestUA starts a UA with its own clock on loopback; both stop at cleanup.
func newTestUA(t *testing.T, opts dialer.Options) *dialer.UA {
	t.Helper()
	clock := media.NewClock(media.ClockOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	clock.Start(ctx)
	if opts.Logger == nil {
		opts.Logger = zaptest.NewLogger(t)
	}
	opts.Clock = clock
	ua, err := dialer.NewUA(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := ua.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ua.Close()
		clock.Stop()
		cancel()
	})
	return ua
}

// freeUDPPort finds a UDP port that is free now (for peers such as SIPp that
// cannot bind port 0 and report it back).
func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// freeRTPPort finds an even UDP port p with p+1..p+3 free too (SIPp uses
// the media port and the one two above).
func freeRTPPort(t *testing.T) int {
	t.Helper()
	for i := 0; i < 50; i++ {
		p := freeUDPPort(t) &^ 1
		ok := true
		var held []net.PacketConn
		for d := 0; d < 4 && ok; d++ {
			c, err := net.ListenPacket("udp", net.JoinHostPort("127.0.0.1", itoa(p+d)))
			if err != nil {
				ok = false
				break
			}
			held = append(held, c)
		}
		for _, c := range held {
			c.Close()
		}
		if ok {
			return p
		}
	}
	t.Fatal("no free RTP port block")
	return 0
}

func itoa(i int) string {
	b := make([]byte, 0, 6)
	if i == 0 {
		return "0"
	}
	for i > 0 {
		b = append([]byte{byte('0' + i%10)}, b...)
		i /= 10
	}
	return string(b)
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// checkLeaks fails the test if it leaves goroutines behind. Register it
// first: cleanups run last-in first-out, so it runs after every other one.
func checkLeaks(t *testing.T) {
	t.Helper()
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
}
