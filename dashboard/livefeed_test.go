package dashboard_test

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/voxdial/voxdial/campaign"
	"github.com/voxdial/voxdial/dashboard"
	"github.com/voxdial/voxdial/internal/redistest"
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
		// Run's first poll must be over before the test's events: one it made while they
		// were appended would bring them before the feed (as the poll's copies).
		select {
		case <-srv.Live.Ready():
		case <-time.After(30 * time.Second):
			t.Fatal("the live tail never became ready")
		}
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

// A call event node B's store writes (its runner's attempt started, then finished) reaches
// node A's live view through Redis — node A's poll is an hour apart, so nothing else can
// bring it.
func TestLiveFeedAcrossNodes(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	url := storetest.PostgresURL(t)
	open := func() *store.DB {
		db, err := store.Open(ctx, url, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	dbA, dbB := open(), open()
	rdb := redistest.Connect(t)
	channel := storetest.UniqueName("voxdial_test_events")
	feedA := livefeed.NewRedis(rdb, livefeed.RedisOptions{Channel: channel})
	feedB := livefeed.NewRedis(rdb, livefeed.RedisOptions{Channel: channel})
	go feedB.Run(ctx)
	dbB.OnCallEvent(feedB.Publish)

	srvA, err := dashboard.New(dashboard.Options{Store: dbA, Feed: feedA, Poll: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { srvA.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	ch, unsub := srvA.Live.Subscribe(0)
	defer unsub()

	c, err := campaign.Create(ctx, dbB, campaign.CreateParams{Name: "across", Script: "asset:hello.yaml", Trunk: "sip:127.0.0.1:5060"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := campaign.Import(ctx, dbB, strings.NewReader("phone\n+14155550100\n"), campaign.ImportOptions{Campaign: c, File: "c.csv"}); err != nil {
		t.Fatal(err)
	}
	leased, err := dbB.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: c.ID, Holder: "node-b", Limit: 1, LeaseFor: time.Minute})
	if err != nil || len(leased) != 1 {
		t.Fatal(leased, err)
	}
	// Node A subscribes when its Run starts: node B's first event may precede it. Wait for
	// the subscription by an event of B's that A must see (a probe).
	for probes := 0; ; probes++ {
		if err := dbB.CallEventAppend(ctx, &store.CallEventAppendParams{CampaignID: c.ID, Type: "probe"}); err != nil {
			t.Fatal(err)
		}
		select {
		case <-ch:
		case <-time.After(100 * time.Millisecond):
			if probes > 100 {
				t.Fatal("node A never received node B's events")
			}
			continue
		}
		break
	}
	for len(ch) > 0 {
		<-ch
	}
	step := func(typ string, write func() int64) {
		t.Helper()
		wrote := time.Now()
		attempt := write()
		select {
		case e := <-ch:
			if e.Type != typ || e.AttemptID != attempt || e.CampaignID != c.ID || e.ContactID != leased[0].ID {
				t.Fatalf("node A got %+v, want node B's %s of attempt %d", e, typ, attempt)
			}
			t.Logf("%s: node B's store write to node A's live view in %s", typ, time.Since(wrote).Round(100*time.Microsecond))
		case <-time.After(10 * time.Second):
			t.Fatalf("node B's %s never reached node A", typ)
		}
	}
	var a *store.Attempt
	step("attempt_started", func() int64 {
		a, err = dbB.AttemptStart(ctx, &store.AttemptStartParams{ContactID: leased[0].ID, Holder: "node-b", CallID: "b-1"})
		if err != nil {
			t.Fatal(err)
		}
		return a.ID
	})
	step("attempt_finished", func() int64 {
		if err := dbB.AttemptFinish(ctx, &store.AttemptFinishParams{AttemptID: a.ID, ContactID: leased[0].ID, Holder: "node-b",
			Outcome: "answered", Disposition: "completed", Final: true}); err != nil {
			t.Fatal(err)
		}
		return a.ID
	})
}
