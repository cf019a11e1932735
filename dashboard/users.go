package dashboard

import (
	"net/http"
	"time"

	"github.com/voxdial/voxdial/store"
)

func (s *Server) audit(r *http.Request, p *principal, action, target string, detail any) {
	if err := s.db.AdminAuditAppend(r.Context(), &store.AdminAuditAppendParams{Actor: p.User.Name, Action: action,
		Target: target, Detail: detail, At: s.opts.Now()}); err != nil {
		s.log.Warn("admin audit")
	}
}

func (s *Server) handleUserList(w http.ResponseWriter, r *http.Request, p *principal) {
	us, err := s.db.UserList(r.Context())
	if err != nil {
		s.storeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": us})
}

type userCreateRequest struct {
	Name     string `json:"name"`
	Role     string `json:"role"`
	Password string `json:"password"`
}

func (s *Server) handleUserCreate(w http.ResponseWriter, r *http.Request, p *principal) {
	var req userCreateRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	u, err := UserAdd(r.Context(), s.db, req.Name, req.Role, req.Password, s.opts.BcryptCost)
	if err != nil {
		s.storeError(w, err)
		return
	}
	s.audit(r, p, "user_add", u.Name, map[string]string{"role": u.Role})
	writeJSON(w, http.StatusCreated, u)
}

func (s *Server) handleUserDisable(w http.ResponseWriter, r *http.Request, p *principal) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	yes := true
	u, err := s.db.UserUpdate(r.Context(), &store.UserUpdateParams{ID: id, Disabled: &yes, Now: s.opts.Now()})
	if err != nil {
		s.storeError(w, err)
		return
	}
	s.audit(r, p, "user_disable", u.Name, nil)
	writeJSON(w, http.StatusOK, u)
}

type tokenCreateRequest struct {
	Name string `json:"name"`
	TTL  string `json:"ttl"` // Go duration; "" never expires
}

// tokenDoc is a new token: the secret is shown this once.
type tokenDoc struct {
	Token  *store.Token `json:"token"`
	Secret string       `json:"secret"`
}

func (s *Server) handleTokenCreate(w http.ResponseWriter, r *http.Request, p *principal) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	var req tokenCreateRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	var ttl time.Duration
	if req.TTL != "" {
		var err error
		if ttl, err = time.ParseDuration(req.TTL); err != nil || ttl < 0 {
			writeError(w, http.StatusBadRequest, "ttl %q: want a duration such as 720h", req.TTL)
			return
		}
	}
	u, err := s.db.UserGet(r.Context(), &store.UserGetParams{ID: id})
	if err != nil {
		s.storeError(w, err)
		return
	}
	secret, t, err := TokenIssue(r.Context(), s.db, u.ID, req.Name, ttl)
	if err != nil {
		s.storeError(w, err)
		return
	}
	s.audit(r, p, "token_create", u.Name, map[string]any{"token_id": t.ID, "name": t.Name})
	writeJSON(w, http.StatusCreated, tokenDoc{Token: t, Secret: secret})
}

func (s *Server) handleAdminAudit(w http.ResponseWriter, r *http.Request, p *principal) {
	es, err := s.db.AdminAuditList(r.Context(), &store.AdminAuditListParams{BeforeID: queryInt(r, "before", 0), Limit: int(queryInt(r, "limit", 100))})
	if err != nil {
		s.storeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": es})
}
