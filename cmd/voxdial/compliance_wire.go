package main

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/voxdial/voxdial/campaign"
	"github.com/voxdial/voxdial/compliance"
	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/voicebot"
	"github.com/voxdial/voxdial/voicebot/live"
)

// dncRefresh is how often a node applies other nodes' do-not-call changes (opt-outs
// included): the issue asks every node to refuse an opted-out number within 1 s.
const dncRefresh = 500 * time.Millisecond

// runnerCompliance is what `serve` and `demo` give the campaign runner: the gate, a script
// loader whose voice bots record opt-outs, and the store gate itself (nil without one).
type runnerCompliance struct {
	Gate       campaign.Gate
	LoadScript func(path string) (campaign.Script, error)
	Store      *compliance.StoreGate
}

// wireCompliance builds the real gate over the store (every decision audited), starts the
// do-not-call refresher until ctx ends, and a script host whose `action: opt_out` lists the
// number on the seller's internal DNC list and revokes its consents at once. noGate runs
// without any check (AllowAllGate, logged loudly). now is the runner's clock.
func wireCompliance(ctx context.Context, db *store.DB, noGate bool, log *zap.Logger, now func() time.Time) (*runnerCompliance, error) {
	if noGate {
		host := live.NewHost(live.Options{Logger: log.Named("script")})
		return &runnerCompliance{Gate: &campaign.AllowAllGate{Logger: log},
			LoadScript: func(p string) (campaign.Script, error) { return host.Load(p) }}, nil
	}
	sg, err := compliance.NewStoreGate(ctx, db, compliance.StoreSourceOptions{})
	if err != nil {
		return nil, err
	}
	go sg.DNC.Run(ctx, dncRefresh, func(err error) { log.Warn("do-not-call refresh", zap.Error(err)) })
	optOuts := &compliance.OptOuts{DB: db, DNC: sg.DNC, Now: now}
	host := live.NewHost(live.Options{Logger: log.Named("script"),
		OptOut: func(callID, to string) voicebot.OptOuter { return optOuts.For(callID, to) }})
	return &runnerCompliance{
		Gate:       &campaign.ComplianceGate{Gate: sg.Gate, Audit: sg.Audit},
		LoadScript: func(p string) (campaign.Script, error) { return host.Load(p) },
		Store:      sg,
	}, nil
}
