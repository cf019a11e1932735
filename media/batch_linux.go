//go:build linux

package media

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// batchConn moves up to batchSize datagrams per system call with recvmmsg/sendmmsg on
// one shared UDP socket.
//
// Why not golang.org/x/net/ipv4's ReadBatch/WriteBatch, which make the same calls: its
// ReadBatch returns each source as a fresh *net.UDPAddr (two allocations per datagram,
// parseInetAddr in x/net/internal/socket), and the media plane promises zero
// allocations per packet. Here every header, iovec, sockaddr and buffer is allocated
// once with the socket, sources decode straight into netip.AddrPort, and the RawConn
// callbacks are method values made once, so a batch allocates nothing.
//
// The receive half is used by the socket's reader goroutine only, the send half by its
// clock goroutine only: neither needs a lock.
type batchConn struct {
	conn *net.UDPConn
	rc   syscall.RawConn
	v6   bool // socket family; v4 destinations are sent v4-mapped on a v6 socket
	// fd is a polled socket's descriptor (see newPolledBatchConn), -1 otherwise.
	fd int

	// receive half
	rhdr   [batchSize]unix.Mmsghdr
	riov   [batchSize]unix.Iovec
	rname  [batchSize][unix.SizeofSockaddrInet6]byte
	rbuf   [batchSize][rtpBufSize]byte
	rn     int
	rerr   error
	readAt time.Time // when the last receive system call started
	readFn func(fd uintptr) bool

	// send half
	shdr    [batchSize]unix.Mmsghdr
	siov    [batchSize]unix.Iovec
	sname   [batchSize][unix.SizeofSockaddrInet6]byte
	sbuf    [batchSize][rtpBufSize]byte
	sn      int
	soff    int
	sfailed int
	writeFn func(fd uintptr) bool
}

func newBatchConn(c *net.UDPConn) (*batchConn, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	b := &batchConn{conn: c, rc: rc, fd: -1}
	if ua, ok := c.LocalAddr().(*net.UDPAddr); ok {
		ip := ua.AddrPort().Addr()
		b.v6 = ip.Is6() && !ip.Is4In6()
	}
	b.init()
	return b, nil
}

// newPolledBatchConn wraps a non-blocking socket that is not in the Go netpoller:
// its owner polls it (readNow) instead of parking a goroutine on it, so arriving
// packets wake nobody.
func newPolledBatchConn(fd int, v6 bool) *batchConn {
	b := &batchConn{fd: fd, v6: v6}
	b.init()
	return b
}

func (b *batchConn) init() {
	for i := range b.rhdr {
		b.riov[i].Base = &b.rbuf[i][0]
		b.riov[i].SetLen(rtpBufSize)
		b.rhdr[i].Hdr.Iov = &b.riov[i]
		b.rhdr[i].Hdr.SetIovlen(1)
		b.rhdr[i].Hdr.Name = &b.rname[i][0]

		b.siov[i].Base = &b.sbuf[i][0]
		b.shdr[i].Hdr.Iov = &b.siov[i]
		b.shdr[i].Hdr.SetIovlen(1)
		b.shdr[i].Hdr.Name = &b.sname[i][0]
	}
	b.readFn = b.doRead
	b.writeFn = b.doWrite
}

func (b *batchConn) resetRead() {
	for i := range b.rhdr {
		b.rhdr[i].Hdr.Namelen = unix.SizeofSockaddrInet6
		b.rhdr[i].Hdr.Flags = 0
		b.rhdr[i].Len = 0
	}
	b.rn, b.rerr = 0, nil
}

// readNow reads what a polled socket holds, up to batchSize datagrams, without
// waiting: 0 when it is empty.
func (b *batchConn) readNow() (int, error) {
	b.resetRead()
	if !b.doRead(uintptr(b.fd)) {
		return 0, nil // EAGAIN: empty
	}
	return b.rn, b.rerr
}

func (b *batchConn) close() error {
	if b.fd < 0 {
		return b.conn.Close()
	}
	fd := b.fd
	b.fd = -1
	return unix.Close(fd)
}

// read blocks until at least one datagram arrives and returns how many are in
// b.rbuf (lengths via msg, sources via from). net.ErrClosed after close.
func (b *batchConn) read() (int, error) {
	b.resetRead()
	if err := b.rc.Read(b.readFn); err != nil {
		return 0, err // net.ErrClosed when the socket was closed
	}
	return b.rn, b.rerr
}

func (b *batchConn) doRead(fd uintptr) bool {
	b.readAt = time.Now()
	n, _, errno := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&b.rhdr[0])), batchSize, unix.MSG_DONTWAIT, 0, 0)
	switch errno {
	case 0:
		b.rn = int(n)
		return true
	case unix.EAGAIN, unix.EINTR:
		return false // wait for readability
	default:
		b.rerr = errno
		return true
	}
}

// msg returns datagram i of the last read and its source.
func (b *batchConn) msg(i int) ([]byte, netip.AddrPort) {
	n := int(b.rhdr[i].Len)
	if b.rhdr[i].Hdr.Flags&unix.MSG_TRUNC != 0 {
		n = 0 // larger than any RTP packet: treat as garbage
	}
	return b.rbuf[i][:n], sockaddrToAddrPort(&b.rname[i])
}

