package pgtest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/voxdial/voxdial/store"
)

// The server stops and starts again with its data; while it is down the store says
// ErrUnavailable, which is what the runner retries on.
func TestStopStart(t *testing.T) {
	s := Start(t)
	url := s.CreateDB("pgtest_db")
	ctx := context.Background()
	db, err := store.Open(ctx, url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.CampaignCreate(ctx, &store.CampaignCreateParams{Name: "c1"}); err != nil {
		t.Fatal(err)
	}
	s.Stop()
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	_, err = db.CampaignGet(cctx, &store.CampaignGetParams{Name: "c1"})
	cancel()
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("store down: got %v, want ErrUnavailable", err)
	}
	s.Start()
	var c *store.Campaign
	for i := 0; ; i++ {
		if c, err = db.CampaignGet(ctx, &store.CampaignGetParams{Name: "c1"}); err == nil || i > 50 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil || c.Name != "c1" {
		t.Fatalf("after restart: %+v %v", c, err)
	}
}
