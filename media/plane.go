package media

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// PortMode chooses how legs get their RTP ports.
type PortMode string

const (
	// SharedPorts: every leg of a plane group receives on the group's one socket;
	// packets are demultiplexed by remote address and SSRC, and sent in batches
	// (sendmmsg/recvmmsg, up to batchSize per system call). The default.
	SharedPorts PortMode = "shared"
	// PerLegPorts: a socket (and a receive goroutine) per leg, for trunks that want a
	// distinct RTP port per call or whose media arrives from addresses the SDP does not
	// announce (NAT without a=ssrc).
	PerLegPorts PortMode = "per_leg"
)

// batchSize is datagrams per recvmmsg/sendmmsg; 64 measured 2.1-2.3 µs/packet against
// ~8 µs for one sendto per packet (docs/measured-facts.md).
const batchSize = 64

// maxSrcsPerLeg bounds the (address, SSRC) keys a leg keeps in the demux table, so a
// far end cycling SSRCs cannot grow it without limit; the oldest key goes first.
const maxSrcsPerLeg = 4

// PlaneOptions configures NewPlane. Zero values take defaults.
type PlaneOptions struct {
	// IP is the address RTP binds to and SDP offers (default 127.0.0.1).
	IP netip.Addr
	// Ports is the RTP port range (zero: OS-chosen ports). Shared mode binds one socket
	// per group from it; per-leg mode one per leg.
	Ports PortRange
	// Mode is SharedPorts (default) or PerLegPorts.
	Mode PortMode
	// Groups is the number of clock goroutines, and in shared mode of sockets with their
	// receive goroutine (default GOMAXPROCS: one clock per P).
	Groups int
	// Slots per 20 ms period on each clock (default 10).
	Slots int
	// SocketBuffer is the kernel buffer size asked for each shared socket (default 4 MiB).
	SocketBuffer int
	// PollReceive (shared mode, Linux) reads each shared socket from its clock
	// goroutine after every slot instead of parking a reader goroutine on it: arriving
	// packets wake nobody, at the price of up to one slot (2 ms) of receive delay,
	// which the jitter buffer absorbs. Elsewhere it is ignored.
	PollReceive bool
	Logger      *zap.Logger
}

// Plane is a node's media plane: a clock per P with phase slots, and (in shared mode)
// a few RTP sockets with batched I/O that carry every leg. It hands out one Endpoint
// per leg; give it to NewSession in SessionOptions.Endpoint.
//
// Legs are spread over groups (clock + socket + receive goroutine) by load. A leg's
// ticks and its sends run on its group's clock goroutine, so the send batch needs no
// lock; its received packets are dispatched, and OnAudio called, on its group's
// receive goroutine, so OnAudio must be quick (VAD, a copy into a buffer: not ASR).
type Plane struct {
	opts   PlaneOptions
	log    *zap.Logger
	ports  *PortAllocator
	groups []*group

	runMu   sync.Mutex
	started bool
	closed  bool
	cancel  context.CancelFunc
	wg      sync.WaitGroup

	unknown, ambiguous, sendErrs atomic.Uint64
	logLimit                     logLimiter
}

// PlaneStats counts what the shared sockets could not deliver.
type PlaneStats struct {
	Legs       int    // endpoints open
	Unknown    uint64 // datagrams no leg claimed (no matching address or SSRC), or garbage
	Ambiguous  uint64 // datagrams from an address several legs share, with an unknown SSRC
	SendErrors uint64 // datagrams the kernel refused in batched sends
}

type group struct {
	p      *Plane
	clock  *SharedClock
	conn   *net.UDPConn // shared mode with a reader goroutine
	bc     *batchConn   // shared mode
	polled bool         // bc is polled by the clock (PlaneOptions.PollReceive)
	rx     *rxWatch     // the reader goroutine's progress (shared mode, not polled)
	local  netip.AddrPort
	legs   atomic.Int32

	mu       sync.RWMutex // demux tables; the receive goroutine holds R while dispatching
	bySrc    map[srcKey]*Endpoint
	byRemote map[netip.AddrPort][]*Endpoint
	bySSRC   map[uint32][]*Endpoint
}

