package dialer

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/google/uuid"
	"go.uber.org/zap"

	"github.com/voxdial/voxdial/media"
)

// Who ended an answered call.
const (
	HangupBot     = "bot"
	HangupCaller  = "caller"
	HangupTimeout = "timeout"
)

// DialRequest is one call to place.
type DialRequest struct {
	Trunk       *Trunk
	To          string        // E.164 number or SIP URI
	RingTimeout time.Duration // default 30s; CANCEL when it runs out
	RecordPath  string        // stereo WAV (left: us, right: far end) when set
	// CreateRecording creates the file at RecordPath (default os.Create): the seam through
	// which tests put a full or read-only disk under the recorder.
	CreateRecording func(path string) (media.RecordFile, error)
	// OnAudio receives the far end's decoded audio (8 kHz, 20 ms frames); the slice is reused.
	// It gets a frame for every 20 ms of the call, silence where the far end sent
	// nothing (DTX) or comfort noise (media.SessionOptions.ContinuousAudio).
	OnAudio func(pcm []int16, at time.Duration)
	// CallID is the SIP Call-ID to use; default a random UUID.
	CallID string
	// CallerID is the number presented in From for this call (a campaign's
	// caller-ID pool); default the trunk's CallerID.
	CallerID string
	Logger   *zap.Logger // default: the UA's logger
}

// Call is one outbound leg: a SIP dialog and its media session.
type Call struct {
	ua        *UA
	trunk     *Trunk
	sipCallID string
	callerID  string // From user for this call; "" for the trunk's
	localTag  string // our From tag, set before the INVITE leaves; never changes
	log       *zap.Logger
	dlg       *sipgo.DialogClientSession
	sess      *media.Session
	rec       *media.Recorder
	release   func()

	mu    sync.Mutex
	offer MediaOffer
	// remoteTag is the far end's To tag from its 2xx: with the Call-ID and localTag it
	// names the dialog an in-dialog request must belong to.
	remoteTag string
	res       Result
	dtmf      strings.Builder
	closed    bool
	// endingBy is set before we send BYE so that the dialog ending in
	// response is not mistaken for the far end hanging up.
	endingBy string

	done    chan struct{}
	endOnce sync.Once
	started time.Time
}

