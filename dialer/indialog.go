package dialer

import (
	"strings"

	"github.com/emiago/sipgo/sip"
	"go.uber.org/zap"
)

// registerHandlers serves what a far end may send us: in-dialog requests of
// our calls, keep-alives, and a refusal for anything else (we do not take
// inbound calls).
func (u *UA) registerHandlers() {
	u.srv.OnBye(u.served(u.onBye))
	u.srv.OnInvite(u.served(u.onInvite))
	u.srv.OnAck(func(*sip.Request, sip.ServerTransaction) {}) // ACK of our re-INVITE answers
	u.srv.OnOptions(u.served(u.onOptions))
	u.srv.OnInfo(u.served(u.onInfo))
	u.srv.OnNotify(u.served(func(req *sip.Request, tx sip.ServerTransaction) {
		if u.lookup(req) == nil { // REFER progress comes inside the call's dialog
			respond(tx, req, 481, "Call/Transaction Does Not Exist", nil)
			return
		}
		respond(tx, req, 200, "OK", nil)
	}))
}

func respond(tx sip.ServerTransaction, req *sip.Request, code int, reason string, body []byte, hdrs ...sip.Header) {
	res := sip.NewResponseFromRequest(req, code, reason, body)
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	_ = tx.Respond(res)
}

func (u *UA) onBye(req *sip.Request, tx sip.ServerTransaction) {
	c := u.lookup(req)
	if c == nil || c.dlg == nil {
		respond(tx, req, 481, "Call/Transaction Does Not Exist", nil)
		return
	}
	if err := c.dlg.ReadBye(req, tx); err != nil {
		c.log.Warn("read bye", zap.Error(err))
	}
	c.log.Info("far end hung up")
	c.finish(OutcomeAnswered, HangupCaller, "")
}

func (u *UA) onOptions(req *sip.Request, tx sip.ServerTransaction) {
	respond(tx, req, 200, "OK", nil,
		sip.NewHeader("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, NOTIFY, REFER"),
		sip.NewHeader("Accept", "application/sdp"))
}

// onInfo accepts SIP INFO DTMF (application/dtmf-relay), which some carriers
// send instead of RFC 4733 events.
func (u *UA) onInfo(req *sip.Request, tx sip.ServerTransaction) {
	c := u.lookup(req)
	if c == nil {
		respond(tx, req, 481, "Call/Transaction Does Not Exist", nil)
		return
	}
	if ct := req.ContentType(); ct != nil && strings.Contains(strings.ToLower(ct.Value()), "dtmf-relay") {
		for _, line := range strings.Split(string(req.Body()), "\n") {
			k, v, ok := strings.Cut(line, "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "signal") {
				v = strings.TrimSpace(v)
				if len(v) == 1 && strings.ContainsAny(v, "0123456789*#ABCD") {
					c.mu.Lock()
					c.dtmf.WriteString(v)
					c.mu.Unlock()
				}
			}
		}
	}
	respond(tx, req, 200, "OK", nil)
}

// onInvite answers re-INVITEs of our calls (hold, resume, session refresh)
// without touching the call's state; a new INVITE is refused.
func (u *UA) onInvite(req *sip.Request, tx sip.ServerTransaction) {
	to := req.To()
	if to == nil || to.Params == nil || !to.Params.Has("tag") {
		respond(tx, req, 603, "Decline", nil) // an outbound dialer takes no inbound calls
		return
	}
	c := u.lookup(req)
	if c == nil || c.dlg == nil {
		respond(tx, req, 481, "Call/Transaction Does Not Exist", nil)
		return
	}
	c.onReInvite(req, tx)
}

func (c *Call) onReInvite(req *sip.Request, tx sip.ServerTransaction) {
	ch := c.transportContact()
	contact := ch.Clone()
	ctype := sip.NewHeader("Content-Type", "application/sdp")
	c.mu.Lock()
	c.offer.Version++
	offer := c.offer
	c.mu.Unlock()

	if len(req.Body()) == 0 {
		// Offerless re-INVITE (RFC 3261 §14.2): we offer in the 200, the ACK
		// answers; our media stays as it is.
		body, err := MarshalSDP(offer)
		if err != nil {
			respond(tx, req, 500, "Server Internal Error", nil)
			return
		}
		respond(tx, req, 200, "OK", body, contact, ctype)
		c.countReInvite()
		return
	}
	local := offer
	local.Codecs = c.ua.opts.Codecs
	body, n, err := AnswerOffer(req.Body(), local)
	if err != nil {
		// Keep the call; refuse only the change (RFC 3261 §14.2).
		c.log.Warn("re-invite refused", zap.Error(err))
		respond(tx, req, 488, "Not Acceptable Here", nil)
		return
	}
	if err := c.applyNegotiated(n); err != nil {
		c.log.Warn("re-invite refused", zap.Error(err))
		respond(tx, req, 488, "Not Acceptable Here", nil)
		return
	}
	respond(tx, req, 200, "OK", body, contact, ctype)
	c.countReInvite()
	c.log.Info("re-invite answered", zap.String("direction", string(n.Direction)), zap.Bool("hold", n.Hold()))
}

func (c *Call) countReInvite() {
	c.mu.Lock()
	c.res.ReInvites++
	c.mu.Unlock()
}

func (c *Call) transportContact() sip.ContactHeader {
	return c.ua.transport(c.trunk).dua.ContactHDR
}
