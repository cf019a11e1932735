package dashboard

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/voxdial/voxdial/store"
)

// User management beyond create and disable (users.go): role changes, enabling again,
// password resets and the tokens of a user. Admin only; every change is audited. An admin
// cannot demote or disable themself, so that a deployment always keeps the admin who acts.

// userUpdateRequest is PATCH /api/users/{id}: the fields given change.
type userUpdateRequest struct {
	Role     *string `json:"role"`
	Disabled *bool   `json:"disabled"`
}

func (s *Server) handleUserUpdate(w http.ResponseWriter, r *http.Request, p *principal) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	var req userUpdateRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	if req.Role == nil && req.Disabled == nil {
		writeError(w, http.StatusBadRequest, "nothing to change: give role and/or disabled")
		return
	}
	if req.Role != nil && !validRole(*req.Role) {
		writeError(w, http.StatusBadRequest, "role %q: want admin, marketing, collections, compliance or manager", *req.Role)
		return
	}
	if id == p.User.ID && ((req.Role != nil && *req.Role != store.RoleAdmin) || (req.Disabled != nil && *req.Disabled)) {
		writeError(w, http.StatusConflict, "you cannot demote or disable yourself: ask another admin")
		return
	}
	u, err := s.db.UserUpdate(r.Context(), &store.UserUpdateParams{ID: id, Role: req.Role, Disabled: req.Disabled, Now: s.opts.Now()})
	if err != nil {
		s.storeError(w, err)
		return
	}
	s.audit(r, p, "user_update", u.Name, req)
	writeJSON(w, http.StatusOK, u)
}

func validRole(r string) bool {
	for _, x := range store.Roles {
		if r == x {
			return true
		}
	}
	return false
}

// passwordResetRequest is POST /api/users/{id}/password: a new password, or none to have
// the server make one (returned this once).
type passwordResetRequest struct {
	Password string `json:"password"`
}

func (s *Server) handlePasswordReset(w http.ResponseWriter, r *http.Request, p *principal) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	var req passwordResetRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	u, err := s.db.UserGet(r.Context(), &store.UserGetParams{ID: id})
	if err != nil {
		s.storeError(w, err)
		return
	}
	made := req.Password == ""
	if made {
		req.Password = randomString(12) // 16 characters of base64url: 96 bits
	}
	h, err := hashUserPassword(u.Name, req.Password, s.opts.BcryptCost)
	if err != nil {
		s.storeError(w, err)
		return
	}
	if _, err := s.db.UserUpdate(r.Context(), &store.UserUpdateParams{ID: id, PasswordHash: &h, Now: s.opts.Now()}); err != nil {
		s.storeError(w, err)
		return
	}
	s.audit(r, p, "password_reset", u.Name, nil)
	out := map[string]any{"user": u}
	if made {
		out["password"] = req.Password
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleTokenList(w http.ResponseWriter, r *http.Request, p *principal) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	if _, err := s.db.UserGet(r.Context(), &store.UserGetParams{ID: id}); err != nil {
		s.storeError(w, err)
		return
	}
	ts, err := s.db.TokenList(r.Context(), &store.TokenListParams{UserID: id})
	if err != nil {
		s.storeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": ts})
}

// handleTokenRevoke is POST /api/users/{id}/tokens/{token}/revoke.
func (s *Server) handleTokenRevoke(w http.ResponseWriter, r *http.Request, p *principal) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	tid, err := strconv.ParseInt(r.PathValue("token"), 10, 64)
	if err != nil || tid <= 0 {
		writeError(w, http.StatusBadRequest, "bad token id %q", r.PathValue("token"))
		return
	}
	ts, err := s.db.TokenList(r.Context(), &store.TokenListParams{UserID: id})
	if err != nil {
		s.storeError(w, err)
		return
	}
	var t *store.Token
	for _, x := range ts {
		if x.ID == tid {
			t = x
		}
	}
	if t == nil {
		s.storeError(w, fmt.Errorf("token %d of user %d: %w", tid, id, store.ErrNotFound))
		return
	}
	if err := s.db.TokenRevoke(r.Context(), &store.TokenRevokeParams{ID: tid}); err != nil {
		s.storeError(w, err)
		return
	}
	t.Revoked = true
	s.audit(r, p, "token_revoke", strconv.FormatInt(id, 10), map[string]any{"token_id": tid, "name": t.Name})
	writeJSON(w, http.StatusOK, t)
}
