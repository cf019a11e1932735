package campaign

import "github.com/voxdial/voxdial/voicebot/live"

// withScriptHost gives a runner under test the script host a node gives it (a
// live.Host wired to the runner's transfer desk) unless the test brought its own.
func withScriptHost(opts *RunnerOptions) {
	if opts.LoadScript != nil {
		return
	}
	if opts.Transfers == nil {
		opts.Transfers = NewTransferDesk()
	}
	desk := opts.Transfers
	host := live.NewHost(live.Options{Logger: opts.Logger, Transfers: func(id string) live.TransferAdmitter { return desk.For(id) }})
	opts.LoadScript = func(path string) (Script, error) { return host.Load(path) }
	if opts.Speak == nil {
		opts.Speak = host.SpeakText
	}
}
