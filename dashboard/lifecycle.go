package dashboard

import (
	"net/http"

	"github.com/voxdial/voxdial/campaign"
	"github.com/voxdial/voxdial/store"
)

// The campaign lifecycle endpoints (docs/campaign-lifecycle.md): edit, clone,
// archive, recycle. Each is for those who manage the campaign (its owner or an
// admin); managers and compliance read only.

// campaignEditRequest is PATCH /api/campaigns/{id}: the settings given change.
type campaignEditRequest struct {
	Name          *string               `json:"name"`
	MaxConcurrent *int                  `json:"max_concurrent"`
	MaxAttempts   *int                  `json:"max_attempts"`
	Schedule      *campaign.Schedule    `json:"schedule"`
	Retry         *campaign.RetryPolicy `json:"retry"`
	CallerIDs     *[]string             `json:"caller_ids"`
	// Only while draft or paused:
	Script        *string   `json:"script"`
	ScriptVersion int       `json:"script_version"`
	Requires      *[]string `json:"requires"`
	Seller        *string   `json:"seller"`
	Purpose       *string   `json:"purpose"`
	Trunk         *string   `json:"trunk"`
}

func (s *Server) handleCampaignEdit(w http.ResponseWriter, r *http.Request, p *principal) {
	c, owner, ok := s.loadCampaign(w, r)
	if !ok || s.forbidUnlessManager(w, p, c, owner) {
		return
	}
	var req campaignEditRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	e := campaign.EditParams{Name: req.Name, MaxConcurrent: req.MaxConcurrent, MaxAttempts: req.MaxAttempts, Schedule: req.Schedule,
		Retry: req.Retry, CallerIDs: req.CallerIDs, Requires: req.Requires, Seller: req.Seller, Purpose: req.Purpose, Trunk: req.Trunk,
		Now: s.opts.Now()}
	var script *boundScript
	if req.Script != nil {
		var err error
		if script, err = s.resolveScript(r.Context(), *req.Script, req.ScriptVersion); err != nil {
			writeError(w, http.StatusBadRequest, "script: %v", err)
			return
		}
		e.Script = &script.path
	}
	nc, err := campaign.Edit(r.Context(), s.db, c.ID, e)
	if err != nil {
		s.storeError(w, err)
		return
	}
	if script != nil && script.version != nil {
		v := script.version
		if err := s.db.CampaignScriptSet(r.Context(), &store.CampaignScriptSetParams{CampaignID: c.ID, Name: v.Name, Version: v.Version,
			Path: script.path, Requires: nc.Requires, By: p.User.Name, Now: s.opts.Now()}); err != nil {
			s.storeError(w, err)
			return
		}
	}
	_ = s.db.CallEventAppend(r.Context(), &store.CallEventAppendParams{CampaignID: c.ID, Type: "campaign_edit",
		Data: map[string]any{"by": p.User.Name}, At: s.opts.Now()})
	b, _ := s.binding(r, c.ID)
	writeJSON(w, http.StatusOK, newCampaignDoc(p, nc, owner, b))
}

// campaignCloneRequest is POST /api/campaigns/{id}/clone.
type campaignCloneRequest struct {
	Name     string `json:"name"`
	Contacts bool   `json:"contacts"` // copy the contacts too (fresh, pending)
}

// handleCampaignClone copies a campaign the caller manages; the copy is theirs, a draft.
func (s *Server) handleCampaignClone(w http.ResponseWriter, r *http.Request, p *principal) {
	c, owner, ok := s.loadCampaign(w, r)
	if !ok || s.forbidUnlessManager(w, p, c, owner) {
		return
	}
	var req campaignCloneRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	nc, n, err := campaign.Clone(r.Context(), s.db, c.ID, campaign.CloneParams{Name: req.Name, Contacts: req.Contacts, Now: s.opts.Now()})
	if err != nil {
		s.storeError(w, err)
		return
	}
	if err := s.db.CampaignOwnerSet(r.Context(), &store.CampaignOwnerSetParams{CampaignID: nc.ID, UserID: p.User.ID}); err != nil {
		s.storeError(w, err)
		return
	}
	b, err := s.binding(r, c.ID)
	if err != nil {
		s.storeError(w, err)
		return
	}
	if b != nil {
		if err := s.db.CampaignScriptSet(r.Context(), &store.CampaignScriptSetParams{CampaignID: nc.ID, Name: b.Name, Version: b.Version,
			Path: c.Script, Requires: c.Requires, By: p.User.Name, Now: s.opts.Now()}); err != nil {
			s.storeError(w, err)
			return
		}
		b = &store.CampaignScript{CampaignID: nc.ID, Name: b.Name, Version: b.Version}
	}
	_ = s.db.CallEventAppend(r.Context(), &store.CallEventAppendParams{CampaignID: nc.ID, Type: "campaign_clone",
		Data: map[string]any{"by": p.User.Name, "from": c.ID, "contacts": n}, At: s.opts.Now()})
	writeJSON(w, http.StatusCreated, map[string]any{"campaign": newCampaignDoc(p, nc, p.User.ID, b), "contacts_copied": n})
}

// handleCampaignArchive archives (POST …/archive) or restores (POST …/unarchive).
func (s *Server) handleCampaignArchive(archived bool) func(http.ResponseWriter, *http.Request, *principal) {
	return func(w http.ResponseWriter, r *http.Request, p *principal) {
		c, owner, ok := s.loadCampaign(w, r)
		if !ok || s.forbidUnlessManager(w, p, c, owner) {
			return
		}
		nc, err := campaign.Archive(r.Context(), s.db, c.ID, archived, s.opts.Now())
		if err != nil {
			s.storeError(w, err)
			return
		}
		typ := "campaign_archive"
		if !archived {
			typ = "campaign_unarchive"
		}
		_ = s.db.CallEventAppend(r.Context(), &store.CallEventAppendParams{CampaignID: c.ID, Type: typ,
			Data: map[string]any{"by": p.User.Name}, At: s.opts.Now()})
		b, _ := s.binding(r, c.ID)
		writeJSON(w, http.StatusOK, newCampaignDoc(p, nc, owner, b))
	}
}

// campaignRecycleRequest is POST /api/campaigns/{id}/recycle.
type campaignRecycleRequest struct {
	Outcomes     []string `json:"outcomes"`
	Dispositions []string `json:"dispositions"`
}

// handleCampaignRecycle makes final contacts matching an outcome or disposition due again.
func (s *Server) handleCampaignRecycle(w http.ResponseWriter, r *http.Request, p *principal) {
	c, owner, ok := s.loadCampaign(w, r)
	if !ok || s.forbidUnlessManager(w, p, c, owner) {
		return
	}
	var req campaignRecycleRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	res, err := campaign.Recycle(r.Context(), s.db, c.ID, campaign.RecycleParams{Outcomes: req.Outcomes, Dispositions: req.Dispositions, Now: s.opts.Now()})
	if err != nil {
		s.storeError(w, err)
		return
	}
	_ = s.db.CallEventAppend(r.Context(), &store.CallEventAppendParams{CampaignID: c.ID, Type: "campaign_recycle",
		Data: map[string]any{"by": p.User.Name, "outcomes": req.Outcomes, "dispositions": req.Dispositions, "recycled": res.Recycled}, At: s.opts.Now()})
	b, _ := s.binding(r, c.ID)
	writeJSON(w, http.StatusOK, map[string]any{"recycled": res.Recycled, "campaign": newCampaignDoc(p, res.Campaign, owner, b)})
}
