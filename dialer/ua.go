package dialer

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"go.uber.org/zap"

	"github.com/voxdial/voxdial/media"
)

// Options configure a UA. Zero values take the defaults noted.
type Options struct {
	Logger *zap.Logger // default: no logging
	// ListenAddr is the SIP signalling address for UDP and TCP (same port);
	// default 127.0.0.1:0.
	ListenAddr string
	// ExternalHost is written in Via and Contact; default: the listen IP.
	ExternalHost string
	// RTPIP is the address media binds to and offers in SDP; default: the listen IP.
	RTPIP netip.Addr
	// RTPPorts is the RTP port range; zero means OS-chosen ports.
	RTPPorts media.PortRange
	// Clock is no longer used: the media plane runs its own clocks, one per P. Kept so
	// existing callers compile.
	Clock media.Clock
	// RTPMode is media.SharedPorts (default: a few shared sockets with batched I/O) or
	// media.PerLegPorts (a socket per call, for trunks that need a distinct port).
	RTPMode media.PortMode
	// Plane, when set, carries this UA's media (the UA does not close it); by default the
	// UA makes one from RTPIP, RTPPorts and RTPMode and closes it on Close.
	Plane *media.Plane
	// Codecs offered, in preference order; default PCMU, PCMA.
	Codecs []media.Codec
	// UserAgent is the SIP User-Agent header; default "voxdial".
	UserAgent string
	// TLSConfig is used for trunks with transport tls.
	TLSConfig *tls.Config
	// SIPLogger receives sipgo's own logs; default: discarded.
	SIPLogger *slog.Logger
}

// UA is the process's SIP user agent: it sends INVITEs through trunks and
// serves the in-dialog requests that come back.
type UA struct {
	opts     Options
	log      *zap.Logger
	ua       *sipgo.UserAgent
	srv      *sipgo.Server
	udp      *dialogUA
	tcp      *dialogUA
	tls      *dialogUA
	planeMu  sync.Mutex
	plane    *media.Plane
	ownPlane bool
	rtpIP    netip.Addr

	udpConn net.PacketConn
	tcpLn   net.Listener
	addr    netip.AddrPort

	mu    sync.Mutex
	calls map[string]*Call // by SIP Call-ID

	wg        sync.WaitGroup
	closeOnce sync.Once
	// Requests from the far end are served on the SIP stack's goroutines; Close
	// waits for those running and turns later ones away, so that nothing of this UA
	// (its logger included) runs after Close returns.
	handlersMu     sync.Mutex
	handlersClosed bool
	handlers       sync.WaitGroup
}

// dialogUA pairs a sipgo client with the dialog helper of one transport.
type dialogUA struct {
	cli *sipgo.Client
	dua *sipgo.DialogUA
}

// NewUA checks opts; Start binds the sockets.
func NewUA(opts Options) (*UA, error) {
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	if opts.ListenAddr == "" {
		opts.ListenAddr = "127.0.0.1:0"
	}
	if len(opts.Codecs) == 0 {
		opts.Codecs = []media.Codec{media.PCMU, media.PCMA}
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "voxdial"
	}
	if opts.SIPLogger == nil {
		opts.SIPLogger = slog.New(slog.DiscardHandler)
	}
	return &UA{opts: opts, log: opts.Logger, calls: map[string]*Call{}}, nil
}

