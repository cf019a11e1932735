package sim

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/media"
)

// testUAC is a tiny raw sipgo caller with its own RTP sessions: the far side
// of the simulator in these tests.
type testUAC struct {
	t      testing.TB
	ua     *sipgo.UserAgent
	srv    *sipgo.Server
	client *sipgo.Client
	dua    *sipgo.DialogUA
	conn   *net.UDPConn
	clock  *media.SharedClock
	ports  *media.PortAllocator
	target netip.AddrPort

	mu      sync.Mutex
	dialogs map[string]*uacCall // by Call-ID
	serve   sync.WaitGroup
}

// uacCall is one call placed by the test UAC.
type uacCall struct {
	u        *testUAC
	dlg      *sipgo.DialogClientSession
	sess     *media.Session
	offer    dialer.MediaOffer
	statuses []int
	byeRecv  chan struct{}
	byeOnce  sync.Once
	// audio received from the simulator
	frames     atomic.Uint64
	loudFrames atomic.Uint64
	sumSq      atomic.Uint64
	samples    atomic.Uint64
	reinvites  atomic.Int32
	recvMu     sync.Mutex
	recv       []int16
}

// listenSIPPort binds the test UAC's UDP listener to a free port below the kernel's
// ephemeral range. Its TCP requests leave from the same port number, and a port
// from the ephemeral range can be taken by any outgoing TCP connection on the
// machine in the meantime (tests of other packages run beside these): the dial
// then failed with "bind: address already in use". Below the range only a
// listener takes a port, and one that is free for TCP now stays free.
func listenSIPPort(t testing.TB) *net.UDPConn {
	t.Helper()
	low := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if v, err := strconv.Atoi(f[0]); err == nil && v > 11000 {
				low = v
			}
		}
	}
	for range 200 {
		port := 10000 + rand.IntN(low-10000)
		conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
		if err != nil {
			continue
		}
		if l, err := net.Listen("tcp", conn.LocalAddr().String()); err == nil {
			_ = l.Close()
			return conn
		}
		_ = conn.Close()
	}
	// No free port there: an ephemeral one, as before.
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

func newTestUAC(t testing.TB, target netip.AddrPort) *testUAC {
	t.Helper()
	conn := listenSIPPort(t)
	laddr := conn.LocalAddr().(*net.UDPAddr)
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("test-uac"), sipgo.WithUserAgentHostname("127.0.0.1"),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(quietSlog)),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(quietSlog)))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(quietSlog))
	if err != nil {
		t.Fatal(err)
	}
	// Requests leave from the served listener: sipgo's ephemeral client
	// sockets can leak their reader when their refcount goes negative.
	client, err := sipgo.NewClient(ua, sipgo.WithClientLogger(quietSlog), sipgo.WithClientHostname("127.0.0.1"),
		sipgo.WithClientPort(laddr.Port), sipgo.WithClientConnectionAddr(laddr.String()))
	if err != nil {
		t.Fatal(err)
	}
	u := &testUAC{
		t: t, ua: ua, srv: srv, client: client, conn: conn, target: target,
		clock:   media.NewClock(media.ClockOptions{}),
		ports:   media.NewPortAllocator(netip.MustParseAddr("127.0.0.1"), media.PortRange{}),
		dialogs: map[string]*uacCall{},
	}
	u.dua = &sipgo.DialogUA{Client: client, ContactHDR: sip.ContactHeader{
		Address: sip.Uri{Scheme: "sip", User: "uac", Host: "127.0.0.1", Port: laddr.Port},
	}}
	srv.OnBye(u.onBye)
	srv.OnInvite(u.onReInvite)
	srv.OnAck(func(*sip.Request, sip.ServerTransaction) {})
	u.clock.Start(context.Background())
	u.serve.Add(1)
	go func() {
		defer u.serve.Done()
		_ = srv.ServeUDP(conn)
	}()
	t.Cleanup(u.close)
	// sipgo issue #367: the listener joins the pool asynchronously; wait for it.
	for i := 0; ; i++ {
		if c, _ := ua.TransportLayer().GetConnection("udp", laddr.String()); c != nil {
			c.TryClose()
			break
		}
		if i > 500 {
			t.Fatal("udp listener never joined the pool")
		}
		time.Sleep(2 * time.Millisecond)
	}
	return u
}

func (u *testUAC) close() {
	u.mu.Lock()
	calls := make([]*uacCall, 0, len(u.dialogs))
	for _, c := range u.dialogs {
		calls = append(calls, c)
	}
	u.mu.Unlock()
	for _, c := range calls {
		if c.sess != nil {
			_ = c.sess.Close()
		}
	}
	u.ua.Close()
	u.conn.Close()
	u.serve.Wait()
	u.clock.Stop()
}

func (u *testUAC) call(id string) *uacCall {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.dialogs[id]
}

func (u *testUAC) onBye(req *sip.Request, tx sip.ServerTransaction) {
	c := u.call(req.CallID().Value())
	if c == nil || c.dlg == nil {
		_ = tx.Respond(sip.NewResponseFromRequest(req, 481, "No Such Call", nil))
		return
	}
	_ = c.dlg.ReadBye(req, tx)
	c.byeOnce.Do(func() { close(c.byeRecv) })
}

// onReInvite answers the simulator's re-INVITEs.
func (u *testUAC) onReInvite(req *sip.Request, tx sip.ServerTransaction) {
	c := u.call(req.CallID().Value())
	if c == nil {
		_ = tx.Respond(sip.NewResponseFromRequest(req, 481, "No Such Call", nil))
		return
	}
	local := c.offer
	local.Version++
	body, _, err := dialer.AnswerOffer(req.Body(), local)
	if err != nil {
		_ = tx.Respond(sip.NewResponseFromRequest(req, 488, "Not Acceptable Here", nil))
		return
	}
	c.reinvites.Add(1)
	res := sip.NewSDPResponseFromRequest(req, body)
	res.AppendHeader(&u.dua.ContactHDR)
	_ = tx.Respond(res)
}

