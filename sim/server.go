package sim

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"go.uber.org/zap"

	"github.com/voxdial/voxdial/media"
)

// Options configures New. Zero values take defaults.
type Options struct {
	// Profile is the population to simulate (default DefaultProfile()).
	Profile *Profile
	// Logger receives call events; default zap.NewNop().
	Logger *zap.Logger
	// Addr is the SIP listen address, UDP and TCP on the same port (default "127.0.0.1:0").
	Addr string
	// RTP is the port range for media sockets (zero: OS ephemeral ports).
	RTP media.PortRange
	// RTPMode is media.SharedPorts (default: a few shared sockets, batched I/O, the same
	// engine as the dialer) or media.PerLegPorts (a socket per call).
	RTPMode media.PortMode
	// RecordDir, when set, records every answered call there as a stereo WAV
	// (left: what the simulator sent, right: what it received).
	RecordDir string
	// Seed makes the weighted mix deterministic (0: the profile's seed, else random).
	Seed uint64
	// OnCallEnd, when set, is called once per finished call (from the call's goroutine).
	OnCallEnd func(CallRecord)
	// MaxRecords bounds how many finished calls Calls keeps (default 100000; oldest go first).
	MaxRecords int
	// TLS, when set, also serves SIP over TLS on its own port (see TLSAddr),
	// for tests of trunks with transport tls.
	TLS *tls.Config
	// NoSRTP makes the simulator a peer without SRTP: it answers best-effort offers
	// (a=crypto on RTP/AVP) with plain RTP and refuses RTP/SAVP with 488. By default it
	// speaks SRTP (SDES, AES_CM_128_HMAC_SHA1_80) whenever the offer carries it.
	NoSRTP bool
}

// Server is a population of simulated SIP callees on one address. It is
// safe for concurrent use.
type Server struct {
	opts   Options
	log    *zap.Logger
	prof   *Profile
	router *router
	auth   *authenticator

	ua *sipgo.UserAgent
	// logClosed silences sipgo's logging once Close has returned (see newSlogLogger).
	logClosed atomic.Bool
	srv       *sipgo.Server
	client    *sipgo.Client
	dua       *sipgo.DialogUA

	udp     *net.UDPConn
	tcp     *net.TCPListener
	tlsLn   net.Listener
	addr    netip.AddrPort
	tlsAddr netip.AddrPort
	tlsDUA  *sipgo.DialogUA // dua with a TLS Contact, for calls that came over TLS

	plane *media.Plane

	ctx    context.Context
	cancel context.CancelFunc

	mu       sync.Mutex
	started  bool
	closed   bool
	calls    sync.WaitGroup // INVITE handlers
	serveWG  sync.WaitGroup // ServeUDP / ServeTCP
	closeErr error
	table    *callTable
}