func sockaddrToAddrPort(sa *[unix.SizeofSockaddrInet6]byte) netip.AddrPort {
	port := binary.BigEndian.Uint16(sa[2:4])
	switch binary.NativeEndian.Uint16(sa[0:2]) {
	case unix.AF_INET:
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte(sa[4:8])), port)
	case unix.AF_INET6:
		a := netip.AddrFrom16([16]byte(sa[8:24]))
		if a.Is4In6() {
			a = a.Unmap()
		}
		return netip.AddrPortFrom(a, port)
	}
	return netip.AddrPort{}
}

// queue copies pkt into the send batch for dst; it reports false when the batch is
// full (flush first) or the packet does not fit.
func (b *batchConn) queue(pkt []byte, dst netip.AddrPort) bool {
	if b.sn >= batchSize || len(pkt) > rtpBufSize {
		return false
	}
	i := b.sn
	copy(b.sbuf[i][:], pkt)
	b.siov[i].SetLen(len(pkt))
	sa := &b.sname[i]
	a := dst.Addr()
	if b.v6 {
		binary.NativeEndian.PutUint16(sa[0:2], unix.AF_INET6)
		binary.BigEndian.PutUint16(sa[2:4], dst.Port())
		clear(sa[4:8]) // flow info
		*(*[16]byte)(sa[8:24]) = a.As16()
		clear(sa[24:28]) // scope id
		b.shdr[i].Hdr.Namelen = unix.SizeofSockaddrInet6
	} else {
		binary.NativeEndian.PutUint16(sa[0:2], unix.AF_INET)
		binary.BigEndian.PutUint16(sa[2:4], dst.Port())
		*(*[4]byte)(sa[4:8]) = a.Unmap().As4()
		clear(sa[8:16])
		b.shdr[i].Hdr.Namelen = unix.SizeofSockaddrInet4
	}
	b.sn++
	return true
}

// flush sends the queued batch and returns the number of datagrams the kernel refused
// (a datagram that fails is skipped, the rest still go). It never waits for a full
// socket buffer: the clock goroutine must not block, and a late RTP packet is worth
// less than the next one.
func (b *batchConn) flush() (failed int) {
	if b.sn == 0 {
		return 0
	}
	b.soff, b.sfailed = 0, 0
	for b.soff < b.sn {
		if b.fd >= 0 {
			b.doWrite(uintptr(b.fd))
			continue
		}
		if err := b.rc.Write(b.writeFn); err != nil {
			b.sfailed += b.sn - b.soff // closed
			break
		}
	}
	b.sn = 0
	return b.sfailed
}

func (b *batchConn) doWrite(fd uintptr) bool {
	n, _, errno := unix.Syscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&b.shdr[b.soff])), uintptr(b.sn-b.soff), unix.MSG_DONTWAIT, 0, 0)
	switch {
	case errno == unix.EINTR:
		return true // the loop in flush retries
	case errno != 0:
		// sendmmsg reports an error only when the first datagram fails: skip it. A full
		// buffer (EAGAIN) drops the rest of the batch.
		if errno == unix.EAGAIN {
			b.sfailed += b.sn - b.soff
			b.soff = b.sn
			return true
		}
		b.sfailed++
		b.soff++
	default:
		b.soff += int(n)
	}
	return true
}

// listenPolledUDP binds a non-blocking UDP socket on ap outside the Go netpoller
// and returns its descriptor and bound address.
func listenPolledUDP(ap netip.AddrPort, bufSize int) (int, netip.AddrPort, bool, error) {
	ip := ap.Addr().Unmap()
	v6 := ip.Is6()
	family := unix.AF_INET
	var sa unix.Sockaddr = &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ip.As4()}
	if v6 {
		family = unix.AF_INET6
		sa = &unix.SockaddrInet6{Port: int(ap.Port()), Addr: ip.As16()}
	}
	fd, err := unix.Socket(family, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_UDP)
	if err != nil {
		return -1, netip.AddrPort{}, false, fmt.Errorf("socket: %w", err)
	}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return -1, netip.AddrPort{}, false, fmt.Errorf("bind %s: %w", ap, err)
	}
	got, err := unix.Getsockname(fd)
	if err != nil {
		unix.Close(fd)
		return -1, netip.AddrPort{}, false, fmt.Errorf("getsockname: %w", err)
	}
	var local netip.AddrPort
	switch a := got.(type) {
	case *unix.SockaddrInet4:
		local = netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port))
	case *unix.SockaddrInet6:
		local = netip.AddrPortFrom(netip.AddrFrom16(a.Addr), uint16(a.Port))
	}
	setFDBuffers(fd, bufSize)
	return fd, local, v6, nil
}

func closeFD(fd int) { _ = unix.Close(fd) }

// polledAvailable: this platform can poll sockets outside the netpoller.
const polledAvailable = true

// setSocketBuffers asks for large kernel buffers: a shared socket carries thousands of
// legs, 250,000 packets/s at 5,000 legs, and the default 208 KiB holds about a
// millisecond of that. SO_RCVBUFFORCE lifts rmem_max when we run as root; otherwise
// the plain option gives what the sysctl allows.
func setSocketBuffers(c *net.UDPConn, size int) {
	rc, err := c.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Control(func(fd uintptr) { setFDBuffers(int(fd), size) })
}

// setFDBuffers sets both kernel buffers of socket fd to size: the FORCE options lift
// rmem_max/wmem_max when we run as root, the plain ones give what the sysctl allows.
func setFDBuffers(fd, size int) {
	if unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, size) != nil {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, size)
	}
	if unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUFFORCE, size) != nil {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, size)
	}
}
