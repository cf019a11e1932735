package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/voxdial/voxdial/store"
)

// ExerciseUsers runs the conformance tests of the dashboard's tables:
// users, sessions, API tokens, campaign owners, the admin audit log, and the
// read-side queries of live views (AttemptGet, CallEventTail, QueueStatsGet).
func ExerciseUsers(t *testing.T, newDB func(t *testing.T) *store.DB) {
	tests := []struct {
		name string
		f    func(t *testing.T, db *store.DB)
	}{
		{"Users", testUsers},
		{"Sessions", testSessions},
		{"Tokens", testTokens},
		{"OwnersAudit", testOwnersAudit},
		{"Observe", testObserve},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.f(t, newDB(t))
		})
	}
}

func testUsers(t *testing.T, db *store.DB) {
	ctx := context.Background()
	u, err := db.UserCreate(ctx, &store.UserCreateParams{Name: "ana", Role: store.RoleMarketing, PasswordHash: "h1", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	if u.ID == 0 || u.Role != "marketing" || u.Disabled || !u.CreatedAt.Equal(t0) {
		t.Fatalf("created %+v", u)
	}
	if _, err := db.UserCreate(ctx, &store.UserCreateParams{Name: "ana", Role: store.RoleAdmin}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate name: %v, want ErrConflict", err)
	}
	if _, err := db.UserCreate(ctx, &store.UserCreateParams{Name: "bob", Role: "boss"}); !errors.Is(err, store.ErrInvalidParams) {
		t.Fatalf("bad role: %v, want ErrInvalidParams", err)
	}
	got, err := db.UserGet(ctx, &store.UserGetParams{Name: "ana"})
	if err != nil || got.ID != u.ID || got.PasswordHash != "h1" {
		t.Fatalf("UserGet = %+v, %v", got, err)
	}
	if _, err := db.UserGet(ctx, &store.UserGetParams{Name: "nobody"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("UserGet(nobody) = %v", err)
	}
	yes, role := true, store.RoleCollections
	got, err = db.UserUpdate(ctx, &store.UserUpdateParams{ID: u.ID, Disabled: &yes, Role: &role})
	if err != nil || !got.Disabled || got.Role != role {
		t.Fatalf("UserUpdate = %+v, %v", got, err)
	}
	list, err := db.UserList(ctx)
	if err != nil || len(list) != 1 || !list[0].Disabled {
		t.Fatalf("UserList = %v, %v", list, err)
	}
}

func testSessions(t *testing.T, db *store.DB) {
	ctx := context.Background()
	u, err := db.UserCreate(ctx, &store.UserCreateParams{Name: "cy", Role: store.RoleAdmin, PasswordHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	exp := t0.Add(time.Hour)
	if err := db.SessionCreate(ctx, &store.SessionCreateParams{TokenHash: "s1", UserID: u.ID, CSRF: "c1", ExpiresAt: exp, Now: t0}); err != nil {
		t.Fatal(err)
	}
	s, err := db.SessionGet(ctx, &store.SessionGetParams{TokenHash: "s1", Now: t0.Add(time.Minute)})
	if err != nil || s.User.ID != u.ID || s.CSRF != "c1" || !s.ExpiresAt.Equal(exp) {
		t.Fatalf("SessionGet = %+v, %v", s, err)
	}
	if _, err := db.SessionGet(ctx, &store.SessionGetParams{TokenHash: "s1", Now: exp}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("expired session: %v", err)
	}
	if n, err := db.SessionDelete(ctx, &store.SessionDeleteParams{Now: exp}); err != nil || n != 1 {
		t.Fatalf("sweep = %d, %v", n, err)
	}
	// A password change ends the user's sessions.
	_ = db.SessionCreate(ctx, &store.SessionCreateParams{TokenHash: "s2", UserID: u.ID, CSRF: "c", ExpiresAt: exp, Now: t0})
	h := "new"
	if _, err := db.UserUpdate(ctx, &store.UserUpdateParams{ID: u.ID, PasswordHash: &h}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SessionGet(ctx, &store.SessionGetParams{TokenHash: "s2", Now: t0}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("session after password change: %v", err)
	}
}

func testTokens(t *testing.T, db *store.DB) {
	ctx := context.Background()
	u, _ := db.UserCreate(ctx, &store.UserCreateParams{Name: "bot", Role: store.RoleCollections})
	tok, err := db.TokenCreate(ctx, &store.TokenCreateParams{UserID: u.ID, Name: "crm", TokenHash: "th", Prefix: "vx_ab", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.TokenGet(ctx, &store.TokenGetParams{TokenHash: "th", Now: t0.Add(time.Minute)})
	if err != nil || got.ID != tok.ID || got.User.Name != "bot" {
		t.Fatalf("TokenGet = %+v, %v", got, err)
	}
	list, err := db.TokenList(ctx, &store.TokenListParams{UserID: u.ID})
	if err != nil || len(list) != 1 || !list[0].LastUsedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("TokenList = %+v, %v", list, err)
	}
	if err := db.TokenRevoke(ctx, &store.TokenRevokeParams{ID: tok.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.TokenGet(ctx, &store.TokenGetParams{TokenHash: "th"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("revoked token: %v", err)
	}
	_, _ = db.TokenCreate(ctx, &store.TokenCreateParams{UserID: u.ID, TokenHash: "old", ExpiresAt: t0})
	if _, err := db.TokenGet(ctx, &store.TokenGetParams{TokenHash: "old", Now: t0.Add(time.Second)}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("expired token: %v", err)
	}
}

func testOwnersAudit(t *testing.T, db *store.DB) {
	ctx := context.Background()
	u, _ := db.UserCreate(ctx, &store.UserCreateParams{Name: "m", Role: store.RoleMarketing})
	v, _ := db.UserCreate(ctx, &store.UserCreateParams{Name: "n", Role: store.RoleMarketing})
	c := newCampaign(t, db, "owned")
	if err := db.CampaignOwnerSet(ctx, &store.CampaignOwnerSetParams{CampaignID: c.ID, UserID: u.ID}); err != nil {
		t.Fatal(err)
	}
	if err := db.CampaignOwnerSet(ctx, &store.CampaignOwnerSetParams{CampaignID: c.ID, UserID: v.ID}); err != nil {
		t.Fatal(err)
	}
	owners, err := db.CampaignOwnerList(ctx)
	if err != nil || owners[c.ID] != v.ID || len(owners) != 1 {
		t.Fatalf("owners = %v, %v", owners, err)
	}
	for i, a := range []string{"user_add", "token_create"} {
		if err := db.AdminAuditAppend(ctx, &store.AdminAuditAppendParams{Actor: "root", Action: a, Target: "m",
			Detail: map[string]int{"i": i}, At: t0}); err != nil {
			t.Fatal(err)
		}
	}
	es, err := db.AdminAuditList(ctx, &store.AdminAuditListParams{Limit: 10})
	if err != nil || len(es) != 2 || es[0].Action != "token_create" || string(es[0].Detail) == "{}" {
		t.Fatalf("audit = %v, %v", es, err)
	}
	es, _ = db.AdminAuditList(ctx, &store.AdminAuditListParams{BeforeID: es[0].ID})
	if len(es) != 1 || es[0].Action != "user_add" {
		t.Fatalf("audit page 2 = %v", es)
	}
}

func testObserve(t *testing.T, db *store.DB) {
	ctx := context.Background()
	_, last, err := db.CallEventTail(ctx, &store.CallEventTailParams{AfterID: -1})
	if err != nil || last != 0 {
		t.Fatalf("tail of empty = %d, %v", last, err)
	}
	c := newCampaign(t, db, "observed")
	importN(t, db, c, 3)
	if _, err := db.CampaignStateSet(ctx, &store.CampaignStateSetParams{ID: c.ID, From: []string{"draft"}, To: "running", Now: t0}); err != nil {
		t.Fatal(err)
	}
	st, err := db.QueueStatsGet(ctx, &store.QueueStatsGetParams{Now: t0.Add(time.Hour)})
	if err != nil || st.Due != 3 || st.Leased != 0 {
		t.Fatalf("queue = %+v, %v", st, err)
	}
	got, err := db.ContactLeaseDue(ctx, &store.ContactLeaseDueParams{CampaignID: c.ID, Holder: "n1", Limit: 2, LeaseFor: time.Minute, Now: t0.Add(time.Hour)})
	if err != nil || len(got) != 2 {
		t.Fatalf("lease = %v, %v", got, err)
	}
	a, err := db.AttemptStart(ctx, &store.AttemptStartParams{ContactID: got[0].ID, Holder: "n1", CallID: "c1", Now: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	st, _ = db.QueueStatsGet(ctx, &store.QueueStatsGetParams{Now: t0.Add(2 * time.Hour)})
	if st.Due != 1 || st.Leased != 2 || st.LeaseExpired != 2 || st.Dialing != 1 {
		t.Fatalf("queue after lease = %+v", st)
	}
	ga, err := db.AttemptGet(ctx, &store.AttemptGetParams{ID: a.ID})
	if err != nil || ga.CallID != "c1" || ga.Phone != got[0].Phone {
		t.Fatalf("AttemptGet = %+v, %v", ga, err)
	}
	if _, err := db.AttemptGet(ctx, &store.AttemptGetParams{ID: a.ID + 100}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("AttemptGet(missing) = %v", err)
	}
	evs, next, err := db.CallEventTail(ctx, &store.CallEventTailParams{AfterID: last})
	if err != nil || len(evs) != 1 || evs[0].Type != "attempt_started" || next != evs[0].ID {
		t.Fatalf("tail = %v, %d, %v", evs, next, err)
	}
	evs, next2, _ := db.CallEventTail(ctx, &store.CallEventTailParams{AfterID: next})
	if len(evs) != 0 || next2 != next {
		t.Fatalf("tail again = %v, %d", evs, next2)
	}
}
