package dialer

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
	"go.uber.org/zap"
)

// PingResult is the answer to one OPTIONS keep-alive.
type PingResult struct {
	Status int
	Reason string
	RTT    time.Duration
}

// Ping sends one OPTIONS to the trunk and waits for its final answer. Any
// final response, even 404 or 405, proves the trunk is alive (RFC 3261 §11).
func (u *UA) Ping(ctx context.Context, t *Trunk) (PingResult, error) {
	if t.uri.Host == "" {
		if err := t.Validate(); err != nil {
			return PingResult{}, err
		}
	}
	req := sip.NewRequest(sip.OPTIONS, t.uri)
	req.SetTransport(strings.ToUpper(t.Transport))
	req.AppendHeader(sip.NewHeader("User-Agent", u.opts.UserAgent))
	du := u.transport(t)
	start := time.Now()
	res, err := du.cli.Do(ctx, req)
	if err != nil {
		return PingResult{}, fmt.Errorf("options to trunk %q (%s): %w", t.Name, t.Host(), err)
	}
	return PingResult{Status: res.StatusCode, Reason: res.Reason, RTT: time.Since(start)}, nil
}

// KeepAlive pings the trunk every OptionsInterval until ctx ends, calling
// report after each ping (healthy or not). It returns at once when the
// trunk's keep-alive is switched off (negative interval).
func (u *UA) KeepAlive(ctx context.Context, t *Trunk, report func(PingResult, error)) {
	every := t.OptionsInterval
	if every < 0 {
		return
	}
	if every == 0 {
		every = 30 * time.Second
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		pctx, cancel := context.WithTimeout(ctx, min(every, 32*time.Second))
		r, err := u.Ping(pctx, t)
		cancel()
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			u.log.Warn("trunk keep-alive failed", zap.String("trunk", t.Name), zap.Error(err))
		}
		if report != nil {
			report(r, err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