type dialOpts struct {
	transport string
	username  string
	password  string
	noSDP     bool
	// cancelAfterRinging sends CANCEL after the first 180/183.
	cancelAfterRinging bool
	// speech is what the "bot" plays right after the answer.
	speech *media.PCM
	keep   bool // keep received samples
	cn     bool // offer comfort noise (13 CN/8000)
}

// dial places a call to user and waits for the final answer. It returns the
// call (also for failures, with the statuses seen) and the final status.
func (u *testUAC) dial(ctx context.Context, user string, o dialOpts) (*uacCall, int, error) {
	conn, err := u.ports.ListenRTP()
	if err != nil {
		return nil, 0, err
	}
	c := &uacCall{u: u, byeRecv: make(chan struct{})}
	c.offer = dialer.MediaOffer{
		Addr: udpAddrPort(conn), Codecs: []media.Codec{media.PCMU, media.PCMA},
		DTMFPT: dialer.TelephoneEventPT, Direction: dialer.SendRecv, SessionID: 42, Version: 1,
		ComfortNoise: o.cn,
	}
	sess, err := media.NewSession(media.SessionOptions{
		Conn: conn, Clock: u.clock, DTMFPayloadType: dialer.TelephoneEventPT,
		OnAudio: func(pcm []int16, _ time.Duration) {
			var ss uint64
			for _, s := range pcm {
				ss += uint64(int64(s) * int64(s))
			}
			c.frames.Add(1)
			c.sumSq.Add(ss)
			c.samples.Add(uint64(len(pcm)))
			if math.Sqrt(float64(ss)/float64(len(pcm))) > 300 {
				c.loudFrames.Add(1)
			}
			if o.keep {
				c.recvMu.Lock()
				c.recv = append(c.recv, pcm...)
				c.recvMu.Unlock()
			}
		},
	})
	if err != nil {
		conn.Close()
		return nil, 0, err
	}
	c.sess = sess
	var body []byte
	if !o.noSDP {
		body, err = dialer.MarshalSDP(c.offer)
		if err != nil {
			return nil, 0, err
		}
	}
	host := u.target.Addr().String()
	uri := sip.Uri{Scheme: "sip", User: user, Host: host, Port: int(u.target.Port())}
	req := sip.NewRequest(sip.INVITE, uri)
	if o.transport != "" {
		req.SetTransport(o.transport)
	}
	if body != nil {
		req.SetBody(body)
		req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	}
	waitCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	dlg, err := u.dua.WriteInvite(ctx, req)
	if err != nil {
		sess.Close()
		return nil, 0, err
	}
	c.dlg = dlg
	u.mu.Lock()
	u.dialogs[req.CallID().Value()] = c
	u.mu.Unlock()
	err = dlg.WaitAnswer(waitCtx, sipgo.AnswerOptions{
		Username: o.username, Password: o.password,
		OnResponse: func(res *sip.Response) error {
			c.statuses = append(c.statuses, res.StatusCode)
			if res.StatusCode == 183 && len(res.Body()) > 0 {
				if n, err := dialer.ParseAnswer(res.Body(), c.offer); err == nil {
					sess.SetRemote(n.Remote)
					sess.Start()
				}
			}
			if o.cancelAfterRinging && (res.StatusCode == 180 || res.StatusCode == 183) {
				cancel()
			}
			return nil
		},
	})
	var de *sipgo.ErrDialogResponse
	switch {
	case err == nil:
	case errors.As(err, &de):
		sess.Close()
		return c, de.Res.StatusCode, nil
	case errors.Is(err, context.Canceled) && o.cancelAfterRinging:
		sess.Close()
		// The 487 went to the transaction; report what CANCEL leads to.
		return c, 487, nil
	default:
		sess.Close()
		return c, 0, err
	}
	if err := dlg.Ack(ctx); err != nil {
		return c, 200, fmt.Errorf("ack: %w", err)
	}
	n, err := dialer.ParseAnswer(dlg.InviteResponse.Body(), c.offer)
	if err != nil {
		return c, 200, fmt.Errorf("answer sdp: %w", err)
	}
	sess.SetRemote(n.Remote)
	sess.SetCodec(n.Codec)
	sess.Start()
	if o.speech != nil {
		go func() { _ = sess.Play(ctx, o.speech.Source()) }()
	}
	return c, 200, nil
}

// received returns what the UAC heard, from the first loud frame on (so a
// correlation with a source WAV does not depend on when it started).
func (c *uacCall) received() []int16 {
	c.recvMu.Lock()
	defer c.recvMu.Unlock()
	for i := 0; i+media.FrameSamples <= len(c.recv); i += media.FrameSamples {
		if media.RMS(c.recv[i:i+media.FrameSamples]) > 300 {
			return append([]int16(nil), c.recv[max(0, i-media.FrameSamples):]...)
		}
	}
	return nil
}

func (c *uacCall) callID() string { return c.dlg.InviteRequest.CallID().Value() }

// hangup sends BYE (unless the simulator already did) and closes media.
func (c *uacCall) hangup(ctx context.Context) error {
	defer c.sess.Close()
	select {
	case <-c.byeRecv:
		return nil
	default:
	}
	return c.dlg.Bye(ctx)
}

// waitBye waits for the simulator's BYE.
func (c *uacCall) waitBye(ctx context.Context) error {
	select {
	case <-c.byeRecv:
		c.sess.Close()
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