type srcKey struct {
	addr netip.AddrPort
	ssrc uint32
}

// NewPlane binds the shared sockets (shared mode) and prepares the clocks; Start runs
// them.
func NewPlane(opts PlaneOptions) (*Plane, error) {
	if !opts.IP.IsValid() {
		opts.IP = netip.MustParseAddr("127.0.0.1")
	}
	if opts.Mode == "" {
		opts.Mode = SharedPorts
	}
	if opts.Mode != SharedPorts && opts.Mode != PerLegPorts {
		return nil, fmt.Errorf("new plane: mode %q: %w", opts.Mode, ErrInvalidOptions)
	}
	if opts.Groups <= 0 {
		opts.Groups = runtime.GOMAXPROCS(0)
	}
	if opts.SocketBuffer <= 0 {
		opts.SocketBuffer = 4 << 20
	}
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	p := &Plane{opts: opts, log: opts.Logger, ports: NewPortAllocator(opts.IP, opts.Ports)}
	for range opts.Groups {
		g := &group{p: p}
		co := ClockOptions{Slots: opts.Slots, AfterSlot: g.flush}
		switch {
		case opts.Mode == SharedPorts && opts.PollReceive && polledAvailable:
			ps, err := p.ports.listenPolled(opts.SocketBuffer)
			if err != nil {
				_ = p.closeSockets() // best effort: the setup error is the one to report
				return nil, fmt.Errorf("new plane: %w", err)
			}
			g.bc, g.local, g.polled = newPolledBatchConn(ps.fd, ps.v6), ps.local, true
			co.Poll = g.poll
		case opts.Mode == SharedPorts:
			conn, err := p.ports.ListenRTP()
			if err != nil {
				_ = p.closeSockets() // best effort: the setup error is the one to report
				return nil, fmt.Errorf("new plane: %w", err)
			}
			setSocketBuffers(conn, opts.SocketBuffer)
			g.conn = conn
			g.rx = newRxWatch(newUnreadProbe(conn))
			g.local = conn.LocalAddr().(*net.UDPAddr).AddrPort()
			if g.bc, err = newBatchConn(conn); err != nil {
				_ = p.closeSockets() // best effort: the setup error is the one to report
				return nil, fmt.Errorf("new plane: %w", err)
			}
		}
		if g.bc != nil {
			g.bySrc = map[srcKey]*Endpoint{}
			g.byRemote = map[netip.AddrPort][]*Endpoint{}
			g.bySSRC = map[uint32][]*Endpoint{}
		}
		g.clock = NewClock(co)
		p.groups = append(p.groups, g)
	}
	return p, nil
}

// Mode is the plane's port mode.
func (p *Plane) Mode() PortMode { return p.opts.Mode }

// Start runs the clocks and receive goroutines until Close. Idempotent.
func (p *Plane) Start(ctx context.Context) {
	p.runMu.Lock()
	defer p.runMu.Unlock()
	if p.started || p.closed {
		return
	}
	p.started = true
	ctx, p.cancel = context.WithCancel(ctx)
	for _, g := range p.groups {
		g.clock.Start(ctx)
		if g.conn != nil && !g.polled {
			p.wg.Add(1)
			go g.readLoop()
		}
	}
}

// Close stops the clocks and closes the shared sockets. Close the sessions first:
// their endpoints stop working. Idempotent.
func (p *Plane) Close() error {
	p.runMu.Lock()
	if p.closed {
		p.runMu.Unlock()
		return nil
	}
	p.closed = true
	cancel := p.cancel
	p.runMu.Unlock()
	if cancel != nil {
		cancel()
	}
	for _, g := range p.groups {
		g.clock.Stop()
	}
	err := p.closeSockets()
	p.wg.Wait()
	return err
}

