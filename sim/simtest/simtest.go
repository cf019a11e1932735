// Package simtest starts the callee simulator for other packages' tests.
package simtest

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

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

// CheckNoOverlap fails the test when the simulator had two dialogs with one number at
// once (a contact dialled twice concurrently); it returns the calls grouped by number, each
// group in start order.
func CheckNoOverlap(t testing.TB, calls []sim.CallRecord) map[string][]sim.CallRecord {
	t.Helper()
	byNumber := map[string][]sim.CallRecord{}
	for _, cr := range calls {
		byNumber[cr.To] = append(byNumber[cr.To], cr)
	}
	for num, crs := range byNumber {
		sort.Slice(crs, func(i, j int) bool { return crs[i].StartedAt.Before(crs[j].StartedAt) })
		for i := 1; i < len(crs); i++ {
			if crs[i].StartedAt.Before(crs[i-1].EndedAt) {
				t.Fatalf("%s dialled twice at once: %s–%s and from %s", num, crs[i-1].StartedAt.Format(time.StampMilli),
					crs[i-1].EndedAt.Format(time.StampMilli), crs[i].StartedAt.Format(time.StampMilli))
			}
		}
	}
	return byNumber
}
