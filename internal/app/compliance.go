package app

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/voxdial/voxdial/campaign"
	"github.com/voxdial/voxdial/compliance"
	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/voicebot"
	"github.com/voxdial/voxdial/voicebot/live"
)

// DNCRefresh is how often a node applies other nodes' do-not-call changes
// (opt-outs included): every node refuses an opted-out number within 1 s.
const DNCRefresh = 500 * time.Millisecond

// Compliance is what a node gives its campaign runner: the gate, a script
// loader whose voice bots record opt-outs, and the store gate itself (nil
// without one).
type Compliance struct {
	Gate       campaign.Gate
	LoadScript func(path string) (campaign.Script, error)
	Store      *compliance.StoreGate
	OptOuts    *compliance.OptOuts // nil without a gate
	// Transfers admits the voice bots' transfers against agents; Speak says the
	// abandonment message (the script host's speaker). Give both to the runner.
	Transfers *campaign.TransferDesk
	Speak     func(ctx context.Context, text string) (media.Source, error)
	// Host is the script host the loader loads into.
	Host *live.Host
}

// RunDNCRefresh applies other nodes' do-not-call changes every DNCRefresh
// until ctx ends (nothing to do without a gate).
func (c *Compliance) RunDNCRefresh(ctx context.Context, log *zap.Logger) {
	if c.Store == nil {
		return
	}
	c.Store.DNC.Run(ctx, DNCRefresh, func(err error) { log.Warn("do-not-call refresh", zap.Error(err)) })
}

// WireCompliance builds the real gate over the store (every decision audited)
// and a script host (from newHost, given the host options the gate needs)
// whose `action: opt_out` lists the number on the seller's internal DNC list
// and revokes its consents at once. noGate runs without any check
// (AllowAllGate, logged loudly). now is the runner's clock; recent (may be
// nil) adds the cluster's attempts that the store does not show yet to the
// gate's history. Run RunDNCRefresh beside the runner.
func WireCompliance(ctx context.Context, db *store.DB, noGate bool, log *zap.Logger, now func() time.Time,
	recent compliance.RecentAttempts, hostOpts live.Options, newHost func(live.Options) (*live.Host, error)) (*Compliance, error) {
	if newHost == nil {
		newHost = func(o live.Options) (*live.Host, error) { return live.NewHost(o), nil }
	}
	desk := campaign.NewTransferDesk()
	hostOpts.Transfers = func(id string) live.TransferAdmitter { return desk.For(id) }
	if noGate {
		host, err := newHost(hostOpts)
		if err != nil {
			return nil, err
		}
		return &Compliance{Gate: &campaign.AllowAllGate{Logger: log},
			LoadScript: func(p string) (campaign.Script, error) { return host.Load(p) },
			Transfers:  desk, Speak: host.SpeakText, Host: host}, nil
	}
	sg, err := compliance.NewStoreGate(ctx, db, compliance.StoreSourceOptions{Recent: recent, Now: now})
	if err != nil {
		return nil, err
	}
	optOuts := &compliance.OptOuts{DB: db, DNC: sg.DNC, Now: now}
	hostOpts.OptOut = func(callID, to string) voicebot.OptOuter { return optOuts.For(callID, to) }
	host, err := newHost(hostOpts)
	if err != nil {
		return nil, err
	}
	return &Compliance{
		Gate: &campaign.ComplianceGate{Gate: sg.Gate, Audit: &compliance.AuditBatcher{Audit: sg.Audit},
			DebtIDs: func(ctx context.Context, id int64) ([]string, error) {
				return db.ContactDebtIDs(ctx, &store.ContactDebtIDsParams{ContactID: id})
			}},
		LoadScript: func(p string) (campaign.Script, error) { return host.Load(p) },
		Store:      sg,
		OptOuts:    optOuts,
		Transfers:  desk,
		Speak:      host.SpeakText,
		Host:       host,
	}, nil
}
