package campaign

import (
	"context"
	"errors"
	"strconv"
	"time"

	"go.uber.org/zap"

	"github.com/voxdial/voxdial/compliance"
	"github.com/voxdial/voxdial/numbers"
	"github.com/voxdial/voxdial/outcome"
)

// NumberGuard keeps one call per number at a time across every campaign and node, and logs
// the attempts on each number where every node's compliance gate sees them at once
// (numbers.Guard: in process, or in Redis for a cluster).
type NumberGuard interface {
	// Lock takes the number for one call: numbers.ErrBusy when another call has it.
	Lock(ctx context.Context, number, owner string) (*numbers.Lock, error)
}

// lockNumber takes the contact's number for this call, right before the gate's last word.
// false: the contact was rescheduled (another call has the number; or the guard failed,
// and no call is placed without it), finished (not a number), or given back (draining).
func (a *attempt) lockNumber() (*numbers.Lock, bool) {
	r, ctx, ct, log, reschedule, finish, release := a.r, a.leaseCtx, a.ct, a.log, a.reschedule, a.finish, a.release
	l, err := r.opts.Numbers.Lock(ctx, ct.Phone, r.opts.Holder)
	switch {
	case err == nil:
		return l, true
	case errors.Is(err, numbers.ErrBusy):
		log.Debug("number busy: another call has it", zap.Duration("retry_in", r.opts.NumberBusyRetry))
		reschedule(r.opts.Now().Add(r.opts.NumberBusyRetry), outcome.NumberBusy)
	case ctx.Err() != nil:
		release()
	case errors.Is(err, numbers.ErrInvalidNumber):
		finish("invalid_number", outcome.InvalidNumber, "not an E.164 number")
	default:
		log.Error("number guard failed: not calling (fail closed)", zap.Error(err))
		r.sharedDown("number guard", err)
		reschedule(r.opts.Now().Add(r.opts.NumberErrorRetry), outcome.NumberError)
	}
	return nil, false
}

// recordNumber logs the attempt on the locked number before its store record and INVITE;
// false: the contact was rescheduled or given back, and no call may be placed.
func (a *attempt) recordNumber(at time.Time) bool {
	r, ctx, l, p, callID, callerID, log, reschedule, release := a.r, a.leaseCtx, a.lock, a.p, a.callID, a.callerID, a.log, a.reschedule, a.release
	err := l.Record(ctx, numbers.Attempt{CallID: callID, At: at, Campaign: strconv.FormatInt(p.ID, 10),
		Seller: p.Seller, CallerID: callerID})
	switch {
	case err == nil:
		return true
	case ctx.Err() != nil:
		release()
	case errors.Is(err, numbers.ErrLockLost):
		log.Warn("number lock lost before the call: not calling", zap.Error(err))
		reschedule(r.opts.Now().Add(r.opts.NumberBusyRetry), outcome.NumberBusy)
	default:
		log.Error("number guard failed: not calling (fail closed)", zap.Error(err))
		r.sharedDown("number guard", err)
		reschedule(r.opts.Now().Add(r.opts.NumberErrorRetry), outcome.NumberError)
	}
	return false
}

// NumberHistory shows a numbers.Guard's attempt log to the compliance gate
// (compliance.StoreSourceOptions.Recent), so that its frequency caps count the attempts
// of every node at once.
type NumberHistory struct {
	Guard *numbers.Guard
}

// RecentAttempts implements compliance.RecentAttempts.
func (h NumberHistory) RecentAttempts(ctx context.Context, number uint64, since, until time.Time, buf []compliance.RecentAttempt) ([]compliance.RecentAttempt, error) {
	as, err := h.Guard.Attempts(ctx, compliance.FormatNumber(number), since, until, nil)
	if err != nil {
		return buf, err
	}
	for _, a := range as {
		buf = append(buf, compliance.RecentAttempt{CallID: a.CallID, At: a.At, Campaign: a.Campaign, Seller: a.Seller, CallerID: a.CallerID})
	}
	return buf, nil
}
