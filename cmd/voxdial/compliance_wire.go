package main

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/voxdial/voxdial/campaign"
	"github.com/voxdial/voxdial/compliance"
	"github.com/voxdial/voxdial/media"
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
	OptOuts    *compliance.OptOuts // nil without a gate
	// Transfers admits the voice bots' transfers against agents; Speak says the
	// abandonment message (the script host's speaker). Give both to the runner.
	Transfers *campaign.TransferDesk
	Speak     func(ctx context.Context, text string) (media.Source, error)
}

// startDNCFanout makes this node publish its opt-outs on Redis and apply the other nodes'
// at once (cluster mode); the 500 ms poll of the change log stays as the fallback. Call it
// before the runner starts.
func startDNCFanout(ctx context.Context, comp *runnerCompliance, rdb *redis.Client, channel string, log *zap.Logger) error {
	if comp.Store == nil {
		return nil
	}
	f := &compliance.RedisFanout{Client: rdb, Channel: channel, DNC: comp.Store.DNC}
	run, err := f.Subscribe(ctx, func(err error) { log.Warn("do-not-call fan-out", zap.Error(err)) })
	if err != nil {
		return err
	}
	go run()
	comp.OptOuts.Fanout = f
	log.Info("opt-outs fan out through redis pub/sub", zap.String("channel", channel))
	return nil
}

// wireCompliance builds the real gate over the store (every decision audited), starts the
// do-not-call refresher until ctx ends, and a script host whose `action: opt_out` lists the
// number on the seller's internal DNC list and revokes its consents at once. noGate runs
// without any check (AllowAllGate, logged loudly). now is the runner's clock; onSynth
// (may be nil) gets the script host's prompt syntheses (metrics). recent (may be nil) adds
// the cluster's attempts that the store does not show yet to the gate's history.
func wireCompliance(ctx context.Context, db *store.DB, noGate bool, log *zap.Logger, now func() time.Time, onSynth func(time.Duration, error),
	recent compliance.RecentAttempts) (*runnerCompliance, error) {
	desk := campaign.NewTransferDesk()
	if noGate {
		host := live.NewHost(live.Options{Logger: log.Named("script"), OnSynthesize: onSynth, Transfers: func(id string) live.TransferAdmitter { return desk.For(id) }})
		return &runnerCompliance{Gate: &campaign.AllowAllGate{Logger: log},
			LoadScript: func(p string) (campaign.Script, error) { return host.Load(p) },
			Transfers:  desk, Speak: host.SpeakText}, nil
	}
	sg, err := compliance.NewStoreGate(ctx, db, compliance.StoreSourceOptions{Recent: recent})
	if err != nil {
		return nil, err
	}
	go sg.DNC.Run(ctx, dncRefresh, func(err error) { log.Warn("do-not-call refresh", zap.Error(err)) })
	optOuts := &compliance.OptOuts{DB: db, DNC: sg.DNC, Now: now}
	host := live.NewHost(live.Options{Logger: log.Named("script"), OnSynthesize: onSynth, Transfers: func(id string) live.TransferAdmitter { return desk.For(id) },
		OptOut: func(callID, to string) voicebot.OptOuter { return optOuts.For(callID, to) }})
	return &runnerCompliance{
		Gate: &campaign.ComplianceGate{Gate: sg.Gate, Audit: &compliance.AuditBatcher{Audit: sg.Audit},
			DebtIDs: func(ctx context.Context, id int64) ([]string, error) {
				return db.ContactDebtIDs(ctx, &store.ContactDebtIDsParams{ContactID: id})
			}},
		LoadScript: func(p string) (campaign.Script, error) { return host.Load(p) },
		Store:      sg,
		OptOuts:    optOuts,
		Transfers:  desk,
		Speak:      host.SpeakText,
	}, nil
}
