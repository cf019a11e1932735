package media

import (
	"errors"
	"math/rand/v2"
	"net"
	"net/netip"
	"testing"
)

var loopback = netip.MustParseAddr("127.0.0.1")

// freeEvenPort finds an even port with its odd neighbour free, for range tests.
func freeEvenPort(t *testing.T) int {
	t.Helper()
	for range 100 {
		p := 20000 + 2*rand.IntN(15000)
		a, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(loopback, uint16(p))))
		if err != nil {
			continue
		}
		a.Close()
		return p
	}
	t.Fatal("no free port")
	return 0
}

func TestPortAllocatorExhausted(t *testing.T) {
	t.Parallel()
	p := freeEvenPort(t)
	a := NewPortAllocator(loopback, PortRange{Min: p, Max: p + 1}) // one even port
	c, err := a.ListenRTP()
	if err != nil {
		t.Fatal(err)
	}
	if got := c.LocalAddr().(*net.UDPAddr).Port; got != p {
		t.Errorf("bound %d, want %d", got, p)
	}
	if _, err := a.ListenRTP(); !errors.Is(err, ErrPortsExhausted) {
		t.Errorf("second ListenRTP: %v, want ErrPortsExhausted", err)
	}
	c.Close() // closing frees the port: no bookkeeping to undo
	c2, err := a.ListenRTP()
	if err != nil {
		t.Fatalf("after close: %v", err)
	}
	c2.Close()
}

func TestPortAllocatorRanges(t *testing.T) {
	t.Parallel()
	p := freeEvenPort(t)
	tests := []struct {
		name string
		r    PortRange
		err  error
	}{
		{"inverted", PortRange{Min: 10, Max: 5}, ErrInvalidOptions},
		{"out of bounds", PortRange{Min: 1, Max: 70000}, ErrInvalidOptions},
		{"odd only", PortRange{Min: p + 1, Max: p + 1}, ErrPortsExhausted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewPortAllocator(loopback, tt.r).ListenRTP(); !errors.Is(err, tt.err) {
				t.Errorf("err = %v, want %v", err, tt.err)
			}
		})
	}
}

func TestPortAllocatorEphemeralEven(t *testing.T) {
	t.Parallel()
	a := NewPortAllocator(loopback, PortRange{})
	for range 5 {
		c, err := a.ListenRTP()
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close() //nolint:revive // the ports stay bound until the test ends, on purpose
		if port := c.LocalAddr().(*net.UDPAddr).Port; port%2 != 0 {
			t.Logf("odd port %d (allowed after %d tries)", port, ephemeralTries)
		}
	}
}

func TestPortAllocatorRotates(t *testing.T) {
	t.Parallel()
	p := freeEvenPort(t)
	a := NewPortAllocator(loopback, PortRange{Min: p, Max: p + 5})
	seen := map[int]bool{}
	for range 3 {
		c, err := a.ListenRTP()
		if err != nil {
			t.Fatalf("ListenRTP: %v", err)
		}
		defer c.Close() //nolint:revive // the ports stay bound until the test ends, on purpose
		port := c.LocalAddr().(*net.UDPAddr).Port
		if port%2 != 0 || port < p || port > p+5 || seen[port] {
			t.Errorf("port %d", port)
		}
		seen[port] = true
	}
}