// Start binds the UDP and TCP listeners and serves them until Close.
func (u *UA) Start(ctx context.Context) error {
	ap, err := netip.ParseAddrPort(u.opts.ListenAddr)
	if err != nil {
		return fmt.Errorf("sip listen address %q: %w", u.opts.ListenAddr, err)
	}
	// Bind UDP ourselves before serving (sipgo issue #367), then TCP on the same port.
	var tcpLn net.Listener
	var udpConn net.PacketConn
	for attempt := 0; ; attempt++ {
		udpConn, err = net.ListenPacket("udp", ap.String())
		if err != nil {
			return fmt.Errorf("sip listen udp %s: %w", ap, err)
		}
		port := udpConn.LocalAddr().(*net.UDPAddr).Port
		tcpLn, err = net.Listen("tcp", netip.AddrPortFrom(ap.Addr(), uint16(port)).String())
		if err == nil {
			break
		}
		udpConn.Close()
		if ap.Port() != 0 || attempt > 20 {
			return fmt.Errorf("sip listen tcp %s: %w", ap, err)
		}
	}
	u.udpConn, u.tcpLn = udpConn, tcpLn
	u.addr = netip.AddrPortFrom(ap.Addr(), uint16(udpConn.LocalAddr().(*net.UDPAddr).Port))

	host := u.opts.ExternalHost
	if host == "" {
		host = ap.Addr().String()
		if ap.Addr().IsUnspecified() {
			host = "127.0.0.1"
		}
	}
	rtpIP := u.opts.RTPIP
	if !rtpIP.IsValid() {
		rtpIP = ap.Addr()
		if rtpIP.IsUnspecified() {
			rtpIP = netip.MustParseAddr("127.0.0.1")
		}
	}
	u.rtpIP = rtpIP

	uaOpts := []sipgo.UserAgentOption{
		sipgo.WithUserAgent(u.opts.UserAgent), sipgo.WithUserAgentHostname(host),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(u.opts.SIPLogger)),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(u.opts.SIPLogger)),
	}
	if u.opts.TLSConfig != nil {
		uaOpts = append(uaOpts, sipgo.WithUserAgenTLSConfig(u.opts.TLSConfig))
	}
	sua, err := sipgo.NewUA(uaOpts...)
	if err != nil {
		u.closeSockets()
		return fmt.Errorf("sip user agent: %w", err)
	}
	u.ua = sua
	u.srv, err = sipgo.NewServer(sua, sipgo.WithServerLogger(u.opts.SIPLogger))
	if err != nil {
		u.closeSockets()
		return fmt.Errorf("sip server: %w", err)
	}
	port := int(u.addr.Port())
	mk := func(transport string, clientOpts ...sipgo.ClientOption) (*dialogUA, error) {
		clientOpts = append(clientOpts, sipgo.WithClientHostname(host), sipgo.WithClientLogger(u.opts.SIPLogger))
		cli, err := sipgo.NewClient(sua, clientOpts...)
		if err != nil {
			return nil, err
		}
		contact := sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "voxdial", Host: host, Port: port}}
		if transport != "udp" {
			contact.Address.UriParams = sip.NewParams()
			contact.Address.UriParams.Add("transport", transport)
		}
		return &dialogUA{cli: cli, dua: &sipgo.DialogUA{Client: cli, ContactHDR: contact}}, nil
	}
	// UDP requests leave from the listening socket so that responses and
	// in-dialog requests come back to it.
	if u.udp, err = mk("udp", sipgo.WithClientConnectionAddr(u.addr.String())); err == nil {
		if u.tcp, err = mk("tcp"); err == nil {
			u.tls, err = mk("tls")
		}
	}
	if err != nil {
		u.closeSockets()
		return fmt.Errorf("sip client: %w", err)
	}
	u.registerHandlers()

	u.wg.Add(2)
	go func() { defer u.wg.Done(); _ = u.srv.ServeUDP(udpConn) }()
	go func() { defer u.wg.Done(); _ = u.srv.ServeTCP(tcpLn) }()
	// ServeUDP puts the socket into sipgo's pool asynchronously; a request
	// sent before that would try to bind the same port again and fail.
	for deadline := time.Now().Add(2 * time.Second); ; {
		if _, err := sua.TransportLayer().GetConnection("udp", u.addr.String()); err == nil {
			break
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			u.Close()
			return fmt.Errorf("sip listen udp %s: socket not ready", u.addr)
		}
		time.Sleep(time.Millisecond)
	}
	u.log.Info("sip user agent listening", zap.String("addr", u.addr.String()), zap.String("contact_host", host))
	return nil
}

// Addr is the bound SIP address (UDP and TCP share the port).
func (u *UA) Addr() netip.AddrPort { return u.addr }

// ActiveCalls is the number of calls not yet ended.
func (u *UA) ActiveCalls() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.calls)
}

