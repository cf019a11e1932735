// Package simtest starts the callee simulator for other packages' tests.
package simtest

import (
	"context"
	"strings"
	"testing"

	"github.com/voxdial/voxdial/sim"
)

// Start runs a simulator with the YAML profile (name is used in its errors) on a
// loopback port and closes it when the test ends.
func Start(t testing.TB, name, profile string) *sim.Server {
	t.Helper()
	prof, err := sim.ParseProfile(strings.NewReader(profile), name)
	if err != nil {
		t.Fatal(err)
	}
	far, err := sim.New(sim.Options{Profile: prof})
	if err != nil {
		t.Fatal(err)
	}
	if err := far.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { far.Close() })
	return far
}
