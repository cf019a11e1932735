package sim

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"go.uber.org/zap"

	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/media"
)

// call is one INVITE (one attempt of one Call-ID) and, if answered, its dialog.
type call struct {
	s    *Server
	plan *plan
	log  *zap.Logger
	dlg  *sipgo.DialogServerSession
	dua  *sipgo.DialogUA // the transport's dialog helper (its Contact)
	// ctx ends on CANCEL, on the dialer's BYE, and on server Close.
	ctx context.Context

	// sess and listen are set once by setupMedia (under mu); the call's own
	// goroutine reads them freely, others through media().
	sess   *media.Session
	rec    CallRecord // guarded by mu
	mu     sync.Mutex
	listen *listener
	done   chan struct{}

	recorder *media.Recorder

	sdpMu sync.Mutex // our SDP state for offers and answers in the dialog
	local dialer.MediaOffer
	neg   dialer.Negotiated
}

func (c *call) record() CallRecord {
	c.mu.Lock()
	r, l := c.rec, c.listen
	c.mu.Unlock()
	if l != nil {
		r.PacketsReceived = l.frames.Load()
		r.ReceivedRMS = l.rms()
	}
	return r
}

// media returns the session (nil before the answer, and for fault answers).
func (c *call) media() *media.Session {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sess
}

func (c *call) update(f func(r *CallRecord)) {
	c.mu.Lock()
	f(&c.rec)
	c.mu.Unlock()
}

func (c *call) setByeFrom(who string) {
	c.update(func(r *CallRecord) {
		if r.ByeFrom == "" {
			r.ByeFrom = who
		}
	})
}

func (c *call) addDigit(d rune) {
	c.update(func(r *CallRecord) { r.DTMFReceived += string(d) })
}

// drainDTMF collects digits the session has buffered.
func (c *call) drainDTMF() {
	if c.sess == nil {
		return
	}
	for {
		select {
		case d, ok := <-c.sess.DTMF():
			if !ok {
				return
			}
			c.addDigit(d.Digit)
		default:
			return
		}
	}
}

// runCall is the life of one INVITE, on the INVITE handler's goroutine:
//
//	INVITE ─► auth? ─401/403─► end
//	   │ route ─► refusing kind: [180 ring] ─► final status (487 on CANCEL)
//	   │       ─► person/voicemail: [180 | 183+ringback] ─► 200 OK ─► ACK
//	   │              ─► turns / greeting+beep+record ─► BYE (ours or theirs) ─► end
func (s *Server) runCall(req *sip.Request, tx sip.ServerTransaction) {
	callID := ""
	if h := req.CallID(); h != nil {
		callID = h.Value()
	}
	user := req.Recipient.User
	from := ""
	if h := req.From(); h != nil {
		from = h.Address.User
	}
	c := &call{s: s, done: make(chan struct{})}
	c.rec = CallRecord{
		CallID:    callID,
		To:        user,
		From:      from,
		Transport: strings.ToUpper(req.Transport()),
		StartedAt: time.Now(),
		Active:    true,
	}
	s.table.add(c)
	c.log = s.log.With(zap.String("call_id", callID), zap.String("number", maskNumber(user)))
	dialogID := ""
	defer func() {
		c.drainDTMF()
		if c.sess != nil {
			_ = c.sess.Close()
			c.drainDTMF()
		}
		if c.recorder != nil {
			if err := c.recorder.Close(); err != nil {
				c.fail(err, "recording")
			}
		}
		c.update(func(r *CallRecord) {
			r.Active = false
			r.EndedAt = time.Now()
		})
		rec := c.record()
		s.table.finish(c, dialogID)
		close(c.done)
		c.log.Info("call ended",
			zap.Int("status", rec.FinalStatus), zap.Bool("cancelled", rec.Cancelled),
			zap.String("bye_from", rec.ByeFrom), zap.String("dtmf", rec.DTMFReceived),
			zap.Uint64("packets_received", rec.PacketsReceived), zap.String("err", rec.Err))
		if s.opts.OnCallEnd != nil {
			s.opts.OnCallEnd(rec)
		}
	}()
	c.log.Debug("invite", zap.String("to", user), zap.String("transport", c.rec.Transport))

	if s.auth != nil {
		switch v, stale := s.auth.check(req); v {
		case authChallenge:
			res := sip.NewResponseFromRequest(req, sip.StatusUnauthorized, "Unauthorized", nil)
			res.AppendHeader(sip.NewHeader("WWW-Authenticate", s.auth.challenge(stale)))
			// Record first: the retry may arrive (and inherit this flag) right after the 401.
			c.update(func(r *CallRecord) { r.FinalStatus, r.AuthChallenged = 401, true })
			_ = tx.Respond(res)
			return
		case authForbidden:
			c.update(func(r *CallRecord) { r.FinalStatus = 403 })
			_ = tx.Respond(sip.NewResponseFromRequest(req, sip.StatusForbidden, "Forbidden", nil))
			return
		}
	}

	c.plan = s.router.pick(user)
	if c.plan == nil {
		_ = tx.Respond(sip.NewResponseFromRequest(req, sip.StatusNotFound, "No Route In Profile", nil))
		c.update(func(r *CallRecord) { r.FinalStatus = 404 })
		return
	}
	c.log = c.log.With(zap.String("behaviour", c.plan.name))
	c.update(func(r *CallRecord) { r.Behaviour, r.Kind = c.plan.name, c.plan.Kind })

	dua := s.dua
	if strings.EqualFold(req.Transport(), "TLS") {
		dua = s.tlsDUA
	}
	c.dua = dua
	dlg, err := dua.ReadInvite(req, tx)
	if err != nil {
		c.fail(err, "read invite")
		_ = tx.Respond(sip.NewResponseFromRequest(req, sip.StatusBadRequest, "Bad INVITE", nil))
		c.update(func(r *CallRecord) { r.FinalStatus = 400 })
		return
	}
	c.dlg = dlg
	defer dlg.Close()
	dialogID = dlg.ID
	s.table.addDialog(dialogID, c)

	ctx, cancel := mergeCtx(s.ctx, dlg.Context())
	defer cancel()
	c.ctx = ctx

	switch c.plan.Kind {
	case KindPerson, KindVoicemail:
		c.answering()
	default:
		c.refuse()
	}
}

