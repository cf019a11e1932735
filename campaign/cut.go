package campaign

import (
	"context"
	"sync/atomic"

	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/outcome"
)

// OutcomeCut is a call the runner itself ended at its drain deadline (SIGTERM): the call
// was up, or still ringing, when this node had to stop. It is not the callee's outcome, so
// it is retried (DefaultRetryPolicy: 5 minutes), never taken as completed.
const OutcomeCut = outcome.Cut

// cutWatch notes whether the call was still going when the call context (the drain
// deadline) ended.
type cutWatch struct {
	cut  atomic.Bool
	stop func() bool
}

func watchCut(ctx context.Context, call *dialer.Call) *cutWatch {
	w := &cutWatch{}
	w.stop = context.AfterFunc(ctx, func() {
		select {
		case <-call.Done():
		default:
			w.cut.Store(true)
		}
	})
	return w
}

// mark says the drain ended the call (the runner saw it stop the script, or found the
// call still up at the deadline).
func (w *cutWatch) mark() { w.cut.Store(true) }

// result is the call's result, its outcome cut when the drain ended it.
func (w *cutWatch) result(res dialer.Result) dialer.Result {
	if w.cut.Load() {
		// A disposition the script already set stays: a terminal one (opted_out) is final
		// whatever the outcome.
		res.Outcome = OutcomeCut
		if res.Reason == "" {
			res.Reason = "hung up by this node's drain deadline"
		}
	}
	return res
}