func (p *Plane) closeSockets() error {
	var errs []error
	for _, g := range p.groups {
		if g.bc != nil {
			if err := g.bc.close(); err != nil && !errors.Is(err, net.ErrClosed) {
				errs = append(errs, err)
			}
		} else if g.conn != nil {
			if err := g.conn.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// Lateness merges the lateness histograms of every clock.
func (p *Plane) Lateness() Lateness {
	var h latHist
	for _, g := range p.groups {
		g.clock.addTo(&h)
	}
	return h.lateness()
}

// ResetLateness zeroes every clock's lateness histogram.
func (p *Plane) ResetLateness() {
	for _, g := range p.groups {
		g.clock.ResetLateness()
	}
}

// Stats returns the plane's own counters (per-leg counters are on each Session).
func (p *Plane) Stats() PlaneStats {
	st := PlaneStats{Unknown: p.unknown.Load(), Ambiguous: p.ambiguous.Load(), SendErrors: p.sendErrs.Load()}
	for _, g := range p.groups {
		st.Legs += int(g.legs.Load())
	}
	return st
}

// SharedAddrs lists the shared sockets' addresses (none in per-leg mode).
func (p *Plane) SharedAddrs() []netip.AddrPort {
	var out []netip.AddrPort
	for _, g := range p.groups {
		if g.bc != nil {
			out = append(out, g.local)
		}
	}
	return out
}

// Endpoint returns a new leg endpoint on the least loaded group. In per-leg mode it
// binds the leg's socket now. The session given it owns it; if no session is made,
// Close it.
func (p *Plane) Endpoint() (*Endpoint, error) {
	g := p.groups[0]
	for _, c := range p.groups[1:] {
		if c.legs.Load() < g.legs.Load() {
			g = c
		}
	}
	e := &Endpoint{g: g, local: g.local}
	if p.opts.Mode == PerLegPorts {
		conn, err := p.ports.ListenRTP()
		if err != nil {
			return nil, fmt.Errorf("plane endpoint: %w", err)
		}
		e.conn = conn
		e.rx = newRxWatch(newUnreadProbe(conn))
		e.local = conn.LocalAddr().(*net.UDPAddr).AddrPort()
	}
	g.legs.Add(1)
	return e, nil
}

// Endpoint is one leg's place in the media plane: its local RTP address (for SDP),
// its clock, and its way to send and receive. Made by Plane.Endpoint; NewSession
// takes ownership.
type Endpoint struct {
	g     *group       // nil for a bare socket given as SessionOptions.Conn
	conn  *net.UDPConn // per-leg socket; nil in shared mode
	rx    *rxWatch     // per-leg socket: its reader's progress
	local netip.AddrPort

	// demux state, guarded by g.mu (shared mode)
	sess   *Session
	remote netip.AddrPort
	expect uint32 // the far end's SSRC from its SDP (a=ssrc), 0 unknown
	srcs   []srcKey
	closed bool

	closeOnce sync.Once
	closeErr  error
}

// LocalAddr is where the far end must send RTP: the shared socket's address in shared
// mode, the leg's own socket otherwise.
func (e *Endpoint) LocalAddr() netip.AddrPort { return e.local }

// Shared reports whether the endpoint uses a shared socket.
func (e *Endpoint) Shared() bool { return e.conn == nil }

// Close releases the endpoint (its socket in per-leg mode, its demux entries in shared
// mode). A session closes its endpoint; call this only for one never given to
// NewSession. Idempotent.
func (e *Endpoint) Close() error {
	e.closeOnce.Do(func() {
		if e.conn != nil {
			if err := e.conn.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
				e.closeErr = fmt.Errorf("close rtp socket: %w", err)
			}
		}
		if g := e.g; g != nil {
			if e.conn == nil {
				g.mu.Lock() // waits for a dispatching batch: no packet reaches the leg after this
				e.closed = true
				g.unindex(e)
				g.mu.Unlock()
			}
			g.legs.Add(-1)
		}
	})
	return e.closeErr
}

// rxBehind reports whether the leg's receive goroutine may not yet have dispatched
// packets that arrived a frame or more ago (see rxWatch). Clock goroutine.
func (e *Endpoint) rxBehind(now time.Time) bool {
	switch {
	case e.rx != nil:
		return e.rx.behind(now)
	case e.g != nil && e.g.rx != nil:
		return e.g.rx.behind(now)
	}
	return false // polled: the clock itself read the socket after the last slot
}

func (e *Endpoint) clock() Clock {
	if e.g == nil {
		return nil
	}
	return e.g.clock
}

// attach connects the endpoint to its session: packets start flowing to s.
func (e *Endpoint) attach(s *Session) {
	if e.conn != nil {
		s.wg.Add(1)
		go s.readLoop()
		return
	}
	g := e.g
	g.mu.Lock()
	if !e.closed {
		e.sess = s
	}
	g.mu.Unlock()
}

func (e *Endpoint) setRemote(addr netip.AddrPort) {
	if e.conn != nil {
		return
	}
	g := e.g
	g.mu.Lock()
	defer g.mu.Unlock()
	if e.closed || addr == e.remote {
		return
	}
	g.removeRemote(e)
	e.remote = addr
	if addr.IsValid() {
		g.byRemote[addr] = append(g.byRemote[addr], e)
	}
}

func (e *Endpoint) setRemoteSSRC(ssrc uint32) {
	if e.conn != nil {
		return
	}
	g := e.g
	g.mu.Lock()
	defer g.mu.Unlock()
	if e.closed || ssrc == e.expect {
		return
	}
	g.removeSSRC(e)
	e.expect = ssrc
	if ssrc != 0 {
		g.bySSRC[ssrc] = append(g.bySSRC[ssrc], e)
	}
}

// send writes one packet; on a shared socket it joins the group's batch, flushed after
// the slot (the clock's AfterSlot) or when full. Runs on the leg's clock goroutine.
func (e *Endpoint) send(s *Session, pkt []byte, dst netip.AddrPort) {
	if e.sendRaw(s, pkt, dst) {
		s.sent.Add(1)
		s.sentBytes.Add(uint64(len(pkt)))
	}
}

// sendRaw writes pkt without counting it as RTP (RTCP uses it too).
func (e *Endpoint) sendRaw(s *Session, pkt []byte, dst netip.AddrPort) bool {
	if e.conn != nil {
		if _, err := e.conn.WriteToUDPAddrPort(pkt, dst); err != nil {
			s.sendErrs.Add(1)
			if s.logAllowed(time.Now()) {
				s.log.Warn("rtp send", zap.Error(err), zap.Stringer("remote", dst))
			}
			return false
		}
		return true
	}
	g := e.g
	if !g.bc.queue(pkt, dst) {
		g.flush()
		if !g.bc.queue(pkt, dst) {
			s.sendErrs.Add(1)
			return false
		}
	}
	return true
}

func (g *group) flush() {
	if g.bc == nil {
		return
	}
	if n := g.bc.flush(); n > 0 {
		g.p.sendErrs.Add(uint64(n))
	}
}

func (g *group) removeRemote(e *Endpoint) {
	if !e.remote.IsValid() {
		return
	}
	l := slices.DeleteFunc(g.byRemote[e.remote], func(x *Endpoint) bool { return x == e })
	if len(l) == 0 {
		delete(g.byRemote, e.remote)
	} else {
		g.byRemote[e.remote] = l
	}
}

func (g *group) removeSSRC(e *Endpoint) {
	if e.expect == 0 {
		return
	}
	l := slices.DeleteFunc(g.bySSRC[e.expect], func(x *Endpoint) bool { return x == e })
	if len(l) == 0 {
		delete(g.bySSRC, e.expect)
	} else {
		g.bySSRC[e.expect] = l
	}
}

func (g *group) unindex(e *Endpoint) {
	g.removeRemote(e)
	g.removeSSRC(e)
	for _, k := range e.srcs {
		if g.bySrc[k] == e {
			delete(g.bySrc, k)
		}
	}
	e.srcs = nil
	e.sess = nil
}

func (g *group) readLoop() {
	p := g.p
	defer p.wg.Done()
	for {
		n, err := g.bc.read()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if p.logLimit.allow(time.Now()) {
				p.log.Warn("rtp batch read", zap.Error(err))
			}
			continue
		}
		g.rx.read()
		g.dispatch(n, time.Now())
		// A short batch emptied the socket: all that arrived before the read is out.
		g.rx.dispatched(g.bc.readAt, n < batchSize)
	}
}

// dispatch hands the n datagrams of the last read to their legs.
func (g *group) dispatch(n int, now time.Time) {
	g.mu.RLock()
	for i := range n {
		b, from := g.bc.msg(i)
		if e := g.lookup(b, from); e != nil {
			e.sess.handlePacket(b, from, now)
		}
	}
	g.mu.RUnlock()
}

// poll drains a polled socket; the clock calls it after every slot.
func (g *group) poll() {
	p := g.p
	for range 64 { // bounded: a flood must not starve the next slot's sends
		n, err := g.bc.readNow()
		if err != nil {
			if p.logLimit.allow(time.Now()) {
				p.log.Warn("rtp batch read", zap.Error(err))
			}
			return
		}
		if n == 0 {
			return
		}
		g.dispatch(n, time.Now())
		if n < batchSize {
			return
		}
	}
}

// lookup finds the leg a datagram belongs to. Caller holds g.mu for reading; it may be
// dropped and retaken (to record a new source), which is why the result is re-checked.
//
// Rules, in order: a known (source address, SSRC) pair; else the one leg whose SDP
// remote address is the source (preferring a leg whose far end announced this SSRC in
// a=ssrc or whose own SSRC this is — an echo — and, when several legs share the
// address, the one leg not yet latched); else
// the leg whose far end announced this SSRC, whatever the address (NAT). The winner is
// recorded under its (address, SSRC) pair so later packets take the first rule.
func (g *group) lookup(b []byte, from netip.AddrPort) *Endpoint {
	if len(b) < 12 || b[0]>>6 != 2 {
		g.p.unknown.Add(1)
		return nil
	}
	var ssrc uint32
	if pt := b[1]; pt >= 200 && pt <= 204 { // RTCP multiplexed on the port (RFC 5761)
		ssrc = binary.BigEndian.Uint32(b[4:8])
	} else {
		ssrc = binary.BigEndian.Uint32(b[8:12])
	}
	key := srcKey{from, ssrc}
	if e := g.bySrc[key]; e != nil && e.sess != nil {
		return e
	}
	e := g.resolve(from, ssrc)
	if e == nil {
		return nil
	}
	g.mu.RUnlock()
	g.mu.Lock()
	if !e.closed && g.bySrc[key] == nil {
		g.bySrc[key] = e
		e.srcs = append(e.srcs, key)
		if len(e.srcs) > maxSrcsPerLeg {
			if old := e.srcs[0]; g.bySrc[old] == e {
				delete(g.bySrc, old)
			}
			e.srcs = slices.Delete(e.srcs, 0, 1)
		}
	}
	g.mu.Unlock()
	g.mu.RLock()
	if e.closed || e.sess == nil {
		return nil
	}
	return e
}

func (g *group) resolve(from netip.AddrPort, ssrc uint32) *Endpoint {
	var pick *Endpoint
	n := 0
	cands := g.byRemote[from]
	for _, c := range cands {
		if c.sess == nil {
			continue
		}
		// The far end announced this SSRC, or reflects the leg's own stream (echo
		// services such as SIPp's -rtp_echo send our packets back unchanged).
		if c.expect == ssrc || c.sess.SSRC() == ssrc {
			return c
		}
		if c.expect == 0 {
			pick, n = c, n+1
		}
	}
	if n == 1 {
		return pick
	}
	if n > 1 {
		pick, n = nil, 0
		for _, c := range cands {
			if c.sess != nil && c.expect == 0 && len(c.srcs) == 0 {
				pick, n = c, n+1
			}
		}
		if n == 1 {
			return pick
		}
		g.p.ambiguous.Add(1)
		return nil
	}
	for _, c := range g.bySSRC[ssrc] {
		if c.sess != nil {
			return c
		}
	}
	g.p.unknown.Add(1)
	return nil
}
