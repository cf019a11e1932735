package dialer

import (
	"errors"
	"testing"
)

func TestTrunkMaxChannels(t *testing.T) {
	t.Parallel()
	tr, _ := ParseTrunk("sip:127.0.0.1:5060")
	tr.MaxChannels = 1
	rel, err := tr.acquire()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.acquire(); !errors.Is(err, ErrTrunkBusy) {
		t.Fatalf("second acquire = %v, want ErrTrunkBusy", err)
	}
	rel()
	rel() // idempotent
	if tr.Active() != 0 {
		t.Fatalf("active %d after release", tr.Active())
	}
}
