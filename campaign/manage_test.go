package campaign

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
)

// TestEditRules: what may change in which state.
func TestEditRules(t *testing.T) {
	db := storetest.OpenSQLite(t)
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	if _, err := db.SellerPut(ctx, &store.SellerPutParams{ID: "acme"}); err != nil {
		t.Fatal(err)
	}
	str := func(s string) *string { return &s }
	n := func(i int) *int { return &i }
	cases := []struct {
		name  string
		state string
		edit  EditParams
		err   error  // nil: accepted
		text  string // in the error
	}{
		{"running: concurrency", store.CampaignRunning, EditParams{MaxConcurrent: n(3)}, nil, ""},
		{"running: schedule", store.CampaignRunning, EditParams{Schedule: &Schedule{Days: []string{"mon"}, EndDate: "2027-01-31"}}, nil, ""},
		{"running: bad schedule", store.CampaignRunning, EditParams{Schedule: &Schedule{Days: []string{"someday"}}}, ErrInvalidCampaign, "someday"},
		{"running: caller id normalised", store.CampaignRunning, EditParams{CallerIDs: &[]string{"(212) 555-0000"}}, nil, ""},
		{"running: bad caller id", store.CampaignRunning, EditParams{CallerIDs: &[]string{"12"}}, ErrInvalidCampaign, "caller ID"},
		{"running: purpose", store.CampaignRunning, EditParams{Purpose: str("telemarketing")}, ErrNotEditable, "pause it first"},
		{"running: seller", store.CampaignRunning, EditParams{Seller: str("acme")}, ErrNotEditable, "seller"},
		{"paused: seller", store.CampaignPaused, EditParams{Seller: str("acme")}, nil, ""},
		{"paused: unknown seller", store.CampaignPaused, EditParams{Seller: str("ghost")}, ErrUnknownSeller, `seller "ghost" is not registered`},
		{"paused: typed requires", store.CampaignPaused, EditParams{Requires: &[]string{"due:date"}}, nil, ""},
		{"paused: bad requires", store.CampaignPaused, EditParams{Requires: &[]string{"due:when"}}, ErrInvalidCampaign, "when"},
		{"draft: zero concurrency", store.CampaignDraft, EditParams{MaxConcurrent: n(0)}, ErrInvalidCampaign, "positive"},
		{"completed: rename", store.CampaignCompleted, EditParams{Name: str("renamed-ok")}, nil, ""},
		{"completed: concurrency", store.CampaignCompleted, EditParams{MaxConcurrent: n(2)}, ErrNotEditable, "only its name"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Create(ctx, db, CreateParams{Name: "edit-" + string(rune('a'+i)), Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if tc.state != store.CampaignDraft {
				if _, err := db.CampaignStateSet(ctx, &store.CampaignStateSetParams{ID: c.ID, From: []string{store.CampaignDraft}, To: tc.state}); err != nil {
					t.Fatal(err)
				}
			}
			tc.edit.Now = now.Add(time.Minute)
			nc, err := Edit(ctx, db, c.ID, tc.edit)
			if tc.err == nil {
				if err != nil {
					t.Fatal(err)
				}
				if tc.edit.CallerIDs != nil && nc.CallerIDs[0] != "+12125550000" {
					t.Fatalf("caller IDs %v", nc.CallerIDs)
				}
				return
			}
			if !errors.Is(err, tc.err) || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("err %v, want %v with %q", err, tc.err, tc.text)
			}
		})
	}
}

// TestRecycleSchedulesCompleted: recycling a completed campaign's contacts schedules it
// again; a stopped or archived one is refused.
func TestRecycleSchedulesCompleted(t *testing.T) {
	db := storetest.OpenSQLite(t)
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	c, err := Create(ctx, db, CreateParams{Name: "rc", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := importString(t, db, c, "phone\n+14155550101\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ContactFinishPending(ctx, &store.ContactFinishPendingParams{CampaignID: c.ID, Disposition: "no_answer", Now: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CampaignStateSet(ctx, &store.CampaignStateSetParams{ID: c.ID, From: []string{store.CampaignDraft}, To: store.CampaignCompleted, Now: now}); err != nil {
		t.Fatal(err)
	}
	res, err := Recycle(ctx, db, c.ID, RecycleParams{Dispositions: []string{"no_answer"}, Now: now})
	if err != nil || res.Recycled != 1 || res.Campaign.State != store.CampaignScheduled || !res.Campaign.FinishedAt.IsZero() {
		t.Fatalf("recycle: %+v %v", res, err)
	}
	if _, err := Archive(ctx, db, c.ID, true, now); !errors.Is(err, store.ErrStateConflict) {
		t.Fatalf("archive a scheduled campaign: %v", err)
	}
	if _, _, err := Stop(ctx, db, c.ID, now); err != nil {
		t.Fatal(err)
	}
	if _, err := Recycle(ctx, db, c.ID, RecycleParams{Dispositions: []string{"stopped"}, Now: now}); !errors.Is(err, store.ErrStateConflict) {
		t.Fatalf("recycle a stopped campaign: %v", err)
	}
	if _, err := Archive(ctx, db, c.ID, true, now); err != nil {
		t.Fatal(err)
	}
	if _, err := Edit(ctx, db, c.ID, EditParams{MaxAttempts: new(int)}); !errors.Is(err, ErrArchived) {
		t.Fatalf("edit an archived campaign: %v", err)
	}
	if _, err := Import(ctx, db, strings.NewReader("phone\n+14155550102\n"), ImportOptions{Campaign: mustGet(t, db, c.ID)}); !errors.Is(err, ErrArchived) {
		t.Fatalf("import into an archived campaign: %v", err)
	}
}

func mustGet(t *testing.T, db *store.DB, id int64) *store.Campaign {
	t.Helper()
	c, err := db.CampaignGet(context.Background(), &store.CampaignGetParams{ID: id})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
