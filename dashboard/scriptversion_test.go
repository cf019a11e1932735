package dashboard_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
)

// TestScriptOwnership: a script's versions are its owner's (or an admin's) to add; another
// campaign owner gets 403 and the campaigns on it keep their text. A campaign is bound to
// the version it was created with until its owner (or an admin) binds it to another.
func TestScriptOwnership(t *testing.T) {
	t.Parallel()
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		b := setup(t, db)
		v1 := readFile(t, "payment-reminder.en.yaml")
		v2 := strings.Replace(v1, "name:", "# v2\nname:", 1)
		evil := strings.Replace(v1, "name:", "# not yours\nname:", 1)
		put := func(role, name, src string) *resp {
			return b.do(role, "PUT", "/api/scripts/"+name, map[string]string{"source": src})
		}
		if r := put(store.RoleMarketing, "reminder.yaml", v1); r.Code != 200 || !strings.Contains(string(r.Body), `"version":1`) {
			t.Fatalf("first upload = %d %s", r.Code, r.Body)
		}
		r := b.do(store.RoleMarketing, "POST", "/api/campaigns", map[string]any{"name": "m-camp", "script": "reminder.yaml"})
		if r.Code != 201 || !strings.Contains(string(r.Body), `"script":"reminder.yaml"`) || !strings.Contains(string(r.Body), `"script_version":1`) {
			t.Fatalf("create = %d %s", r.Code, r.Body)
		}
		var camp struct {
			ID int64 `json:"id"`
		}
		r.json(t, &camp)
		text := func() string {
			t.Helper()
			c, err := db.CampaignGet(ctx, &store.CampaignGetParams{ID: camp.ID})
			if err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(c.Script)
			if err != nil {
				t.Fatalf("the campaign's script: %v", err)
			}
			return string(data)
		}
		// Another campaign owner may not change it, nor the script the campaign uses.
		if r := put(store.RoleCollections, "reminder.yaml", evil); r.Code != 403 {
			t.Fatalf("another owner's upload = %d %s, want 403", r.Code, r.Body)
		}
		if r := b.do(store.RoleCollections, "PUT", fmt.Sprintf("/api/campaigns/%d/script", camp.ID), map[string]any{"script": "reminder.yaml"}); r.Code != 403 {
			t.Fatalf("another owner's rebind = %d %s, want 403", r.Code, r.Body)
		}
		if got := text(); got != v1 {
			t.Fatalf("the campaign's script changed:\n%s", got)
		}
		// The owner's new version leaves the campaign on version 1 until it is rebound.
		if r := put(store.RoleMarketing, "reminder.yaml", v2); r.Code != 200 || !strings.Contains(string(r.Body), `"version":2`) {
			t.Fatalf("second version = %d %s", r.Code, r.Body)
		}
		if got := text(); got != v1 {
			t.Fatal("a new version changed a campaign bound to version 1")
		}
		r = b.do(store.RoleMarketing, "PUT", fmt.Sprintf("/api/campaigns/%d/script", camp.ID), map[string]any{"script": "reminder.yaml"})
		if r.Code != 200 || !strings.Contains(string(r.Body), `"script_version":2`) {
			t.Fatalf("rebind = %d %s", r.Code, r.Body)
		}
		if got := text(); got != v2 {
			t.Fatal("the rebound campaign does not load version 2")
		}
		// An admin may change both; back to version 1.
		if r := put(store.RoleAdmin, "reminder.yaml", evil); r.Code != 200 || !strings.Contains(string(r.Body), `"version":3`) {
			t.Fatalf("admin upload = %d %s", r.Code, r.Body)
		}
		r = b.do(store.RoleAdmin, "PUT", fmt.Sprintf("/api/campaigns/%d/script", camp.ID), map[string]any{"script": "reminder.yaml", "version": 1})
		if r.Code != 200 || !strings.Contains(string(r.Body), `"script_version":1`) || text() != v1 {
			t.Fatalf("admin rebind = %d %s", r.Code, r.Body)
		}
		if r := b.do(store.RoleMarketing, "PUT", fmt.Sprintf("/api/campaigns/%d/script", camp.ID), map[string]any{"script": "reminder.yaml", "version": 9}); r.Code != 400 {
			t.Fatalf("missing version = %d %s", r.Code, r.Body)
		}
		// A file of the script directory from before versioning becomes version 1, unowned.
		if err := os.WriteFile(filepath.Join(b.scripts, "legacy.yaml"), []byte(v1), 0o644); err != nil {
			t.Fatal(err)
		}
		r = b.do(store.RoleCollections, "POST", "/api/campaigns", map[string]any{"name": "c-camp", "script": "legacy.yaml"})
		if r.Code != 201 || !strings.Contains(string(r.Body), `"script_version":1`) {
			t.Fatalf("create on a legacy file = %d %s", r.Code, r.Body)
		}
		// No campaign document shows where the server keeps its scripts.
		for _, role := range roles {
			r := b.do(role, "GET", "/api/campaigns", nil)
			if r.Code != 200 || strings.Contains(string(r.Body), b.scripts) || strings.Contains(string(r.Body), ".versions") {
				t.Fatalf("campaign list as %s shows the script path: %s", role, r.Body)
			}
			if r := b.do(role, "GET", fmt.Sprintf("/api/campaigns/%d", camp.ID), nil); strings.Contains(string(r.Body), b.scripts) {
				t.Fatalf("campaign as %s shows the script path: %s", role, r.Body)
			}
		}
	})
}
