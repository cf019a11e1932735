package dashboard_test

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/voxdial/voxdial/dashboard"
	"github.com/voxdial/voxdial/livefeed"
	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
)

// With a feed, events reach the live view at once (the poll is an hour apart here); the
// poll then brings only what the feed missed, and no event is shown or counted twice.
func TestLiveFeed(t *testing.T) {
	t.Parallel()
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		feed := livefeed.NewLocal(livefeed.Options{})
		db.OnCallEvent(feed.Publish)
		srv, err := dashboard.New(dashboard.Options{Store: db, Feed: feed, Poll: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { srv.Run(ctx); close(done) }()
		defer func() { cancel(); <-done }()
		ch, unsub := srv.Live.Subscribe(0)
		defer unsub()
		c, err := db.CampaignCreate(ctx, &store.CampaignCreateParams{Name: "feed"})
		if err != nil {
			t.Fatal(err)
		}
		appendEvent := func(typ string) {
			t.Helper()
			if err := db.CallEventAppend(ctx, &store.CallEventAppendParams{CampaignID: c.ID, Type: typ, Data: map[string]string{"k": typ}}); err != nil {
				t.Fatal(err)
			}
		}
		next := func() dashboard.Event {
			t.Helper()
			select {
			case e := <-ch:
				return e
			case <-time.After(10 * time.Second):
				t.Fatal("no live event within 10 s")
			}
			return dashboard.Event{}
		}
		// The feed is subscribed when Run has started: probe until an event comes through.
		probes := 0
		for arrived := false; !arrived; {
			appendEvent("probe")
			probes++
			select {
			case <-ch:
				arrived = true
			case <-time.After(100 * time.Millisecond):
				if probes > 100 {
					t.Fatal("the feed never delivered")
				}
			}
		}
		for len(ch) > 0 { // late probes
			<-ch
		}
		types := []string{"attempt_started", "gate_hold", "attempt_finished"}
		for _, typ := range types {
			appendEvent(typ)
		}
		var ids []int64
		for _, typ := range types {
			if e := next(); e.Type != typ || e.CampaignID != c.ID || string(e.Data) != `{"k":"`+typ+`"}` {
				t.Fatalf("event %+v (data %s), want a %s", e, e.Data, typ)
			} else {
				ids = append(ids, e.ID)
			}
		}
		// The poll reads them again: nothing shown twice.
		if err := srv.Live.Poll(ctx); err != nil {
			t.Fatal(err)
		}
		if len(ch) != 0 {
			t.Fatalf("the poll showed %d events the feed had brought", len(ch))
		}
		// An event the feed missed arrives by the poll.
		db.OnCallEvent(nil)
		appendEvent("contact_finished")
		db.OnCallEvent(feed.Publish)
		if err := srv.Live.Poll(ctx); err != nil {
			t.Fatal(err)
		}
		if e := next(); e.Type != "contact_finished" || e.ID <= ids[2] {
			t.Fatalf("catch-up event %+v", e)
		}
		ts := httptest.NewServer(srv.Handler())
		defer ts.Close()
		res, err := ts.Client().Get(ts.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		for _, w := range []string{`voxdial_live_events_received_total{source="poll"} 1`, `voxdial_dashboard_events_total`} {
			if !strings.Contains(string(body), w) {
				t.Errorf("/metrics lacks %q", w)
			}
		}
		var feedCount, observed int
		for _, line := range strings.Split(string(body), "\n") {
			if v, ok := strings.CutPrefix(line, `voxdial_live_events_received_total{source="feed"} `); ok {
				feedCount = atoiT(t, v)
			}
			if v, ok := strings.CutPrefix(line, `voxdial_dashboard_events_total `); ok {
				observed = atoiT(t, v)
			}
		}
		if feedCount < 3+1 || feedCount > 3+probes {
			t.Fatalf("feed delivered %d events; 3 and between 1 and %d probes were appended", feedCount, probes)
		}
		if observed != feedCount+1 {
			t.Fatalf("%d events counted, %d delivered (feed and poll): some counted twice or not at all", observed, feedCount+1)
		}
	})
}

func atoiT(t *testing.T, s string) int {
	t.Helper()
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			t.Fatalf("not a count: %q", s)
		}
		n = n*10 + int(c-'0')
	}
	return n
}