// New binds the SIP sockets and prepares the server; Start begins serving.
func New(opts Options) (*Server, error) {
	if opts.Profile == nil {
		opts.Profile = DefaultProfile()
	}
	if opts.Profile.plans == nil {
		// Built by hand rather than by ParseProfile: validate it now.
		if err := opts.Profile.compile(".", nil); err != nil {
			return nil, err
		}
	}
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.MaxRecords <= 0 {
		opts.MaxRecords = 100000
	}
	if opts.RecordDir != "" {
		if err := os.MkdirAll(opts.RecordDir, 0o755); err != nil {
			return nil, fmt.Errorf("sim record dir: %w", err)
		}
	}
	ap, err := netip.ParseAddrPort(opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("sim listen address %q: want ip:port: %w", opts.Addr, err)
	}

	s := &Server{
		opts:   opts,
		log:    opts.Logger,
		prof:   opts.Profile,
		router: newRouter(opts.Profile, opts.Seed),
		table:  newCallTable(opts.MaxRecords),
	}
	if opts.Profile.Auth != nil {
		s.auth = newAuthenticator(opts.Profile.Auth)
	}

	// sipgo issue #367: bind ourselves, then hand the sockets to sipgo, so the
	// address is known and usable before anyone dials.
	udp, tcp, err := listenUDPTCP(ap)
	if err != nil {
		return nil, err
	}
	bound := udp.LocalAddr().(*net.UDPAddr).AddrPort()
	s.udp, s.tcp = udp, tcp
	s.addr = netip.AddrPortFrom(bound.Addr().Unmap(), bound.Port())
	if opts.TLS != nil {
		ln, err := tls.Listen("tcp", netip.AddrPortFrom(ap.Addr(), 0).String(), opts.TLS)
		if err != nil {
			_ = s.closeSockets() // best effort: the setup error is the one to report
			return nil, fmt.Errorf("sim listen tls %s: %w", ap.Addr(), err)
		}
		s.tlsLn = ln
		s.tlsAddr = ln.Addr().(*net.TCPAddr).AddrPort()
	}

	slog := newSlogLogger(s.log.Named("sipgo"), &s.logClosed)
	host := s.addr.Addr().String()
	ua, err := sipgo.NewUA(
		sipgo.WithUserAgent("voxdial-sim"),
		sipgo.WithUserAgentHostname(host),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(slog)),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(slog)),
	)
	if err != nil {
		_ = s.closeSockets() // best effort: the setup error is the one to report
		return nil, fmt.Errorf("sim user agent: %w", err)
	}
	s.ua = ua
	s.srv, err = sipgo.NewServer(ua, sipgo.WithServerLogger(slog))
	if err == nil {
		s.client, err = sipgo.NewClient(ua, sipgo.WithClientLogger(slog), sipgo.WithClientHostname(host), sipgo.WithClientPort(int(s.addr.Port())))
	}
	if err != nil {
		ua.Close()
		_ = s.closeSockets() // best effort: the setup error is the one to report
		return nil, fmt.Errorf("sim sip server: %w", err)
	}
	s.dua = &sipgo.DialogUA{
		Client: s.client,
		ContactHDR: sip.ContactHeader{
			Address: sip.Uri{Scheme: "sip", User: "sim", Host: host, Port: int(s.addr.Port())},
		},
		// In-dialog requests (BYE, re-INVITE) go back where the INVITE came
		// from: a test UAC often advertises a Contact it does not listen on.
		RewriteContact: true,
	}
	s.tlsDUA = s.dua
	if s.tlsLn != nil {
		// Over TLS our Contact names the TLS port: the dialer sends its ACK and BYE
		// there, and a TLS handshake on the plain TCP port would fail.
		contact := sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "sim", Host: host, Port: int(s.tlsAddr.Port()), UriParams: sip.NewParams()}}
		contact.Address.UriParams.Add("transport", "tls")
		s.tlsDUA = &sipgo.DialogUA{Client: s.client, ContactHDR: contact, RewriteContact: true}
	}
	s.srv.OnInvite(s.onInvite)
	s.srv.OnAck(s.onAck)
	s.srv.OnBye(s.onBye)
	s.srv.OnCancel(s.onCancel)
	s.srv.OnOptions(s.onOptions)
	s.srv.OnRefer(s.onRefer)

	s.plane, err = media.NewPlane(media.PlaneOptions{IP: s.addr.Addr(), Ports: opts.RTP, Mode: opts.RTPMode, Logger: s.log.Named("media")})
	if err != nil {
		ua.Close()
		_ = s.closeSockets() // best effort: the setup error is the one to report
		return nil, fmt.Errorf("sim media plane: %w", err)
	}
	return s, nil
}

// Start serves SIP on UDP and TCP until Close (ctx only bounds start-up).
func (s *Server) Start(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if s.started {
		return errors.New("sim server already started")
	}
	s.started = true
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.plane.Start(s.ctx)
	s.serveWG.Add(2)
	if s.tlsLn != nil {
		s.serveWG.Add(1)
		go func() {
			defer s.serveWG.Done()
			_ = s.srv.ServeTLS(s.tlsLn)
		}()
	}
	go func() {
		defer s.serveWG.Done()
		_ = s.srv.ServeUDP(s.udp)
	}()
	go func() {
		defer s.serveWG.Done()
		_ = s.srv.ServeTCP(s.tcp)
	}()
	s.log.Info("sim listening", zap.Stringer("sip", s.addr), zap.String("profile", s.prof.Name))
	return nil
}

// Addr is the SIP address; UDP and TCP share the port.
func (s *Server) Addr() netip.AddrPort { return s.addr }

// TLSAddr is the SIP-over-TLS address; invalid unless Options.TLS was set.
func (s *Server) TLSAddr() netip.AddrPort { return s.tlsAddr }

// Close ends every call (BYE for answered ones, 503 for ringing ones), waits
// for them, and releases every socket. It is idempotent.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return s.closeErr
	}
	s.closed = true
	started := s.started
	s.mu.Unlock()

	if started {
		s.cancel()
		s.calls.Wait()
	}
	// Sockets first, then the user agent: a request read while the user agent closed its
	// transports made sipgo open a fresh socket for the reply, whose reader never ended.
	err := s.closeSockets()
	s.serveWG.Wait()
	s.ua.Close()
	err = errors.Join(err, s.plane.Close())
	s.logClosed.Store(true)
	s.mu.Lock()
	s.closeErr = err
	s.mu.Unlock()
	return err
}

func (s *Server) closeSockets() error {
	err := errors.Join(ignoreClosed(s.udp.Close()), ignoreClosed(s.tcp.Close()))
	if s.tlsLn != nil {
		err = errors.Join(err, ignoreClosed(s.tlsLn.Close()))
	}
	return err
}

func ignoreClosed(err error) error {
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// beginCall registers an INVITE handler; false when the server is closing.
func (s *Server) beginCall() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || !s.started {
		return false
	}
	s.calls.Add(1)
	return true
}

// Calls returns every call the server remembers, active and finished, in arrival order.
func (s *Server) Calls() []CallRecord { return s.table.snapshot() }

