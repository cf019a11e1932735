package sim

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/emiago/sipgo/sip"
	"go.uber.org/zap"

	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/media"
)

// reInviteTimeout bounds a re-INVITE we send (Timer B is 32 s; tests need less).
const reInviteTimeout = 8 * time.Second

// sendReInvite offers hold (sendonly), resume (sendrecv) or a refresh (same
// direction, new version) inside the dialog, reads the answer and ACKs it.
func (c *call) sendReInvite(ctx context.Context, kind ReInvite) error {
	c.sdpMu.Lock()
	offer := c.local
	offer.Version++
	switch kind {
	case ReInviteHold:
		offer.Direction = dialer.SendOnly
	case ReInviteResume:
		offer.Direction = dialer.SendRecv
	}
	c.local = offer
	c.sdpMu.Unlock()
	body, err := dialer.MarshalSDP(offer)
	if err != nil {
		return err
	}

	target := c.dlg.InviteRequest.Contact().Address
	req := sip.NewRequest(sip.INVITE, target)
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	req.SetBody(body)

	rctx, cancel := context.WithTimeout(ctx, reInviteTimeout)
	defer cancel()
	res, err := c.dlg.Do(rctx, req)
	if err != nil {
		return fmt.Errorf("send: %w", err)
	}
	if !res.IsSuccess() {
		// The transaction layer ACKs non-2xx finals itself.
		return fmt.Errorf("answered %d %s", res.StatusCode, res.Reason)
	}
	ack := sip.NewRequest(sip.ACK, target)
	ack.SetBody(nil)
	if err := c.dlg.WriteRequest(ack); err != nil {
		return fmt.Errorf("ack: %w", err)
	}
	neg, err := dialer.ParseAnswer(res.Body(), offer)
	if err != nil {
		return fmt.Errorf("answer: %w", err)
	}
	if neg.SRTP != nil {
		if err := c.sess.SetSRTP(neg.SRTP.Local, neg.SRTP.Remote); err != nil {
			return fmt.Errorf("answer: %w", err)
		}
	}
	c.sdpMu.Lock()
	c.neg = neg
	c.sdpMu.Unlock()
	c.sess.SetRemote(neg.Remote)
	c.sess.SetRemoteSSRC(neg.RemoteSSRC)
	c.sess.SetCodec(neg.Codec)
	c.update(func(r *CallRecord) { r.ReInvites++ })
	c.log.Debug("re-invite answered", zap.String("kind", string(kind)), zap.String("direction", string(neg.Direction)))
	return nil
}

// answerReInvite answers the dialer's re-INVITE (hold, resume, refresh)
// without touching the call: new remote address, codec and direction.
func (c *call) answerReInvite(req *sip.Request, tx sip.ServerTransaction) {
	if err := c.dlg.ReadRequest(req, tx); err != nil {
		_ = tx.Respond(sip.NewResponseFromRequest(req, sip.StatusInternalServerError, "CSeq Out Of Order", nil))
		return
	}
	sess := c.media()
	if sess == nil {
		// A fault answer (no media here): refuse to renegotiate.
		_ = tx.Respond(sip.NewResponseFromRequest(req, sip.StatusNotAcceptableHere, "Not Acceptable Here", nil))
		return
	}
	c.sdpMu.Lock()
	local := c.local
	local.Version++
	local.Codecs = c.s.prof.codecs
	local.Direction = dialer.SendRecv
	var body []byte
	var neg dialer.Negotiated
	var err error
	if len(req.Body()) == 0 {
		// No offer: we offer our current SDP; the ACK would carry the answer.
		local.Codecs = c.local.Codecs
		body, err = dialer.MarshalSDP(local)
		neg = c.neg
	} else {
		body, neg, err = dialer.AnswerOffer(req.Body(), local)
	}
	if err == nil {
		c.local = local
		c.local.Codecs = []media.Codec{neg.Codec}
		c.neg = neg
	}
	c.sdpMu.Unlock()
	if err != nil {
		c.log.Info("re-invite refused", zap.Error(err))
		_ = tx.Respond(sip.NewResponseFromRequest(req, sip.StatusNotAcceptableHere, "Not Acceptable Here", nil))
		return
	}
	if neg.SRTP != nil {
		if err := sess.SetSRTP(neg.SRTP.Local, neg.SRTP.Remote); err != nil {
			_ = tx.Respond(sip.NewResponseFromRequest(req, sip.StatusNotAcceptableHere, "Not Acceptable Here", nil))
			return
		}
	}
	sess.SetRemote(neg.Remote)
	sess.SetRemoteSSRC(neg.RemoteSSRC)
	sess.SetCodec(neg.Codec)
	sess.SetHold(neg.Hold())
	res := sip.NewSDPResponseFromRequest(req, body)
	res.AppendHeader(sip.HeaderClone(&c.dua.ContactHDR))
	// Count before responding: the peer may read the record as soon as it has the 200.
	c.update(func(r *CallRecord) { r.ReInvitesAnswered++ })
	if err := tx.Respond(res); err != nil {
		c.update(func(r *CallRecord) { r.ReInvitesAnswered-- })
		c.log.Debug("respond re-invite", zap.Error(err))
		return
	}
	c.log.Debug("answered re-invite", zap.Bool("hold", neg.Hold()))
}

func udpAddrPort(conn *net.UDPConn) netip.AddrPort {
	ap := conn.LocalAddr().(*net.UDPAddr).AddrPort()
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

func netipAddrPort(ip netip.Addr, port uint16) netip.AddrPort { return netip.AddrPortFrom(ip, port) }