// mergeCtx ends when either a or b ends (b's cause wins when both have).
func mergeCtx(a, b context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(a)
	stop := context.AfterFunc(b, func() { cancel(context.Cause(b)) })
	return ctx, func() { stop(); cancel(nil) }
}

func (c *call) fail(err error, what string) {
	c.log.Warn(what, zap.Error(err))
	c.update(func(r *CallRecord) {
		if r.Err == "" {
			r.Err = fmt.Sprintf("%s: %v", what, err)
		}
	})
}

// cancelled reports whether the dialer's CANCEL ended the ringing, and records it.
func (c *call) cancelled() bool {
	if !errors.Is(context.Cause(c.dlg.Context()), sip.ErrTransactionCanceled) {
		return false
	}
	c.update(func(r *CallRecord) { r.Cancelled, r.FinalStatus = true, sip.StatusRequestTerminated })
	return true
}

// endUnanswered finishes a call whose ringing ctx ended: a CANCEL (487, sent by
// the transaction layer), or Close (503).
func (c *call) endUnanswered() {
	if c.cancelled() {
		return
	}
	if c.dlg.Context().Err() != nil {
		// The transaction died without CANCEL (transport error, timeout).
		c.update(func(r *CallRecord) { r.Err = "invite transaction ended before a final response" })
		return
	}
	c.respondFinal(sip.StatusServiceUnavailable, "Simulator Closing")
}

func (c *call) respondFinal(status int, reason string) {
	if err := c.dlg.Respond(status, reason, nil); err != nil {
		if c.cancelled() {
			return
		}
		c.fail(err, "respond")
	}
	c.update(func(r *CallRecord) { r.FinalStatus = status })
}

// sleep waits d or until ctx ends; false when ctx ended.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// refuse plays the refusing kinds: optional ringing, then a final status.
func (c *call) refuse() {
	p := c.plan
	ring := p.Ring.D()
	if p.Kind == KindRingOut && ring == 0 {
		ring = p.MaxDuration.D() // rings "until CANCEL", within reason
	}
	if ring > 0 {
		if err := c.dlg.Respond(sip.StatusRinging, "Ringing", nil); err != nil {
			if !c.cancelled() {
				c.fail(err, "respond 180")
			}
			return
		}
		if !sleep(c.ctx, ring) {
			c.endUnanswered()
			return
		}
	}
	c.respondFinal(p.Status, reasonPhrase(p.Status))
}