// Dial places a call and returns once it is answered or has ended. The
// error is for local failures before or while sending the INVITE (bad
// target, trunk full, no RTP port, transport error); every answer from the
// network, good or bad, comes back as a Call whose Result says what happened.
func (u *UA) Dial(ctx context.Context, req DialRequest) (*Call, error) {
	if req.Trunk == nil {
		return nil, fmt.Errorf("dial: %w: no trunk given", ErrUnknownTrunk)
	}
	if req.Trunk.uri.Host == "" {
		if err := req.Trunk.Validate(); err != nil {
			return nil, fmt.Errorf("dial: %w", err)
		}
	}
	if req.CallerID != "" && strings.ContainsAny(req.CallerID, " <>@;:\"") {
		return nil, fmt.Errorf("dial: caller ID %q must be a number or SIP user part", req.CallerID)
	}
	recipient, err := req.Trunk.requestURI(req.To)
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	if req.RingTimeout <= 0 {
		req.RingTimeout = 30 * time.Second
	}
	release, err := req.Trunk.acquire()
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			release()
		}
	}()

	ep, err := u.endpoint()
	if err != nil {
		return nil, fmt.Errorf("dial: rtp port: %w", err)
	}
	callID := req.CallID
	if callID == "" {
		callID = uuid.NewString()
	}
	log := req.Logger
	if log == nil {
		log = u.log
	}
	log = log.With(zap.String("call_id", callID), zap.String("to", MaskNumber(recipient.User)), zap.String("trunk", req.Trunk.Name))

	c := &Call{
		ua: u, trunk: req.Trunk, sipCallID: callID, callerID: req.CallerID, log: log, release: release,
		done: make(chan struct{}),
		res: Result{
			CallID: callID, To: req.To, Trunk: req.Trunk.Name,
			Tags: []string{}, Variables: map[string]string{}, Transcript: []Turn{},
		},
	}
	if req.RecordPath != "" {
		// A recording that cannot be made is not a reason to drop the call: it goes on
		// without one, and the result says why.
		if c.rec, err = newRecorder(req); err != nil {
			log.Warn("recording: calling without one", zap.Error(err))
			c.res.RecordingError = err.Error()
		} else {
			c.res.Recording = req.RecordPath
		}
	}
	c.sess, err = media.NewSession(media.SessionOptions{
		Endpoint: ep, Codec: u.opts.Codecs[0], DTMFPayloadType: TelephoneEventPT,
		Logger: log, Recorder: c.rec, OnAudio: req.OnAudio,
		// Phones and carriers that stop sending in silence (DTX) must still end a
		// turn: the bot hears their silence on the media clock.
		ContinuousAudio: true,
	})
	if err != nil {
		ep.Close()
		if c.rec != nil {
			c.rec.Close()
		}
		return nil, fmt.Errorf("dial: media session: %w", err)
	}
	c.offer = MediaOffer{
		Addr: c.sess.LocalAddr(), Codecs: u.opts.Codecs, DTMFPT: TelephoneEventPT,
		Direction: SendRecv, SessionID: rand.Uint64() >> 1, Version: 1, SSRC: c.sess.SSRC(), RTCPMux: true,
		ComfortNoise: true,
	}
	if req.Trunk.SRTP == SRTPOptional || req.Trunk.SRTP == SRTPRequired {
		crypto := NewCrypto(1) // a fresh key per call
		c.offer.Crypto = &crypto
		c.offer.SecureProfile = req.Trunk.SRTP == SRTPRequired
	}
	body, err := MarshalSDP(c.offer)
	if err != nil {
		c.closeMedia()
		return nil, fmt.Errorf("dial: %w", err)
	}
	c.sess.Start()
	go c.collectDTMF()

	inv := c.buildInvite(recipient, body)
	du := u.transport(req.Trunk)
	u.track(c)
	c.started = time.Now()
	c.res.Timings.InviteAt = c.started
	log.Info("dialing")
	c.dlg, err = du.dua.WriteInvite(ctx, inv)
	if err != nil {
		u.untrack(c)
		c.closeMedia()
		return nil, fmt.Errorf("dial: send invite to %s: %w", req.Trunk.Host(), err)
	}
	ok = true
	c.waitAnswer(ctx, req)
	return c, nil
}

func (c *Call) buildInvite(recipient sip.Uri, body []byte) *sip.Request {
	t := c.trunk
	inv := sip.NewRequest(sip.INVITE, recipient)
	inv.SetTransport(strings.ToUpper(t.Transport))
	inv.SetDestination(t.Host())
	fromUser := c.callerID
	if fromUser == "" {
		fromUser = t.CallerID
	}
	if fromUser == "" {
		fromUser = "voxdial"
	}
	from := &sip.FromHeader{
		Address: sip.Uri{Scheme: "sip", User: fromUser, Host: c.ua.dialogHost()},
		Params:  sip.NewParams(),
	}
	c.localTag = sip.GenerateTagN(16)
	from.Params.Add("tag", c.localTag)
	to := &sip.ToHeader{Address: sip.Uri{Scheme: "sip", User: recipient.User, Host: recipient.Host, Port: recipient.Port}, Params: sip.NewParams()}
	cid := sip.CallIDHeader(c.sipCallID)
	inv.AppendHeader(from)
	inv.AppendHeader(to)
	inv.AppendHeader(&cid)
	inv.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	inv.AppendHeader(sip.NewHeader("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, NOTIFY, REFER"))
	inv.AppendHeader(sip.NewHeader("User-Agent", c.ua.opts.UserAgent))
	inv.SetBody(body)
	return inv
}

func (u *UA) dialogHost() string { return u.udp.dua.ContactHDR.Address.Host }

