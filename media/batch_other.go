//go:build !linux

package media

import (
	"errors"
	"net"
	"net/netip"
	"time"
)

// batchConn without recvmmsg/sendmmsg: one datagram per system call, same API, still
// allocation-free. Production runs on Linux; this keeps other platforms building.
type batchConn struct {
	conn  *net.UDPConn
	rbuf  [1][rtpBufSize]byte
	rlen  int
	rfrom netip.AddrPort
	// readAt: when the last datagram was read (no system call here says the socket is
	// empty; without a kernel probe the reader's marks are all the clock has).
	readAt time.Time
	sbuf   [batchSize][rtpBufSize]byte
	slen   [batchSize]int
	sdst   [batchSize]netip.AddrPort
	sn     int
}

func newBatchConn(c *net.UDPConn) (*batchConn, error) { return &batchConn{conn: c}, nil }

func (b *batchConn) read() (int, error) {
	n, from, err := b.conn.ReadFromUDPAddrPort(b.rbuf[0][:])
	if err != nil {
		return 0, err
	}
	b.rlen = n
	b.readAt = time.Now()
	b.rfrom = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
	return 1, nil
}

func (b *batchConn) msg(int) ([]byte, netip.AddrPort) { return b.rbuf[0][:b.rlen], b.rfrom }

func (b *batchConn) queue(pkt []byte, dst netip.AddrPort) bool {
	if b.sn >= batchSize || len(pkt) > rtpBufSize {
		return false
	}
	b.slen[b.sn] = copy(b.sbuf[b.sn][:], pkt)
	b.sdst[b.sn] = dst
	b.sn++
	return true
}

func (b *batchConn) flush() (failed int) {
	for i := range b.sn {
		if _, err := b.conn.WriteToUDPAddrPort(b.sbuf[i][:b.slen[i]], b.sdst[i]); err != nil {
			failed++
		}
	}
	b.sn = 0
	return failed
}

func setSocketBuffers(c *net.UDPConn, size int) {
	_ = c.SetReadBuffer(size)
	_ = c.SetWriteBuffer(size)
}

// Polled sockets need Linux; elsewhere the plane parks a reader goroutine per socket.
const polledAvailable = false

func listenPolledUDP(netip.AddrPort, int) (int, netip.AddrPort, bool, error) {
	return -1, netip.AddrPort{}, false, errors.New("polled sockets need linux")
}

func closeFD(int) {}

func newPolledBatchConn(int, bool) *batchConn { return nil }

func (b *batchConn) readNow() (int, error) { return 0, nil }

func (b *batchConn) close() error { return b.conn.Close() }
