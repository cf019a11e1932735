package sim

import (
	"context"
	"fmt"

	"github.com/voxdial/voxdial/dialer"
)

// StartLocal starts a simulator on loopback and returns it with the trunk "sim" that
// reaches it (caller ID +12125550000), for the demo and the benches; the caller closes
// the simulator.
func StartLocal(ctx context.Context, opts Options) (*Server, *dialer.Trunk, error) {
	far, err := New(opts)
	if err != nil {
		return nil, nil, fmt.Errorf("simulator: %w", err)
	}
	if err := far.Start(ctx); err != nil {
		return nil, nil, fmt.Errorf("simulator: %w", err)
	}
	trunk, err := dialer.ParseTrunk("sip:" + far.Addr().String())
	if err != nil {
		far.Close()
		return nil, nil, err
	}
	trunk.Name, trunk.CallerID = "sim", "+12125550000"
	return far, trunk, nil
}
