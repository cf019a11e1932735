package dashboard_test

import (
	"strings"
	"testing"

	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
)

// TestComplianceScreens: only compliance and admin edit DNC and consent;
// everyone reads, masked unless the role needs full numbers.
func TestComplianceScreens(t *testing.T) {
	t.Parallel()
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		b := setup(t, db)
		add := map[string]any{"phones": []string{"+14155550188"}, "reason": "asked on the phone"}
		for _, role := range roles {
			want := 403
			if role == store.RoleCompliance || role == store.RoleAdmin {
				want = 200
			}
			if r := b.do(role, "POST", "/api/dnc", add); r.Code != want {
				t.Errorf("POST /api/dnc as %s = %d %s, want %d", role, r.Code, r.Body, want)
			}
			consent := map[string]any{"phone": "+14155550199", "seller": "acme", "kind": "written", "scope": []string{"collections"},
				"given_at": "2026-01-02T03:04:05Z", "evidence_text": "I agree"}
			want201 := 403
			if want == 200 {
				want201 = 201
			}
			if r := b.do(role, "POST", "/api/consent", consent); r.Code != want201 && r.Code != 409 {
				t.Errorf("POST /api/consent as %s = %d %s, want %d", role, r.Code, r.Body, want201)
			}
		}
		if r := b.do(store.RoleCompliance, "POST", "/api/dnc", map[string]any{"phones": []string{"123"}, "reason": "x"}); r.Code != 400 {
			t.Errorf("bad number = %d", r.Code)
		}
		if r := b.do(store.RoleCompliance, "POST", "/api/dnc", map[string]any{"phones": []string{"+14155550111"}}); r.Code != 400 {
			t.Errorf("no reason = %d", r.Code)
		}
		r := b.do(store.RoleCompliance, "GET", "/api/dnc?phone=%2B14155550188", nil)
		if r.Code != 200 || !strings.Contains(string(r.Body), "+14155550188") || !strings.Contains(string(r.Body), `"added_by":"admin-user"`) { // the first to list it
			t.Errorf("compliance DNC list = %d %s", r.Code, r.Body)
		}
		r = b.do(store.RoleManager, "GET", "/api/dnc", nil)
		if r.Code != 200 || strings.Contains(string(r.Body), "+14155550188") || !strings.Contains(string(r.Body), "0188") {
			t.Errorf("manager DNC list not masked: %d %s", r.Code, r.Body)
		}
		r = b.do(store.RoleManager, "GET", "/api/consent?phone=%2B14155550199", nil)
		if r.Code != 200 || strings.Contains(string(r.Body), "+14155550199") || strings.Contains(string(r.Body), "I agree") {
			t.Errorf("manager consent list not masked: %d %s", r.Code, r.Body)
		}
		for _, role := range []string{store.RoleManager, store.RoleMarketing} {
			if r := b.do(role, "POST", "/api/dnc/remove", map[string]any{"phone": "+14155550188", "reason": "x"}); r.Code != 403 {
				t.Errorf("remove as %s = %d", role, r.Code)
			}
			if r := b.do(role, "POST", "/api/consent/revoke", map[string]any{"phone": "+14155550199", "seller": "acme"}); r.Code != 403 {
				t.Errorf("revoke as %s = %d", role, r.Code)
			}
		}
		if r := b.do(store.RoleCompliance, "POST", "/api/dnc/remove", map[string]any{"phone": "+14155550188", "reason": "listed by mistake"}); r.Code != 200 {
			t.Errorf("remove = %d %s", r.Code, r.Body)
		}
		if r := b.do(store.RoleCompliance, "POST", "/api/consent/revoke", map[string]any{"phone": "+14155550199", "seller": "acme"}); r.Code != 200 ||
			!strings.Contains(string(r.Body), `"revoked":2`) { // admin's and compliance's records
			t.Errorf("revoke = %d %s", r.Code, r.Body)
		}
		for role, want := range map[string]int{store.RoleManager: 200, store.RoleCompliance: 200, store.RoleMarketing: 403} {
			if r := b.do(role, "GET", "/api/audit", nil); r.Code != want {
				t.Errorf("audit as %s = %d, want %d", role, r.Code, want)
			}
		}
	})
}
