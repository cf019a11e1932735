package dialer

import (
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

// TestCloseWaitsForServedRequests: Close returns only once the far end's requests
// being served are done (a BYE served after `voxdial call` returned wrote to its log,
// racing with the caller reading it), and a request arriving after that is turned
// away without its handler running.
func TestCloseWaitsForServedRequests(t *testing.T) {
	t.Parallel()
	u, err := NewUA(Options{})
	if err != nil {
		t.Fatal(err)
	}
	entered, release := make(chan struct{}), make(chan struct{})
	ran := 0
	h := u.served(func(*sip.Request, sip.ServerTransaction) {
		ran++
		if ran == 1 {
			close(entered)
			<-release
		}
	})
	go h(nil, nil)
	<-entered
	closed := make(chan struct{})
	go func() {
		_ = u.Close()
		close(closed)
	}()
	select {
	case <-closed:
		t.Fatal("Close returned while a request was being served")
	case <-time.After(200 * time.Millisecond):
	}
	close(release)
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return once the request was served")
	}
	h(nil, nil)
	if ran != 1 {
		t.Fatalf("handler ran %d times, want once: a request after Close was served", ran)
	}
}
