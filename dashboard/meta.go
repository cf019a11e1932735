package dashboard

import (
	"net/http"

	"github.com/voxdial/voxdial/outcome"
)

// handleOutcomes serves the outcome table (code, label, colour, stage, final, history
// class) so the UI colours and names outcomes from the one table instead of a copy.
func (s *Server) handleOutcomes(w http.ResponseWriter, r *http.Request, p *principal) {
	w.Header().Set("Cache-Control", "private, max-age=300")
	writeJSON(w, http.StatusOK, map[string]any{"outcomes": outcome.All()})
}