func reasonPhrase(status int) string {
	switch status {
	case 404:
		return "Not Found"
	case 408:
		return "Request Timeout"
	case 480:
		return "Temporarily Unavailable"
	case 486:
		return "Busy Here"
	case 487:
		return "Request Terminated"
	case 503:
		return "Service Unavailable"
	case 600:
		return "Busy Everywhere"
	case 603:
		return "Decline"
	}
	return "Simulated"
}

// answering plays person and voicemail: SDP, ringing, 200 OK, then the script.
func (c *call) answering() {
	p := c.plan
	fault := p.AnswerSDP != AnswerNormal

	var answer []byte
	if !fault {
		body, err := c.setupMedia()
		if err != nil {
			status, reason := sip.StatusNotAcceptableHere, "Not Acceptable Here"
			if errors.Is(err, media.ErrPortsExhausted) {
				status, reason = sip.StatusServiceUnavailable, "Out Of RTP Ports"
			}
			c.fail(err, "media")
			c.respondFinal(status, reason)
			return
		}
		answer = body
	} else {
		answer = c.faultAnswer()
	}

	// Ringing.
	if wait := p.AnswerAfter.D(); wait > 0 {
		ringCtx, stopRing := context.WithTimeout(c.ctx, wait)
		var err error
		if p.EarlyMedia && c.sess != nil {
			err = c.dlg.Respond(sip.StatusSessionInProgress, "Session Progress", answer, sip.NewHeader("Content-Type", "application/sdp"))
			if err == nil {
				c.playRingback(ringCtx)
			}
			c.sess.StopPlayback()
		} else {
			err = c.dlg.Respond(sip.StatusRinging, "Ringing", nil)
		}
		<-ringCtx.Done()
		stopRing()
		if err != nil {
			if !c.cancelled() {
				c.fail(err, "respond ringing")
			}
			return
		}
	}
	if c.ctx.Err() != nil {
		c.endUnanswered()
		return
	}

	// Answer. RespondSDP returns once the ACK arrived (or after 64*T1).
	if err := c.dlg.RespondSDP(answer); err != nil {
		if c.cancelled() {
			return
		}
		c.fail(err, "answer")
		c.update(func(r *CallRecord) { r.FinalStatus = 200 })
		c.hangup()
		return
	}
	c.update(func(r *CallRecord) { r.FinalStatus, r.AnsweredAt = 200, time.Now() })
	c.log.Debug("answered")

	ctx, cancel := context.WithTimeout(c.ctx, p.MaxDuration.D())
	defer cancel()
	hangup := false
	switch {
	case fault:
		<-ctx.Done() // nothing to say to a dialer that cannot parse us
	case p.Kind == KindVoicemail:
		c.voicemail(ctx)
	default:
		hangup = c.converse(ctx)
	}
	c.drainDTMF()
	if hangup || c.dlg.Context().Err() == nil {
		// Our decision, max_duration, or Close: the far end hangs up.
		c.hangup()
	}
}

// hangup sends BYE from the simulator, detached from the call's context.
func (c *call) hangup() {
	if c.dlg.Context().Err() != nil {
		return // the dialer's BYE came first
	}
	c.setByeFrom(ByeSim)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	if err := c.dlg.Bye(ctx); err != nil {
		c.fail(err, "bye")
	}
}

