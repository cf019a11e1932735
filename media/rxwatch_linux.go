//go:build linux

package media

import (
	"net"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// unreadProbe asks the kernel whether a datagram waits in a socket's receive queue
// (SIOCINQ). Its callback is a method value made once: a probe allocates nothing.
type unreadProbe struct {
	rc    syscall.RawConn
	n     int
	v     int32 // the ioctl's answer (a field: a local would escape through the pointer)
	ctlFn func(fd uintptr)
}

func newUnreadProbe(c *net.UDPConn) *unreadProbe {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil
	}
	p := &unreadProbe{rc: rc}
	p.ctlFn = p.ask
	return p
}

func (p *unreadProbe) ask(fd uintptr) {
	p.v = 0
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, fd, unix.SIOCINQ, uintptr(unsafe.Pointer(&p.v)))
	if errno == 0 {
		p.n = int(p.v)
	}
}

// pending reports a datagram queued and unread; false when the kernel cannot say.
func (p *unreadProbe) pending() bool {
	p.n = 0
	if err := p.rc.Control(p.ctlFn); err != nil {
		return false
	}
	return p.n > 0
}
