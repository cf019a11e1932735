package dialer_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/internal/sipptest"
)

// TestCallerIDInFrom: the request's caller ID, else the trunk's, else
// "voxdial", is the From user SIPp receives; a malformed one is refused
// before anything is sent.
func TestCallerIDInFrom(t *testing.T) {
	tests := []struct {
		name       string
		trunkID    string
		requestID  string
		wantFrom   string
		wantDialEr bool
	}{
		{name: "per-call caller ID wins", trunkID: "+12125550000", requestID: "+13125550199", wantFrom: "+13125550199"},
		{name: "trunk caller ID", trunkID: "+12125550000", wantFrom: "+12125550000"},
		{name: "neither", wantFrom: "voxdial"},
		{name: "malformed", requestID: "+1 312 555", wantDialEr: true},
		{name: "header injection", requestID: "x>;tag=1", wantDialEr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ua := newTestUA(t, dialer.Options{})
			if tc.wantDialEr {
				trunk, _ := dialer.ParseTrunk("sip:127.0.0.1:9")
				if _, err := ua.Dial(context.Background(), dialer.DialRequest{Trunk: trunk, To: "+14155550102", CallerID: tc.requestID}); err == nil ||
					!strings.Contains(err.Error(), "caller ID") {
					t.Fatalf("Dial with caller ID %q: %v, want an error naming the caller ID", tc.requestID, err)
				}
				return
			}
			peer := sipptest.Start(t, filepath.Join("testdata", "sipp", "uas_busy.xml"))
			trunk, _ := dialer.ParseTrunk("sip:" + peer.Addr)
			trunk.CallerID = tc.trunkID
			call, err := ua.Dial(context.Background(), dialer.DialRequest{Trunk: trunk, To: "+14155550102",
				CallerID: tc.requestID, RingTimeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			<-call.Done()
			peer.Wait()
			var from string
			for _, l := range strings.Split(peer.Messages(), "\n") {
				if l = strings.TrimSpace(l); strings.HasPrefix(l, "From:") && from == "" {
					from = l
				}
			}
			if !strings.Contains(from, "<sip:"+tc.wantFrom+"@") {
				t.Fatalf("SIPp saw %q, want the From user %s", from, tc.wantFrom)
			}
		})
	}
}