// setupMedia answers the SDP offer, opens the RTP session and returns our answer.
func (c *call) setupMedia() ([]byte, error) {
	s := c.s
	offer := c.dlg.InviteRequest.Body()
	if len(offer) == 0 {
		return nil, errors.New("INVITE without SDP offer (late offer is not simulated)")
	}
	ep, err := s.plane.Endpoint()
	if err != nil {
		return nil, err
	}
	local := dialer.MediaOffer{
		Codecs:    s.prof.codecs,
		DTMFPT:    dialer.TelephoneEventPT,
		Direction: dialer.SendRecv,
		SessionID: rand.Uint64() >> 1,
		Version:   1,
	}
	local.Addr = ep.LocalAddr()
	local.SSRC = media.RandomSSRC()
	local.RTCPMux = true
	if !s.opts.NoSRTP {
		crypto := dialer.NewCrypto(1) // our key, should the offer carry SRTP
		local.Crypto = &crypto
	}
	local.ComfortNoise = c.plan.DTX == DTXCN
	body, neg, err := dialer.AnswerOffer(offer, local)
	if err != nil {
		ep.Close()
		return nil, err
	}
	listen := newListener(c.plan.SpeechRMS)
	var recorder *media.Recorder
	if s.opts.RecordDir != "" {
		path := filepath.Join(s.opts.RecordDir, safeFileName(c.rec.CallID)+".wav")
		recorder, err = media.NewRecorder(path)
		if err != nil {
			c.fail(err, "recorder")
			recorder = nil
		} else {
			c.update(func(r *CallRecord) { r.RecordingPath = path })
		}
	}
	sess, err := media.NewSession(media.SessionOptions{
		Endpoint:        ep,
		SSRC:            local.SSRC,
		Codec:           neg.Codec,
		DTMFPayloadType: neg.DTMFPT,
		Logger:          c.log,
		Recorder:        recorder,
		OnAudio:         listen.onAudio,
	})
	if err != nil {
		ep.Close()
		if recorder != nil {
			_ = recorder.Close()
		}
		return nil, err
	}
	c.recorder = recorder // closed after the session, in runCall's teardown
	if neg.SRTP != nil {
		if err := sess.SetSRTP(neg.SRTP.Local, neg.SRTP.Remote); err != nil {
			_ = sess.Close()
			return nil, err
		}
	}
	sess.SetRemote(neg.Remote)
	sess.SetRemoteSSRC(neg.RemoteSSRC)
	sess.SetRTCPMux(neg.RTCPMux)
	sess.SetHold(neg.Hold())
	switch {
	case c.plan.DTX == DTXCN && neg.ComfortNoise:
		sess.SetDTX(media.DTXOptions{Mode: media.DTXComfortNoise})
	case c.plan.DTX == DTXCN, c.plan.DTX == DTXSilent:
		sess.SetDTX(media.DTXOptions{Mode: media.DTXSilent})
	}
	sess.Start()
	c.mu.Lock() // other goroutines (records, in-dialog requests) read these
	c.sess, c.listen = sess, listen
	c.mu.Unlock()
	c.sdpMu.Lock()
	c.local = local
	c.local.Codecs = []media.Codec{neg.Codec}
	c.local.DTMFPT = neg.DTMFPT
	if neg.SRTP == nil {
		c.local.Crypto = nil // our re-offers stay plain, as the call is
	}
	c.local.SecureProfile = neg.SRTP != nil // and once encrypted, stay encrypted
	c.neg = neg
	c.sdpMu.Unlock()
	c.update(func(r *CallRecord) { r.SRTP = neg.SRTP != nil })
	return body, nil
}

// faultAnswer is the deliberately broken 200 OK body.
func (c *call) faultAnswer() []byte {
	if c.plan.AnswerSDP == AnswerGarbage {
		return []byte("this is not an SDP body\r\n")
	}
	// Only G.729: no codec in common with a G.711 dialer.
	body, err := dialer.MarshalSDP(dialer.MediaOffer{
		Addr:      netipAddrPort(c.s.addr.Addr(), 4000),
		Codecs:    []media.Codec{{Name: "G729", PayloadType: 18, ClockRate: 8000}},
		Direction: dialer.SendRecv,
		SessionID: 1, Version: 1,
	})
	if err != nil {
		return []byte("v=0\r\n")
	}
	return body
}

// playRingback loops a ringback tone until ctx ends.
func (c *call) playRingback(ctx context.Context) {
	for ctx.Err() == nil {
		if err := c.sess.Play(ctx, ringback().Source()); err != nil {
			return
		}
	}
}

var ringbackOnce = sync.OnceValue(func() *media.PCM {
	// North American ringback: 440 + 480 Hz, 2 s on, 4 s off.
	a := media.Tone(440, 2*time.Second, ringbackAmplitude)
	b := media.Tone(480, 2*time.Second, ringbackAmplitude)
	for i := range a.Samples {
		a.Samples[i] = a.Samples[i]/2 + b.Samples[i]/2
	}
	return media.Concat(a, media.Silence(4*time.Second))
})

func ringback() *media.PCM { return ringbackOnce() }

