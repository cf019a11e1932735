package main

import (
	"context"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/voxdial/voxdial/campaign"
	"github.com/voxdial/voxdial/dashboard"
	"github.com/voxdial/voxdial/dashboard/webhook"
	"github.com/voxdial/voxdial/internal/safehttp"
	"github.com/voxdial/voxdial/store"
)

// nodeMetrics is what a runner reports to the dashboard in the same
// process: set by startHTTP, nil without --http.
type nodeMetrics struct {
	m *dashboard.Metrics
}

// onAttempt is the runner's OnAttempt: this node's attempts in /metrics.
func (n *nodeMetrics) onAttempt() func(campaign.AttemptReport) {
	if n == nil || n.m == nil {
		return nil
	}
	return n.m.ObserveAttempt
}

// onPace is the runner's OnPace: pacing gauges in /metrics.
func (n *nodeMetrics) onPace() func(campaign.PaceReport) {
	if n == nil || n.m == nil {
		return nil
	}
	return n.m.ObservePace
}

// onSynthesize is the script host's OnSynthesize: prompt syntheses in /metrics.
func (n *nodeMetrics) onSynthesize() func(time.Duration, error) {
	if n == nil || n.m == nil {
		return nil
	}
	return n.m.ObserveSynthesis
}

// startWebhooks runs the webhook dispatcher of this node (every node runs
// one; leases keep them from sending a delivery twice) until the returned
// function is called. Pending deliveries survive a stop in the database.
func startWebhooks(ctx context.Context, db *store.DB, n *nodeMetrics, outbound *safehttp.Policy, log *zap.Logger) (func(), error) {
	opts := webhook.Options{Store: db, Policy: outbound, Logger: log}
	if n != nil && n.m != nil {
		opts.OnTry = n.m.ObserveWebhookTry
	}
	d, err := webhook.New(opts)
	if err != nil {
		return nil, err
	}
	// Deliveries go on while the runner drains: stop only when told.
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		d.Run(wctx)
	}()
	return func() { cancel(); wg.Wait() }, nil
}
