package campaign

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
)

// Writes parked by a runner that is gone are taken over by the next one in the directory
// (a torn last line dropped), replayed in order, and those the store refuses for good are
// kept in rejected.jsonl.
func TestSpoolTakeOverReplay(t *testing.T) {
	ctx := context.Background()
	db := storetest.OpenSQLite(t)
	c, err := db.CampaignCreate(ctx, &store.CampaignCreateParams{Name: "spool"})
	if err != nil {
		t.Fatal(err)
	}
	log := zaptest.NewLogger(t)
	dir := t.TempDir()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

	old, err := openSpool(dir, "node/a", log)
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range []string{"first", "second"} {
		if err := old.park(spoolWrite{Event: &store.CallEventAppendParams{CampaignID: c.ID, Type: typ, At: at}}); err != nil {
			t.Fatal(err)
		}
	}
	// Refused for good: the contact is not leased by this holder.
	if err := old.park(spoolWrite{Finish: &store.ContactFinishParams{ContactID: 999, Holder: "node/a", Disposition: "completed", Now: at}}); err != nil {
		t.Fatal(err)
	}
	// The process dies in the middle of appending a fourth (the lock goes with it).
	f, err := os.OpenFile(old.path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(`{"event":{"CampaignID":`); err != nil {
		t.Fatal(err)
	}
	f.Close()
	old.lock.Close()
	old.f.Close()

	// A live runner's spool is not taken over.
	live, err := openSpool(dir, "node-live", log)
	if err != nil {
		t.Fatal(err)
	}
	defer live.close()
	if live.pending() != 3 {
		t.Fatalf("the next runner took over %d writes, want 3 (the torn line dropped)", live.pending())
	}
	other, err := openSpool(dir, "node-other", log)
	if err != nil {
		t.Fatal(err)
	}
	if other.pending() != 0 {
		t.Fatalf("a live runner's writes were taken over: %d", other.pending())
	}
	other.close()
	if _, err := os.Stat(old.path); !os.IsNotExist(err) {
		t.Fatalf("the dead runner's file is still there: %v", err)
	}
	applied, left, err := live.replay(ctx, db)
	if err != nil || applied != 2 || left != 0 {
		t.Fatalf("replay: applied %d, left %d, %v", applied, left, err)
	}
	evs, err := db.CallEventList(ctx, &store.CallEventListParams{CampaignID: c.ID})
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range evs {
		types = append(types, e.Type)
	}
	if strings.Join(types, ",") != "first,second" {
		t.Fatalf("events %v, want first,second in order", types)
	}
	rej, err := os.ReadFile(filepath.Join(dir, rejectedName))
	if err != nil || !strings.Contains(string(rej), `"ContactID":999`) {
		t.Fatalf("rejected.jsonl: %q %v", rej, err)
	}
	if b, _ := os.ReadFile(live.path); len(b) != 0 {
		t.Fatalf("spool not emptied after the replay: %q", b)
	}
}

// The spooled-writes gauge is read by the metrics endpoint from the moment a node
// serves HTTP, which can be before its runner's Run has opened the spool: under -race
// the read and Run's setting of the spool must not race (they did: the serve tests
// failed in CI on it).
func TestSpooledWritesWhileRunStarts(t *testing.T) {
	t.Parallel()
	db := storetest.OpenSQLite(t)
	b := setupCluster(t)
	log := zaptest.NewLogger(t, zaptest.Level(zap.ErrorLevel))
	stop := make(chan struct{})
	read := make(chan int)
	var n *testNode
	started := make(chan struct{})
	go func() {
		<-started
		reads := 0
		for {
			select {
			case <-stop:
				read <- reads
				return
			default:
				if n.runner.SpooledWrites() != 0 {
					t.Error("writes spooled with the store up")
				}
				reads++
			}
		}
	}()
	n = b.startNode(t, "node-gauge", db, NewLocalPacer(nil), newDecisionLog(), TrunkLimits{CPS: 5, Channels: 1}, log, nil,
		func(o *RunnerOptions) { o.SpoolDir = t.TempDir() })
	close(started)
	time.Sleep(200 * time.Millisecond)
	close(stop)
	if reads := <-read; reads == 0 {
		t.Fatal("the gauge was never read")
	}
}
