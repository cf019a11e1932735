package media

import (
	"fmt"
	"net"
	"net/netip"
	"sync/atomic"
)

// PortRange is an inclusive UDP port range for RTP; the zero value means OS ephemeral
// ports.
type PortRange struct {
	Min, Max int
}

// PortAllocator binds RTP sockets on one address. It keeps no table of ports in use:
// the kernel is the source of truth (a failed bind means taken), so closing a
// session's socket is all it takes to free its port.
type PortAllocator struct {
	ip   netip.Addr
	r    PortRange
	next atomic.Uint32 // rotating start so consecutive calls do not re-probe the same ports
}

// NewPortAllocator binds on ip within r.
func NewPortAllocator(ip netip.Addr, r PortRange) *PortAllocator {
	return &PortAllocator{ip: ip, r: r}
}

// ephemeralTries bounds the search for an even OS-chosen port. Eight let an odd
// port through about once in 250 binds (seen in CI); each try only holds a socket
// until the search ends, so 32 cost nothing and make it about once in 4 billion.
const ephemeralTries = 32

// ListenRTP binds an even port (RTP convention: RTCP would take the odd one above).
// With a zero range it asks the OS, retrying a few times for an even port before
// accepting an odd one.
func (a *PortAllocator) ListenRTP() (*net.UDPConn, error) {
	return bindRTP(a, func(ap netip.AddrPort) (*net.UDPConn, uint16, error) {
		c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(ap))
		if err != nil {
			return nil, 0, err
		}
		return c, uint16(c.LocalAddr().(*net.UDPAddr).Port), nil
	}, func(c *net.UDPConn) { c.Close() })
}

// polledSocket is a socket outside the Go netpoller (see listenPolledUDP).
type polledSocket struct {
	fd    int
	local netip.AddrPort
	v6    bool
}

// listenPolled is ListenRTP for a polled socket with kernel buffers of bufSize.
func (a *PortAllocator) listenPolled(bufSize int) (polledSocket, error) {
	return bindRTP(a, func(ap netip.AddrPort) (polledSocket, uint16, error) {
		fd, local, v6, err := listenPolledUDP(ap, bufSize)
		if err != nil {
			return polledSocket{}, 0, err
		}
		return polledSocket{fd, local, v6}, local.Port(), nil
	}, func(p polledSocket) { closeFD(p.fd) })
}

// bindRTP finds an even port for bind: in the range, rotating the start so that
// consecutive calls do not re-probe the same ports, or among OS-chosen ports.
func bindRTP[T any](a *PortAllocator, bind func(netip.AddrPort) (T, uint16, error), release func(T)) (T, error) {
	var zero T
	if a.r == (PortRange{}) {
		var odd []T
		defer func() {
			for _, c := range odd {
				release(c)
			}
		}()
		for range ephemeralTries {
			c, port, err := bind(netip.AddrPortFrom(a.ip, 0))
			if err != nil {
				return zero, fmt.Errorf("listen rtp on %s: %w", a.ip, err)
			}
			if port%2 == 0 {
				return c, nil
			}
			odd = append(odd, c) // hold it so the OS offers a different port next
		}
		c := odd[len(odd)-1]
		odd = odd[:len(odd)-1]
		return c, nil
	}
	lo, hi := a.r.Min, a.r.Max
	if lo < 1 || hi > 65535 || lo > hi {
		return zero, fmt.Errorf("listen rtp: port range %d-%d: %w", lo, hi, ErrInvalidOptions)
	}
	if lo%2 == 1 {
		lo++
	}
	count := (hi-lo)/2 + 1
	if lo > hi {
		count = 0
	}
	start := int(a.next.Add(1)-1) % max(count, 1)
	var lastErr error
	for i := range count {
		port := lo + 2*((start+i)%count)
		c, _, err := bind(netip.AddrPortFrom(a.ip, uint16(port)))
		if err == nil {
			a.next.Store(uint32(start + i + 1))
			return c, nil
		}
		lastErr = err
	}
	if lastErr != nil {
		return zero, fmt.Errorf("listen rtp on %s ports %d-%d (last: %v): %w", a.ip, a.r.Min, a.r.Max, lastErr, ErrPortsExhausted)
	}
	return zero, fmt.Errorf("listen rtp on %s: range %d-%d holds no even port: %w", a.ip, a.r.Min, a.r.Max, ErrPortsExhausted)
}