// waitAnswer follows the INVITE transaction to its end: provisional
// responses, early media, digest challenges, the ring timeout's CANCEL, and
// the final answer.
func (c *Call) waitAnswer(ctx context.Context, req DialRequest) {
	ringCtx, cancel := context.WithTimeout(ctx, req.RingTimeout)
	defer cancel()
	err := c.dlg.WaitAnswer(ringCtx, sipgo.AnswerOptions{
		Username: c.trunk.Username,
		Password: c.trunk.Password,
		OnResponse: func(res *sip.Response) error {
			if res.IsSuccess() {
				// Known before WaitAnswer returns, so a BYE right behind the 200 finds it.
				c.setRemoteTag(res)
			}
			c.onProvisional(res)
			return nil
		},
	})
	now := time.Now()
	c.mu.Lock()
	c.res.Timings.SetupMS = now.Sub(c.started).Milliseconds()
	c.mu.Unlock()

	last := c.dlg.InviteResponse
	var dr *sipgo.ErrDialogResponse
	var drv sipgo.ErrDialogResponse
	switch {
	case err == nil:
		c.onAnswered(now)
		return
	case errors.As(err, &dr):
		c.endUnanswered(dr.Res.StatusCode, dr.Res.Reason, false, "")
	case errors.As(err, &drv):
		c.endUnanswered(drv.Res.StatusCode, drv.Res.Reason, false, "")
	case ringCtx.Err() != nil:
		// We sent CANCEL. A 200 may still have crossed it: then the far end
		// answered and must be ACKed and hung up (RFC 3261 §9.1).
		if last != nil && last.IsSuccess() {
			c.ackAndBye(last)
			c.endUnanswered(last.StatusCode, last.Reason, true, "answered after the ring timeout; hung up")
			return
		}
		reason := "ring timeout"
		if ctx.Err() != nil && !errors.Is(ringCtx.Err(), context.DeadlineExceeded) {
			reason = "call cancelled"
		}
		status, sipReason := 0, ""
		if last != nil && last.StatusCode >= 300 {
			status, sipReason = last.StatusCode, last.Reason
		}
		c.endUnanswered(status, sipReason, true, reason)
	default:
		c.endUnanswered(0, "", false, "no final response: "+err.Error())
	}
}

func (c *Call) onProvisional(res *sip.Response) {
	if !res.IsProvisional() || res.StatusCode == 100 {
		return
	}
	c.mu.Lock()
	if c.res.Timings.RingingAt == nil {
		t := time.Now()
		c.res.Timings.RingingAt = &t
	}
	c.mu.Unlock()
	if len(res.Body()) == 0 || !isSDP(res) {
		return
	}
	// Early media (RFC 3960): the provisional SDP tells us where the
	// ringback or announcement comes from; start listening and recording.
	n, err := ParseAnswer(res.Body(), c.offer)
	if err == nil {
		err = c.applyNegotiated(n)
	}
	if err != nil {
		c.log.Warn("early media sdp ignored", zap.Error(err))
		return
	}
	c.mu.Lock()
	c.res.EarlyMedia = true
	c.mu.Unlock()
	c.log.Debug("early media", zap.Int("status", res.StatusCode))
}

func isSDP(m interface{ ContentType() *sip.ContentTypeHeader }) bool {
	ct := m.ContentType()
	return ct == nil || strings.HasPrefix(strings.ToLower(ct.Value()), "application/sdp")
}

func (c *Call) applyNegotiated(n Negotiated) error {
	// Keys first, so that no packet leaves in clear to the new address.
	if n.SRTP != nil {
		if err := c.sess.SetSRTP(n.SRTP.Local, n.SRTP.Remote); err != nil {
			return err
		}
	} else if c.sess.SRTP() {
		// Once media is encrypted it stays so: a later SDP without a=crypto is refused.
		return fmt.Errorf("%w: the far end's new SDP drops SRTP", ErrSRTP)
	}
	c.sess.SetCodec(n.Codec)
	c.sess.SetDTMFPayloadType(n.DTMFPT)
	c.sess.SetRemote(n.Remote)
	c.sess.SetRemoteSSRC(n.RemoteSSRC)
	c.sess.SetRTCPMux(n.RTCPMux)
	c.sess.SetHold(n.Hold())
	c.mu.Lock()
	c.res.Codec = n.Codec.Name
	c.mu.Unlock()
	return nil
}

func (c *Call) onAnswered(now time.Time) {
	res := c.dlg.InviteResponse
	n, perr := ParseAnswer(res.Body(), c.offer)
	if perr == nil {
		perr = c.applyNegotiated(n)
	}
	if err := c.dlg.Ack(context.WithoutCancel(context.Background())); err != nil {
		c.log.Warn("ack", zap.Error(err))
	}
	c.mu.Lock()
	c.res.SIPStatus, c.res.SIPReason = res.StatusCode, res.Reason
	c.mu.Unlock()
	if perr != nil {
		// The far end answered with SDP we cannot use: end cleanly, say why.
		c.log.Warn("unusable sdp answer, hanging up", zap.Error(perr))
		c.byeDetached()
		c.finish(OutcomeFailed, "", "unusable SDP answer: "+perr.Error())
		return
	}
	c.mu.Lock()
	c.res.Outcome = OutcomeAnswered
	t := now
	c.res.Timings.AnsweredAt = &t
	c.mu.Unlock()
	c.log.Info("answered", zap.String("codec", n.Codec.Name), zap.String("remote_rtp", n.Remote.String()), zap.Bool("srtp", n.SRTP != nil))
	// The dialog context ends when sipgo sees the dialog terminate.
	go func() {
		select {
		case <-c.dlg.Context().Done():
			c.finish(OutcomeAnswered, HangupCaller, "")
		case <-c.done:
		}
	}()
}