// Close hangs up every active call, then stops the user agent. It is idempotent.
func (u *UA) Close() error {
	var err error
	u.closeOnce.Do(func() {
		u.mu.Lock()
		calls := make([]*Call, 0, len(u.calls))
		for _, c := range u.calls {
			calls = append(calls, c)
		}
		u.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		for _, c := range calls {
			_ = c.Hangup(ctx)
		}
		cancel()
		u.handlersMu.Lock()
		u.handlersClosed = true
		u.handlersMu.Unlock()
		if u.srv != nil {
			err = errors.Join(err, u.srv.Close())
		}
		if u.ua != nil {
			err = errors.Join(err, u.ua.Close())
		}
		u.closeSockets()
		u.handlers.Wait()
		u.wg.Wait()
	})
	return err
}

// served wraps a request handler so that Close waits for it and, once closing,
// turns the request away unanswered (the far end's retransmissions find no one).
func (u *UA) served(h func(*sip.Request, sip.ServerTransaction)) func(*sip.Request, sip.ServerTransaction) {
	return func(req *sip.Request, tx sip.ServerTransaction) {
		u.handlersMu.Lock()
		if u.handlersClosed {
			u.handlersMu.Unlock()
			return
		}
		u.handlers.Add(1)
		u.handlersMu.Unlock()
		defer u.handlers.Done()
		h(req, tx)
	}
}

// endpoint hands out a leg's media endpoint. The UA's own plane is made at the first
// call, so a port range that cannot be bound fails that call (ErrPortsExhausted), as a
// per-call socket would, and the next call tries again.
func (u *UA) endpoint() (*media.Endpoint, error) {
	u.planeMu.Lock()
	if u.plane == nil {
		if u.opts.Plane != nil {
			u.plane = u.opts.Plane
		} else {
			p, err := media.NewPlane(media.PlaneOptions{IP: u.rtpIP, Ports: u.opts.RTPPorts, Mode: u.opts.RTPMode, Logger: u.log.Named("media")})
			if err != nil {
				u.planeMu.Unlock()
				return nil, err
			}
			p.Start(context.Background())
			u.plane, u.ownPlane = p, true
		}
	}
	p := u.plane
	u.planeMu.Unlock()
	return p.Endpoint()
}

func (u *UA) closeSockets() {
	u.planeMu.Lock()
	if u.ownPlane {
		u.plane.Close() // calls are over (Close hangs them up first); idempotent
	}
	u.planeMu.Unlock()
	if u.udpConn != nil {
		u.udpConn.Close()
	}
	if u.tcpLn != nil {
		u.tcpLn.Close()
	}
}

func (u *UA) transport(t *Trunk) *dialogUA {
	switch t.Transport {
	case "tcp":
		return u.tcp
	case "tls":
		return u.tls
	}
	return u.udp
}

func (u *UA) track(c *Call) {
	u.mu.Lock()
	u.calls[c.sipCallID] = c
	u.mu.Unlock()
}

func (u *UA) untrack(c *Call) {
	u.mu.Lock()
	if u.calls[c.sipCallID] == c {
		delete(u.calls, c.sipCallID)
	}
	u.mu.Unlock()
}

// lookup finds the call whose dialog req belongs to: the Call-ID and both tags must
// match (RFC 3261 §12.2.2). Call-IDs show up in logs, webhooks and the API, so a
// Call-ID alone must not let anyone end, hold or inject digits into a call; the tags
// travel only in the signalling. nil means 481 Call/Transaction Does Not Exist.
func (u *UA) lookup(req *sip.Request) *Call {
	id, from, to := req.CallID(), req.From(), req.To()
	if id == nil || from == nil || to == nil {
		return nil
	}
	u.mu.Lock()
	c := u.calls[id.Value()]
	u.mu.Unlock()
	if c == nil || !c.inDialog(headerTag(from.Params), headerTag(to.Params)) {
		return nil
	}
	return c
}

func headerTag(p sip.HeaderParams) string {
	if p == nil {
		return ""
	}
	v, _ := p.Get("tag")
	return v
}
