package dialer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"
	"go.uber.org/zap"
)

// Transfer errors callers branch on.
var (
	// ErrReferRefused: the far end answered REFER with a failure (or not at all).
	ErrReferRefused = errors.New("refer refused")
	// ErrBridgeFailed: the new leg of a bridge was not answered.
	ErrBridgeFailed = errors.New("bridge leg not answered")
	// ErrNotUp: the call is not answered (or has ended).
	ErrNotUp = errors.New("call not up")
)

// Refer asks the far end to call target itself: a blind transfer (RFC 3515). It
// returns nil once the far end accepted the REFER (2xx); the far end then leaves our
// dialog with a BYE of its own, or the caller hangs up. Any other answer, or none
// before ctx ends, is ErrReferRefused.
func (c *Call) Refer(ctx context.Context, target string) error {
	if c.dlg == nil || c.dlg.LoadState() != sip.DialogStateConfirmed {
		return fmt.Errorf("refer %s: %w", c.sipCallID, ErrNotUp)
	}
	uri, err := c.trunk.requestURI(target)
	if err != nil {
		return fmt.Errorf("refer: %w", err)
	}
	recipient := c.dlg.InviteRequest.Recipient
	if ch := c.dlg.InviteResponse.Contact(); ch != nil {
		recipient = ch.Address
	}
	req := sip.NewRequest(sip.REFER, recipient)
	req.SetDestination(c.dlg.InviteRequest.Destination())
	req.AppendHeader(sip.NewHeader("Refer-To", "<"+uri.String()+">"))
	req.AppendHeader(sip.NewHeader("Referred-By", "<"+c.dlg.InviteRequest.From().Address.String()+">"))
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	res, err := c.dlg.Do(rctx, req)
	if err != nil {
		return fmt.Errorf("refer %s: %w: %v", uri.String(), ErrReferRefused, err)
	}
	if !res.IsSuccess() {
		return fmt.Errorf("refer %s: %w: %d %s", uri.String(), ErrReferRefused, res.StatusCode, res.Reason)
	}
	c.log.Info("refer accepted", zap.String("target", uri.String()), zap.Int("status", res.StatusCode))
	return nil
}

// Relay carries one leg's audio into another leg's playback: Write it from a
// DialRequest.OnAudio callback, play it with Session.Play. It holds at most one second;
// when the reader falls behind the oldest audio is dropped. ReadFrame never blocks: an
// empty relay reads as silence until Close, then io.EOF.
type Relay struct {
	mu     sync.Mutex
	buf    []int16
	closed bool
}

const relayMax = 8000 // one second at 8 kHz

// NewRelay returns an empty relay.
func NewRelay() *Relay { return &Relay{} }

// Write appends audio (copied).
func (r *Relay) Write(pcm []int16) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	r.buf = append(r.buf, pcm...)
	if over := len(r.buf) - relayMax; over > 0 {
		r.buf = append(r.buf[:0], r.buf[over:]...)
	}
}

// ReadFrame implements media.Source.
func (r *Relay) ReadFrame(dst []int16) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.buf) == 0 {
		if r.closed {
			return 0, io.EOF
		}
		return 0, nil
	}
	n := copy(dst, r.buf)
	r.buf = append(r.buf[:0], r.buf[n:]...)
	return n, nil
}

// Close ends the relay: readers see io.EOF once it is drained.
func (r *Relay) Close() {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
}

// Bridge places a new call to target through c's trunk and connects the two legs:
// fromC (which the caller feeds with c's far-end audio, from c's OnAudio) plays to the
// new leg, and the new leg's audio plays to c. It returns the new leg once it answered;
// a leg that is not answered is ErrBridgeFailed. The bridge lasts until either leg
// ends; then the other is hung up too.
func (c *Call) Bridge(ctx context.Context, target string, fromC *Relay) (*Call, error) {
	select {
	case <-c.done:
		return nil, fmt.Errorf("bridge %s: %w", c.sipCallID, ErrNotUp)
	default:
	}
	toC := NewRelay()
	b, err := c.ua.Dial(ctx, DialRequest{
		Trunk: c.trunk, To: target, Logger: c.log.With(zap.String("bridge_to", target)),
		OnAudio: func(pcm []int16, _ time.Duration) { toC.Write(pcm) },
	})
	if err != nil {
		return nil, fmt.Errorf("bridge: %w", err)
	}
	if !b.Answered() {
		<-b.Done()
		res := b.Result()
		return nil, fmt.Errorf("bridge to %s: %w: %s %d", target, ErrBridgeFailed, res.Outcome, res.SIPStatus)
	}
	c.sess.StopPlayback()
	detached := context.WithoutCancel(ctx)
	go func() { _ = c.sess.Play(detached, toC) }()
	go func() { _ = b.sess.Play(detached, fromC) }()
	go func() {
		select {
		case <-c.done:
			_ = b.Hangup(detached)
		case <-b.done:
			_ = c.Hangup(detached)
		}
		toC.Close()
		fromC.Close()
	}()
	c.log.Info("bridged", zap.String("target", target), zap.String("bridge_call_id", b.ID()))
	return b, nil
}