func (c *Call) setRemoteTag(res *sip.Response) {
	to := res.To()
	if to == nil || to.Params == nil {
		return
	}
	tag, _ := to.Params.Get("tag")
	c.mu.Lock()
	c.remoteTag = tag
	c.mu.Unlock()
}

// inDialog reports whether a request with these tags belongs to the call's confirmed
// dialog (RFC 3261 §12.2.2: Call-ID, local tag and remote tag). The far end's From tag
// is our remote tag, its To tag our local one.
func (c *Call) inDialog(fromTag, toTag string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.remoteTag != "" && fromTag == c.remoteTag && toTag == c.localTag
}

func (c *Call) ackAndBye(res *sip.Response) {
	c.dlg.InviteResponse = res
	if err := c.dlg.Ack(context.Background()); err != nil {
		c.log.Warn("ack after cancel", zap.Error(err))
	}
	c.byeDetached()
}

func (c *Call) byeDetached() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.dlg.Bye(ctx); err != nil {
		c.log.Warn("bye", zap.Error(err))
	}
}

func (c *Call) endUnanswered(status int, sipReason string, cancelled bool, reason string) {
	c.mu.Lock()
	c.res.SIPStatus, c.res.SIPReason = status, sipReason
	c.mu.Unlock()
	out := Classify(status, cancelled)
	if status == 0 && reason == "" {
		reason = "no final response"
	}
	c.finish(out, "", reason)
}

// finish is the one end of a call: it runs once, whatever ends the call.
func (c *Call) finish(out Outcome, hangupBy, reason string) {
	c.endOnce.Do(func() {
		c.closeMedia()
		c.ua.untrack(c)
		c.release()
		now := time.Now()
		st := c.sess.Stats()
		c.mu.Lock()
		if c.endingBy != "" && hangupBy != "" {
			hangupBy = c.endingBy
		}
		c.res.Outcome = out
		c.res.HangupBy = hangupBy
		if reason != "" {
			c.res.Reason = reason
		}
		c.res.Timings.EndedAt = now
		if a := c.res.Timings.AnsweredAt; a != nil {
			c.res.Timings.DurationMS = now.Sub(*a).Milliseconds()
		}
		c.res.Media = mediaStats(st)
		c.res.DTMF = c.dtmf.String()
		if c.rec != nil && c.res.Timings.AnsweredAt == nil && !c.res.EarlyMedia {
			// Nothing was heard or said: an empty recording would only mislead.
			_ = os.Remove(c.rec.Path())
			c.res.Recording = ""
		}
		c.mu.Unlock()
		if c.dlg != nil {
			c.dlg.Close()
		}
		c.log.Info("call ended", zap.String("outcome", string(out)), zap.Int("sip_status", c.res.SIPStatus),
			zap.String("hangup_by", hangupBy), zap.String("reason", reason))
		close(c.done)
	})
}

// closeMedia stops the session and finalises the recording; idempotent.
func (c *Call) closeMedia() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.mu.Unlock()
	if c.sess != nil {
		c.sess.Close()
	}
	if c.rec != nil {
		if err := c.rec.Close(); err != nil {
			// A truncated file (a full disk) is no recording: the result must not point at it.
			c.log.Warn("recording failed: removed, the result has none", zap.Error(err))
			_ = os.Remove(c.rec.Path())
			c.mu.Lock()
			c.res.Recording, c.res.RecordingError = "", err.Error()
			c.mu.Unlock()
		}
	}
}

func (c *Call) collectDTMF() {
	for {
		select {
		case d, ok := <-c.sess.DTMF():
			if !ok {
				return
			}
			c.mu.Lock()
			c.dtmf.WriteRune(d.Digit)
			c.mu.Unlock()
		case <-c.done:
			return
		}
	}
}

