package dashboard

import (
	"net/http"

	"github.com/voxdial/voxdial/store"
)

// Conversation intelligence (docs/inspection.md): the compliance officer's list of
// calls that failed their inspection, and a campaign's sentiment and inspection
// figures.

// handleInspectionFailures is GET /api/inspection: failing calls, newest first,
// with the first failing rule and its offset (admin and compliance).
func (s *Server) handleInspectionFailures(w http.ResponseWriter, r *http.Request, p *principal) {
	limit := int(queryInt(r, "limit", 100))
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	fs, err := s.db.InspectionFailures(r.Context(), &store.InspectionFailuresParams{CampaignID: queryInt(r, "campaign", 0),
		Rule: r.URL.Query().Get("rule"), BeforeID: queryInt(r, "before", 0), Limit: limit})
	if err != nil {
		s.storeError(w, err)
		return
	}
	for i := range fs {
		fs[i].Phone = mask(p.fullNumbers(), fs[i].Phone)
	}
	writeJSON(w, http.StatusOK, map[string]any{"failures": fs})
}

// handleCampaignQuality is GET /api/campaigns/{id}/quality: the campaign's
// sentiment and inspection figures.
func (s *Server) handleCampaignQuality(w http.ResponseWriter, r *http.Request, _ *principal) {
	c, _, ok := s.loadCampaign(w, r)
	if !ok {
		return
	}
	q, err := s.db.CampaignQualityGet(r.Context(), c.ID)
	if err != nil {
		s.storeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, q)
}