// WaitCall blocks until the call with this Call-ID has ended and returns its
// record. It fails with ErrUnknownCall if no such INVITE has arrived by the
// time ctx ends.
func (s *Server) WaitCall(ctx context.Context, callID string) (CallRecord, error) {
	return s.table.wait(ctx, callID)
}

// onOptions answers keep-alives.
func (s *Server) onOptions(req *sip.Request, tx sip.ServerTransaction) {
	res := sip.NewResponseFromRequest(req, sip.StatusOK, "OK", nil)
	res.AppendHeader(sip.NewHeader("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, REFER"))
	res.AppendHeader(sip.NewHeader("Accept", "application/sdp"))
	_ = tx.Respond(res)
}

// onCancel sees only CANCELs that matched no INVITE transaction (the
// transaction layer answers the others with 200 and the INVITE with 487).
func (s *Server) onCancel(req *sip.Request, tx sip.ServerTransaction) {
	_ = tx.Respond(sip.NewResponseFromRequest(req, sip.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist", nil))
}

func (s *Server) onAck(req *sip.Request, tx sip.ServerTransaction) {
	c := s.table.byDialog(req)
	if c == nil {
		return // ACK of a non-2xx final: absorbed by the INVITE transaction
	}
	if c.dlg.LoadState() < sip.DialogStateConfirmed {
		_ = c.dlg.ReadAck(req, tx)
	}
	// else: the ACK of a 200 to a re-INVITE; nothing to do.
}

func (s *Server) onBye(req *sip.Request, tx sip.ServerTransaction) {
	c := s.table.byDialog(req)
	if c == nil {
		_ = tx.Respond(sip.NewResponseFromRequest(req, sip.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist", nil))
		return
	}
	c.setByeFrom(ByePeer)
	if err := c.dlg.ReadBye(req, tx); err != nil {
		c.log.Debug("read bye", zap.Error(err))
		_ = tx.Respond(sip.NewResponseFromRequest(req, sip.StatusInternalServerError, "Bad BYE", nil))
	}
}

// onRefer answers a blind transfer inside a call: a person with refer: accept
// takes it (202; the transferor then hangs up), anyone else declines (603), and
// the dialer falls back to bridging.
func (s *Server) onRefer(req *sip.Request, tx sip.ServerTransaction) {
	c := s.table.byDialog(req)
	if c == nil {
		_ = tx.Respond(sip.NewResponseFromRequest(req, sip.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist", nil))
		return
	}
	target := ""
	if h := req.GetHeader("Refer-To"); h != nil {
		target = h.Value()
	}
	if target == "" {
		_ = tx.Respond(sip.NewResponseFromRequest(req, sip.StatusBadRequest, "Missing Refer-To", nil))
		return
	}
	if c.plan.Refer != ReferAccept {
		c.log.Debug("refer declined", zap.String("refer_to", target))
		_ = tx.Respond(sip.NewResponseFromRequest(req, sip.StatusGlobalDecline, "Decline", nil))
		return
	}
	c.update(func(r *CallRecord) { r.ReferTo = target })
	c.log.Debug("refer accepted", zap.String("refer_to", target))
	_ = tx.Respond(sip.NewResponseFromRequest(req, sip.StatusAccepted, "Accepted", nil))
}

func (s *Server) onInvite(req *sip.Request, tx sip.ServerTransaction) {
	if to := req.To(); to != nil && to.Params.Has("tag") {
		s.onReInvite(req, tx)
		return
	}
	if !s.beginCall() {
		_ = tx.Respond(sip.NewResponseFromRequest(req, sip.StatusServiceUnavailable, "Simulator Closing", nil))
		return
	}
	defer s.calls.Done()
	s.runCall(req, tx)
}

func (s *Server) onReInvite(req *sip.Request, tx sip.ServerTransaction) {
	c := s.table.byDialog(req)
	if c == nil {
		_ = tx.Respond(sip.NewResponseFromRequest(req, sip.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist", nil))
		return
	}
	c.answerReInvite(req, tx)
}

// listenUDPTCP binds UDP and TCP on the same port. With port 0 the OS picks the UDP
// port, and that port may already be taken for TCP by someone else: then it tries
// another port, a few times, instead of failing.
func listenUDPTCP(ap netip.AddrPort) (*net.UDPConn, *net.TCPListener, error) {
	tries := 1
	if ap.Port() == 0 {
		tries = 10
	}
	var lastErr error
	for range tries {
		udp, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(ap))
		if err != nil {
			return nil, nil, fmt.Errorf("sim listen udp %s: %w", ap, err)
		}
		bound := udp.LocalAddr().(*net.UDPAddr).AddrPort()
		tcp, err := net.ListenTCP("tcp", net.TCPAddrFromAddrPort(bound))
		if err == nil {
			return udp, tcp, nil
		}
		udp.Close()
		lastErr = fmt.Errorf("sim listen tcp %s: %w", bound, err)
		if !errors.Is(err, syscall.EADDRINUSE) {
			break
		}
	}
	return nil, nil, lastErr
}