// ID is the call's SIP Call-ID.
func (c *Call) ID() string { return c.sipCallID }

// Media is the call's RTP session (play prompts, send DTMF, read digits).
func (c *Call) Media() *media.Session { return c.sess }

// Done is closed when the call has ended, whoever ended it.
func (c *Call) Done() <-chan struct{} { return c.done }

// Answered reports whether the far end answered and the call is up.
func (c *Call) Answered() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.res.Timings.AnsweredAt != nil && !c.closed
}

// Result is a snapshot of the call's result; final once Done is closed.
func (c *Call) Result() Result {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.res
	r.DTMF = c.dtmf.String()
	return r
}

// DTMFReceived returns the digits received so far.
func (c *Call) DTMFReceived() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dtmf.String()
}

// Hangup sends BYE (when the call is up) and ends the call as hung up by
// the bot. Safe to call more than once and after the far end hung up.
func (c *Call) Hangup(ctx context.Context) error {
	return c.hangup(ctx, HangupBot)
}

// HangupTimeout ends the call because a limit (max call length) ran out.
func (c *Call) HangupTimeout(ctx context.Context) error {
	return c.hangup(ctx, HangupTimeout)
}

func (c *Call) hangup(ctx context.Context, by string) error {
	select {
	case <-c.done:
		return nil
	default:
	}
	c.mu.Lock()
	if c.endingBy == "" {
		c.endingBy = by
	}
	c.mu.Unlock()
	var err error
	if c.dlg != nil && c.dlg.LoadState() == sip.DialogStateConfirmed {
		bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		err = c.dlg.Bye(bctx)
		cancel()
	}
	c.finish(OutcomeAnswered, by, "")
	if err != nil {
		return fmt.Errorf("hangup %s: %w", c.sipCallID, err)
	}
	return nil
}

// SetBotResult records what the bot decided, for the call result.
func (c *Call) SetBotResult(f func(r *Result)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f(&c.res)
}

// Play sends audio to the far end and returns when it has been sent.
func (c *Call) Play(ctx context.Context, src media.Source) error {
	c.mu.Lock()
	if a := c.res.Timings.AnsweredAt; a != nil && c.res.Timings.AnswerToFirstAudioMS == nil {
		// The first frame leaves on the next clock tick, within 20 ms of now.
		ms := time.Since(*a).Milliseconds()
		c.res.Timings.AnswerToFirstAudioMS = &ms
	}
	c.mu.Unlock()
	return c.sess.Play(ctx, src)
}

// SendDTMF sends RFC 4733 digits to the far end.
func (c *Call) SendDTMF(ctx context.Context, digits string, each time.Duration) error {
	return c.sess.SendDTMF(ctx, digits, each)
}

func mediaStats(st media.Stats) *MediaStats {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	m := &MediaStats{
		PacketsSent: st.PacketsSent, PacketsReceived: st.PacketsReceived,
		PacketsLost: st.PacketsLost, PacketsInvalid: st.PacketsInvalid, Remote: st.RemoteAddr,
		JitterMS: ms(st.Jitter), JitterBufferMS: ms(st.JitterDepth), LatePackets: st.LatePackets,
		DuplicatePackets: st.DuplicatePackets, ConcealedFrames: st.ConcealedFrames,
		RemotePacketsLost: st.RemoteLost, RemoteJitterMS: ms(st.RemoteJitter),
		RTCPSent: st.RTCPSent, RTCPReceived: st.RTCPReceived, SRTP: st.SRTP, PacketsRejected: st.PacketsRejected,
		ClockStalls: st.ClockStalls, SilenceFrames: st.SilenceFrames, BehindSilence: st.BehindSilence,
	}
	if st.RTT > 0 {
		rtt := ms(st.RTT)
		m.RTTMS = &rtt
	}
	return m
}

// newRecorder creates the call's recording file through the request's seam.
func newRecorder(req DialRequest) (*media.Recorder, error) {
	if req.CreateRecording == nil {
		return media.NewRecorder(req.RecordPath)
	}
	f, err := req.CreateRecording(req.RecordPath)
	if err != nil {
		return nil, fmt.Errorf("create recording: %w", err)
	}
	return media.NewRecorderFile(req.RecordPath, f)
}
