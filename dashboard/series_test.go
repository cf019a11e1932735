package dashboard_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
)

func TestCampaignSeries(t *testing.T) {
	t.Parallel()
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		b := setup(t, db)
		camp, _ := b.seedCampaign("charted", store.RoleMarketing)
		_ = db.CallEventAppend(context.Background(), &store.CallEventAppendParams{CampaignID: camp, Type: "gate_block",
			Data: map[string]any{"rules": []string{"DNC_INTERNAL"}, "reason": "listed"}})
		for _, tc := range []struct {
			query string
			code  int
		}{{"", 200}, {"?bucket=3600", 200}, {"?bucket=0", 400}, {"?bucket=90000", 400}, {"?since=yesterday", 400}, {"?since=2020-01-01T00:00:00Z", 200}, {"?types=bogus", 400}} {
			r := b.do(store.RoleManager, "GET", fmt.Sprintf("/api/campaigns/%d/series%s", camp, tc.query), nil)
			if r.Code != tc.code {
				t.Errorf("series%s = %d %s, want %d", tc.query, r.Code, r.Body, tc.code)
				continue
			}
			if r.Code != 200 {
				continue
			}
			var out struct {
				Points []struct {
					Started  int64            `json:"started"`
					Finished map[string]int64 `json:"finished"`
				} `json:"points"`
				Outcomes map[string]int64 `json:"outcomes"`
				Gate     map[string]int64 `json:"gate"`
			}
			r.json(t, &out)
			var started int64
			for _, p := range out.Points {
				started += p.Started
			}
			if started != 1 || out.Outcomes["answered"] != 1 || out.Gate["DNC_INTERNAL"] != 1 {
				t.Errorf("series%s: %s", tc.query, r.Body)
			}
		}
	})
}