var beepOnce = sync.OnceValue(func() *media.PCM {
	return media.Tone(beepHz, DefaultBeep, beepAmplitude)
})

// voicemail plays the greeting and the beep, then "records" until BYE or the cap.
func (c *call) voicemail(ctx context.Context) {
	if err := c.sess.Play(ctx, c.plan.greeting.Source()); err != nil {
		return
	}
	if err := c.sess.Play(ctx, beepOnce().Source()); err != nil {
		return
	}
	for {
		select {
		case d, ok := <-c.sess.DTMF():
			if ok {
				c.addDigit(d.Digit)
				continue
			}
			<-ctx.Done()
			return
		case <-ctx.Done():
			return
		}
	}
}

// converse performs a person's turns; it reports whether the simulator should hang up.
func (c *call) converse(ctx context.Context) (hangup bool) {
	p := c.plan
	for i, t := range p.turns {
		var res waitResult
		if t.OverBot > 0 {
			res = c.listen.waitSpeechStart(ctx, t.OverBot.D(), p.MaxWait.D(), c.sess.DTMF(), c.addDigit)
		} else {
			res = c.listen.waitEndOfSpeech(ctx, p.EndOfSpeech.D(), p.MaxWait.D(), c.sess.DTMF(), c.addDigit)
		}
		if res == waitAborted {
			return false
		}
		log := c.log.With(zap.Int("turn", i))
		switch {
		case t.audio != nil:
			log.Debug("say", zap.String("wav", t.Say), zap.String("text", t.Text), zap.Bool("bot_silent", res == waitTimeout))
			start := time.Now()
			before := c.listen.lastSpeech.Load()
			stalls := c.sess.Stats().ClockStalls
			if err := c.sess.Play(ctx, t.audio.Source()); err != nil {
				return false
			}
			c.recordSpoken(i, start, t.onset, before, c.sess.Stats().ClockStalls-stalls)
		case t.DTMF != "":
			log.Debug("dtmf", zap.String("digits", t.DTMF))
			if err := c.sess.SendDTMF(ctx, t.DTMF, DefaultDTMFTone); err != nil {
				if ctx.Err() != nil {
					return false
				}
				c.fail(err, "send dtmf")
			}
		case t.Silence > 0:
			if !sleep(ctx, t.Silence.D()) {
				return false
			}
		case t.Hangup:
			log.Debug("hangup turn")
			c.update(func(r *CallRecord) { r.TurnsDone++ })
			return true
		case t.ReInvite != "":
			if err := c.sendReInvite(ctx, t.ReInvite); err != nil {
				if ctx.Err() != nil {
					return false
				}
				c.fail(err, "re-invite "+string(t.ReInvite))
			}
		}
		c.update(func(r *CallRecord) { r.TurnsDone++ })
	}
	if p.AfterTurns == AfterHangup {
		// Let the bot finish its reply before hanging up on it.
		if c.listen.waitEndOfSpeech(ctx, p.EndOfSpeech.D(), p.MaxWait.D(), c.sess.DTMF(), c.addDigit) == waitAborted {
			return false
		}
		return true
	}
	for {
		select {
		case d, ok := <-c.sess.DTMF():
			if ok {
				c.addDigit(d.Digit)
				continue
			}
			<-ctx.Done()
			return false
		case <-ctx.Done():
			return false // their BYE, or max_duration (the caller then hangs up)
		}
	}
}

// recordSpoken notes when turn i's speech reached the wire and the last bot
// speech heard after that (a bot that stops for barge-in goes quiet early).
func (c *call) recordSpoken(i int, start time.Time, onset time.Duration, before int64, stalls uint64) {
	tr := TurnRecord{Turn: i, SpeechAt: start.Add(onset), EndedAt: time.Now(), ClockStalls: stalls}
	if before != 0 {
		tr.BotSpeechBeforeAt = c.listen.base.Add(time.Duration(before))
	}
	if last := c.listen.lastSpeech.Load(); last != 0 {
		if at := c.listen.base.Add(time.Duration(last)); at.After(tr.SpeechAt) {
			tr.BotLastSpeechAt = at
		}
	}
	c.update(func(r *CallRecord) { r.Spoken = append(r.Spoken, tr) })
}

// safeFileName keeps a Call-ID usable as a file name.
func safeFileName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "call"
	}
	return b.String()
}
